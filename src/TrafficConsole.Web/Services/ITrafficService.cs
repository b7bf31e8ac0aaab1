using System.Collections.Immutable;

using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Simulation;
using TrafficConsole.Mesh.Telemetry;
using TrafficConsole.Web.Model;

namespace TrafficConsole.Web.Services;

/// <summary>
/// The one service layer that pages, the REST API and the SignalR hub use for every read and write.
/// Reads come from the shared cache (viewers never call the API server); writes go through the
/// cluster layer with the revision the user started from.
/// </summary>
public partial interface ITrafficService
{
    ClusterInfo Cluster { get; }

    ConnectionHealth Health { get; }

    /// <summary>Namespaces in the cluster, sorted.</summary>
    IReadOnlyList<string> Namespaces { get; }

    /// <summary>Services of one namespace with their versions and routing; empty when the namespace is unknown.</summary>
    IReadOnlyList<ServiceSummary> ListServices(string namespaceName);

    /// <summary>One service, or null when it does not exist.</summary>
    ServiceDetail? GetService(string namespaceName, string service);

    /// <summary>What applying the draft would write, with validation; changes nothing.</summary>
    RoutingPreview Preview(string namespaceName, string service, TrafficDraft draft);

    /// <summary>Writes the draft if the service is still at <paramref name="expectedRevision"/> (null: no check).</summary>
    Task<ChangeOutcome> ApplyAsync(string namespaceName, string service, TrafficDraft draft, string? expectedRevision, ChangeContext change, CancellationToken cancellationToken = default);

    /// <summary>Deletes the service's routing resources, returning it to plain Kubernetes load balancing.</summary>
    Task<ChangeOutcome> DeleteRoutingAsync(string namespaceName, string service, string? expectedRevision, ChangeContext change, CancellationToken cancellationToken = default);

    /// <summary>The resources "Delete traffic routing" would remove, for the confirmation dialog.</summary>
    IReadOnlyList<string> DescribeDelete(string namespaceName, string service);

    /// <summary>The editable request routing of a service (rules, default route, hosts, policy), or null when the service does not exist.</summary>
    ServiceRouting? GetRouting(string namespaceName, string service);

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

    /// <summary>The recorded history of a service's routing (newest first) and its stable version; null when the service does not exist.</summary>
    ServiceHistory? GetHistory(string namespaceName, string service);

    /// <summary>Two revisions of a service side by side; null when either is unknown.</summary>
    RevisionComparison? CompareRevisions(string namespaceName, string service, string fromId, string toId);

    /// <summary>What a rollback to a revision or to the stable version would write, with validation; changes nothing.</summary>
    RollbackPreview PreviewRollback(string namespaceName, string service, RollbackTarget target);

    /// <summary>
    /// Rolls back if the service is still at <paramref name="expectedRevision"/> (null: no check): a normal apply of the
    /// revision's snapshot, or every route to the stable version. Recorded as a revision like every change.
    /// </summary>
    Task<ChangeOutcome> RollbackAsync(string namespaceName, string service, RollbackTarget target, string? expectedRevision, ChangeContext change, CancellationToken cancellationToken = default);

    /// <summary>Marks <paramref name="version"/> as the service's stable version (an annotation on its VirtualService or HTTPRoute).</summary>
    Task<ChangeOutcome> MarkStableAsync(string namespaceName, string service, string version, string? expectedRevision, ChangeContext change, CancellationToken cancellationToken = default);

    /// <summary>What "Promote" of <paramref name="version"/> would write (all traffic to it, marked stable), with validation; changes nothing.</summary>
    PromotePreview PreviewPromote(string namespaceName, string service, string version);

    /// <summary>
    /// Promotes <paramref name="version"/> if the service is still at <paramref name="expectedRevision"/> (null: no check):
    /// all traffic to it and it marked stable, in one write, recorded in the history with the action "promote".
    /// </summary>
    Task<ChangeOutcome> PromoteAsync(string namespaceName, string service, string version, string? expectedRevision, ChangeContext change, CancellationToken cancellationToken = default);

    /// <summary>Every service in one namespace (null: all) whose traffic is split over versions or routed by rules.</summary>
    IReadOnlyList<RolloutSummary> ListRollouts(string? namespaceName);

    /// <summary>What "Roll back all rollouts in flight" would do in a namespace; changes nothing.</summary>
    NamespaceRollbackPlan PlanNamespaceRollback(string namespaceName);

    /// <summary>Sends all traffic of every service in <paramref name="plan"/> that is not blocked to its stable version, each only if still at the planned revision.</summary>
    Task<NamespaceRollbackResult> RollbackNamespaceAsync(NamespaceRollbackPlan plan, ChangeContext change, CancellationToken cancellationToken = default);

    /// <summary>The changes recorded in a namespace, newest first, filtered.</summary>
    IReadOnlyList<AuditEntry> GetAudit(string namespaceName, AuditQuery query);

    /// <summary>Which telemetry source the console reads observed traffic from, or "not configured".</summary>
    TelemetryStatus Telemetry { get; }

    /// <summary>
    /// One service's observed traffic over <paramref name="window"/> next to its routing: per version requests/s, observed
    /// and configured share, success rate, latency, health. Not configured or unavailable are statuses, not exceptions.
    /// </summary>
    Task<ServiceTrafficReadout> ReadTrafficAsync(string namespaceName, string service, TelemetryWindow window, CancellationToken cancellationToken = default);

    /// <summary>Every service with traffic in one namespace (null: all) over <paramref name="window"/>, e.g. for the health of a list's rows.</summary>
    Task<NamespaceTrafficReadout> ReadNamespaceTrafficAsync(string? namespaceName, TelemetryWindow window, CancellationToken cancellationToken = default);

    /// <summary>
    /// Live traffic of one namespace (null: all): the latest reading of the shared telemetry monitor, then each new one and
    /// each routing change (configured shares follow the weights). Dispose the subscription to stop.
    /// </summary>
    IAsyncEnumerable<NamespaceTrafficReadout> WatchTrafficAsync(string? namespaceName, TelemetryWindow window, CancellationToken cancellationToken);

    /// <summary>A service's per-version requests/s and error rate over the last <paramref name="span"/> (null: 30 minutes), about 60 points.</summary>
    Task<TrafficSeriesReadout> ReadTrafficSeriesAsync(string namespaceName, string service, TimeSpan? span = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Grows with every change the console sees. A page reads it before the reads it shows and passes it to
    /// <see cref="WatchAsync(string?, long, CancellationToken)"/>, so a change landing in between is not lost.
    /// </summary>
    long Version { get; }

    /// <summary>Live changes from now on; see <see cref="WatchAsync(string?, long, CancellationToken)"/>.</summary>
    IAsyncEnumerable<TrafficUpdate> WatchAsync(string? namespaceName, CancellationToken cancellationToken);

    /// <summary>
    /// Live changes for one namespace (null: all) after <paramref name="sinceVersion"/> (a <see cref="Version"/>
    /// read earlier), whoever made them, plus connection changes. What changed between that version and the subscription
    /// comes first, with the connection state; if the console no longer remembers that far back, the first update is a
    /// <see cref="TrafficUpdate.Resync"/>: re-read everything.
    /// Dispose the subscription to stop. Bursts are batched.
    /// </summary>
    IAsyncEnumerable<TrafficUpdate> WatchAsync(string? namespaceName, long sinceVersion, CancellationToken cancellationToken);
}

/// <summary>A batch of live changes: services that changed, and the connection state if it changed.</summary>
/// <remarks>
/// <para><c>Resync</c>: True when changes may have been missed (the subscription began after the caller's reads and the
/// cluster moved in between): <c>Services</c> is empty and the caller re-reads everything it shows.</para>
/// </remarks>
public sealed record TrafficUpdate(IReadOnlyList<ServiceChangedEvent> Services, ConnectionHealth? Health, bool Resync = false);
