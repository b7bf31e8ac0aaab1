using System.Collections.Immutable;

using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Simulation;

namespace TrafficConsole.Web.Model;

/// <summary>
/// The editable routing of one service as the request-routing editor starts from it: the domain's
/// <see cref="RoutingIntent"/> (rules, default route, hosts, gateways, traffic policy) read from the cluster.
/// </summary>
/// <param name="Intent">What the cluster routes, as an intent.</param>
/// <param name="Revision">The routing revision the intent was read at (send it back with Apply).</param>
/// <param name="ReadOnlyReason">Why the routing cannot be edited here at all (e.g. an HTTPRoute owns it); null when it can.</param>
/// <param name="Gateways">The Istio Gateways the cluster has (<c>namespace/name</c>), sorted.</param>
/// <param name="GatewaysKnown">False when the console does not list Gateways: typed names are then checked for form only.</param>
/// <param name="VirtualServiceYaml">The VirtualService in the cluster as YAML, or null (the YAML mode starts from it).</param>
/// <param name="DestinationRuleYaml">The DestinationRule in the cluster as YAML, or null.</param>
public sealed record ServiceRouting(
    RoutingIntent Intent,
    string Revision,
    string? ReadOnlyReason,
    ImmutableArray<string> Gateways,
    bool GatewaysKnown,
    string? VirtualServiceYaml,
    string? DestinationRuleYaml)
{
    /// <summary>
    /// Why the weight sliders cannot edit the default route; null when they can. The same answer the routing's projection
    /// gives (<see cref="RoutingProjection.SlidersProblem(RoutingIntent)"/>): the whole routing's <see cref="ReadOnlyReason"/>,
    /// else the default route's own, else a rule before it that takes every request.
    /// </summary>
    public string? DefaultRouteReadOnlyReason => ReadOnlyReason ?? RoutingProjection.SlidersProblem(Intent);
}

/// <summary>What the simulator says about a request, or why it could not run (the draft cannot be planned).</summary>
/// <param name="Result">The outcome; null when <paramref name="Problems"/> stopped the simulation.</param>
/// <param name="Problems">Why nothing was simulated (errors in the draft, no routing to try).</param>
public sealed record RouteSimulation(SimulationResult? Result, ImmutableArray<ValidationMessage> Problems);

/// <summary>The VirtualService and DestinationRule as the operator typed them in YAML mode (either may be empty).</summary>
public sealed record YamlDraft(string VirtualServiceYaml, string DestinationRuleYaml);

/// <summary>
/// Paths of messages about a routing intent's default route, as the split views (the weight sliders, the REST
/// <c>traffic</c> endpoints) have always named them: <c>defaultRoute.destinations[v1]</c> is <c>weights[v1]</c>,
/// <c>defaultRoute.mirror.version</c> is <c>mirror.version</c>; other paths stay.
/// </summary>
public static class SplitPaths
{
    private const string Destinations = "defaultRoute.destinations";
    private const string Mirror = "defaultRoute.mirror";

    /// <summary>The messages with their default-route paths named as the split views name them.</summary>
    public static ImmutableArray<ValidationMessage> FromIntent(ImmutableArray<ValidationMessage> messages) =>
        messages.IsDefault ? [] : [.. messages.Select(static m => m with { Path = FromIntent(m.Path) })];

    /// <summary>One path named as the split views name it.</summary>
    public static string FromIntent(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return IsUnder(path, Destinations) ? string.Concat("weights", path.AsSpan(Destinations.Length))
            : IsUnder(path, Mirror) ? string.Concat("mirror", path.AsSpan(Mirror.Length))
            : path;
    }

    private static bool IsUnder(string path, string prefix) =>
        path.StartsWith(prefix, StringComparison.Ordinal) && (path.Length == prefix.Length || path[prefix.Length] is '.' or '[');
}
