using k8s;

using Microsoft.Extensions.Options;

using TrafficConsole.Cluster.Cache;
using TrafficConsole.Cluster.History;
using TrafficConsole.Cluster.Tests.Infrastructure;
using TrafficConsole.Cluster.Writing;
using TrafficConsole.Mesh.History;
using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Services;

namespace TrafficConsole.Cluster.Tests.History;

/// <summary>
/// Istio writes the Reconciled condition into routing resources' status once its proxies have the config: the
/// resourceVersion moves, the routing does not. These writes must neither make drafts stale nor enter the history.
/// </summary>
public sealed class StatusWriteTests
{
    private const string Ns = "bookinfo";

    private static async Task<(MeshCache Cache, RoutingWriter Writer, RevisionRecorder Recorder)> StartAsync(TestCluster cluster)
    {
        MeshCache cache = await cluster.StartCacheAsync();
        var writer = new RoutingWriter(cluster.NewClient(), cache);
        var recorder = new RevisionRecorder(cluster.NewClient(), cache, Options.Create(new HistoryOptions { SettleDelay = TimeSpan.FromMilliseconds(200) }), writes: writer.Writes);
        return (cache, writer, recorder);
    }

    private static async Task<(WriteResult.Applied Applied, RoutingRevision Revision)> ApplyAsync(MeshCache cache, RoutingWriter writer, RevisionRecorder recorder, int v1, int v2)
    {
        ServiceView before = cache.Current.GetServiceView(Ns, "reviews")!;
        RoutingPlan plan = RoutingIntentPlanner.PlanSplit(before, TrafficSplit.Of(("v1", v1), ("v2", v2), ("v3", 0)), cache.Current.Apis.IstioApiVersion!);
        WriteResult.Applied applied = Assert.IsType<WriteResult.Applied>(await writer.ApplyAsync(plan, "alice"));
        RoutingRevision revision = (await recorder.RecordAppliedAsync(before, applied, new RevisionChange("alice", RevisionAction.Apply)))!;
        return (applied, revision);
    }

    // Reconciled on both routing resources at their current generation; waits until the cache shows both writes.
    private static async Task WriteStatusAsync(TestCluster cluster, MeshCache cache)
    {
        long vsGeneration = await IstiodStatus.GenerationAsync(cluster.Client, "virtualservices", Ns, "reviews");
        long drGeneration = await IstiodStatus.GenerationAsync(cluster.Client, "destinationrules", Ns, "reviews");
        string vsVersion = await IstiodStatus.ReconciledAsync(cluster.Client, "virtualservices", Ns, "reviews", vsGeneration);
        string drVersion = await IstiodStatus.ReconciledAsync(cluster.Client, "destinationrules", Ns, "reviews", drGeneration, onCondition: true, asString: true);
        await Eventually.TrueAsync(
            () => cache.Current.FindVirtualService(Ns, "reviews")?.ResourceVersion == vsVersion && cache.Current.FindDestinationRule(Ns, "reviews")?.ResourceVersion == drVersion,
            "the cache shows the status writes");
    }

    private static async Task<int> RevisionConfigMapCountAsync(TestCluster cluster) =>
        (await cluster.Client.CoreV1.ListNamespacedConfigMapAsync(Ns, labelSelector: RevisionCodec.LabelSelector)).Items.Count;

    [Fact]
    public async Task Status_writes_after_a_console_apply_change_neither_the_routing_revision_nor_the_history()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        (MeshCache cache, RoutingWriter writer, RevisionRecorder recorder) = await StartAsync(cluster);
        await using RevisionRecorder owned = recorder;
        (WriteResult.Applied applied, RoutingRevision recorded) = await ApplyAsync(cache, writer, recorder, 30, 70);

        // Twice: istiod writes again whenever a proxy (re)connects.
        await WriteStatusAsync(cluster, cache);
        await WriteStatusAsync(cluster, cache);

        MeshSnapshot snapshot = cache.Current;
        ServiceView view = snapshot.GetServiceView(Ns, "reviews")!;
        Assert.NotEqual(applied.Written.First(static w => w.Kind == "VirtualService").ResourceVersion, view.VirtualServices[0].ResourceVersion);
        Assert.Equal(applied.Revision, view.Routing.Revision);

        // The loop would record the current state: it is the console's revision, nothing new.
        RoutingRevision? current = await recorder.RecordCurrentAsync(Ns, "reviews");
        Assert.Equal(recorded.Id, current?.Id);
        Assert.Equal(1, await RevisionConfigMapCountAsync(cluster));
        RevisionAuthor author = recorder.AuthorOf(view, snapshot.GetRevisions(Ns, "reviews"));
        Assert.Equal(("alice", RevisionSource.Console), (author.Actor, author.Source));
    }

    [Fact]
    public async Task A_draft_started_before_a_status_write_applies_without_conflict()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        (MeshCache cache, RoutingWriter writer, RevisionRecorder recorder) = await StartAsync(cluster);
        await using RevisionRecorder owned = recorder;
        await ApplyAsync(cache, writer, recorder, 30, 70);
        string draftRevision = cache.Current.GetServiceView(Ns, "reviews")!.Routing.Revision;

        await WriteStatusAsync(cluster, cache);

        // As the service layer does: plan over the current objects (their actual resourceVersions), expecting the draft's revision.
        ServiceView now = cache.Current.GetServiceView(Ns, "reviews")!;
        RoutingPlan plan = RoutingIntentPlanner.PlanSplit(now, TrafficSplit.Of(("v1", 10), ("v2", 90), ("v3", 0)), cache.Current.Apis.IstioApiVersion!)
            with { ExpectedRevision = draftRevision };
        WriteResult result = await writer.ApplyAsync(plan, "alice");

        WriteResult.Applied applied = Assert.IsType<WriteResult.Applied>(result);
        Assert.Equal(10, applied.ResultingView!.Routing.EffectiveSplit.WeightOf("v1"));
        Assert.Equal(10, cache.Current.GetServiceView(Ns, "reviews")!.Routing.EffectiveSplit.WeightOf("v1"));
    }

    [Fact]
    public async Task A_kubectl_change_after_a_status_write_is_still_external_and_named_after_kubectl_not_istiod()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        (MeshCache cache, RoutingWriter writer, RevisionRecorder recorder) = await StartAsync(cluster);
        await using RevisionRecorder owned = recorder;
        (_, RoutingRevision console) = await ApplyAsync(cache, writer, recorder, 30, 70);
        await WriteStatusAsync(cluster, cache);
        Assert.Equal(console.Id, (await recorder.RecordCurrentAsync(Ns, "reviews"))?.Id);

        KubectlRunner.Result patched = await cluster.Kubectl().RunAsync(
            "patch", "virtualservice.networking.istio.io", "reviews", "-n", Ns, "--type=merge", "-p",
            """{"spec":{"http":[{"route":[{"destination":{"host":"reviews","subset":"v1"},"weight":5},{"destination":{"host":"reviews","subset":"v2"},"weight":95}]}]}}""");
        Assert.True(patched.ExitCode == 0, patched.ToString());
        await Eventually.TrueAsync(() => cache.Current.GetServiceView(Ns, "reviews")!.Routing.EffectiveSplit.WeightOf("v1") == 5, "the cache shows the patch");

        // istiod reconciles the new generation too: its status write must not take the authorship.
        await WriteStatusAsync(cluster, cache);
        RoutingRevision external = (await recorder.RecordCurrentAsync(Ns, "reviews"))!;

        Assert.Equal((RevisionSource.External, "kubectl-patch", "kubectl-patch (external)"), (external.Source, external.Manager, external.Actor));
        Assert.Equal(5, external.Split.WeightOf("v1"));
        Assert.Equal(console.Id, external.Replaces);
        // RecordCurrentAsync does not wait for the cache to show what it stored.
        await Eventually.TrueAsync(() => cache.Current.GetRevisions(Ns, "reviews").Length == 2, "the cache shows the external revision");
        Assert.Equal([console.Id, external.Id], cache.Current.GetRevisions(Ns, "reviews").Select(static r => r.Id));
    }

    [Fact]
    public async Task A_cache_started_after_a_status_write_sees_the_recorded_console_revision_and_records_nothing()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        (MeshCache cache, RoutingWriter writer, RevisionRecorder recorder) = await StartAsync(cluster);
        await using RevisionRecorder owned = recorder;
        (_, RoutingRevision console) = await ApplyAsync(cache, writer, recorder, 30, 70);
        await WriteStatusAsync(cluster, cache);

        // A restart (or another replica): the fresh list has only the status write's resourceVersions.
        MeshCache restarted = await cluster.StartCacheAsync();
        await Eventually.TrueAsync(() => restarted.Current.GetRevisions(Ns, "reviews").Length == 1, "the restarted cache holds the history");
        await using var again = new RevisionRecorder(cluster.NewClient(), restarted, Options.Create(new HistoryOptions { SettleDelay = TimeSpan.FromMilliseconds(200) }));
        ServiceView view = restarted.Current.GetServiceView(Ns, "reviews")!;

        Assert.Equal(console.Id, RevisionRecorder.RecordedRevisionOf(view, restarted.Current)?.Id);
        Assert.Equal(console.Id, (await again.RecordCurrentAsync(Ns, "reviews"))?.Id);
        Assert.Equal(1, await RevisionConfigMapCountAsync(cluster));
    }

    [Fact]
    public async Task Deleting_and_recreating_after_status_writes_is_a_new_routing_revision()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        (MeshCache cache, RoutingWriter writer, RevisionRecorder recorder) = await StartAsync(cluster);
        await using RevisionRecorder owned = recorder;
        await ApplyAsync(cache, writer, recorder, 30, 70);
        await WriteStatusAsync(cluster, cache);
        string before = cache.Current.GetServiceView(Ns, "reviews")!.Routing.Revision;

        VirtualServiceCopy copy = await VirtualServiceCopy.ReadAsync(cluster);
        await cluster.Client.CustomObjects.DeleteNamespacedCustomObjectAsync("networking.istio.io", "v1", Ns, "virtualservices", "reviews");
        await Eventually.TrueAsync(() => cache.Current.FindVirtualService(Ns, "reviews") is null, "the cache shows the delete");
        await copy.CreateAsync(cluster);
        await Eventually.TrueAsync(() => cache.Current.FindVirtualService(Ns, "reviews") is not null, "the cache shows the new object");

        string after = cache.Current.GetServiceView(Ns, "reviews")!.Routing.Revision;
        Assert.NotEqual(before, after);
        Assert.Contains($"vs:{cache.Current.FindVirtualService(Ns, "reviews")!.ResourceVersion}", after, StringComparison.Ordinal);
    }

    // The VirtualService as written, without server-set metadata and status, to create it again.
    private sealed record VirtualServiceCopy(string Json)
    {
        public static async Task<VirtualServiceCopy> ReadAsync(TestCluster cluster)
        {
            object found = await cluster.Client.CustomObjects.GetNamespacedCustomObjectAsync("networking.istio.io", "v1", Ns, "virtualservices", "reviews");
            System.Text.Json.Nodes.JsonObject node = System.Text.Json.Nodes.JsonNode.Parse(((System.Text.Json.JsonElement)found).GetRawText())!.AsObject();
            node.Remove("status");
            System.Text.Json.Nodes.JsonObject metadata = node["metadata"]!.AsObject();
            foreach (string field in new[] { "resourceVersion", "uid", "managedFields", "creationTimestamp", "generation" })
            {
                metadata.Remove(field);
            }

            return new VirtualServiceCopy(node.ToJsonString());
        }

        public Task<object> CreateAsync(TestCluster cluster) =>
            cluster.Client.CustomObjects.CreateNamespacedCustomObjectAsync(
                System.Text.Json.JsonDocument.Parse(Json).RootElement, "networking.istio.io", "v1", Ns, "virtualservices");
    }
}
