using k8s;

using Microsoft.Extensions.Options;

using TrafficConsole.Cluster.Cache;
using TrafficConsole.Cluster.Connection;
using TrafficConsole.Cluster.Resources;
using TrafficConsole.Cluster.Tests.Infrastructure;
using TrafficConsole.Sandbox.Auth;

namespace TrafficConsole.Cluster.Tests.Cache;

/// <summary>
/// <c>Cluster:WatchNamespaces</c> against a sandbox that enforces RBAC: the console's identity has Roles in two
/// namespaces only (as the Helm chart's <c>watchNamespaces</c> grants) and a ClusterRole for namespaces.
/// </summary>
public sealed class NamespaceScopedCacheTests
{
    private const string Token = "scoped-console-token";

    // What the chart grants with watchNamespaces: [bookinfo, shop] (reads only; writes are not this test's).
    private const string Rbac = """
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata: { name: scoped-namespaces }
        rules: [{ apiGroups: [""], resources: [namespaces], verbs: [get, list, watch] }]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRoleBinding
        metadata: { name: scoped-namespaces }
        roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: scoped-namespaces }
        subjects: [{ apiGroup: rbac.authorization.k8s.io, kind: User, name: scoped-console }]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata: { name: scoped-reader }
        rules:
        - { apiGroups: [""], resources: [services, configmaps], verbs: [get, list, watch] }
        - { apiGroups: [apps], resources: [deployments], verbs: [get, list, watch] }
        - { apiGroups: [networking.istio.io], resources: [virtualservices, destinationrules, gateways], verbs: [get, list, watch] }
        - { apiGroups: [gateway.networking.k8s.io], resources: [httproutes], verbs: [get, list, watch] }
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: { name: scoped-reader, namespace: bookinfo }
        roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: scoped-reader }
        subjects: [{ apiGroup: rbac.authorization.k8s.io, kind: User, name: scoped-console }]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: { name: scoped-reader, namespace: shop }
        roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: scoped-reader }
        subjects: [{ apiGroup: rbac.authorization.k8s.io, kind: User, name: scoped-console }]
        """;

    [Fact]
    public async Task With_roles_in_two_namespaces_the_cache_syncs_them_follows_their_changes_and_shows_no_other()
    {
        await using TestCluster cluster = await StartAsync();
        await using MeshCache cache = await StartScopedCacheAsync(cluster, ["shop", "bookinfo"]);

        await cache.WaitForSyncAsync().WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(CacheHealthState.Connected, cache.Current.Health.State);
        Assert.Equal(["bookinfo", "shop"], cache.Current.Namespaces);
        Assert.NotNull(cache.Current.GetServiceView("bookinfo", "reviews"));
        Assert.Equal(3, cache.Current.GetServiceView("bookinfo", "reviews")!.Versions.Length);
        Assert.NotNull(cache.Current.GetServiceView("shop", "catalog")!.Routing);
        Assert.Null(cache.Current.HistoryProblem);
        Assert.Empty(cache.Current.In("default").Services);

        // A change in a followed namespace arrives over its own watch.
        MeshResourceClients resources = await cluster.ResourcesAsync();
        await resources.VirtualServices!.CreateAsync(TestResources.VirtualService("bookinfo", "ratings", "ratings", ("v1", 100)));
        await Eventually.TrueAsync(() => cache.Current.FindVirtualService("bookinfo", "ratings") is not null, "the scoped watch delivers the new VirtualService");
    }

    [Fact]
    public async Task Without_the_namespace_list_the_same_identity_cannot_sync_and_the_health_says_why()
    {
        await using TestCluster cluster = await StartAsync();
        await using MeshCache cache = await StartScopedCacheAsync(cluster, []);

        await Eventually.TrueAsync(() => cache.Current.Health.State is CacheHealthState.Reconnecting or CacheHealthState.Unreachable, "cluster-wide lists are refused");

        Assert.False(cache.IsSynced);
        Assert.Contains("403", cache.Current.Health.LastError, StringComparison.Ordinal);
    }

    private static async Task<TestCluster> StartAsync()
    {
        TestCluster cluster = await TestCluster.StartForConsoleAsync(configure: o => o.Tokens.Add(new SandboxToken(Token, "scoped-console", "uid-scoped")));
        KubectlRunner.Result applied = await cluster.Kubectl().RunWithInputAsync(Rbac, ["apply", "-f", "-"]);
        Assert.True(applied.ExitCode == 0, applied.ToString());
        return cluster;
    }

    private static async Task<MeshCache> StartScopedCacheAsync(TestCluster cluster, string[] namespaces)
    {
        ClusterOptions connection = cluster.ClusterOptions;
        connection.Token = Token;
        IKubernetes client = KubernetesConnection.Create(connection);
        var cache = new MeshCache(client, Options.Create(new MeshCacheOptions
        {
            BatchWindow = TimeSpan.FromMilliseconds(50),
            InitialBackoff = TimeSpan.FromMilliseconds(100),
            MaxBackoff = TimeSpan.FromMilliseconds(400),
            WatchNamespaces = namespaces,
        }));
        await cache.StartAsync(CancellationToken.None);
        return cache;
    }
}
