using TrafficConsole.Cluster.Cache;
using TrafficConsole.Cluster.Telemetry;
using TrafficConsole.Cluster.Tests.Infrastructure;
using TrafficConsole.Cluster.Writing;
using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Services;
using TrafficConsole.Mesh.Telemetry;

namespace TrafficConsole.Cluster.Tests.Telemetry;

public sealed class ProxySyncTrackerTests
{
    private const string Ns = "bookinfo";

    private static async Task<WriteResult.Applied> ApplyAsync(MeshCache cache, RoutingWriter writer, int v1, int v2)
    {
        ServiceView before = cache.Current.GetServiceView(Ns, "reviews")!;
        RoutingPlan plan = RoutingIntentPlanner.PlanSplit(before, TrafficSplit.Of(("v1", v1), ("v2", v2), ("v3", 0)), cache.Current.Apis.IstioApiVersion!);
        return Assert.IsType<WriteResult.Applied>(await writer.ApplyAsync(plan, "alice"));
    }

    private static long GenerationOf(WriteResult.Applied applied, string kind) =>
        applied.Written.First(w => w.Kind == kind).Result!.Metadata.Generation!.Value;

    private static ProxySyncReading Read(MeshCache cache, ProxySyncTracker tracker) => tracker.Read(cache.Current.GetServiceView(Ns, "reviews")!);

    [Fact]
    public async Task A_write_reconciled_later_reads_waiting_then_reached_the_proxies_after_the_time_between()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        MeshCache cache = await cluster.StartCacheAsync();
        var writer = new RoutingWriter(cluster.NewClient(), cache);
        using var tracker = new ProxySyncTracker(cache);

        WriteResult.Applied applied = await ApplyAsync(cache, writer, 30, 70);
        tracker.Track(Ns, "reviews", applied);
        ProxySyncReading waiting = Read(cache, tracker);
        Assert.Null(waiting.ReconciledAfter);
        Assert.NotNull(waiting.WaitingFor);
        Assert.Equal(applied.AppliedAt, waiting.AppliedAt);

        // istiod takes its time, then reports both resources at the generations the write produced.
        await Task.Delay(TimeSpan.FromMilliseconds(400));
        await IstiodStatus.ReconciledAsync(cluster.Client, "destinationrules", Ns, "reviews", GenerationOf(applied, "DestinationRule"), onCondition: true);
        Assert.Null(Read(cache, tracker).ReconciledAfter);
        await IstiodStatus.ReconciledAsync(cluster.Client, "virtualservices", Ns, "reviews", GenerationOf(applied, "VirtualService"), asString: true);

        await Eventually.TrueAsync(() => Read(cache, tracker).ReconciledAfter is not null, "the tracker sees the Reconciled condition");
        ProxySyncReading reached = Read(cache, tracker);
        Assert.Equal(ProxySyncState.Reconciled, reached.Sync.State);
        Assert.InRange(reached.ReconciledAfter!.Value, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(10));
        Assert.Null(reached.WaitingFor);
        Assert.Equal(GenerationOf(applied, "VirtualService"), reached.Sync.ObservedGeneration);
    }

    [Fact]
    public async Task A_status_for_the_generation_before_the_write_does_not_count_and_the_next_write_starts_over()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        MeshCache cache = await cluster.StartCacheAsync();
        var writer = new RoutingWriter(cluster.NewClient(), cache);
        using var tracker = new ProxySyncTracker(cache);
        WriteResult.Applied first = await ApplyAsync(cache, writer, 30, 70);
        await IstiodStatus.ReconciledAsync(cluster.Client, "virtualservices", Ns, "reviews", GenerationOf(first, "VirtualService"));
        await IstiodStatus.ReconciledAsync(cluster.Client, "destinationrules", Ns, "reviews", GenerationOf(first, "DestinationRule"));
        await Eventually.TrueAsync(() => ProxySync.Of(cache.Current.GetServiceView(Ns, "reviews")!).State == ProxySyncState.Reconciled, "the first write is reconciled");

        WriteResult.Applied second = await ApplyAsync(cache, writer, 10, 90);
        tracker.Track(Ns, "reviews", second);
        Assert.True(GenerationOf(second, "VirtualService") > GenerationOf(first, "VirtualService"));

        // The status the spec update kept speaks of the older generation: pending, not reached.
        string rv = await IstiodStatus.ReconciledAsync(cluster.Client, "virtualservices", Ns, "reviews", GenerationOf(first, "VirtualService"));
        await Eventually.TrueAsync(() => cache.Current.FindVirtualService(Ns, "reviews")!.ResourceVersion == rv, "the cache shows the stale status");
        ProxySyncReading stale = Read(cache, tracker);
        Assert.Equal(ProxySyncState.Pending, stale.Sync.State);
        Assert.Equal((GenerationOf(second, "VirtualService"), GenerationOf(first, "VirtualService")), (stale.Sync.Generation, stale.Sync.ObservedGeneration));
        Assert.Null(stale.ReconciledAfter);
        Assert.NotNull(stale.WaitingFor);
    }

    [Fact]
    public async Task A_later_kubectl_change_supersedes_the_timed_write()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        MeshCache cache = await cluster.StartCacheAsync();
        var writer = new RoutingWriter(cluster.NewClient(), cache);
        using var tracker = new ProxySyncTracker(cache);
        WriteResult.Applied applied = await ApplyAsync(cache, writer, 30, 70);
        tracker.Track(Ns, "reviews", applied);

        KubectlRunner.Result patched = await cluster.Kubectl().RunAsync(
            "patch", "virtualservice.networking.istio.io", "reviews", "-n", Ns, "--type=merge", "-p",
            """{"spec":{"http":[{"route":[{"destination":{"host":"reviews","subset":"v1"},"weight":5},{"destination":{"host":"reviews","subset":"v2"},"weight":95}]}]}}""");
        Assert.True(patched.ExitCode == 0, patched.ToString());
        await Eventually.TrueAsync(() => cache.Current.GetServiceView(Ns, "reviews")!.Routing.EffectiveSplit.WeightOf("v1") == 5, "the cache shows the patch");

        ProxySyncReading reading = Read(cache, tracker);
        Assert.Null(reading.AppliedAt);
        Assert.Null(reading.WaitingFor);
    }

    [Fact]
    public async Task The_tracker_remembers_a_bounded_number_of_services()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        MeshCache cache = await cluster.StartCacheAsync();
        using var tracker = new ProxySyncTracker(cache);
        for (int i = 0; i <= ProxySyncTracker.MaxServices; i++)
        {
            var vs = new VirtualService { Metadata = new() { Name = $"svc-{i}", NamespaceProperty = Ns, Generation = 1, ResourceVersion = "1" } };
            tracker.Track(Ns, $"svc-{i}", new WriteResult.Applied("vs:1") { Written = [new ResourceWrite("VirtualService", Ns, vs.Name, "created", "1") { Result = vs }] });
        }

        Assert.Equal(ProxySyncTracker.MaxServices, tracker.Count);
    }
}
