using System.Collections.Immutable;
using TrafficConsole.Web.Model;

namespace TrafficConsole.Web.Api;

/// <summary>One revision of a service's routing in <c>GET .../revisions</c>.</summary>
/// <param name="Id">Pass as <c>toRevision</c> to <c>POST .../rollback</c>.</param>
/// <param name="At">When the change was made (UTC).</param>
/// <param name="Actor">Who made it (for an external change: what is known, e.g. the field manager).</param>
/// <param name="Origin">Console or External.</param>
/// <param name="Manager">The managedFields manager of an external change.</param>
/// <param name="Reason">The reason typed at apply, if any.</param>
/// <param name="Action">Apply, Rollback, ToStable, MarkStable, Delete or External.</param>
/// <param name="Replaces">The id of the revision it replaced.</param>
/// <param name="Kind">How the service was routed in this revision.</param>
/// <param name="Weights">Version -> percent in this revision.</param>
/// <param name="Current">True for the revision the cluster holds now.</param>
public sealed record RevisionDocument(
    string Id,
    DateTimeOffset At,
    string Actor,
    RevisionOrigin Origin,
    string? Manager,
    string? Reason,
    RevisionAction Action,
    string? Replaces,
    RoutingKind Kind,
    ImmutableSortedDictionary<string, int> Weights,
    bool Current);

/// <summary>The version "all traffic to stable" would choose, and why.</summary>
/// <param name="Version">The stable version; null when the service has none.</param>
/// <param name="Reason">Marked, History, Oldest or Unknown.</param>
/// <param name="Explanation">One sentence for people.</param>
public sealed record StableDocument(string? Version, StableReason Reason, string Explanation);

/// <summary>The body of <c>GET /api/v1/namespaces/{ns}/services/{svc}/revisions</c>, newest revision first.</summary>
/// <param name="Namespace">The service's namespace.</param>
/// <param name="Service">The service.</param>
/// <param name="Revision">The routing revision in the cluster now: pass it back as <c>revision</c> on a rollback.</param>
/// <param name="Stable">The stable version.</param>
/// <param name="Cap">Revisions kept per service; older ones are pruned.</param>
/// <param name="Revisions">Newest first.</param>
public sealed record RevisionListDocument(
    string Namespace,
    string Service,
    string Revision,
    StableDocument Stable,
    int Cap,
    ImmutableArray<RevisionDocument> Revisions);

/// <summary>The body of <c>POST /api/v1/namespaces/{ns}/services/{svc}/rollback</c>: exactly one of <paramref name="ToRevision"/> and <paramref name="ToStable"/>.</summary>
/// <param name="ToRevision">The id of the revision to restore.</param>
/// <param name="ToStable">True: send all traffic to the stable version.</param>
/// <param name="Revision">Optional: the routing revision the rollback was decided on; a stale one gets 409.</param>
/// <param name="Reason">Optional: why, kept in the history (at most 500 characters).</param>
public sealed record RollbackRequest(string? ToRevision, bool? ToStable, string? Revision, string? Reason);

/// <summary>The answer to a rollback that was applied.</summary>
/// <param name="Description">What was done, in words.</param>
/// <param name="Traffic">The service's traffic now, with its new revision.</param>
public sealed record RollbackDocument(string Description, TrafficDocument Traffic);

/// <summary>A row of <c>GET /api/v1/rollouts</c>: a service whose traffic is split or rule-routed.</summary>
/// <param name="Namespace">The service's namespace.</param>
/// <param name="Service">The service.</param>
/// <param name="Kind">Split or Rules.</param>
/// <param name="Weights">Version -> percent.</param>
/// <param name="Mirror">Traffic mirrored, if any.</param>
/// <param name="Stable">The stable version.</param>
/// <param name="InFlightSince">When the rollout began, if the history knows.</param>
/// <param name="LastChangedAt">When the routing last changed.</param>
/// <param name="LastChangedBy">Who changed it last.</param>
/// <param name="LastOrigin">Whether the last change came through the console.</param>
/// <param name="Validation">"ok", "info", "warning" or "error": the worst validation finding.</param>
/// <param name="ValidationCount">How many findings.</param>
/// <param name="Revision">The routing revision now.</param>
public sealed record RolloutDocument(
    string Namespace,
    string Service,
    RoutingKind Kind,
    ImmutableSortedDictionary<string, int> Weights,
    MirrorDocument? Mirror,
    StableDocument Stable,
    DateTimeOffset? InFlightSince,
    DateTimeOffset? LastChangedAt,
    string? LastChangedBy,
    RevisionOrigin? LastOrigin,
    string Validation,
    int ValidationCount,
    string Revision);

/// <summary>The body of <c>GET /api/v1/rollouts</c> (JSON; <c>?format=csv</c> gives the same rows as CSV).</summary>
/// <param name="Items">Sorted by namespace, then service.</param>
public sealed record RolloutListDocument(ImmutableArray<RolloutDocument> Items);
