using System.Collections.Immutable;

using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Simulation;
using TrafficConsole.Web.Model;

namespace TrafficConsole.Web.Services;

/// <summary>
/// Changing a service's routing: validating, previewing, simulating and applying the routing intent or typed YAML, and
/// deleting the routing. Every write goes through the cluster layer with the revision the user started from.
/// </summary>
public interface IRoutingChanges
{
    /// <summary>Deletes the service's routing resources, returning it to plain Kubernetes load balancing.</summary>
    Task<ChangeOutcome> DeleteRoutingAsync(string namespaceName, string service, string? expectedRevision, ChangeContext change, CancellationToken cancellationToken = default);

    /// <summary>The resources "Delete traffic routing" would remove, for the confirmation dialog.</summary>
    IReadOnlyList<string> DescribeDelete(string namespaceName, string service);

    /// <summary>Validation of a routing draft as the editor shows it at the fields (paths into the intent); changes nothing.</summary>
    ImmutableArray<ValidationMessage> ValidateRouting(string namespaceName, string service, RoutingIntent intent);

    /// <summary>What applying the routing draft would write (YAML, diffs against the cluster) with validation; changes nothing.</summary>
    RoutingPreview PreviewRouting(string namespaceName, string service, RoutingIntent intent);

    /// <summary>Writes the routing draft if the service is still at <paramref name="expectedRevision"/> (null: no check).</summary>
    Task<ChangeOutcome> ApplyRoutingAsync(string namespaceName, string service, RoutingIntent intent, string? expectedRevision, ChangeContext change, CancellationToken cancellationToken = default);

    /// <summary>What Istio would do with <paramref name="request"/>: under the draft when given, else under the routing in the cluster.</summary>
    RouteSimulation Simulate(string namespaceName, string service, RoutingIntent? draft, SimulatedRequest request);

    /// <summary>Parses and validates VirtualService/DestinationRule YAML typed by the operator; changes nothing.</summary>
    ImmutableArray<ValidationMessage> ValidateYaml(string namespaceName, string service, YamlDraft draft);

    /// <summary>What applying the YAML would write, with diffs against the cluster and validation; changes nothing.</summary>
    RoutingPreview PreviewYaml(string namespaceName, string service, YamlDraft draft);

    /// <summary>
    /// Writes the YAML if the service is still at <paramref name="expectedRevision"/> and the resourceVersions in the
    /// YAML (when given) are those in the cluster; otherwise a conflict, and nothing is written.
    /// </summary>
    Task<ChangeOutcome> ApplyYamlAsync(string namespaceName, string service, YamlDraft draft, string? expectedRevision, ChangeContext change, CancellationToken cancellationToken = default);
}
