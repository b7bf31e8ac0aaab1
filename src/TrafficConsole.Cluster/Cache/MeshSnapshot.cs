using System.Collections.Concurrent;
using System.Collections.Immutable;

using TrafficConsole.Cluster.Discovery;
using TrafficConsole.Mesh.Analysis;
using TrafficConsole.Mesh.History;
using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Services;

namespace TrafficConsole.Cluster.Cache;

/// <summary>
/// What the cache knew at one moment: immutable, shared by every viewer, with a <see cref="Version"/>
/// that grows with every change. Service views are built on first use and kept for this snapshot.
/// </summary>
public sealed class MeshSnapshot
{
    private readonly ConcurrentDictionary<(string Namespace, string Name), ServiceView?> _views = new();
    private readonly ConcurrentDictionary<string, ImmutableArray<ServiceView>> _namespaceViews = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Namespace, string Service), ImmutableArray<RoutingRevision>> _revisions = new();
    private readonly ConcurrentDictionary<string, ImmutableDictionary<string, ImmutableArray<RoutingRevision>>> _revisionsByService = new(StringComparer.Ordinal);
    private ImmutableArray<IstioGateway>? _gateways;
    private RoutingCandidates? _candidates;

    internal MeshSnapshot(
        long version,
        ImmutableSortedSet<string> namespaces,
        ImmutableDictionary<string, NamespaceResources> resources,
        bool isSynced,
        CacheHealth health,
        ServedApis apis,
        string? historyProblem = null)
    {
        HistoryProblem = historyProblem;
        Version = version;
        Namespaces = namespaces;
        Resources = resources;
        IsSynced = isSynced;
        Health = health;
        Apis = apis;
    }

    /// <summary>The snapshot of a cache that has seen nothing yet.</summary>
    public static MeshSnapshot Empty { get; } = new(
        0,
        ImmutableSortedSet.Create<string>(StringComparer.Ordinal),
        ImmutableDictionary.Create<string, NamespaceResources>(StringComparer.Ordinal),
        isSynced: false,
        new CacheHealth(CacheHealthState.Connecting, DateTimeOffset.MinValue),
        ServedApis.None);

    /// <summary>Grows by at least one with every change; a higher version is newer.</summary>
    public long Version { get; }

    /// <summary>The cluster's namespaces (from the Namespace list/watch), sorted.</summary>
    public ImmutableSortedSet<string> Namespaces { get; }

    /// <summary>Services, workloads and routing resources per namespace.</summary>
    public ImmutableDictionary<string, NamespaceResources> Resources { get; }

    /// <summary>True once every kind has been listed at least once.</summary>
    public bool IsSynced { get; }

    public CacheHealth Health { get; }

    /// <summary>The APIs the cluster serves (Istio version, Gateway API).</summary>
    public ServedApis Apis { get; }

    /// <summary>Why the rollout history cannot be read (e.g. the console may not list ConfigMaps); null when it can.</summary>
    public string? HistoryProblem { get; }

    /// <summary>The recorded revisions of one service, oldest first (undecodable ConfigMaps left out); built once per snapshot.</summary>
    public ImmutableArray<RoutingRevision> GetRevisions(string @namespace, string service)
    {
        ArgumentNullException.ThrowIfNull(@namespace);
        ArgumentNullException.ThrowIfNull(service);
        return _revisions.GetOrAdd((@namespace, service), static (key, snapshot) =>
            snapshot.RevisionsByService(key.Namespace).TryGetValue(key.Service, out ImmutableArray<RoutingRevision> revisions) ? revisions : [], this);
    }

    // One pass over a namespace's revisions per snapshot, however many services ask.
    private ImmutableDictionary<string, ImmutableArray<RoutingRevision>> RevisionsByService(string @namespace) =>
        _revisionsByService.GetOrAdd(@namespace, static (ns, snapshot) => snapshot.In(ns).Revisions.Values
            .Select(static d => d.Revision)
            .OfType<RoutingRevision>()
            .GroupBy(static r => r.Service, StringComparer.Ordinal)
            .ToImmutableDictionary(static g => g.Key, static g => RoutingRevision.Order(g), StringComparer.Ordinal), this);

    /// <summary>The revision <paramref name="id"/> of a service, or null.</summary>
    public RoutingRevision? FindRevision(string @namespace, string service, string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        return In(@namespace).Revisions.TryGetValue(RevisionCodec.NameOf(service, id), out RevisionDecoding? decoding)
            && decoding.Revision is { } revision && string.Equals(revision.Service, service, StringComparison.Ordinal)
            ? revision
            : null;
    }

    /// <summary>The namespace's resources (empty when there are none).</summary>
    public NamespaceResources In(string @namespace) =>
        Resources.TryGetValue(@namespace, out NamespaceResources? resources) ? resources : NamespaceResources.Empty;

    public KubeService? FindService(string @namespace, string name) =>
        In(@namespace).Services.TryGetValue(name, out KubeService? service) ? service : null;

    public VirtualService? FindVirtualService(string @namespace, string name) =>
        In(@namespace).VirtualServices.TryGetValue(name, out VirtualService? item) ? item : null;

    public DestinationRule? FindDestinationRule(string @namespace, string name) =>
        In(@namespace).DestinationRules.TryGetValue(name, out DestinationRule? item) ? item : null;

    public HttpRoute? FindHttpRoute(string @namespace, string name) =>
        In(@namespace).HttpRoutes.TryGetValue(name, out HttpRoute? item) ? item : null;

    /// <summary>The Istio Gateway <paramref name="namespace"/>/<paramref name="name"/>, or null when the cluster has none by that name.</summary>
    public IstioGateway? FindGateway(string @namespace, string name) =>
        In(@namespace).Gateways.TryGetValue(name, out IstioGateway? item) ? item : null;

    /// <summary>
    /// Every Istio Gateway of the cluster, ordered by namespace then name: what "attach to existing gateways"
    /// offers (as <c>namespace/name</c>, see <see cref="GatewayNames.Format"/>). Empty when Istio is not served.
    /// </summary>
    public ImmutableArray<IstioGateway> Gateways => _gateways ??= [.. Resources
        .OrderBy(static r => r.Key, StringComparer.Ordinal)
        .SelectMany(static r => r.Value.Gateways.Values.OrderBy(static g => g.Name, StringComparer.Ordinal))];

    /// <summary>
    /// The snapshot as the analyzer's input: the routing resources, services and workloads of
    /// <paramref name="namespace"/> (of every namespace when null). Gateways are always the whole cluster's,
    /// since a VirtualService may attach to a gateway of another namespace (<c>istio-system/ingressgateway</c>).
    /// </summary>
    public ClusterResources ToClusterResources(string? @namespace = null)
    {
        IEnumerable<NamespaceResources> scope = @namespace is null
            ? Resources.OrderBy(static r => r.Key, StringComparer.Ordinal).Select(static r => r.Value)
            : [In(@namespace)];
        NamespaceResources[] parts = [.. scope];
        return new ClusterResources
        {
            VirtualServices = [.. parts.SelectMany(static r => r.VirtualServices.Values.OrderBy(static x => x.Name, StringComparer.Ordinal))],
            DestinationRules = [.. parts.SelectMany(static r => r.DestinationRules.Values.OrderBy(static x => x.Name, StringComparer.Ordinal))],
            HttpRoutes = [.. parts.SelectMany(static r => r.HttpRoutes.Values.OrderBy(static x => x.Name, StringComparer.Ordinal))],
            Gateways = Gateways,
            Services = [.. parts.SelectMany(static r => r.Services.Values.OrderBy(static x => x.Name, StringComparer.Ordinal))],
            Workloads = [.. parts.SelectMany(static r => r.Workloads.Values.OrderBy(static x => x.Name, StringComparer.Ordinal))],
            KnowsWorkloads = true,
        };
    }

    /// <summary>The view of one service (versions, routing resources, routing state), or null if there is no such service.</summary>
    public ServiceView? GetServiceView(string @namespace, string name)
    {
        ArgumentNullException.ThrowIfNull(@namespace);
        ArgumentNullException.ThrowIfNull(name);
        return _views.GetOrAdd((@namespace, name), static (key, snapshot) => snapshot.BuildView(key.Namespace, key.Name), this);
    }

    /// <summary>Views of every service of the namespace, ordered by name.</summary>
    public ImmutableArray<ServiceView> GetServiceViews(string @namespace)
    {
        ArgumentNullException.ThrowIfNull(@namespace);
        return _namespaceViews.GetOrAdd(
            @namespace,
            static (ns, snapshot) =>
            [
                .. snapshot.In(ns).Services.Keys
                    .Order(StringComparer.Ordinal)
                    .Select(name => snapshot.GetServiceView(ns, name))
                    .OfType<ServiceView>(),
            ],
            this);
    }

    internal MeshSnapshot With(
        long version,
        ImmutableSortedSet<string>? namespaces = null,
        ImmutableDictionary<string, NamespaceResources>? resources = null,
        bool? isSynced = null,
        CacheHealth? health = null,
        ServedApis? apis = null) =>
        new(version, namespaces ?? Namespaces, resources ?? Resources, isSynced ?? IsSynced, health ?? Health, apis ?? Apis, HistoryProblem);

    internal MeshSnapshot WithHistoryProblem(long version, string? problem) =>
        new(version, Namespaces, Resources, IsSynced, Health, Apis, problem);

    private ServiceView? BuildView(string @namespace, string name)
    {
        NamespaceResources resources = In(@namespace);
        if (!resources.Services.TryGetValue(name, out KubeService? service))
        {
            return null;
        }

        // VirtualServices and DestinationRules of other namespaces may target this service too
        // (hosts like reviews.bookinfo.svc.cluster.local): the index hands over every resource naming it, of any
        // namespace, and the builder decides which really target it.
        RoutingCandidates candidates = _candidates ??= RoutingCandidates.Build(Resources.Values);
        return ServiceViewBuilder.Build(
            service,
            [.. resources.Workloads.Values],
            candidates.VirtualServicesOf(@namespace, name),
            candidates.DestinationRulesOf(@namespace, name),
            candidates.HttpRoutesOf(@namespace, name),
            resources.Services.Values);
    }
}
