using Microsoft.Extensions.Options;

using TrafficConsole.Cluster.Cache;
using TrafficConsole.Cluster.History;
using TrafficConsole.Cluster.Writing;
using TrafficConsole.Mesh.History;
using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Services;

namespace TrafficConsole.Cluster.Tests.Writing;

/// <summary>The one write flow the service layer calls: write as the user, wait for the cache, record the revision.</summary>
public sealed class ChangeWriterTests
{
    private const string Ns = "bookinfo";

    [Fact]
    public async Task An_applied_change_is_in_the_cache_and_recorded_with_its_author_and_reason_when_the_call_returns()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        MeshCache cache = await cluster.StartCacheAsync();
        var writer = new RoutingWriter(cluster.NewClient(), cache);
        await using var recorder = new RevisionRecorder(cluster.NewClient(), cache, Options.Create(new HistoryOptions()), writes: writer.Writes);
        var changes = new ChangeWriter(writer, recorder);

        ServiceView before = cache.Current.GetServiceView(Ns, "reviews")!;
        RoutingPlan plan = RoutingIntentPlanner.PlanSplit(before, TrafficSplit.Of(("v1", 30), ("v2", 70), ("v3", 0)), cache.Current.Apis.IstioApiVersion!);
        WriteResult.Applied applied = Assert.IsType<WriteResult.Applied>(
            await changes.ApplyAsync(before, plan, new RevisionChange("alice", RevisionAction.Apply, "canary step 1"), user: null));

        // No waiting here: the flow returned after the cache showed the write and the revision was recorded.
        ServiceView now = cache.Current.GetServiceView(Ns, "reviews")!;
        Assert.Equal(applied.ResultingRevision, now.Routing.Revision);
        Assert.Equal(70, now.Routing.EffectiveSplit.WeightOf("v2"));
        RoutingRevision recorded = Assert.Single(cache.Current.GetRevisions(Ns, "reviews"));
        Assert.Equal((now.Routing.Revision, "alice", "canary step 1", RevisionSource.Console), (recorded.Key, recorded.Actor, recorded.Reason, recorded.Source));
    }

    [Fact]
    public async Task A_refused_write_records_nothing_and_a_delete_is_recorded_as_one()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        MeshCache cache = await cluster.StartCacheAsync();
        var writer = new RoutingWriter(cluster.NewClient(), cache);
        await using var recorder = new RevisionRecorder(cluster.NewClient(), cache, Options.Create(new HistoryOptions()), writes: writer.Writes);
        var changes = new ChangeWriter(writer, recorder);
        string api = cache.Current.Apis.IstioApiVersion!;

        ServiceView seen = cache.Current.GetServiceView(Ns, "reviews")!;
        Assert.IsType<WriteResult.Applied>(await changes.ApplyAsync(seen, RoutingIntentPlanner.PlanSplit(seen, TrafficSplit.Of(("v1", 80), ("v2", 20), ("v3", 0)), api), new RevisionChange("alice", RevisionAction.Apply), user: null));

        // A plan made from the routing before alice's write is refused by the API server; nothing new is recorded.
        WriteResult stale = await changes.ApplyAsync(seen, RoutingIntentPlanner.PlanSplit(seen, TrafficSplit.Of(("v1", 0), ("v2", 100), ("v3", 0)), api), new RevisionChange("bob", RevisionAction.Apply), user: null);
        Assert.IsNotType<WriteResult.Applied>(stale);
        Assert.Single(cache.Current.GetRevisions(Ns, "reviews"));

        ServiceView current = cache.Current.GetServiceView(Ns, "reviews")!;
        Assert.IsType<WriteResult.Applied>(await changes.DeleteAsync(current, RoutingResources.PlanDelete(current), new RevisionChange("carol", RevisionAction.Delete, "back to plain Kubernetes"), user: null));
        Assert.Equal(RoutingKind.None, cache.Current.GetServiceView(Ns, "reviews")!.Routing.Kind);
        Assert.Equal(
            [("alice", RevisionAction.Apply), ("carol", RevisionAction.Delete)],
            cache.Current.GetRevisions(Ns, "reviews").Select(static r => (r.Actor, r.Action)));
    }
}
