using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Services;

namespace TrafficConsole.Cluster.Cache;

/// <summary>
/// The routing resources of a snapshot that may concern each service, by the host or Service they name: what
/// <see cref="ServiceViewBuilder"/> is handed instead of every resource of the cluster. The builder still decides
/// which really target the service; this only has to hold a superset (every resource under each host or Service
/// reference it names), so a view of 1 of 500 services no longer resolves the hosts of all 1,000 routing resources.
/// </summary>
internal sealed class RoutingCandidates
{
    private readonly Dictionary<string, List<VirtualService>> _virtualServices = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<DestinationRule>> _destinationRules = new(StringComparer.Ordinal);
    private readonly Dictionary<ServiceRef, List<HttpRoute>> _httpRoutes = [];

    private RoutingCandidates()
    {
    }

    /// <summary>One pass over the snapshot's routing resources (in the order the snapshot holds them).</summary>
    public static RoutingCandidates Build(IEnumerable<NamespaceResources> resources)
    {
        ArgumentNullException.ThrowIfNull(resources);
        RoutingCandidates index = new();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var refs = new HashSet<ServiceRef>();
        foreach (NamespaceResources namespaceResources in resources)
        {
            foreach (VirtualService vs in namespaceResources.VirtualServices.Values)
            {
                keys.Clear();
                foreach (string? host in vs.Spec?.Hosts ?? [])
                {
                    if (host is not null && HostNames.Resolve(host, vs.Namespace) is var fqdn && keys.Add(fqdn))
                    {
                        Add(index._virtualServices, fqdn, vs);
                    }
                }
            }

            foreach (DestinationRule dr in namespaceResources.DestinationRules.Values)
            {
                if (dr.Spec?.Host is { } host)
                {
                    Add(index._destinationRules, HostNames.Resolve(host, dr.Namespace), dr);
                }
            }

            foreach (HttpRoute route in namespaceResources.HttpRoutes.Values)
            {
                refs.Clear();
                IEnumerable<(string? Namespace, string? Name)> references =
                    (route.Spec?.ParentRefs ?? []).Select(static p => (p.Namespace, (string?)p.Name))
                    .Concat((route.Spec?.Rules ?? []).SelectMany(static r => r.BackendRefs ?? []).Select(static b => (b.Namespace, (string?)b.Name)));
                foreach ((string? ns, string? name) in references)
                {
                    var named = new ServiceRef(ns ?? route.Namespace, name ?? string.Empty);
                    if (named.Name.Length > 0 && refs.Add(named))
                    {
                        Add(index._httpRoutes, named, route);
                    }
                }
            }
        }

        return index;
    }

    /// <summary>VirtualServices with a host that resolves to the service.</summary>
    public IReadOnlyList<VirtualService> VirtualServicesOf(string @namespace, string service) =>
        _virtualServices.TryGetValue(HostNames.Fqdn(service, @namespace), out List<VirtualService>? found) ? found : [];

    /// <summary>DestinationRules whose host resolves to the service.</summary>
    public IReadOnlyList<DestinationRule> DestinationRulesOf(string @namespace, string service) =>
        _destinationRules.TryGetValue(HostNames.Fqdn(service, @namespace), out List<DestinationRule>? found) ? found : [];

    /// <summary>HTTPRoutes with a parentRef or backendRef naming the service.</summary>
    public IReadOnlyList<HttpRoute> HttpRoutesOf(string @namespace, string service) =>
        _httpRoutes.TryGetValue(new ServiceRef(@namespace, service), out List<HttpRoute>? found) ? found : [];

    private static void Add<TKey, TValue>(Dictionary<TKey, List<TValue>> index, TKey key, TValue value)
        where TKey : notnull
    {
        if (!index.TryGetValue(key, out List<TValue>? list))
        {
            list = [];
            index[key] = list;
        }

        list.Add(value);
    }
}
