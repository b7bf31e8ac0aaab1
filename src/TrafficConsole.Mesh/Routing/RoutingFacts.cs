using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;

using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Services;

namespace TrafficConsole.Mesh.Routing;

/// <summary>
/// What a service's routing resources say, independent of editing: their revision, which subsets select which version,
/// the split replica counts imply, which VirtualService or HTTPRoute routes the service, its rules summarised; plus the
/// selector, host and weight rules every reader shares. What the sliders show is the intent's to say: <see cref="RoutingProjection"/>.
/// </summary>
public static class RoutingFacts
{
    /// <summary>
    /// Reads the facts of the routing of <paramref name="service"/>: <see cref="RoutingKind.None"/> when nothing routes its
    /// sidecar traffic, else <see cref="RoutingKind.Split"/> until <see cref="RoutingProjection.Project"/> completes it.
    /// </summary>
    /// <param name="service">The service.</param>
    /// <param name="versions">Its versions (see <see cref="ServiceViewBuilder"/>).</param>
    /// <param name="virtualServices">VirtualServices that target the service's host.</param>
    /// <param name="destinationRules">DestinationRules that target the service's host.</param>
    /// <param name="httpRoutes">Gateway API routes attached to the service, if any.</param>
    /// <param name="backendVersions">
    /// Backend Services that are versions of the service (see <see cref="HttpRouteReader.BackendVersionsOf"/>), to read
    /// an attached HTTPRoute's backendRefs as versions; null takes <c>&lt;service&gt;-&lt;version&gt;</c> names.
    /// </param>
    public static RoutingState Read(
        KubeService service,
        IReadOnlyList<ServiceVersion> versions,
        IReadOnlyList<VirtualService> virtualServices,
        IReadOnlyList<DestinationRule> destinationRules,
        IReadOnlyList<HttpRoute>? httpRoutes = null,
        ImmutableDictionary<string, string>? backendVersions = null)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(versions);
        ArgumentNullException.ThrowIfNull(virtualServices);
        ArgumentNullException.ThrowIfNull(destinationRules);

        TrafficSplit implied = ImpliedByReplicas(versions);
        string revision = RevisionOf(virtualServices, destinationRules);
        ImmutableDictionary<string, string> subsetVersions = MapSubsets(destinationRules, versions);
        var state = new RoutingState
        {
            Kind = RoutingKind.None,
            EffectiveSplit = implied,
            ImpliedByReplicas = implied,
            Revision = revision,
            SubsetVersions = subsetVersions,
            ManagedByTrafficConsole = IsManaged(virtualServices, destinationRules),
        };

        VirtualService[] routing = [.. virtualServices.Where(static vs => AppliesToMesh(vs) && vs.Spec?.Http is { Count: > 0 })];
        HttpRoute[] owners = [.. (httpRoutes ?? []).Where(r => AttachesTo(r, service))];
        if (owners.Length > 0)
        {
            // Gateway API mesh routing (GAMMA): the HTTPRoute's rules are the service's routing.
            return HttpRouteReader.ReadFacts(state, service, owners, backendVersions ?? HttpRouteReader.BackendVersionsOf(service, versions, null));
        }

        if (routing.Length == 0)
        {
            return state;
        }

        // Routed: what the sliders show (split, rules or read-only, and why) is the intent's to say (RoutingProjection).
        state = state with { Kind = RoutingKind.Split, EffectiveSplit = TrafficSplit.Empty };
        if (routing.Length > 1)
        {
            return state;
        }

        VirtualService vs = routing[0];
        IReadOnlyList<HttpRouteRule> http = vs.Spec!.Http!;
        return state with
        {
            VirtualServiceName = $"{vs.Namespace}/{vs.Name}",
            Rules = [.. http.Select((rule, i) => Summarize(rule, i, vs.Namespace, service, subsetVersions))],
        };
    }

    /// <summary>The split the ready replica counts imply (desired counts when nothing is ready); sums to 100 unless there are no pods.</summary>
    public static TrafficSplit ImpliedByReplicas(IReadOnlyList<ServiceVersion> versions)
    {
        ArgumentNullException.ThrowIfNull(versions);
        long[] counts = [.. versions.Select(static v => (long)v.ReadyReplicas)];
        if (counts.Sum() == 0)
        {
            counts = [.. versions.Select(static v => (long)v.DesiredReplicas)];
        }

        int[] percents = Apportion.LargestRemainder(counts, 100);
        return new TrafficSplit([.. versions.Select((v, i) => new VersionWeight(v.Name, percents[i]))]);
    }

    /// <summary>Relative weights as integer percentages that sum to 100 (Istio 1.15+: 1 and 3 mean 25% and 75%).</summary>
    public static int[] EffectivePercents(IReadOnlyList<int?> weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.Count == 1)
        {
            // A lone destination takes all traffic whatever its weight says.
            return [100];
        }

        return Apportion.LargestRemainder([.. weights.Select(static w => (long)Math.Max(0, w ?? 0))], 100);
    }

    /// <summary>
    /// The revision string of the routing resources: <c>vs:&lt;rv&gt;,dr:&lt;rv&gt;</c>, or <c>none</c>; each rv is the resource's
    /// <see cref="IstioResource{TSpec}.ContentRevision"/>, so Istio's status writes do not make drafts stale.
    /// </summary>
    public static string RevisionOf(IEnumerable<VirtualService> virtualServices, IEnumerable<DestinationRule> destinationRules)
    {
        ArgumentNullException.ThrowIfNull(virtualServices);
        ArgumentNullException.ThrowIfNull(destinationRules);
        IEnumerable<string> parts = virtualServices
            .OrderBy(static vs => vs.Namespace, StringComparer.Ordinal).ThenBy(static vs => vs.Name, StringComparer.Ordinal)
            .Select(static vs => "vs:" + (vs.ContentRevision ?? "0"))
            .Concat(destinationRules
                .OrderBy(static dr => dr.Namespace, StringComparer.Ordinal).ThenBy(static dr => dr.Name, StringComparer.Ordinal)
                .Select(static dr => "dr:" + (dr.ContentRevision ?? "0")));
        string revision = string.Join(",", parts);
        return revision.Length == 0 ? RoutingState.NoRevision : revision;
    }

    /// <summary>Maps each DestinationRule subset to the one version whose workloads (all of them, and no others) it selects.</summary>
    public static ImmutableDictionary<string, string> MapSubsets(IEnumerable<DestinationRule> destinationRules, IReadOnlyList<ServiceVersion> versions)
    {
        ArgumentNullException.ThrowIfNull(destinationRules);
        ArgumentNullException.ThrowIfNull(versions);
        ImmutableDictionary<string, string>.Builder map = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (Subset subset in destinationRules.SelectMany(static dr => dr.Spec?.Subsets ?? []))
        {
            if (subset.Name is null || map.ContainsKey(subset.Name))
            {
                continue;
            }

            ServiceVersion? version = VersionSelectedBy(subset, versions);
            if (version is not null)
            {
                map.Add(subset.Name, version.Name);
            }
        }

        return map.ToImmutable();
    }

    /// <summary>The version a subset selects exactly, or null when it selects none, several or only part of one.</summary>
    public static ServiceVersion? VersionSelectedBy(Subset subset, IReadOnlyList<ServiceVersion> versions)
    {
        ArgumentNullException.ThrowIfNull(subset);
        ArgumentNullException.ThrowIfNull(versions);
        IReadOnlyDictionary<string, string> labels = subset.Labels ?? ImmutableDictionary<string, string>.Empty;
        ServiceVersion[] touched = [.. versions.Where(v => v.Workloads.Any(w => Selects(labels, w.PodLabels)))];
        return touched.Length == 1 && touched[0].Workloads.All(w => Selects(labels, w.PodLabels)) ? touched[0] : null;
    }

    /// <summary>True when every selector label is present with the same value (an empty selector selects everything).</summary>
    public static bool Selects(IReadOnlyDictionary<string, string> selector, IReadOnlyDictionary<string, string> labels)
    {
        ArgumentNullException.ThrowIfNull(selector);
        ArgumentNullException.ThrowIfNull(labels);
        return selector.All(pair => labels.TryGetValue(pair.Key, out string? value) && string.Equals(value, pair.Value, StringComparison.Ordinal));
    }

    /// <summary>True when the VirtualService applies to sidecar traffic (no gateways, or the reserved <c>mesh</c> gateway).</summary>
    public static bool AppliesToMesh(VirtualService virtualService)
    {
        ArgumentNullException.ThrowIfNull(virtualService);
        IReadOnlyList<string>? gateways = virtualService.Spec?.Gateways;
        return gateways is null || gateways.Count == 0 || gateways.Contains("mesh", StringComparer.Ordinal);
    }

    /// <summary>The index of the first http route without conditions, or -1.</summary>
    public static int IndexOfCatchAll(IReadOnlyList<HttpRouteRule> http)
    {
        ArgumentNullException.ThrowIfNull(http);
        for (int i = 0; i < http.Count; i++)
        {
            if (http[i].IsCatchAll)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>True when the HTTPRoute attaches to the service itself (Gateway API mesh routing, GAMMA).</summary>
    public static bool AttachesTo(HttpRoute route, KubeService service)
    {
        ArgumentNullException.ThrowIfNull(route);
        ArgumentNullException.ThrowIfNull(service);
        return route.Spec?.ParentRefs?.Any(p =>
            string.Equals(p.Kind, "Service", StringComparison.Ordinal)
            && (p.Group is null || p.Group.Length == 0 || string.Equals(p.Group, "core", StringComparison.Ordinal))
            && string.Equals(p.Name, service.Name, StringComparison.Ordinal)
            && string.Equals(p.Namespace ?? route.Namespace, service.Namespace, StringComparison.Ordinal)) == true;
    }

    /// <summary>True when the mirror percentage in force for a route: <c>mirrorPercentage.value</c>, the legacy <c>mirrorPercent</c>, else 100.</summary>
    public static double MirrorPercentOf(HttpRouteRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        if (rule.MirrorPercentage?.Value is double value)
        {
            return value;
        }

        if (rule.Extra is not null && rule.Extra.TryGetValue("mirrorPercent", out JsonElement legacy) && legacy.ValueKind == JsonValueKind.Number)
        {
            return legacy.GetDouble();
        }

        return 100;
    }

    private static bool IsManaged(IReadOnlyList<VirtualService> virtualServices, IReadOnlyList<DestinationRule> destinationRules)
    {
        bool any = virtualServices.Count + destinationRules.Count > 0;
        return any
            && virtualServices.All(static vs => vs.GetLabel(IstioApi.ManagedByLabel) == IstioApi.ManagedByValue)
            && destinationRules.All(static dr => dr.GetLabel(IstioApi.ManagedByLabel) == IstioApi.ManagedByValue);
    }

    private static RouteRuleSummary Summarize(HttpRouteRule rule, int index, string vsNamespace, KubeService service, ImmutableDictionary<string, string> subsetVersions)
    {
        ImmutableArray<string> conditions = rule.IsCatchAll ? [] : [.. (rule.Match ?? []).Select(Describe)];
        IReadOnlyList<HttpRouteDestination> route = rule.Route ?? [];
        int[] percents = route.Count == 0 ? [] : EffectivePercents([.. route.Select(static d => d.Weight)]);
        ImmutableArray<VersionWeight> destinations = [.. route.Select((d, i) => new VersionWeight(DescribeDestination(d.Destination, vsNamespace, service, subsetVersions), percents[i]))];
        return new RouteRuleSummary(index, rule.Name, conditions, destinations, rule.IsCatchAll);
    }

    private static string DescribeDestination(Destination? destination, string vsNamespace, KubeService service, ImmutableDictionary<string, string> subsetVersions)
    {
        if (destination is null)
        {
            return "(none)";
        }

        bool ours = HostNames.Targets(destination.Host, vsNamespace, service.Name, service.Namespace);
        if (ours && destination.Subset is not null && subsetVersions.TryGetValue(destination.Subset, out string? version))
        {
            return version;
        }

        return destination.Subset is null ? destination.Host ?? "(no host)" : $"{destination.Host}/{destination.Subset}";
    }

    /// <summary>Describes one match alternative, e.g. <c>header end-user exact "jason", uri prefix "/api"</c>.</summary>
    public static string Describe(HttpMatchRequest match)
    {
        ArgumentNullException.ThrowIfNull(match);
        var parts = new List<string>();
        if (match.Uri is not null)
        {
            parts.Add($"uri {match.Uri}");
        }

        if (match.Method is not null)
        {
            parts.Add($"method {match.Method}");
        }

        if (match.Authority is not null)
        {
            parts.Add($"authority {match.Authority}");
        }

        if (match.Scheme is not null)
        {
            parts.Add($"scheme {match.Scheme}");
        }

        parts.AddRange((match.Headers ?? ImmutableDictionary<string, StringMatch>.Empty).Select(static h => $"header {h.Key} {h.Value}"));
        parts.AddRange((match.QueryParams ?? ImmutableDictionary<string, StringMatch>.Empty).Select(static q => $"query {q.Key} {q.Value}"));
        parts.AddRange((match.WithoutHeaders ?? ImmutableDictionary<string, StringMatch>.Empty).Select(static h => $"without header {h.Key} {h.Value}"));
        if (match.Port is int port)
        {
            parts.Add("port " + port.ToString(CultureInfo.InvariantCulture));
        }

        if (match.SourceLabels is { Count: > 0 } sourceLabels)
        {
            parts.Add("from pods " + string.Join(",", sourceLabels.Select(static l => $"{l.Key}={l.Value}")));
        }

        if (match.SourceNamespace is not null)
        {
            parts.Add($"from namespace {match.SourceNamespace}");
        }

        if (match.Gateways is { Count: > 0 } gateways)
        {
            parts.Add("via " + string.Join(",", gateways));
        }

        if (match.Extra is { Count: > 0 } extra)
        {
            parts.AddRange(extra.Keys.Select(static k => k + " (not shown)"));
        }

        string text = parts.Count == 0 ? "any request" : string.Join(", ", parts);
        return match.IgnoreUriCase == true ? text + " (uri case-insensitive)" : text;
    }

}
