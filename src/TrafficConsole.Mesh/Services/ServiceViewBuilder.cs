using System.Collections.Immutable;

using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Validation;

namespace TrafficConsole.Mesh.Services;

/// <summary>Builds a <see cref="ServiceView"/>: a service, its versions, the Istio resources that target it and its routing.</summary>
/// <remarks>
/// Versions are told apart like Kiali does: the first label pair whose version key a workload's pod
/// template carries wins, in this order: <c>service.istio.io/canonical-name</c>/<c>-revision</c>,
/// <c>app.kubernetes.io/name</c>/<c>version</c>, <c>app</c>/<c>version</c>. Workloads are grouped by the
/// label value; workloads that carry none of the version keys form one unversioned group
/// (<see cref="ServiceVersion.UnversionedName"/>), listed last.
/// </remarks>
public static class ServiceViewBuilder
{
    /// <summary>The (name, version) label pairs in the order they are tried.</summary>
    public static ImmutableArray<(string NameKey, string VersionKey)> LabelPairs { get; } =
    [
        ("service.istio.io/canonical-name", "service.istio.io/canonical-revision"),
        ("app.kubernetes.io/name", "app.kubernetes.io/version"),
        ("app", "version"),
    ];

    /// <summary>Builds the view of <paramref name="service"/> from everything in its namespace (or cluster).</summary>
    /// <param name="service">The service.</param>
    /// <param name="workloads">Workloads of its namespace (or more).</param>
    /// <param name="virtualServices">VirtualServices that may target it.</param>
    /// <param name="destinationRules">DestinationRules that may target it.</param>
    /// <param name="httpRoutes">Gateway API HTTPRoutes that may attach to it or send to it.</param>
    /// <param name="services">
    /// The Services of its namespace, to tell which are per-version backends of it (<see cref="ServiceView.BackendVersions"/>);
    /// null when unknown, then <c>&lt;service&gt;-&lt;version&gt;</c> names stand for the versions.
    /// </param>
    public static ServiceView Build(
        KubeService service,
        IEnumerable<Workload> workloads,
        IEnumerable<VirtualService> virtualServices,
        IEnumerable<DestinationRule> destinationRules,
        IEnumerable<HttpRoute>? httpRoutes = null,
        IEnumerable<KubeService>? services = null)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(workloads);
        ArgumentNullException.ThrowIfNull(virtualServices);
        ArgumentNullException.ThrowIfNull(destinationRules);

        ImmutableArray<ServiceVersion> versions = VersionsOf(service, workloads);
        ImmutableArray<VirtualService> vss = [.. virtualServices
            .Where(vs => Targets(vs, service))
            .OrderBy(static vs => vs.Namespace, StringComparer.Ordinal).ThenBy(static vs => vs.Name, StringComparer.Ordinal)];
        ImmutableArray<DestinationRule> drs = [.. destinationRules
            .Where(dr => Targets(dr, service))
            .OrderBy(static dr => dr.Namespace, StringComparer.Ordinal).ThenBy(static dr => dr.Name, StringComparer.Ordinal)];
        ImmutableArray<HttpRoute> routes = [.. (httpRoutes ?? []).Where(r => RoutingFacts.AttachesTo(r, service) || SendsTo(r, service))];

        // Only an HTTPRoute attached to the service reads backends as versions: skip the scan of every Service otherwise.
        ImmutableDictionary<string, string> backendVersions = routes.Any(r => RoutingFacts.AttachesTo(r, service))
            ? HttpRouteReader.BackendVersionsOf(service, versions, services)
            : ImmutableDictionary<string, string>.Empty;
        ImmutableArray<Workload> members = [.. versions.SelectMany(static v => v.Workloads)];
        VirtualServiceValidationContext context = VirtualServiceValidationContext.With(drs) with { SubsetHosts = [service.Host] };
        ImmutableArray<ResourceIssue> issues =
        [
            .. vss.SelectMany(vs => VirtualServiceValidator.Validate(vs, context).Select(i => new ResourceIssue(VirtualService.KindName, vs.Namespace, vs.Name, i))),
            .. drs.SelectMany(dr => DestinationRuleValidator.Validate(dr, members).Select(i => new ResourceIssue(DestinationRule.KindName, dr.Namespace, dr.Name, i))),
        ];

        var view = new ServiceView
        {
            Service = service,
            Versions = versions,
            VirtualServices = vss,
            DestinationRules = drs,
            HttpRoutes = routes,
            BackendVersions = backendVersions,
            Routing = RoutingFacts.Read(service, versions, vss, drs, routes, backendVersions),
            Issues = issues,
        };
        return WithRoutingRead(view);
    }

    /// <summary>
    /// The same service with other VirtualServices and DestinationRules (e.g. a YAML draft's), its routing read from them;
    /// validation findings are those of <paramref name="view"/>.
    /// </summary>
    public static ServiceView WithResources(ServiceView view, ImmutableArray<VirtualService> virtualServices, ImmutableArray<DestinationRule> destinationRules)
    {
        ArgumentNullException.ThrowIfNull(view);
        return WithRoutingRead(view with
        {
            VirtualServices = virtualServices,
            DestinationRules = destinationRules,
            Routing = RoutingFacts.Read(view.Service, view.Versions, virtualServices, destinationRules, view.HttpRoutes, view.BackendVersions),
        });
    }

    // One reading of the one routing model per view: the sliders' state is its projection, and every planner, page and
    // REST call reading this view reuses it.
    private static ServiceView WithRoutingRead(ServiceView facts)
    {
        RoutingIntentReading reading = RoutingIntentReader.ReadResources(facts);
        return facts with { Routing = RoutingProjection.Project(facts.Routing, reading, facts.Versions), Intent = reading };
    }

    /// <summary>The versions of a service: workloads in its namespace that its selector matches, grouped by version label.</summary>
    public static ImmutableArray<ServiceVersion> VersionsOf(KubeService service, IEnumerable<Workload> workloads)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(workloads);
        if (service.Selector.Count == 0)
        {
            // A Service without a selector has hand-made endpoints: no workload belongs to it.
            return [];
        }

        var grouped = workloads
            .Where(w => string.Equals(w.Namespace, service.Namespace, StringComparison.Ordinal) && RoutingFacts.Selects(service.Selector, w.PodLabels))
            .OrderBy(static w => w.Name, StringComparer.Ordinal)
            .Select(static w => (Workload: w, Label: VersionLabelOf(w.PodLabels)))
            .GroupBy(static x => x.Label?.Value, StringComparer.Ordinal)
            .ToList();

        ImmutableDictionary<string, string> subsetNames = SubsetNames.Assign(grouped.Where(static g => g.Key is not null).Select(static g => g.Key!));
        return [.. grouped
            .OrderBy(static g => g.Key is null)
            .ThenBy(static g => g.Key, VersionComparer.Instance)
            .Select(g => new ServiceVersion
            {
                Name = g.Key ?? ServiceVersion.UnversionedName,
                SubsetName = g.Key is null ? string.Empty : subsetNames[g.Key],
                // Several keys for one value: the first workload's key is used for new subsets.
                LabelKey = g.First().Label?.Key,
                Workloads = [.. g.Select(static x => x.Workload)],
            })];
    }

    /// <summary>The version label (key and value) of a pod template, or null when it carries none.</summary>
    public static (string Key, string Value)? VersionLabelOf(IReadOnlyDictionary<string, string> podLabels)
    {
        ArgumentNullException.ThrowIfNull(podLabels);
        foreach ((string _, string versionKey) in LabelPairs)
        {
            if (podLabels.TryGetValue(versionKey, out string? value) && !string.IsNullOrEmpty(value))
            {
                return (versionKey, value);
            }
        }

        return null;
    }

    /// <summary>True when one of the VirtualService's hosts resolves to the service.</summary>
    public static bool Targets(VirtualService virtualService, KubeService service)
    {
        ArgumentNullException.ThrowIfNull(virtualService);
        ArgumentNullException.ThrowIfNull(service);
        return virtualService.Spec?.Hosts?.Any(h => HostNames.Targets(h, virtualService.Namespace, service.Name, service.Namespace)) == true;
    }

    /// <summary>True when the DestinationRule's host resolves to the service.</summary>
    public static bool Targets(DestinationRule destinationRule, KubeService service)
    {
        ArgumentNullException.ThrowIfNull(destinationRule);
        ArgumentNullException.ThrowIfNull(service);
        return HostNames.Targets(destinationRule.Spec?.Host, destinationRule.Namespace, service.Name, service.Namespace);
    }

    private static bool SendsTo(HttpRoute route, KubeService service) =>
        route.Spec?.Rules?.Any(rule => rule.BackendRefs?.Any(b =>
            (b.Kind is null || string.Equals(b.Kind, "Service", StringComparison.Ordinal))
            && string.Equals(b.Name, service.Name, StringComparison.Ordinal)
            && string.Equals(b.Namespace ?? route.Namespace, service.Namespace, StringComparison.Ordinal)) == true) == true;
}
