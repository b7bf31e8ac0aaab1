using System.Collections.Immutable;

namespace TrafficConsole.Web.Model;

/// <summary>Whether a revision was made through the console or outside it (kubectl, GitOps, another tool).</summary>
public enum RevisionOrigin { Console, External }

/// <summary>What produced a revision.</summary>
public enum RevisionAction
{
    /// <summary>Sliders, rule editor or YAML mode.</summary>
    Apply,
    /// <summary>"Roll back to this revision".</summary>
    Rollback,
    /// <summary>"All traffic to stable" (one service, or the namespace-wide rollback).</summary>
    ToStable,
    /// <summary>The operator marked a version as the stable one.</summary>
    MarkStable,
    /// <summary>"Delete traffic routing".</summary>
    Delete,
    /// <summary>Seen in the cluster, made outside the console.</summary>
    External,
    /// <summary>"Promote": all traffic to a version and that version marked stable, in one write.</summary>
    Promote,
}

/// <summary>One recorded state of a service's routing, as the history and audit lists show it.</summary>
/// <remarks>
/// <para><c>Id</c>: Stable id, used by "Roll back to this revision", the REST API and the CLI.</para>
/// <para><c>At</c>: When the change was made (UTC).</para>
/// <para><c>Actor</c>: Who made it: the console user, or for an external change what is known (the field manager).</para>
/// <para><c>Manager</c>: For an external change, the managedFields manager that made it (e.g. <c>kubectl-client-side-apply</c>).</para>
/// <para><c>Replaces</c>: The id of the revision this one replaced; null for the first one recorded.</para>
/// <para><c>IsCurrent</c>: True for the revision the cluster holds now.</para>
/// </remarks>
public sealed record RevisionSummary(
    string Id,
    DateTimeOffset At,
    string Actor,
    RevisionOrigin Origin,
    string? Manager,
    string? Reason,
    RevisionAction Action,
    string? Replaces,
    RoutingKind Kind,
    ImmutableArray<WeightShare> Weights,
    bool IsCurrent);

/// <summary>How the stable version of a service was chosen.</summary>
public enum StableReason
{
    /// <summary>Marked by an operator (the <c>trafficconsole.io/stable-version</c> annotation on the VirtualService).</summary>
    Marked,
    /// <summary>Promoted by an operator: all traffic to it and marked stable in one step.</summary>
    Promoted,
    /// <summary>Nothing marked: the version that held 100% in the first revision the history holds.</summary>
    FirstSeen,
    /// <summary>Neither: the oldest version (its workloads were created first).</summary>
    Oldest,
    /// <summary>The service has no version to call stable.</summary>
    Unknown,
}

/// <summary>The version "All traffic to stable" sends everything to, and why that one.</summary>
/// <remarks>
/// <para><c>Explanation</c>: A few words for the confirm dialog, e.g. "marked by alice on 2026-12-01 09:00 UTC".</para>
/// <para><c>By</c>: Who marked or promoted it, when the history recorded it.</para>
/// <para><c>At</c>: When it was marked, promoted or first seen at 100%, when the history recorded it.</para>
/// </remarks>
public sealed record StableVersionInfo(string? Version, StableReason Reason, string Explanation, string? By = null, DateTimeOffset? At = null);

/// <summary>The history of one service's routing, newest revision first.</summary>
/// <remarks>
/// <para><c>CurrentRevision</c>: The routing revision in the cluster now (the <c>expectedRevision</c> for a rollback).</para>
/// <para><c>Cap</c>: How many revisions are kept per service; older ones are pruned.</para>
/// <para><c>Problem</c>: Why the history cannot be read (e.g. the console may not list ConfigMaps); null when it can.</para>
/// </remarks>
public sealed record ServiceHistory(
    string Namespace,
    string Service,
    string CurrentRevision,
    StableVersionInfo Stable,
    ImmutableArray<RevisionSummary> Revisions,
    int Cap,
    string? Problem);

/// <summary>One row of a side-by-side diff: the left (older) and right (newer) line, either may be absent.</summary>
public sealed record SideBySideLine(int? LeftNumber, string LeftText, DiffLineKind LeftKind, int? RightNumber, string RightText, DiffLineKind RightKind);

/// <summary>Two revisions side by side: their YAML (every routing resource, multi-document) and the diff rows.</summary>
public sealed record RevisionComparison(RevisionSummary From, RevisionSummary To, string FromYaml, string ToYaml, ImmutableArray<SideBySideLine> Lines);

/// <summary>What a rollback restores: a recorded revision, or everything to the stable version. Exactly one is set.</summary>
public sealed record RollbackTarget(string? ToRevision, bool ToStable)
{
    public static RollbackTarget Revision(string id) => new(id, false);

    public static RollbackTarget Stable { get; } = new(null, true);
}

/// <summary>What a rollback would do, for the confirm dialog: in words, as weights, and as the usual YAML preview.</summary>
/// <remarks>
/// <para><c>Description</c>: One line, e.g. "All traffic to v1 (marked stable by alice)".</para>
/// <para><c>Stable</c>: For a rollback to stable, the version and why; null for a rollback to a revision.</para>
/// </remarks>
public sealed record RollbackPreview(
    RollbackTarget Target,
    string Description,
    ImmutableArray<WeightShare> WeightsAfter,
    StableVersionInfo? Stable,
    RoutingPreview Preview);

/// <summary>What "Promote" would do, for the confirm dialog: in words, as weights, and as the usual YAML preview.</summary>
/// <remarks><para><c>Description</c>: One line, e.g. "All traffic to v2, and v2 marked stable".</para></remarks>
public sealed record PromotePreview(string Version, string Description, ImmutableArray<WeightShare> WeightsAfter, RoutingPreview Preview);

/// <summary>A row of the rollouts overview: a service whose traffic is split, rule-routed, or not all on its stable version.</summary>
/// <remarks>
/// <para><c>InFlightSince</c>: When traffic left the stable version: the first revision of the current run not all on it.</para>
/// <para><c>WorstValidation</c>: The worst severity among the service's validation findings; null when there are none.</para>
/// </remarks>
public sealed record RolloutSummary(
    string Namespace,
    string Service,
    RoutingKind Kind,
    ImmutableArray<WeightShare> Weights,
    MirrorShare? Mirror,
    StableVersionInfo Stable,
    DateTimeOffset? InFlightSince,
    DateTimeOffset? LastChangedAt,
    string? LastChangedBy,
    RevisionOrigin? LastOrigin,
    MessageSeverity? WorstValidation,
    int ValidationCount,
    string Revision)
{
    /// <summary>
    /// The row as a user who may read the routing but not the history (the revision ConfigMaps) sees it: who changed it,
    /// when, how and since when the rollout runs are the history's, so they are left out.
    /// </summary>
    public RolloutSummary WithoutHistory() => this with { InFlightSince = null, LastChangedAt = null, LastChangedBy = null, LastOrigin = null };
}

/// <summary>What the namespace-wide rollback would do to one service.</summary>
/// <remarks>
/// <para><c>Revision</c>: The routing revision the plan was made from (the expected revision of the write).</para>
/// <para><c>Blocked</c>: Why this service cannot be rolled back (e.g. no stable version, read-only routing); null when it can.</para>
/// </remarks>
public sealed record NamespaceRollbackItem(
    string Service,
    string Revision,
    ImmutableArray<WeightShare> WeightsBefore,
    StableVersionInfo Stable,
    string? Blocked);

/// <summary>"Roll back all rollouts in flight" for one namespace, listed before it runs.</summary>
public sealed record NamespaceRollbackPlan(string Namespace, ImmutableArray<NamespaceRollbackItem> Items);

/// <summary>The outcome of the namespace-wide rollback for one service.</summary>
public sealed record ServiceOutcome(string Service, ChangeOutcome Outcome);

/// <summary>The outcomes of a namespace-wide rollback, one per planned service that was not blocked.</summary>
public sealed record NamespaceRollbackResult(string Namespace, ImmutableArray<ServiceOutcome> Outcomes);

/// <summary>One change in the per-namespace audit list (made through the console or outside it).</summary>
public sealed record AuditEntry(
    DateTimeOffset At,
    string Namespace,
    string Service,
    string Actor,
    RevisionOrigin Origin,
    string? Manager,
    RevisionAction Action,
    string? Reason,
    ImmutableArray<WeightShare> Weights,
    string RevisionId);

/// <summary>Filters of the audit list; null means any. <paramref name="Actor"/> and <paramref name="Service"/> match case-insensitively as substrings.</summary>
public sealed record AuditQuery(string? Actor = null, string? Service = null, DateTimeOffset? From = null, DateTimeOffset? To = null);
