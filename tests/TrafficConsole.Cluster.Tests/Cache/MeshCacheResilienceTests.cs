using k8s;
using k8s.Models;

using TrafficConsole.Cluster.Cache;
using TrafficConsole.Cluster.Discovery;
using TrafficConsole.Cluster.Resources;
using TrafficConsole.Cluster.Tests.Infrastructure;
using TrafficConsole.Sandbox;

namespace TrafficConsole.Cluster.Tests.Cache;

/// <summary>Disconnects, restarts and expired resourceVersions, against a sandbox kept in a data directory.</summary>
public sealed class MeshCacheResilienceTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tc-cache-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Health_goes_unreachable_when_the_server_stops_and_recovers_when_it_returns()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync(_directory);
        MeshCache cache = await cluster.StartCacheAsync();
        using MeshSubscription subscription = cache.Subscribe("bookinfo");
        await using IAsyncEnumerator<MeshChangeBatch> batches = subscription.GetAsyncEnumerator();
        Assert.Equal(CacheHealthState.Connected, cache.Health.State);

        await cluster.StopServerAsync();

        await Eventually.TrueAsync(() => cache.Health.State == CacheHealthState.Unreachable, "health says unreachable");
        Assert.False(string.IsNullOrEmpty(cache.Health.LastError));
        Assert.Contains("unreachable", cache.Health.Describe(), StringComparison.OrdinalIgnoreCase);
        List<MeshChangeBatch> down = await Eventually.BatchAsync(batches, b => b.Health.State == CacheHealthState.Unreachable, "a batch saying unreachable");
        Assert.Contains(down.SelectMany(b => b.Changes), c => c.Type == MeshChangeType.HealthChanged);

        // The snapshot keeps the last known state while the server is away.
        Assert.Equal(3, cache.Current.GetServiceView("bookinfo", "reviews")!.Versions.Length);

        await cluster.RestartServerAsync();

        await Eventually.TrueAsync(() => cache.Health.State == CacheHealthState.Connected, "health is connected again", TimeSpan.FromSeconds(15));
        await Eventually.BatchAsync(batches, b => b.Health.IsConnected, "a batch saying connected");
    }

    [Fact]
    public async Task A_cache_started_before_the_server_says_unreachable_then_syncs_when_it_comes_up()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync(_directory);
        await cluster.StopServerAsync();

        MeshCache cache = await cluster.StartCacheAsync(waitForSync: false);
        await Eventually.TrueAsync(() => cache.Health.State == CacheHealthState.Unreachable, "health says unreachable");
        Assert.False(cache.IsSynced);

        await cluster.RestartServerAsync();

        await cache.WaitForSyncAsync().WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal(CacheHealthState.Connected, cache.Health.State);
        Assert.Equal("v1", cache.Current.Apis.IstioNetworkingVersion);
        Assert.Equal(3, cache.Current.GetServiceView("bookinfo", "reviews")!.Versions.Length);
    }

    [Fact]
    public async Task After_the_server_drops_connections_the_watch_resumes_without_relisting_or_losing_events()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync(_directory);
        MeshCache cache = await cluster.StartCacheAsync();
        long listsBefore = cache.Requests.Lists;
        long watchesBefore = cache.Requests.Watches;

        await cluster.StopServerAsync();
        await Eventually.TrueAsync(() => !cache.Health.IsConnected, "the cache noticed the drop");
        await cluster.RestartServerAsync();
        await Eventually.TrueAsync(() => cache.Health.IsConnected, "the cache reconnected", TimeSpan.FromSeconds(15));

        using IKubernetes client = cluster.NewClient();
        var resources = new MeshResourceClients(client, await ApiDiscovery.DiscoverAsync(client));
        await resources.VirtualServices!.CreateAsync(TestResources.VirtualService("bookinfo", "reviews", "reviews", ("v1", 100)));
        V1Deployment ratings = await client.AppsV1.ReadNamespacedDeploymentAsync("ratings-v1", "bookinfo");
        ratings.Spec.Replicas = 2;
        await client.AppsV1.ReplaceNamespacedDeploymentAsync(ratings, "ratings-v1", "bookinfo");

        await Eventually.TrueAsync(
            () => cache.Current.FindVirtualService("bookinfo", "reviews") is not null
                && cache.Current.GetServiceView("bookinfo", "ratings")?.Versions.Single().DesiredReplicas == 2,
            "both changes made after the restart are in the cache");

        // Resumed from the last resourceVersion: watched again, never listed again.
        Assert.Equal(listsBefore, cache.Requests.Lists);
        Assert.True(cache.Requests.Watches > watchesBefore);
    }

    [Fact]
    public async Task An_expired_resource_version_makes_the_cache_relist_and_report_exactly_what_changed()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync(_directory);
        MeshResourceClients resources = await cluster.ResourcesAsync();
        await resources.VirtualServices!.CreateAsync(TestResources.VirtualService("bookinfo", "doomed", "details", ("v1", 100)));
        await resources.VirtualServices!.CreateAsync(TestResources.VirtualService("bookinfo", "steady", "productpage", ("v1", 100)));
        MeshCache cache = await cluster.StartCacheAsync();
        using MeshSubscription subscription = cache.Subscribe();
        await using IAsyncEnumerator<MeshChangeBatch> batches = subscription.GetAsyncEnumerator();
        long listsBefore = cache.Requests.ListsOf(MeshResourceKind.VirtualService);

        // While the cache cannot see it, the cluster moves on: another server on the same data
        // directory changes things, and on restart the old resourceVersions are history (410 Gone).
        int port = cluster.Server.Url.Port;
        await cluster.StopServerAsync();
        await Eventually.TrueAsync(() => !cache.Health.IsConnected, "the cache noticed the drop");
        await using (SandboxServer elsewhere = await TestCluster.StartWithRetryAsync(new SandboxOptions { Port = 0, DataDirectory = _directory }))
        {
            using Kubernetes other = new Kubernetes(new KubernetesClientConfiguration { Host = elsewhere.Url.ToString(), AccessToken = elsewhere.AdminToken });
            var otherResources = new MeshResourceClients(other, await ApiDiscovery.DiscoverAsync(other));
            await otherResources.VirtualServices!.DeleteAsync("bookinfo", "doomed");
            await otherResources.VirtualServices!.CreateAsync(TestResources.VirtualService("bookinfo", "newcomer", "ratings", ("v1", 100)));
            V1Deployment details = await other.AppsV1.ReadNamespacedDeploymentAsync("details-v1", "bookinfo");
            details.Spec.Replicas = 4;
            await other.AppsV1.ReplaceNamespacedDeploymentAsync(details, "details-v1", "bookinfo");
        }

        cluster.Options.Port = port;
        await cluster.RestartServerAsync();

        var changes = new List<MeshChange>();
        await Eventually.BatchAsync(
            batches,
            b =>
            {
                changes.AddRange(b.Changes.Where(c => c.Type != MeshChangeType.HealthChanged));
                return changes.Any(c => c.Name == "newcomer") && changes.Any(c => c.Name == "doomed") && changes.Any(c => c.Name == "details-v1");
            },
            "the re-list's differences",
            TimeSpan.FromSeconds(30));

        Assert.True(cache.Requests.ListsOf(MeshResourceKind.VirtualService) > listsBefore);
        MeshChange deleted = Assert.Single(changes, c => c.Name == "doomed");
        Assert.Equal(MeshChangeType.Deleted, deleted.Type);
        Assert.Equal(new ServiceRef("bookinfo", "details"), Assert.Single(deleted.AffectedServices));
        Assert.Equal(MeshChangeType.Added, Assert.Single(changes, c => c.Name == "newcomer").Type);
        Assert.Equal(MeshChangeType.Modified, Assert.Single(changes, c => c.Name == "details-v1").Type);

        // No phantom events: what did not change is not reported.
        Assert.DoesNotContain(changes, c => c.Name == "steady");
        Assert.DoesNotContain(changes, c => c.ResourceKind == MeshResourceKind.Service);
        Assert.Null(cache.Current.FindVirtualService("bookinfo", "doomed"));
        Assert.NotNull(cache.Current.FindVirtualService("bookinfo", "newcomer"));
        Assert.Equal(4, cache.Current.GetServiceView("bookinfo", "details")!.Versions.Single().DesiredReplicas);
    }

    [Fact]
    public async Task A_relist_keeps_the_content_revision_over_status_writes_it_missed_but_not_over_spec_changes()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync(_directory);
        MeshResourceClients resources = await cluster.ResourcesAsync();
        await resources.VirtualServices!.CreateAsync(TestResources.VirtualService("bookinfo", "steady", "productpage", ("v1", 100)));
        await resources.VirtualServices!.CreateAsync(TestResources.VirtualService("bookinfo", "edited", "details", ("v1", 100)));
        MeshCache cache = await cluster.StartCacheAsync();
        await Eventually.TrueAsync(() => cache.Current.FindVirtualService("bookinfo", "edited") is not null, "the cache holds both");
        string steadyBefore = cache.Current.FindVirtualService("bookinfo", "steady")!.ResourceVersion!;

        // While the cache cannot see it, istiod reports both and someone edits one: on restart the cache re-lists (410).
        int port = cluster.Server.Url.Port;
        await cluster.StopServerAsync();
        await Eventually.TrueAsync(() => !cache.Health.IsConnected, "the cache noticed the drop");
        string steadyAfter;
        string editedAfter;
        await using (SandboxServer elsewhere = await TestCluster.StartWithRetryAsync(new SandboxOptions { Port = 0, DataDirectory = _directory }))
        {
            using Kubernetes other = new Kubernetes(new KubernetesClientConfiguration { Host = elsewhere.Url.ToString(), AccessToken = elsewhere.AdminToken });
            steadyAfter = await IstiodStatus.ReconciledAsync(other, "virtualservices", "bookinfo", "steady", 1);
            await IstiodStatus.ReconciledAsync(other, "virtualservices", "bookinfo", "edited", 1);
            var otherResources = new MeshResourceClients(other, await ApiDiscovery.DiscoverAsync(other));
            Mesh.Resources.VirtualService edited = (await otherResources.VirtualServices!.GetAsync("bookinfo", "edited"))!;
            edited.Metadata.Labels = new Dictionary<string, string> { ["team"] = "a" };
            editedAfter = (await otherResources.VirtualServices!.ReplaceAsync(edited)).ResourceVersion!;
        }

        cluster.Options.Port = port;
        await cluster.RestartServerAsync();
        await Eventually.TrueAsync(
            () => cache.Current.FindVirtualService("bookinfo", "steady")?.ResourceVersion == steadyAfter && cache.Current.FindVirtualService("bookinfo", "edited")?.ResourceVersion == editedAfter,
            "the re-list shows both",
            TimeSpan.FromSeconds(15));

        Assert.Equal(steadyBefore, cache.Current.FindVirtualService("bookinfo", "steady")!.ContentRevision);
        Assert.Equal(editedAfter, cache.Current.FindVirtualService("bookinfo", "edited")!.ContentRevision);
    }

    [Fact]
    public async Task Quiet_watches_that_the_server_times_out_are_renewed_without_touching_health()
    {
        // No events and no bookmarks: each watch ends with nothing on it, which must read as a normal end.
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync(configure: o => o.BookmarkInterval = TimeSpan.FromHours(1));
        MeshCache cache = await cluster.StartCacheAsync(o => o.WatchTimeout = TimeSpan.FromSeconds(1));
        long watches = cache.Requests.Watches;
        long lists = cache.Requests.Lists;
        long version = cache.Current.Version;

        await Eventually.TrueAsync(() => cache.Requests.Watches >= watches + 14, "every informer (seven kinds) renewed its watch twice", TimeSpan.FromSeconds(15));

        Assert.Equal(CacheHealthState.Connected, cache.Health.State);
        Assert.Equal(lists, cache.Requests.Lists);
        Assert.Equal(0, cache.Requests.Probes);

        // Any health flap (Reconnecting and back) would have produced new snapshot versions.
        Assert.Equal(version, cache.Current.Version);
    }
}
