using System.Collections.Immutable;

using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Services;

namespace TrafficConsole.Cluster.Cache;

/// <summary>Which services' views a change of a resource touches (before and after the change).</summary>
internal static class AffectedServices
{
    private const string ServiceSuffix = "." + HostNames.ClusterDomain;

    /// <summary>Services whose selector matches the workload's pods, before or after the change.</summary>
    public static ImmutableArray<ServiceRef> OfWorkload(IEnumerable<KubeService> services, Workload workload, Workload? old) =>
        [.. services
            .Where(s => Selects(s, workload.PodLabels) || (old is not null && Selects(s, old.PodLabels)))
            .Select(static s => new ServiceRef(s.Namespace, s.Name))
            .OrderBy(static s => s.Name, StringComparer.Ordinal)];

    /// <summary>Services named by the VirtualService's hosts and route destinations.</summary>
    public static ImmutableArray<ServiceRef> OfVirtualService(VirtualService item, VirtualService? old) =>
        FromHosts(HostsOf(item).Concat(old is null ? [] : HostsOf(old)));

    /// <summary>The service named by the DestinationRule's host.</summary>
    public static ImmutableArray<ServiceRef> OfDestinationRule(DestinationRule item, DestinationRule? old) =>
        FromHosts(new[] { (item.Spec?.Host, item.Namespace), (old?.Spec?.Host, old?.Namespace ?? item.Namespace) });

    /// <summary>Services the HTTPRoute attaches to (GAMMA parentRefs) or sends traffic to (backendRefs).</summary>
    public static ImmutableArray<ServiceRef> OfHttpRoute(HttpRoute item, HttpRoute? old) =>
        [.. ServicesOf(item).Concat(old is null ? [] : ServicesOf(old)).Distinct().OrderBy(static s => s.ToString(), StringComparer.Ordinal)];

    /// <summary>Services routed by VirtualServices that name the gateway: whether it exists changes their validation.</summary>
    public static ImmutableArray<ServiceRef> OfGateway(IEnumerable<VirtualService> virtualServices, string gatewayNamespace, string gatewayName) =>
        FromHosts(virtualServices
            .Where(vs => (vs.Spec?.Gateways ?? []).Any(g => GatewayNames.Refers(g, vs.Namespace, gatewayNamespace, gatewayName)))
            .SelectMany(static vs => (vs.Spec?.Hosts ?? []).Select(h => ((string?)h, vs.Namespace))));

    private static bool Selects(KubeService service, IReadOnlyDictionary<string, string> podLabels) =>
        service.Selector.Count > 0
        && service.Selector.All(kv => podLabels.TryGetValue(kv.Key, out string? value) && string.Equals(value, kv.Value, StringComparison.Ordinal));

    private static IEnumerable<(string? Host, string Namespace)> HostsOf(VirtualService item)
    {
        string ns = item.Namespace;
        foreach (string host in item.Spec?.Hosts ?? [])
        {
            yield return (host, ns);
        }

        foreach (HttpRouteRule rule in item.Spec?.Http ?? [])
        {
            foreach (HttpRouteDestination route in rule.Route ?? [])
            {
                yield return (route.Destination?.Host, ns);
            }

            yield return (rule.Mirror?.Host, ns);
        }
    }

    private static ImmutableArray<ServiceRef> FromHosts(IEnumerable<(string? Host, string Namespace)> hosts) =>
        [.. hosts
            .Select(static h => ToService(h.Host, h.Namespace))
            .OfType<ServiceRef>()
            .Distinct()
            .OrderBy(static s => s.ToString(), StringComparer.Ordinal)];

    /// <summary>The service a host names when it is a cluster-local service host; null for external or wildcard hosts.</summary>
    internal static ServiceRef? ToService(string? host, string resourceNamespace)
    {
        if (string.IsNullOrWhiteSpace(host) || string.IsNullOrEmpty(resourceNamespace))
        {
            return null;
        }

        string fqdn = HostNames.Resolve(host, resourceNamespace);
        if (!fqdn.EndsWith(ServiceSuffix, StringComparison.Ordinal))
        {
            return null;
        }

        string[] parts = fqdn[..^ServiceSuffix.Length].Split('.');
        return parts.Length == 2 && parts[0].Length > 0 && parts[1].Length > 0 && !parts[0].Contains('*', StringComparison.Ordinal)
            ? new ServiceRef(parts[1], parts[0])
            : null;
    }

    private static IEnumerable<ServiceRef> ServicesOf(HttpRoute item)
    {
        string ns = item.Namespace;
        foreach (ParentReference parent in item.Spec?.ParentRefs ?? [])
        {
            if (IsService(parent.Group, parent.Kind, defaultIsService: false) && !string.IsNullOrEmpty(parent.Name))
            {
                yield return new ServiceRef(parent.Namespace ?? ns, parent.Name);
            }
        }

        foreach (HttpRouteRuleSpec rule in item.Spec?.Rules ?? [])
        {
            foreach (HttpBackendRef backend in rule.BackendRefs ?? [])
            {
                if (IsService(backend.Group, backend.Kind, defaultIsService: true) && !string.IsNullOrEmpty(backend.Name))
                {
                    yield return new ServiceRef(backend.Namespace ?? ns, backend.Name);
                }
            }
        }
    }

    // A parentRef defaults to a Gateway, a backendRef to a core Service.
    private static bool IsService(string? group, string? kind, bool defaultIsService) =>
        (string.IsNullOrEmpty(group) || group == "core")
        && (kind is null ? defaultIsService : kind == "Service");
}
