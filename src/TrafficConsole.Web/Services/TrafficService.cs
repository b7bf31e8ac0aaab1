using System.Collections.Immutable;
using System.Globalization;
using System.Runtime.CompilerServices;
using TrafficConsole.Cluster.Cache;
using TrafficConsole.Cluster.Connection;
using TrafficConsole.Cluster.History;
using TrafficConsole.Cluster.Telemetry;
using TrafficConsole.Cluster.Writing;
using TrafficConsole.Mesh.History;
using TrafficConsole.Mesh.Analysis;
using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Services;
using TrafficConsole.Mesh.Validation;
using TrafficConsole.Mesh.Yaml;
using TrafficConsole.Web.Auth;
using TrafficConsole.Web.Hosting;
using TrafficConsole.Web.Model;

using MeshRevisionAction = TrafficConsole.Mesh.History.RevisionAction;
using MeshRoutingKind = TrafficConsole.Mesh.Routing.RoutingKind;
using RoutingKind = TrafficConsole.Web.Model.RoutingKind;

namespace TrafficConsole.Web.Services;

/// <summary>
/// The service layer over the shared cache (reads) and the routing writer (writes), with Mesh doing
/// the planning, validation, YAML and diffs. Maps Mesh types to the view models pages show.
/// </summary>
internal sealed partial class TrafficService(
    IMeshCache cache, IChangeWriter changes, RevisionRecorder recorder, ApiServerProbe apiServer, ProxySyncTracker proxySync, ClusterConnection connection,
    ConsoleMetrics metrics, IConsolePermissions permissions, TrafficTelemetry telemetry, ILogger<TrafficService> logger) : ITrafficService
{
    /// <summary>Code of the message a refused plan carries when Mesh gave no issue (e.g. read-only routing).</summary>
    public const string RefusedCode = "TC0001";

    /// <summary>Code of the message refusing a reason longer than <see cref="ChangeContext.MaxReasonLength"/> (path <c>reason</c>).</summary>
    public const string ReasonTooLongCode = "TC0005";

    // Summaries and details are built once per view: views belong to one immutable snapshot, so
    // every page and API call reading the same snapshot shares the work (and the YAML rendering).
    private static readonly ConditionalWeakTable<ServiceView, ServiceSummary> Summaries = new();
    private static readonly ConditionalWeakTable<ServiceView, ServiceDetail> Details = new();
    private static readonly ConditionalWeakTable<ServiceView, ServiceDetail> AnalyzedDetails = new();

    private IMeshCache Cache => cache;

    public ClusterInfo Cluster => connection.Info;

    public ConnectionHealth Health => ToHealth(Cache.Current);

    public IReadOnlyList<string> Namespaces => [.. Cache.Current.Namespaces];

    public IReadOnlyList<ServiceSummary> ListServices(string namespaceName)
    {
        ArgumentNullException.ThrowIfNull(namespaceName);
        return [.. Cache.Current.GetServiceViews(namespaceName).Select(ToSummary)];
    }

    public ServiceDetail? GetService(string namespaceName, string service)
    {
        ArgumentNullException.ThrowIfNull(namespaceName);
        ArgumentNullException.ThrowIfNull(service);
        MeshSnapshot snapshot = Cache.Current;
        return snapshot.GetServiceView(namespaceName, service) is { } view
            ? AnalyzedDetails.GetValue(view, v => WithAnalysis(ToDetail(v), v, snapshot))
            : null;
    }

    /// <summary>
    /// The detail plus what only shows between resources (istioctl analyze's kind of finding) about this service's own
    /// VirtualServices and DestinationRules: gateways or destination hosts the cluster does not have, several
    /// VirtualServices or DestinationRules for the host. Computed once per view, that is once per snapshot.
    /// </summary>
    private static ServiceDetail WithAnalysis(ServiceDetail detail, ServiceView view, MeshSnapshot snapshot)
    {
        if (view.VirtualServices.IsEmpty && view.DestinationRules.IsEmpty)
        {
            return detail;
        }

        HashSet<(string Kind, string Namespace, string Name)> own =
        [
            .. view.VirtualServices.Select(static vs => (VirtualService.KindName, vs.Namespace, vs.Name)),
            .. view.DestinationRules.Select(static dr => (DestinationRule.KindName, dr.Namespace, dr.Name)),
        ];
        ClusterResources cluster = snapshot.ToClusterResources() with { VirtualServices = view.VirtualServices, HttpRoutes = [] };
        HashSet<(string, string)> known = [.. detail.Summary.Validation.Select(static m => (m.Code, m.Path))];
        ImmutableArray<ValidationMessage> found =
        [
            .. MeshAnalyzer.Analyze(cluster)
                .Where(f => own.Contains((f.Kind, f.Namespace, f.Name)))
                .Select(static f => ToMessage(f.Issue))
                .Where(m => known.Add((m.Code, m.Path))),
        ];
        return found.IsEmpty ? detail : detail with { Summary = detail.Summary with { Validation = detail.Summary.Validation.AddRange(found) } };
    }

    public RoutingPreview Preview(string namespaceName, string service, TrafficDraft draft)
    {
        ArgumentNullException.ThrowIfNull(draft);
        MeshSnapshot snapshot = Cache.Current;
        if (snapshot.GetServiceView(namespaceName, service) is not { } view)
        {
            return new RoutingPreview(string.Empty, string.Empty, [], [], [NotFoundMessage(namespaceName, service)], CanApply: false);
        }

        return ToPreview(RoutingIntentPlanner.PlanSplit(view, ToSplit(draft), IstioApiVersion(snapshot)));
    }

    public async Task<ChangeOutcome> ApplyAsync(string namespaceName, string service, TrafficDraft draft, string? expectedRevision, ChangeContext change, CancellationToken cancellationToken = default)
    {
        ChangeOutcome outcome = await ApplyCoreAsync(namespaceName, service, draft, expectedRevision, change, cancellationToken).ConfigureAwait(false);
        metrics.CountChange("apply", outcome);
        return outcome;
    }

    public async Task<ChangeOutcome> DeleteRoutingAsync(string namespaceName, string service, string? expectedRevision, ChangeContext change, CancellationToken cancellationToken = default)
    {
        ChangeOutcome outcome = await DeleteRoutingCoreAsync(namespaceName, service, expectedRevision, change, cancellationToken).ConfigureAwait(false);
        metrics.CountChange("delete", outcome);
        return outcome;
    }

    private Task<ChangeOutcome> ApplyCoreAsync(string namespaceName, string service, TrafficDraft draft, string? expectedRevision, ChangeContext change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(draft);
        TrafficSplit split = ToSplit(draft);
        return WritePlanAsync(
            namespaceName, service, expectedRevision, change,
            (view, snapshot) => RoutingIntentPlanner.PlanSplit(view, split, IstioApiVersion(snapshot)),
            (view, applied) =>
            {
                string before = Describe(view.Routing);
                string after = split.ToString();
                LogTrafficChanged(change.Actor, namespaceName, service, before, after, view.Routing.Revision, applied.Revision);
            },
            cancellationToken);
    }

    private async Task<ChangeOutcome> DeleteRoutingCoreAsync(string namespaceName, string service, string? expectedRevision, ChangeContext change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        string actor = change.Actor;
        ArgumentException.ThrowIfNullOrEmpty(actor);
        if (ReasonTooLong(change) is { } tooLong)
        {
            return tooLong;
        }

        if (Cache.Current.GetServiceView(namespaceName, service) is not { } view)
        {
            return new ChangeOutcome.NotFound(NotFoundMessage(namespaceName, service).Message);
        }

        if (Stale(view, expectedRevision) is { } conflict)
        {
            LogRefused(actor, namespaceName, service, "conflict", conflict.Message);
            return conflict;
        }

        DeletePlan plan = RoutingResources.PlanDelete(view);
        if (plan.IsEmpty)
        {
            return AppliedAs(view);
        }

        if (await NotAnsweringAsync(change, namespaceName, service, cancellationToken).ConfigureAwait(false) is { } down)
        {
            return down;
        }

        if (await DeniedAsync(change, namespaceName, service, AccessFor(plan), cancellationToken).ConfigureAwait(false) is { } denied)
        {
            return denied;
        }

        // Until it is recorded, the recorder's loop leaves this service to this write (it passes through partial states).
        WriteResult result = await changes.DeleteAsync(view, plan, new RevisionChange(actor, MeshRevisionAction.Delete, change.Reason), change.As, cancellationToken).ConfigureAwait(false);
        ChangeOutcome outcome = ToOutcome(result, namespaceName, service);
        if (outcome is ChangeOutcome.Applied applied)
        {
            string resources = string.Join(", ", plan.Delete);
            string before = Describe(view.Routing);
            LogRoutingDeleted(actor, namespaceName, service, resources, before, view.Routing.Revision, applied.Revision);
        }
        else
        {
            LogRefused(actor, namespaceName, service, outcome.GetType().Name, result.Describe());
        }

        return outcome;
    }

    /// <summary>
    /// An API server known not to answer (Cluster's ApiServerProbe) gets no write that would hang until the
    /// client's timeout: the user hears at once that nothing was written. Costs no request while the API server answers.
    /// </summary>
    private async Task<ChangeOutcome.Unavailable?> NotAnsweringAsync(ChangeContext change, string namespaceName, string service, CancellationToken cancellationToken)
    {
        if (await apiServer.NotAnsweringAsync(cancellationToken).ConfigureAwait(false) is not { } down)
        {
            return null;
        }

        LogRefused(change.Actor, namespaceName, service, "unavailable", down);
        return new ChangeOutcome.Unavailable($"{down} Nothing was written.");
    }

    /// <summary>
    /// The permission gate of every write: the cluster's answer for the user (<see cref="IConsolePermissions"/>), asked before
    /// anything is written, so a viewer is refused the same way on pages, REST and any write path added later.
    /// </summary>
    private async Task<ChangeOutcome.Forbidden?> DeniedAsync(ChangeContext change, string namespaceName, string service, IEnumerable<ResourceAccess> needed, CancellationToken cancellationToken)
    {
        if (await permissions.CheckAsync(change, namespaceName, needed, cancellationToken).ConfigureAwait(false) is not { } reason)
        {
            return null;
        }

        LogRefused(change.Actor, namespaceName, service, "forbidden", reason);
        return new ChangeOutcome.Forbidden(reason);
    }

    private static IEnumerable<ResourceAccess> AccessFor(RoutingPlan plan)
    {
        if (plan.VirtualServiceAction != ResourceAction.Unchanged)
        {
            yield return plan.VirtualServiceAction == ResourceAction.Create ? ResourceAccess.CreateVirtualServices : ResourceAccess.UpdateVirtualServices;
        }

        if (plan.DestinationRuleAction != ResourceAction.Unchanged)
        {
            yield return plan.DestinationRuleAction == ResourceAction.Create ? ResourceAccess.CreateDestinationRules : ResourceAccess.UpdateDestinationRules;
        }

        if (plan.HttpRouteAction != ResourceAction.Unchanged)
        {
            yield return ResourceAccess.UpdateHttpRoutes;
        }

        // A restored revision deletes the routing resources it lacked: that takes delete rights too.
        foreach (ResourceRef deleted in plan.Deletes.IsDefault ? [] : plan.Deletes)
        {
            yield return deleted.Kind == VirtualService.KindName ? ResourceAccess.DeleteVirtualServices : ResourceAccess.DeleteDestinationRules;
        }
    }

    private static IEnumerable<ResourceAccess> AccessFor(DeletePlan plan) =>
        plan.Delete.Select(static r => r.Kind == VirtualService.KindName ? ResourceAccess.DeleteVirtualServices : ResourceAccess.DeleteDestinationRules);

    public IReadOnlyList<string> DescribeDelete(string namespaceName, string service) =>
        Cache.Current.GetServiceView(namespaceName, service) is { } view
            ? [.. RoutingResources.PlanDelete(view).Delete.Select(static r => r.ToString())]
            : [];

    public long Version => Cache.Current.Version;

    public IAsyncEnumerable<TrafficUpdate> WatchAsync(string? namespaceName, CancellationToken cancellationToken) =>
        WatchAsync(namespaceName, Version, cancellationToken);

    public async IAsyncEnumerable<TrafficUpdate> WatchAsync(string? namespaceName, long sinceVersion, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using MeshSubscription subscription = Cache.Subscribe(namespaceName, sinceVersion, cancellationToken);
        ConnectionHealth last = ToHealth(subscription.Snapshot);
        if (subscription.Snapshot.Version > sinceVersion)
        {
            // Something changed between the caller's reads and this subscription, and no batch will carry it: the services
            // it touched come first. When the cache no longer remembers that far back, the caller re-reads everything.
            if (subscription.MissedChanges is not { } missed)
            {
                yield return new TrafficUpdate([], last, Resync: true);
            }
            else
            {
                ImmutableArray<ServiceChangedEvent> caughtUp = [.. missed.SelectMany(static c => c.AffectedServices).Distinct()
                    .Where(s => namespaceName is null || string.Equals(s.Namespace, namespaceName, StringComparison.Ordinal))
                    .Select(s => ToEvent(subscription.Snapshot, s))];
                // Watching every namespace, a missed change may be a namespace itself (the list the shell shows): say so too.
                if (!caughtUp.IsEmpty || (namespaceName is null && !missed.IsEmpty) || missed.Any(static c => c.Type == MeshChangeType.HealthChanged))
                {
                    yield return new TrafficUpdate(caughtUp, last);
                }
            }
        }

        await foreach (MeshChangeBatch batch in subscription.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            IEnumerable<ServiceRef> services = batch.IsResync
                ? AllServices(batch.Snapshot, namespaceName)
                : batch.AffectedServices.Where(s => namespaceName is null || string.Equals(s.Namespace, namespaceName, StringComparison.Ordinal));
            ImmutableArray<ServiceChangedEvent> changes = [.. services.Select(s => ToEvent(batch.Snapshot, s))];

            ConnectionHealth health = ToHealth(batch.Snapshot);
            bool healthChanged = health.State != last.State || !string.Equals(health.LastError, last.LastError, StringComparison.Ordinal);
            last = health;
            if (!changes.IsEmpty || healthChanged)
            {
                yield return new TrafficUpdate(changes, healthChanged ? health : null);
            }
        }
    }

    private static IEnumerable<ServiceRef> AllServices(MeshSnapshot snapshot, string? namespaceName) =>
        (namespaceName is null ? snapshot.Namespaces : [namespaceName])
            .SelectMany(ns => snapshot.In(ns).Services.Keys.Order(StringComparer.Ordinal).Select(name => new ServiceRef(ns, name)));

    private static ServiceChangedEvent ToEvent(MeshSnapshot snapshot, ServiceRef service) =>
        snapshot.GetServiceView(service.Namespace, service.Name) is { } view
            ? new ServiceChangedEvent(service.Namespace, service.Name, view.Routing.Revision, ToShares(view.Routing.EffectiveSplit), ToKind(view.Routing.Kind))
            // Gone: no routing, no weights; GetService now returns null.
            : new ServiceChangedEvent(service.Namespace, service.Name, RoutingState.NoRevision, [], RoutingKind.None);

    private ChangeOutcome.Conflict? Stale(ServiceView view, string? expectedRevision) =>
        expectedRevision is null || string.Equals(expectedRevision, view.Routing.Revision, StringComparison.Ordinal)
            ? null
            : new ChangeOutcome.Conflict(
                ToDetail(view),
                $"{view.Namespace}/{view.Name} changed since revision {expectedRevision} (now {view.Routing.Revision}, traffic {Describe(view.Routing)}); nothing was written.")
            {
                SaysNothingWritten = true,
            };

    private ChangeOutcome ToOutcome(WriteResult result, string namespaceName, string service) => result switch
    {
        // The revision this write produced, even when the cache already shows someone's later change on top.
        WriteResult.Applied { ResultingView: { } after } applied => AppliedAs(after, applied.ResultingRevision ?? applied.Revision),
        WriteResult.Applied applied => new ChangeOutcome.Applied(applied.ResultingRevision ?? applied.Revision),
        WriteResult.Conflict conflict => new ChangeOutcome.Conflict(
            (conflict.Current ?? Cache.Current.GetServiceView(namespaceName, service)) is { } current ? ToDetail(current) : null,
            conflict.Describe()),
        WriteResult.Invalid invalid => new ChangeOutcome.Invalid(
            invalid.Causes.Count == 0
                ? [new ValidationMessage(RefusedCode, MessageSeverity.Error, string.Empty, invalid.Describe())]
                : [.. invalid.Causes.Select(static c => new ValidationMessage(c.Reason ?? "Invalid", MessageSeverity.Error, c.Field ?? string.Empty, c.Message))]),
        WriteResult.Forbidden forbidden => new ChangeOutcome.Forbidden(forbidden.Describe()),
        WriteResult.NotFound notFound => new ChangeOutcome.NotFound(notFound.Describe()),
        WriteResult.Unavailable unavailable => new ChangeOutcome.Unavailable(unavailable.Describe()),
        _ => throw new InvalidOperationException($"Unknown write result {result.GetType().Name}."),
    };

    /// <summary>The answer to an accepted write: the routing as <paramref name="view"/> (what the write left) holds it.</summary>
    private static ChangeOutcome.Applied AppliedAs(ServiceView view, string? revision = null)
    {
        RoutingIntentReading reading = RoutingIntentReader.Read(view);
        return new ChangeOutcome.Applied(revision ?? view.Routing.Revision)
        {
            Routing = ToRouting(view.Routing),
            Intent = reading.Intent,
            IntentProblem = reading.Problem,
        };
    }

    private static ValidationMessage NotFoundMessage(string namespaceName, string service) =>
        new("NotFound", MessageSeverity.Error, string.Empty, $"Service '{service}' does not exist in namespace '{namespaceName}'.");

    private static ImmutableArray<ValidationMessage> RefusalMessages(RoutingPlan plan)
    {
        ImmutableArray<ValidationMessage> messages = [.. plan.Issues.Select(ToMessage)];
        return messages.Any(static m => m.Severity == MessageSeverity.Error)
            ? messages
            : messages.Add(new ValidationMessage(RefusedCode, MessageSeverity.Error, string.Empty, plan.RefusalReason ?? "The change cannot be applied."));
    }

    private static string IstioApiVersion(MeshSnapshot snapshot) => snapshot.Apis.IstioApiVersion ?? IstioApi.V1;

    private static TrafficSplit ToSplit(TrafficDraft draft) => new(
        [.. (draft.Weights.IsDefault ? [] : draft.Weights).Select(static w => new VersionWeight(w.Version, w.Percent))],
        draft.Mirror is { } mirror ? new MirrorTarget(mirror.Version, mirror.Percent) : null);

    private static string Describe(RoutingState routing) =>
        routing.Kind == MeshRoutingKind.None ? "none (by replicas)" : routing.EffectiveSplit.ToString();

    private ServiceSummary ToSummary(ServiceView view) => Summaries.GetValue(view, v => BuildSummary(v, Cache.Current, recorder));

    private ServiceDetail ToDetail(ServiceView view) => Details.GetValue(view, v => BuildDetail(v, ToSummary(v)));

    private static ServiceSummary BuildSummary(ServiceView view, MeshSnapshot snapshot, RevisionRecorder recorder)
    {
        (string By, DateTimeOffset? At, RevisionOrigin Origin)? last = LastChangeOf(view, snapshot, recorder);
        return new ServiceSummary(
            view.Namespace,
            view.Name,
            [.. view.Versions.Select(ToVersion)],
            ToRouting(view.Routing),
            Validate(view),
            last?.By,
            last?.At)
        {
            LastOrigin = last?.Origin,
        };
    }

    /// <summary>
    /// Who made the routing as it is: the history's record of this very state. Before it is recorded (the settle delay)
    /// or with the history off, what the recorder would record: the console only for a resourceVersion a console write
    /// produced, else the field manager of the latest change. The changed-by annotation stays on the resource when
    /// another client edits it, so it is believed only with the history off and only when the console's manager made
    /// the latest change.
    /// </summary>
    private static (string By, DateTimeOffset? At, RevisionOrigin Origin)? LastChangeOf(ServiceView view, MeshSnapshot snapshot, RevisionRecorder recorder)
    {
        string key = view.Routing.Revision;
        if (key == RoutingState.NoRevision)
        {
            return null;
        }

        if (RevisionRecorder.RecordedRevisionOf(view, snapshot) is { } recorded)
        {
            return (recorded.Actor, recorded.At, ToOrigin(recorded.Source));
        }

        RevisionAuthor author = recorder.AuthorOf(view, snapshot.GetRevisions(view.Namespace, view.Name));
        IDictionary<string, string>? annotations = RoutingVirtualService(view)?.Metadata?.Annotations;
        if (!recorder.Options.Enabled
            && author.Source == RevisionSource.External
            && string.Equals(author.Manager, RevisionRecorder.ConsoleFieldManager, StringComparison.Ordinal)
            && annotations is not null
            && annotations.TryGetValue(RoutingWriter.ChangedByAnnotation, out string? by) && !string.IsNullOrEmpty(by))
        {
            DateTimeOffset? at = annotations.TryGetValue(RoutingWriter.ChangedAtAnnotation, out string? stamp)
                && DateTimeOffset.TryParse(stamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset when) ? when : author.At;
            return (by, at, RevisionOrigin.Console);
        }

        return (author.Actor, author.At, ToOrigin(author.Source));
    }

    private static ServiceDetail BuildDetail(ServiceView view, ServiceSummary summary)
    {
        VirtualService? vs = RoutingVirtualService(view);
        DestinationRule? dr = view.DestinationRules.FirstOrDefault();
        return new ServiceDetail(
            summary,
            view.Host,
            [
                .. view.VirtualServices.Select(static v => $"VirtualService {v.Namespace}/{v.Name}"),
                .. view.DestinationRules.Select(static d => $"DestinationRule {d.Namespace}/{d.Name}"),
            ],
            vs is null ? null : ResourceYaml.Serialize(vs),
            dr is null ? null : ResourceYaml.Serialize(dr));
    }

    /// <summary>The VirtualService whose routes the routing state was read from.</summary>
    private static VirtualService? RoutingVirtualService(ServiceView view) =>
        view.Routing.VirtualServiceName is { } name
            ? view.VirtualServices.FirstOrDefault(v => string.Equals($"{v.Namespace}/{v.Name}", name, StringComparison.Ordinal)
                || string.Equals(v.Name, name, StringComparison.Ordinal)) ?? view.VirtualServices.FirstOrDefault()
            : view.VirtualServices.FirstOrDefault();

    private static ImmutableArray<ValidationMessage> Validate(ServiceView view)
    {
        VirtualServiceValidationContext context = VirtualServiceValidationContext.With(view.DestinationRules);
        ImmutableArray<Workload> workloads = [.. view.Versions.SelectMany(static v => v.Workloads)];
        return
        [
            .. view.VirtualServices.SelectMany(vs => VirtualServiceValidator.Validate(vs, context)).Select(ToMessage),
            .. view.DestinationRules.SelectMany(dr => DestinationRuleValidator.Validate(dr, workloads)).Select(ToMessage),
        ];
    }

    private static VersionSummary ToVersion(ServiceVersion version) => new(
        version.Name,
        version.SubsetName,
        version.LabelKey ?? string.Empty,
        [.. version.Workloads.Select(static w => w.Name)],
        version.SubsetLabels,
        version.DesiredReplicas,
        version.ReadyReplicas);

    private static RoutingSummary ToRouting(RoutingState routing) => new(
        ToKind(routing.Kind),
        ToShares(routing.EffectiveSplit),
        ToShares(routing.ImpliedByReplicas),
        routing.Mirror is { } mirror ? new MirrorShare(mirror.Version, mirror.Percent) : null,
        routing.ReadOnlyReason,
        routing.ManagedByTrafficConsole,
        routing.Revision);

    private static ImmutableArray<WeightShare> ToShares(TrafficSplit split) =>
        [.. split.Weights.Select(static w => new WeightShare(w.Version, w.Weight))];

    private static RoutingKind ToKind(MeshRoutingKind kind) => kind switch
    {
        MeshRoutingKind.None => RoutingKind.None,
        MeshRoutingKind.Split => RoutingKind.Split,
        MeshRoutingKind.Rules => RoutingKind.Rules,
        _ => RoutingKind.ReadOnly,
    };

    private static ValidationMessage ToMessage(ValidationIssue issue) => new(
        issue.Code,
        issue.Severity switch
        {
            Severity.Error => MessageSeverity.Error,
            Severity.Warning => MessageSeverity.Warning,
            _ => MessageSeverity.Info,
        },
        issue.Path,
        issue.Message);

    private static ImmutableArray<Model.DiffLine> ToDiff(ImmutableArray<Mesh.Yaml.DiffLine> lines) =>
        [.. lines.Select(static l => new Model.DiffLine(
            l.Kind switch
            {
                DiffKind.Added => DiffLineKind.Added,
                DiffKind.Removed => DiffLineKind.Removed,
                _ => DiffLineKind.Unchanged,
            },
            l.Text))];

    /// <summary>Connected only once every kind has been listed: before that there is nothing true to show.</summary>
    internal static ConnectionHealth ToHealth(MeshSnapshot snapshot)
    {
        CacheHealth health = snapshot.Health;
        return health.State == CacheHealthState.Connected && !snapshot.IsSynced
            ? new ConnectionHealth(ConnectionState.Connecting, null, health.Since)
            : ToHealth(health);
    }

    internal static ConnectionHealth ToHealth(CacheHealth health) => new(
        health.State switch
        {
            CacheHealthState.Connected => ConnectionState.Connected,
            CacheHealthState.Reconnecting => ConnectionState.Reconnecting,
            CacheHealthState.Unreachable => ConnectionState.Unreachable,
            _ => ConnectionState.Connecting,
        },
        health.LastError,
        health.Since == DateTimeOffset.MinValue ? null : health.Since);

    // "@Namespace", not "@namespace": the generator names the property after the parameter, and the
    // audit log's property must be "Namespace" like everywhere else.
    [LoggerMessage(EventId = 100, Level = LogLevel.Information,
        Message = "{Actor} changed traffic of {Namespace}/{Service}: {WeightsBefore} -> {WeightsAfter} (revision {RevisionBefore} -> {Revision})")]
    private partial void LogTrafficChanged(string actor, string @Namespace, string service, string weightsBefore, string weightsAfter, string revisionBefore, string revision);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information,
        Message = "{Actor} deleted the routing of {Namespace}/{Service} ({Resources}): {WeightsBefore} -> none (revision {RevisionBefore} -> {Revision})")]
    private partial void LogRoutingDeleted(string actor, string @Namespace, string service, string resources, string weightsBefore, string revisionBefore, string revision);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning,
        Message = "{Actor} could not change {Namespace}/{Service} ({Outcome}): {Reason}")]
    private partial void LogRefused(string actor, string @Namespace, string service, string outcome, string reason);
}
