using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Globalization;
using System.Runtime.CompilerServices;

using TrafficConsole.Cluster.Cache;
using TrafficConsole.Mesh.History;
using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Services;
using TrafficConsole.Mesh.Yaml;
using TrafficConsole.Web.Model;

using MeshRevisionAction = TrafficConsole.Mesh.History.RevisionAction;
using RevisionAction = TrafficConsole.Web.Model.RevisionAction;

namespace TrafficConsole.Web.Services;

/// <summary>
/// Rollout history, rollback, the stable version, the rollouts overview and the audit list, over the revisions the
/// shared cache holds (<see cref="MeshSnapshot.GetRevisions"/>) and Mesh's <see cref="RollbackPlanner"/>. Every write
/// takes the one write path (<c>WritePlanAsync</c>): revision check, plan, refusal, write, outcome, audit, history.
/// </summary>
internal sealed partial class TrafficService
{
    /// <summary>Code of a message refusing a rollback request (both or neither target, unknown version, no stable version).</summary>
    public const string RollbackRefusedCode = "TC0006";

    // Built once per view (views belong to one immutable snapshot, and a new revision makes a new snapshot).
    private static readonly ConditionalWeakTable<ServiceView, ServiceHistory> Histories = new();
    private static readonly ConditionalWeakTable<ServiceView, RolloutSummary> RolloutRows = new();
    private static readonly ConditionalWeakTable<MeshSnapshot, ConcurrentDictionary<string, IReadOnlyList<RolloutSummary>>> RolloutLists = new();

    private const string AllNamespacesKey = "\0all";

    public ServiceHistory? GetHistory(string namespaceName, string service)
    {
        ArgumentNullException.ThrowIfNull(namespaceName);
        ArgumentNullException.ThrowIfNull(service);
        MeshSnapshot snapshot = Cache.Current;
        int cap = recorder.Options.MaxRevisionsPerService;
        return snapshot.GetServiceView(namespaceName, service) is { } view
            ? Histories.GetValue(view, v => BuildHistory(v, snapshot, cap))
            : null;
    }

    private static ServiceHistory BuildHistory(ServiceView view, MeshSnapshot snapshot, int cap)
    {
        ImmutableArray<RoutingRevision> history = snapshot.GetRevisions(view.Namespace, view.Name);
        string? current = CurrentRevisionId(view, history);
        return new ServiceHistory(
            view.Namespace,
            view.Name,
            view.Routing.Revision,
            ToStableInfo(StableVersions.Resolve(view, history)),
            [.. history.Reverse().Select(r => ToRevisionSummary(r, current))],
            cap,
            snapshot.HistoryProblem);
    }

    /// <summary>The id of the revision the cluster holds now, if it is recorded.</summary>
    private static string? CurrentRevisionId(ServiceView view, ImmutableArray<RoutingRevision> history)
    {
        if (view.Routing.Revision != RoutingState.NoRevision)
        {
            string id = RoutingRevision.IdOf(view.Namespace, view.Name, view.Routing.Revision);
            return history.Any(r => r.Id == id) ? id : null;
        }

        return !history.IsEmpty && history[^1].IsDeletion ? history[^1].Id : null;
    }

    public RevisionComparison? CompareRevisions(string namespaceName, string service, string fromId, string toId)
    {
        ArgumentNullException.ThrowIfNull(fromId);
        ArgumentNullException.ThrowIfNull(toId);
        MeshSnapshot snapshot = Cache.Current;
        if (snapshot.GetServiceView(namespaceName, service) is not { } view
            || snapshot.FindRevision(namespaceName, service, fromId) is not { } from
            || snapshot.FindRevision(namespaceName, service, toId) is not { } to)
        {
            return null;
        }

        string? current = CurrentRevisionId(view, snapshot.GetRevisions(namespaceName, service));
        string fromYaml = from.Snapshot.ToYaml();
        string toYaml = to.Snapshot.ToYaml();
        return new RevisionComparison(
            ToRevisionSummary(from, current),
            ToRevisionSummary(to, current),
            fromYaml,
            toYaml,
            [.. TextDiff.SideBySide(fromYaml, toYaml).Select(static r => new SideBySideLine(r.OldLine, r.OldText, ToLineKind(r.OldKind), r.NewLine, r.NewText, ToLineKind(r.NewKind)))]);
    }

    public RollbackPreview PreviewRollback(string namespaceName, string service, RollbackTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        MeshSnapshot snapshot = Cache.Current;
        if (snapshot.GetServiceView(namespaceName, service) is not { } view)
        {
            return new RollbackPreview(target, $"Service '{service}' does not exist in namespace '{namespaceName}'.", [], null, NotFoundPreview(namespaceName, service));
        }

        RollbackChoice choice = PlanRollback(view, snapshot, target);
        return new RollbackPreview(target, choice.Description, choice.WeightsAfter, choice.Stable, choice.Refusal is { } refusal
            ? new RoutingPreview(string.Empty, string.Empty, [], [], [refusal], CanApply: false)
            : ToPreview(choice.Plan!));
    }

    public async Task<ChangeOutcome> RollbackAsync(string namespaceName, string service, RollbackTarget target, string? expectedRevision, ChangeContext change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        ChangeOutcome outcome = await RollbackCoreAsync(namespaceName, service, target, expectedRevision, change, cancellationToken).ConfigureAwait(false);
        metrics.CountChange("rollback", outcome);
        return outcome;
    }

    private Task<ChangeOutcome> RollbackCoreAsync(string namespaceName, string service, RollbackTarget target, string? expectedRevision, ChangeContext change, CancellationToken cancellationToken)
    {
        if (TargetProblem(target) is { } problem)
        {
            return Task.FromResult<ChangeOutcome>(new ChangeOutcome.Invalid([problem]));
        }

        MeshSnapshot now = Cache.Current;
        if (target.ToRevision is { } id && now.GetServiceView(namespaceName, service) is not null && now.FindRevision(namespaceName, service, id) is null)
        {
            return Task.FromResult<ChangeOutcome>(new ChangeOutcome.NotFound($"{namespaceName}/{service} has no recorded revision '{id}'."));
        }

        string description = string.Empty;
        return WritePlanAsync(
            namespaceName, service, expectedRevision, change,
            (view, snapshot) =>
            {
                RollbackChoice choice = PlanRollback(view, snapshot, target);
                description = choice.Description;
                return choice.Plan ?? RoutingPlan.Refused(choice.Refusal!.Message, [], view.Routing.Revision) with { Namespace = view.Namespace, ServiceName = view.Name };
            },
            (view, applied) => LogRolledBack(change.Actor, namespaceName, service, description, change.Reason ?? string.Empty, view.Routing.Revision, applied.Revision),
            cancellationToken,
            target.ToStable ? MeshRevisionAction.ToStable : MeshRevisionAction.Rollback);
    }

    public async Task<ChangeOutcome> MarkStableAsync(string namespaceName, string service, string version, string? expectedRevision, ChangeContext change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(version);
        if (Cache.Current.GetServiceView(namespaceName, service) is { } found && found.FindVersion(version) is not { IsVersioned: true })
        {
            return new ChangeOutcome.Invalid([new ValidationMessage(RollbackRefusedCode, MessageSeverity.Error, "version",
                $"{service} has no version '{version}' (it has {string.Join(", ", Rollouts.VersionsOf(found))}).")]);
        }

        ChangeOutcome outcome = await WritePlanAsync(
            namespaceName, service, expectedRevision, change,
            (view, _) => RollbackPlanner.MarkStable(view, version),
            (view, applied) => LogMarkedStable(change.Actor, namespaceName, service, version, view.Routing.Revision, applied.Revision),
            cancellationToken,
            MeshRevisionAction.MarkStable).ConfigureAwait(false);
        metrics.CountChange("mark-stable", outcome);
        return outcome;
    }

    public PromotePreview PreviewPromote(string namespaceName, string service, string version)
    {
        ArgumentNullException.ThrowIfNull(version);
        MeshSnapshot snapshot = Cache.Current;
        string words = $"All traffic to {version}, and {version} marked stable";
        if (snapshot.GetServiceView(namespaceName, service) is not { } view)
        {
            return new PromotePreview(version, words, [], NotFoundPreview(namespaceName, service));
        }

        ImmutableArray<WeightShare> after = ToShares(TrafficSplit.AllTo(Rollouts.VersionsOf(view), version));
        return PlanPromote(view, snapshot, version) is { IsRefused: false } plan
            ? new PromotePreview(version, words, after, ToPreview(plan))
            : new PromotePreview(version, words, after, new RoutingPreview(string.Empty, string.Empty, [], [], [PromoteProblem(view, snapshot, version)], CanApply: false));
    }

    public async Task<ChangeOutcome> PromoteAsync(string namespaceName, string service, string version, string? expectedRevision, ChangeContext change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (string.IsNullOrWhiteSpace(version))
        {
            return new ChangeOutcome.Invalid([new ValidationMessage(RollbackRefusedCode, MessageSeverity.Error, "version", "Say which version to promote.")]);
        }

        if (Cache.Current.GetServiceView(namespaceName, service) is { } found && found.FindVersion(version) is not { IsVersioned: true })
        {
            return new ChangeOutcome.Invalid([new ValidationMessage(RollbackRefusedCode, MessageSeverity.Error, "version",
                $"{service} has no version '{version}' (it has {string.Join(", ", Rollouts.VersionsOf(found))}).")]);
        }

        ChangeOutcome outcome = await WritePlanAsync(
            namespaceName, service, expectedRevision, change,
            (view, snapshot) => PlanPromote(view, snapshot, version),
            (view, applied) => LogPromoted(change.Actor, namespaceName, service, version, change.Reason ?? string.Empty, view.Routing.Revision, applied.Revision),
            cancellationToken,
            MeshRevisionAction.Promote).ConfigureAwait(false);
        metrics.CountChange("promote", outcome);
        return outcome;
    }

    private static RoutingPlan PlanPromote(ServiceView view, MeshSnapshot snapshot, string version) =>
        RollbackPlanner.Promote(view, version, IstioApiVersion(snapshot));

    private static ValidationMessage PromoteProblem(ServiceView view, MeshSnapshot snapshot, string version)
    {
        ImmutableArray<ValidationMessage> messages = RefusalMessages(PlanPromote(view, snapshot, version));
        return messages.FirstOrDefault(static m => m.Severity == MessageSeverity.Error) is { } first
            ? first with { Path = "version" }
            : new ValidationMessage(RollbackRefusedCode, MessageSeverity.Error, "version", $"{version} cannot be promoted.");
    }

    public IReadOnlyList<RolloutSummary> ListRollouts(string? namespaceName)
    {
        MeshSnapshot snapshot = Cache.Current;
        ConcurrentDictionary<string, IReadOnlyList<RolloutSummary>> lists = RolloutLists.GetValue(snapshot, static _ => new(StringComparer.Ordinal));
        return lists.GetOrAdd(namespaceName ?? AllNamespacesKey, key => key == AllNamespacesKey
            ? [.. snapshot.Namespaces.SelectMany(ns => RolloutsIn(snapshot, ns))]
            : [.. RolloutsIn(snapshot, key)]);
    }

    private IEnumerable<RolloutSummary> RolloutsIn(MeshSnapshot snapshot, string namespaceName) =>
        snapshot.GetServiceViews(namespaceName)
            .Where(view => IsOffStable(view, snapshot))
            .Select(view => RolloutRows.GetValue(view, v => BuildRollout(v, snapshot)));

    // In flight, or all traffic on a version other than the stable one (a canary at 100% nobody promoted).
    private static bool IsOffStable(ServiceView view, MeshSnapshot snapshot) =>
        Rollouts.IsInFlight(view) || Rollouts.IsOffStable(view, StableVersions.Resolve(view, snapshot.GetRevisions(view.Namespace, view.Name)));

    private RolloutSummary BuildRollout(ServiceView view, MeshSnapshot snapshot)
    {
        ImmutableArray<RoutingRevision> history = snapshot.GetRevisions(view.Namespace, view.Name);
        RolloutState state = Rollouts.Describe(view, history);
        ServiceSummary summary = ToSummary(view);
        RoutingRevision? last = state.Last is { } l && l.Key == view.Routing.Revision ? l : null;
        MessageSeverity? worst = summary.Validation.IsDefaultOrEmpty ? null : summary.Validation.Max(static m => m.Severity);
        return new RolloutSummary(
            view.Namespace,
            view.Name,
            ToKind(view.Routing.Kind),
            ToShares(view.Routing.EffectiveSplit),
            view.Routing.Mirror is { } mirror ? new MirrorShare(mirror.Version, mirror.Percent) : null,
            ToStableInfo(StableVersions.Resolve(view, history)),
            state.InFlightSince,
            last?.At ?? summary.LastChangedAt,
            last?.Actor ?? summary.LastChangedBy,
            last is null ? summary.LastOrigin : ToOrigin(last.Source),
            worst,
            summary.Validation.IsDefault ? 0 : summary.Validation.Length,
            view.Routing.Revision);
    }

    public NamespaceRollbackPlan PlanNamespaceRollback(string namespaceName)
    {
        ArgumentNullException.ThrowIfNull(namespaceName);
        MeshSnapshot snapshot = Cache.Current;
        return new NamespaceRollbackPlan(namespaceName,
        [
            .. snapshot.GetServiceViews(namespaceName).Where(view => IsOffStable(view, snapshot)).Select(view =>
            {
                RollbackChoice choice = PlanRollback(view, snapshot, RollbackTarget.Stable);
                return new NamespaceRollbackItem(
                    view.Name,
                    view.Routing.Revision,
                    ToShares(view.Routing.EffectiveSplit),
                    choice.Stable ?? ToStableInfo(StableVersions.Resolve(view, snapshot.GetRevisions(view.Namespace, view.Name))),
                    choice.Refusal?.Message);
            }),
        ]);
    }

    public async Task<NamespaceRollbackResult> RollbackNamespaceAsync(NamespaceRollbackPlan plan, ChangeContext change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(change);

        // Each only if still at the planned revision: a service someone changed since the list was shown gets a conflict.
        ServiceOutcome[] outcomes = await Task.WhenAll(plan.Items
            .Where(static i => i.Blocked is null)
            .Select(async item => new ServiceOutcome(
                item.Service,
                await RollbackAsync(plan.Namespace, item.Service, RollbackTarget.Stable, item.Revision, change, cancellationToken).ConfigureAwait(false)))).ConfigureAwait(false);
        return new NamespaceRollbackResult(plan.Namespace, [.. outcomes]);
    }

    public IReadOnlyList<AuditEntry> GetAudit(string namespaceName, AuditQuery query)
    {
        ArgumentNullException.ThrowIfNull(namespaceName);
        ArgumentNullException.ThrowIfNull(query);
        MeshSnapshot snapshot = Cache.Current;
        return
        [
            .. snapshot.In(namespaceName).Revisions.Values
                .Select(static d => d.Revision)
                .OfType<RoutingRevision>()
                .Where(r => query.Actor is null || r.Actor.Contains(query.Actor, StringComparison.OrdinalIgnoreCase))
                .Where(r => query.Service is null || r.Service.Contains(query.Service, StringComparison.OrdinalIgnoreCase))
                .Where(r => query.From is null || r.At >= query.From)
                .Where(r => query.To is null || r.At <= query.To)
                .OrderByDescending(static r => r.At).ThenByDescending(static r => r.Id, StringComparer.Ordinal)
                .Select(static r => new AuditEntry(r.At, r.Namespace, r.Service, r.Actor, ToOrigin(r.Source), r.Manager, ToAction(r.Action), r.Reason, ToShares(r.Split), r.Id)),
        ];
    }

    /// <summary>A rollback planned: the plan, or the refusal; in words and weights either way.</summary>
    private sealed record RollbackChoice(RoutingPlan? Plan, ValidationMessage? Refusal, string Description, ImmutableArray<WeightShare> WeightsAfter, StableVersionInfo? Stable);

    private static RollbackChoice PlanRollback(ServiceView view, MeshSnapshot snapshot, RollbackTarget target)
    {
        if (TargetProblem(target) is { } problem)
        {
            return new RollbackChoice(null, problem, problem.Message, [], null);
        }

        string apiVersion = IstioApiVersion(snapshot);
        if (target.ToRevision is { } id)
        {
            if (snapshot.FindRevision(view.Namespace, view.Name, id) is not { } revision)
            {
                var missing = new ValidationMessage(RollbackRefusedCode, MessageSeverity.Error, "toRevision", $"{view.Namespace}/{view.Name} has no recorded revision '{id}'.");
                return new RollbackChoice(null, missing, missing.Message, [], null);
            }

            string description = $"Restore revision {revision.Id} ({revision.DescribeSplit()}, {revision.At.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC by {revision.Actor})";
            RoutingPlan restore = RollbackPlanner.Restore(view, revision.Snapshot, apiVersion);
            return restore.IsRefused
                ? new RollbackChoice(null, RefusalMessages(restore)[^1], description, ToShares(revision.Split), null)
                : new RollbackChoice(restore, null, description, ToShares(revision.Split), null);
        }

        StableChoice stable = StableVersions.Resolve(view, snapshot.GetRevisions(view.Namespace, view.Name));
        StableVersionInfo info = ToStableInfo(stable);
        if (stable.Version is not { } version)
        {
            var none = new ValidationMessage(RollbackRefusedCode, MessageSeverity.Error, "toStable", $"{view.Name} has no stable version to roll back to: {stable.Explanation}");
            return new RollbackChoice(null, none, none.Message, [], info);
        }

        string words = $"All traffic to {version} ({stable.Explanation})";
        ImmutableArray<WeightShare> after = ToShares(TrafficSplit.AllTo(Rollouts.VersionsOf(view), version));
        RoutingPlan plan = RollbackPlanner.ToStable(view, version, apiVersion);
        if (plan.IsRefused)
        {
            ImmutableArray<ValidationMessage> messages = RefusalMessages(plan);
            ValidationMessage first = messages.First(static m => m.Severity == MessageSeverity.Error);
            return new RollbackChoice(null, first with { Path = "toStable" }, words, after, info);
        }

        return new RollbackChoice(plan, null, words, after, info);
    }

    private static ValidationMessage? TargetProblem(RollbackTarget target) =>
        (target.ToRevision is { Length: > 0 }, target.ToStable) switch
        {
            (true, true) => new ValidationMessage(RollbackRefusedCode, MessageSeverity.Error, "toRevision", "Give either toRevision or toStable, not both."),
            (false, false) => new ValidationMessage(RollbackRefusedCode, MessageSeverity.Error, "toRevision", "Give toRevision (a revision id) or toStable: true."),
            _ => null,
        };

    private static RevisionSummary ToRevisionSummary(RoutingRevision revision, string? currentId) => new(
        revision.Id,
        revision.At,
        revision.Actor,
        ToOrigin(revision.Source),
        revision.Manager,
        revision.Reason,
        ToAction(revision.Action),
        revision.Replaces,
        revision.IsDeletion ? Model.RoutingKind.None : ToKind(revision.Kind),
        ToShares(revision.Split),
        string.Equals(revision.Id, currentId, StringComparison.Ordinal));

    private static StableVersionInfo ToStableInfo(StableChoice choice) => new(
        choice.Version,
        choice.Source switch
        {
            StableSource.Marked => StableReason.Marked,
            StableSource.Promoted => StableReason.Promoted,
            StableSource.FirstSeen => StableReason.FirstSeen,
            StableSource.Oldest => StableReason.Oldest,
            _ => StableReason.Unknown,
        },
        choice.Explanation,
        choice.By,
        choice.At);

    private static RevisionOrigin ToOrigin(RevisionSource source) => source == RevisionSource.External ? RevisionOrigin.External : RevisionOrigin.Console;

    private static RevisionAction ToAction(MeshRevisionAction action) => action switch
    {
        MeshRevisionAction.Rollback => RevisionAction.Rollback,
        MeshRevisionAction.ToStable => RevisionAction.ToStable,
        MeshRevisionAction.MarkStable => RevisionAction.MarkStable,
        MeshRevisionAction.Delete => RevisionAction.Delete,
        MeshRevisionAction.External => RevisionAction.External,
        MeshRevisionAction.Promote => RevisionAction.Promote,
        _ => RevisionAction.Apply,
    };

    private static DiffLineKind ToLineKind(SideKind kind) => kind switch
    {
        SideKind.Added => DiffLineKind.Added,
        SideKind.Removed => DiffLineKind.Removed,
        SideKind.Modified => DiffLineKind.Modified,
        SideKind.Absent => DiffLineKind.Absent,
        _ => DiffLineKind.Unchanged,
    };

    [LoggerMessage(EventId = 105, Level = LogLevel.Information,
        Message = "{Actor} rolled back {Namespace}/{Service}: {Rollback} (reason: {Reason}; revision {RevisionBefore} -> {Revision})")]
    private partial void LogRolledBack(string actor, string @Namespace, string service, string rollback, string reason, string revisionBefore, string revision);

    [LoggerMessage(EventId = 107, Level = LogLevel.Information,
        Message = "{Actor} promoted {Version} of {Namespace}/{Service}: all traffic to it, marked stable (reason: {Reason}; revision {RevisionBefore} -> {Revision})")]
    private partial void LogPromoted(string actor, string @Namespace, string service, string version, string reason, string revisionBefore, string revision);

    [LoggerMessage(EventId = 106, Level = LogLevel.Information,
        Message = "{Actor} marked {Version} as the stable version of {Namespace}/{Service} (revision {RevisionBefore} -> {Revision})")]
    private partial void LogMarkedStable(string actor, string @Namespace, string service, string version, string revisionBefore, string revision);
}
