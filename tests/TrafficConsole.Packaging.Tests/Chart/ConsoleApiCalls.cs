using System.Collections.Immutable;

namespace TrafficConsole.Packaging.Tests.Chart;

/// <summary>Where a call reaches: a cluster-scoped kind, a kind across all namespaces, or one object in a namespace.</summary>
public enum CallScope
{
    ClusterScoped,
    AllNamespaces,
    InNamespace,
}

/// <summary>One kind of request the console makes to the Kubernetes API, and the code that makes it.</summary>
public sealed record ApiCall(string Group, string Resource, string Verb, CallScope Scope, string Source)
{
    public override string ToString() => $"{Verb} {(Group.Length == 0 ? "core" : Group)}/{Resource} ({Scope})";
}

/// <summary>A permission the chart grants beyond <see cref="ConsoleApiCalls.All"/>, and why.</summary>
public sealed record GrantExtra(string Group, string Resource, string Verb, string Why);

/// <summary>
/// The source of truth for the chart's RBAC: every request TrafficConsole makes to the API server,
/// read from src/TrafficConsole.Cluster (the only project that calls it); the key ring's are <see cref="KeyRing"/>. The RBAC tests check
/// the rendered ClusterRole/Roles against this table both ways, and the published-console test
/// records the real requests and checks them against it. helm/traffic-console/README.md shows it.
/// </summary>
public static class ConsoleApiCalls
{
    private const string Cache = "Cluster/Cache/ResourceSources.cs (MeshCache informers)";
    private const string CustomCache = "Cluster/Resources/MeshResourceClient.cs ListPageAsync/WatchAsync (MeshCache informers)";
    private const string Writer = "Cluster/Writing/RoutingWriter.cs via MeshResourceClient";
    private const string Recorder = "Cluster/History/RevisionRecorder.cs (the rollout history)";

    public static ImmutableArray<ApiCall> All { get; } =
    [
        new("", "namespaces", "list", CallScope.ClusterScoped, Cache),
        new("", "namespaces", "watch", CallScope.ClusterScoped, Cache),
        new("", "services", "list", CallScope.AllNamespaces, Cache),
        new("", "services", "watch", CallScope.AllNamespaces, Cache),
        new("apps", "deployments", "list", CallScope.AllNamespaces, Cache),
        new("apps", "deployments", "watch", CallScope.AllNamespaces, Cache),
        new("", "configmaps", "list", CallScope.AllNamespaces, Cache + " (label trafficconsole.io/record=routing-revision)"),
        new("", "configmaps", "watch", CallScope.AllNamespaces, Cache + " (label trafficconsole.io/record=routing-revision)"),
        new("", "configmaps", "create", CallScope.InNamespace, Recorder + " CreateNamespacedConfigMapAsync"),
        new("", "configmaps", "delete", CallScope.InNamespace, Recorder + " DeleteNamespacedConfigMapAsync (pruning)"),
        new("networking.istio.io", "virtualservices", "list", CallScope.AllNamespaces, CustomCache),
        new("networking.istio.io", "virtualservices", "watch", CallScope.AllNamespaces, CustomCache),
        new("networking.istio.io", "virtualservices", "create", CallScope.InNamespace, Writer + " CreateAsync"),
        new("networking.istio.io", "virtualservices", "update", CallScope.InNamespace, Writer + " ReplaceAsync (PUT with resourceVersion)"),
        new("networking.istio.io", "virtualservices", "delete", CallScope.InNamespace, Writer + " DeleteAsync (with precondition)"),
        new("networking.istio.io", "destinationrules", "list", CallScope.AllNamespaces, CustomCache),
        new("networking.istio.io", "destinationrules", "watch", CallScope.AllNamespaces, CustomCache),
        new("networking.istio.io", "destinationrules", "create", CallScope.InNamespace, Writer + " CreateAsync"),
        new("networking.istio.io", "destinationrules", "update", CallScope.InNamespace, Writer + " ReplaceAsync (PUT with resourceVersion)"),
        new("networking.istio.io", "destinationrules", "delete", CallScope.InNamespace, Writer + " DeleteAsync (with precondition)"),
        new("networking.istio.io", "gateways", "list", CallScope.AllNamespaces, CustomCache),
        new("networking.istio.io", "gateways", "watch", CallScope.AllNamespaces, CustomCache),
        new("gateway.networking.k8s.io", "httproutes", "list", CallScope.AllNamespaces, CustomCache),
        new("gateway.networking.k8s.io", "httproutes", "watch", CallScope.AllNamespaces, CustomCache),
        new("gateway.networking.k8s.io", "httproutes", "update", CallScope.InNamespace, Writer + " ReplaceAsync (PUT with resourceVersion)"),
    ];

    /// <summary>
    /// Non-resource paths the console reads: discovery (<c>/apis</c>) and the health probe
    /// (<c>/version</c>). Kubernetes' default system:discovery and system:public-info-viewer
    /// roles grant them to every authenticated account, so the chart grants none.
    /// </summary>
    public static ImmutableArray<string> NonResourcePaths { get; } = ["/api", "/apis", "/version"];

    /// <summary>
    /// <c>get</c> on each kind the console lists: a get returns nothing a list does not, and
    /// MeshResourceClient.GetAsync (the cluster layer's single-object read) works under the chart.
    /// </summary>
    public static ImmutableArray<GrantExtra> Extras { get; } =
    [
        .. All.Where(static c => c.Verb == "list")
            .Select(static c => new GrantExtra(c.Group, c.Resource, "get", "implied by list; single-object reads")),
    ];

    /// <summary>The chart's key ring Secret (keyRingSecret.enabled), by name, in the release's namespace only.</summary>
    public const string KeyRingSecretName = "tc-traffic-console-keys";

    /// <summary>With DataProtection:KeysSecret: the data protection key ring in one Secret (Cluster/Secrets/KeyRingStore.cs, for Web/Hosting/KeyRingSecret.cs).</summary>
    public static ImmutableArray<ApiCall> KeyRing { get; } =
    [
        new("", "secrets", "get", CallScope.InNamespace, "Cluster/Secrets/KeyRingStore.cs ReadNamespacedSecretAsync (the key ring)"),
        new("", "secrets", "update", CallScope.InNamespace, "Cluster/Secrets/KeyRingStore.cs ReplaceNamespacedSecretAsync (a new key)"),
    ];

    /// <summary>Only with auth.strategy=openid: the console acts as the signed-in user.</summary>
    public static ImmutableArray<GrantExtra> OpenIdExtras { get; } =
    [
        new("", "users", "impersonate", "auth.strategy=openid: act as the signed-in user"),
        new("", "groups", "impersonate", "auth.strategy=openid: act with the user's groups"),
    ];
}
