using System.Net;

using k8s;
using k8s.Models;

using Microsoft.Extensions.Options;

using TrafficConsole.Cluster.Cache;
using TrafficConsole.Cluster.Connection;
using TrafficConsole.Cluster.History;
using TrafficConsole.Cluster.Tests.Infrastructure;
using TrafficConsole.Cluster.Writing;
using TrafficConsole.Mesh.History;
using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Services;

namespace TrafficConsole.Cluster.Tests.History;

public sealed class RevisionRecorderTests
{
    private const string Ns = "bookinfo";

    private static RevisionRecorder Recorder(TestCluster cluster, MeshCache cache, int cap = 30, TimeSpan? settle = null) =>
        new(cluster.NewClient(), cache, Options.Create(new HistoryOptions { MaxRevisionsPerService = cap, SettleDelay = settle ?? TimeSpan.FromMilliseconds(200) }));

    private static async Task<(ServiceView Before, WriteResult.Applied Applied)> ApplyAsync(MeshCache cache, RoutingWriter writer, params (string, int)[] weights)
    {
        ServiceView before = cache.Current.GetServiceView(Ns, "reviews")!;
        RoutingPlan plan = RoutingIntentPlanner.PlanSplit(before, TrafficSplit.Of(weights), cache.Current.Apis.IstioApiVersion!);
        return (before, Assert.IsType<WriteResult.Applied>(await writer.ApplyAsync(plan, "alice")));
    }

    private static async Task<IList<V1ConfigMap>> RevisionConfigMapsAsync(TestCluster cluster) =>
        (await cluster.Client.CoreV1.ListNamespacedConfigMapAsync(Ns, labelSelector: RevisionCodec.LabelSelector)).Items;

    [Fact]
    public async Task A_console_write_is_recorded_once_with_exactly_what_it_wrote_even_when_two_replicas_record_it()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        MeshCache cache = await cluster.StartCacheAsync();
        var writer = new RoutingWriter(cluster.NewClient(), cache);
        await using RevisionRecorder first = Recorder(cluster, cache);
        await using RevisionRecorder second = Recorder(cluster, cache);

        (ServiceView before, WriteResult.Applied applied) = await ApplyAsync(cache, writer, ("v1", 30), ("v2", 70), ("v3", 0));
        RoutingRevision? one = await first.RecordAppliedAsync(before, applied, new RevisionChange("alice", RevisionAction.Apply, "canary step 1"));
        RoutingRevision? two = await second.RecordAppliedAsync(before, applied, new RevisionChange("alice", RevisionAction.Apply, "canary step 1"));

        Assert.NotNull(one);
        Assert.Equal(one.Id, two!.Id);
        V1ConfigMap stored = Assert.Single(await RevisionConfigMapsAsync(cluster));
        RoutingRevision read = RevisionCodec.Decode(stored).Revision!;
        ServiceView now = cache.Current.GetServiceView(Ns, "reviews")!;
        Assert.Equal(now.Routing.Revision, read.Key);
        Assert.Equal(applied.ResultingRevision, read.Key);
        Assert.True(RevisionSnapshot.Of(now).ContentEquals(read.Snapshot));
        Assert.Equal(("alice", "canary step 1", RevisionSource.Console), (read.Actor, read.Reason, read.Source));
        Assert.Equal(30, read.Split.WeightOf("v1"));

        // The cache holds it (RecordAppliedAsync waited for it), decoded.
        Assert.Equal(read.Id, Assert.Single(cache.Current.GetRevisions(Ns, "reviews")).Id);
    }

    [Fact]
    public async Task A_kubectl_apply_becomes_an_external_revision_naming_the_kubectl_manager()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        MeshCache cache = await cluster.StartCacheAsync();
        await using RevisionRecorder recorder = Recorder(cluster, cache);
        await recorder.StartAsync(CancellationToken.None);
        KubectlRunner kubectl = cluster.Kubectl();

        KubectlRunner.Result result = await kubectl.RunWithInputAsync("""
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: ratings
              namespace: bookinfo
            spec:
              hosts: [ratings]
              http:
              - route:
                - destination: {host: ratings}
            """, ["apply", "-f", "-"]);
        Assert.True(result.ExitCode == 0, result.ToString());

        await Eventually.TrueAsync(() => cache.Current.GetRevisions(Ns, "ratings").Length == 1, "the external change is recorded");
        RoutingRevision revision = cache.Current.GetRevisions(Ns, "ratings")[0];
        Assert.Equal(RevisionSource.External, revision.Source);
        Assert.Equal(RevisionAction.External, revision.Action);
        Assert.Equal("kubectl-client-side-apply", revision.Manager);
        Assert.Equal("kubectl-client-side-apply (external)", revision.Actor);
        Assert.Equal(cache.Current.GetServiceView(Ns, "ratings")!.Routing.Revision, revision.Key);

        // And its deletion too, as the revision that replaced it.
        KubectlRunner.Result deleted = await kubectl.RunAsync("delete", "virtualservice.networking.istio.io", "ratings", "-n", Ns);
        Assert.True(deleted.ExitCode == 0, deleted.ToString());
        await Eventually.TrueAsync(() => cache.Current.GetRevisions(Ns, "ratings").Length == 2, "the deletion is recorded");
        RoutingRevision deletion = cache.Current.GetRevisions(Ns, "ratings")[1];
        Assert.True(deletion.IsDeletion);
        Assert.Equal(revision.Id, deletion.Replaces);
    }

    private static string WeightsPatch(int v1, int v2, string? changedBy = null) =>
        "{" + (changedBy is null ? string.Empty : $"\"metadata\":{{\"annotations\":{{\"{RoutingWriter.ChangedByAnnotation}\":\"{changedBy}\"}}}},")
        + $"\"spec\":{{\"http\":[{{\"route\":[{{\"destination\":{{\"host\":\"reviews\",\"subset\":\"v1\"}},\"weight\":{v1}}},"
        + $"{{\"destination\":{{\"host\":\"reviews\",\"subset\":\"v2\"}},\"weight\":{v2}}}]}}]}}}}";

    /// <summary>
    /// Waits until the service's current routing gives v1 <paramref name="v1Weight"/> and its revision is recorded, and
    /// returns that revision. The view and the revision are read once per poll: reading them again after the wait raced
    /// with the watch (the kubectl patch's event could land between the two reads and leave nothing recorded yet).
    /// </summary>
    private static async Task<RoutingRevision> RecordedCurrentAsync(MeshCache cache, int v1Weight, string because)
    {
        RoutingRevision? found = null;
        await Eventually.TrueAsync(
            () =>
            {
                MeshSnapshot snapshot = cache.Current;
                found = snapshot.GetServiceView(Ns, "reviews") is { } view
                    ? snapshot.FindRevision(Ns, "reviews", RoutingRevision.IdOf(Ns, "reviews", view.Routing.Revision))
                    : null;
                return found is not null && found.Split.WeightOf("v1") == v1Weight;
            },
            because);
        return found!;
    }

    [Fact]
    public async Task A_kubectl_patch_posing_as_the_console_with_its_field_manager_and_changed_by_annotation_is_external()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        MeshCache cache = await cluster.StartCacheAsync();
        var writer = new RoutingWriter(cluster.NewClient(), cache);
        await using var recorder = new RevisionRecorder(cluster.NewClient(), cache, Options.Create(new HistoryOptions { SettleDelay = TimeSpan.FromMilliseconds(200) }), writes: writer.Writes);
        await recorder.StartAsync(CancellationToken.None);
        (ServiceView before, WriteResult.Applied applied) = await ApplyAsync(cache, writer, ("v1", 30), ("v2", 70), ("v3", 0));
        Assert.Equal(RevisionSource.Console, (await recorder.RecordAppliedAsync(before, applied, new RevisionChange("alice", RevisionAction.Apply)))!.Source);

        KubectlRunner.Result forged = await cluster.Kubectl().RunAsync(
            "patch", "virtualservice.networking.istio.io", "reviews", "-n", Ns, "--type=merge", "--field-manager=trafficconsole", "-p", WeightsPatch(5, 95, changedBy: "alice"));
        Assert.True(forged.ExitCode == 0, forged.ToString());

        RoutingRevision revision = await RecordedCurrentAsync(cache, 5, "the forged change is recorded");
        Assert.Equal(5, revision.Split.WeightOf("v1"));
        Assert.Equal(RevisionSource.External, revision.Source);
        Assert.Equal(RevisionAction.External, revision.Action);
        Assert.Equal("trafficconsole", revision.Manager);
        Assert.DoesNotContain("alice", revision.Actor, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_kubectl_patch_right_after_the_console_created_the_routing_is_external_every_time()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        MeshCache cache = await cluster.StartCacheAsync();
        var writer = new RoutingWriter(cluster.NewClient(), cache);
        await using var recorder = new RevisionRecorder(cluster.NewClient(), cache, Options.Create(new HistoryOptions { SettleDelay = TimeSpan.FromMilliseconds(200) }), writes: writer.Writes);
        await recorder.StartAsync(CancellationToken.None);
        KubectlRunner kubectl = cluster.Kubectl();

        // The console creates the VirtualService and the DestinationRule in the same second as the patch: the
        // DestinationRule's console entry is as new as the patch's, which once made the patch the console's.
        for (int round = 0; round < 4; round++)
        {
            using (recorder.BeginWrite(Ns, "reviews"))
            {
                (ServiceView before, WriteResult.Applied applied) = await ApplyAsync(cache, writer, ("v1", 30 + round), ("v2", 70 - round), ("v3", 0));
                Assert.Equal("created", applied.Written.First(static w => w.Kind == "VirtualService").Action);
                Assert.Equal(RevisionSource.Console, (await recorder.RecordAppliedAsync(before, applied, new RevisionChange("alice", RevisionAction.Apply)))!.Source);
            }

            KubectlRunner.Result patched = await kubectl.RunAsync(
                "patch", "virtualservice.networking.istio.io", "reviews", "-n", Ns, "--type=merge", "-p", WeightsPatch(10 + round, 90 - round));
            Assert.True(patched.ExitCode == 0, patched.ToString());

            RoutingRevision revision = await RecordedCurrentAsync(cache, 10 + round, $"round {round}: the patch is recorded");
            Assert.Equal(10 + round, revision.Split.WeightOf("v1"));
            Assert.Equal((RevisionSource.External, "kubectl-patch", "kubectl-patch (external)"), (revision.Source, revision.Manager, revision.Actor));

            // Start the next round from no routing, so the console creates it again.
            await cluster.Client.CustomObjects.DeleteNamespacedCustomObjectAsync("networking.istio.io", "v1", Ns, "virtualservices", "reviews");
            await cluster.Client.CustomObjects.DeleteNamespacedCustomObjectAsync("networking.istio.io", "v1", Ns, "destinationrules", "reviews");
            await Eventually.TrueAsync(() => cache.Current.GetServiceView(Ns, "reviews") is { VirtualServices.IsEmpty: true, DestinationRules.IsEmpty: true }, "the routing is gone");
        }
    }

    [Fact]
    public async Task A_write_that_stands_half_done_for_longer_than_the_settle_delay_is_recorded_once_as_written()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        MeshCache cache = await cluster.StartCacheAsync();
        using var slow = new Kubernetes(KubernetesConnection.CreateConfiguration(cluster.ClusterOptions), new DelayVirtualServiceCreate(TimeSpan.FromSeconds(2.5)));
        var writer = new RoutingWriter(slow, cache);
        await using RevisionRecorder recorder = Recorder(cluster, cache);
        await recorder.StartAsync(CancellationToken.None);

        // The DestinationRule stands alone for 2.5 s, longer than the settle delay and managedFields' whole second:
        // the loop must leave it to the write under way, or the history gains a state nobody asked for.
        RoutingRevision? recorded;
        using (recorder.BeginWrite(Ns, "reviews"))
        {
            (ServiceView before, WriteResult.Applied applied) = await ApplyAsync(cache, writer, ("v1", 30), ("v2", 70), ("v3", 0));
            recorded = await recorder.RecordAppliedAsync(before, applied, new RevisionChange("alice", RevisionAction.Apply));
        }

        await Task.Delay(TimeSpan.FromSeconds(1.5));
        RoutingRevision only = Assert.Single(cache.Current.GetRevisions(Ns, "reviews"));
        Assert.Equal((recorded!.Id, "alice", RevisionSource.Console), (only.Id, only.Actor, only.Source));
        Assert.Single(await RevisionConfigMapsAsync(cluster));
    }

    [Fact]
    public async Task The_oldest_revisions_beyond_the_cap_are_pruned_but_the_first_which_names_the_stable_version_stays()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        MeshCache cache = await cluster.StartCacheAsync();
        var writer = new RoutingWriter(cluster.NewClient(), cache);
        await using RevisionRecorder recorder = Recorder(cluster, cache, cap: 3);
        List<string> ids = [];
        for (int step = 1; step <= 5; step++)
        {
            (ServiceView before, WriteResult.Applied applied) = await ApplyAsync(cache, writer, ("v1", 100 - (step * 10)), ("v2", step * 10), ("v3", 0));
            ids.Add((await recorder.RecordAppliedAsync(before, applied, new RevisionChange("alice", RevisionAction.Apply)))!.Id);
        }

        await Eventually.TrueAsync(() => cache.Current.GetRevisions(Ns, "reviews").Length == 3, "only the cap is kept");
        // Pruning the first would move "first seen at 100%" (the stable version when nothing is marked) to a later revision.
        Assert.Equal([ids[0], .. ids[3..]], cache.Current.GetRevisions(Ns, "reviews").Select(static r => r.Id));
        Assert.Equal(3, (await RevisionConfigMapsAsync(cluster)).Count);
    }

    [Fact]
    public async Task Without_the_right_to_list_configmaps_the_cache_still_syncs_and_the_history_says_why()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        KubernetesClientConfiguration configuration = KubernetesConnection.CreateConfiguration(cluster.ClusterOptions);
        using var client = new Kubernetes(configuration, new ForbidConfigMaps());
        await using var cache = new MeshCache(client, Options.Create(new MeshCacheOptions { InitialBackoff = TimeSpan.FromMilliseconds(100), MaxBackoff = TimeSpan.FromMilliseconds(800) }));
        await cache.StartAsync(CancellationToken.None);

        await cache.WaitForSyncAsync().WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(CacheHealthState.Connected, cache.Current.Health.State);
        Assert.NotNull(cache.Current.GetServiceView(Ns, "reviews"));
        Assert.Contains("may not list configmaps", cache.Current.HistoryProblem, StringComparison.Ordinal);
        Assert.Empty(cache.Current.GetRevisions(Ns, "reviews"));
    }

    [Fact]
    public async Task A_ConfigMap_that_is_not_a_revision_is_skipped_with_its_reason()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        MeshCache cache = await cluster.StartCacheAsync();
        await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta
            {
                Name = "tc-rev-reviews-broken",
                Labels = new Dictionary<string, string> { [RevisionCodec.RecordLabel] = RevisionCodec.RecordValue, [RevisionCodec.ServiceLabel] = "reviews" },
            },
            Data = new Dictionary<string, string> { ["hello"] = "world" },
        }, Ns);

        await Eventually.TrueAsync(() => cache.Current.In(Ns).Revisions.ContainsKey("tc-rev-reviews-broken"), "the cache sees the ConfigMap");

        Assert.NotNull(cache.Current.In(Ns).Revisions["tc-rev-reviews-broken"].Problem);
        Assert.Empty(cache.Current.GetRevisions(Ns, "reviews"));
        Assert.NotNull(cache.Current.GetServiceView(Ns, "reviews"));
    }

    /// <summary>Holds every VirtualService create back for a while before sending it on.</summary>
    private sealed class DelayVirtualServiceCreate(TimeSpan delay) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Method == HttpMethod.Post && request.RequestUri!.AbsolutePath.EndsWith("/virtualservices", StringComparison.Ordinal))
            {
                await Task.Delay(delay, cancellationToken);
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>Answers every configmaps request with 403, as an API server does for credentials without the right.</summary>
    private sealed class ForbidConfigMaps : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            request.RequestUri!.AbsolutePath.Contains("/configmaps", StringComparison.Ordinal)
                ? Task.FromResult(new HttpResponseMessage(HttpStatusCode.Forbidden)
                {
                    Content = new StringContent("""{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Forbidden","code":403,"message":"configmaps is forbidden"}"""),
                })
                : base.SendAsync(request, cancellationToken);
    }
}
