using System.Collections.Immutable;

using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Validation;

namespace TrafficConsole.Mesh.Services;

/// <summary>A service with its versions, the Istio resources that target it and its routing: what the UI shows.</summary>
public sealed record ServiceView
{
    public required KubeService Service { get; init; }

    /// <summary>Versions ordered by name (the unversioned group last).</summary>
    public ImmutableArray<ServiceVersion> Versions { get; init; } = [];

    /// <summary>VirtualServices whose hosts resolve to this service.</summary>
    public ImmutableArray<VirtualService> VirtualServices { get; init; } = [];

    /// <summary>DestinationRules whose host resolves to this service.</summary>
    public ImmutableArray<DestinationRule> DestinationRules { get; init; } = [];

    /// <summary>Gateway API HTTPRoutes attached to this service (mesh routing) or sending traffic to it.</summary>
    public ImmutableArray<HttpRoute> HttpRoutes { get; init; } = [];

    /// <summary>
    /// Gateway API backends that are versions of this service: a Service (e.g. <c>reviews-v1</c>) whose selector
    /// selects exactly one version's workloads, by Service name -> version name. An HTTPRoute's backendRefs are
    /// read as weights over versions through it (see <see cref="HttpRouteReader"/>). Empty unless an HTTPRoute attaches to the service.
    /// </summary>
    public ImmutableDictionary<string, string> BackendVersions { get; init; } = ImmutableDictionary<string, string>.Empty;

    public required RoutingState Routing { get; init; }

    /// <summary>
    /// The editable routing read from these resources (<see cref="RoutingIntentReader.Read"/> answers it), set by
    /// <see cref="ServiceViewBuilder"/>; null on a view made by hand, which is then read on demand.
    /// </summary>
    public RoutingIntentReading? Intent { get; init; }

    /// <summary>What the validators find in <see cref="VirtualServices"/> and <see cref="DestinationRules"/>.</summary>
    public ImmutableArray<ResourceIssue> Issues { get; init; } = [];

    public string Namespace => Service.Namespace;

    public string Name => Service.Name;

    /// <summary>The FQDN: <c>name.namespace.svc.cluster.local</c>.</summary>
    public string Host => Service.Host;

    /// <summary>The version with this name, or null.</summary>
    public ServiceVersion? FindVersion(string name) =>
        Versions.FirstOrDefault(v => string.Equals(v.Name, name, StringComparison.Ordinal));
}
