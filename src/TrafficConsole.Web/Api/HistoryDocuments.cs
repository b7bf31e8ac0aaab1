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
/// <param name="Action">Apply, Rollback, ToStable, MarkStable, Promote, Delete or External.</param>
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
/// <param name="Reason">Marked, Promoted (both an operator's act), FirstSeen (held 100% in the first revision recorded), Oldest or Unknown.</param>
/// <param name="Explanation">Why, for people: "marked by alice on 2026-12-01 09:00 UTC", "first seen at 100% on …".</param>
/// <param name="By">Who marked or promoted it, if recorded.</param>
/// <param name="At">When it was marked, promoted or first seen, if recorded.</param>
public sealed record StableDocument(string? Version, StableReason Reason, string Explanation, string? By = null, DateTimeOffset? At = null);

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

/// <summary>The body of <c>POST /api/v1/namespaces/{ns}/services/{svc}/promote</c>: all traffic to <paramref name="Version"/>, marked stable.</summary>
/// <param name="Version">The version to promote.</param>
/// <param name="Revision">Optional: the routing revision the promotion was decided on; a stale one gets 409.</param>
/// <param name="Reason">Optional: why, kept in the history (at most 500 characters).</param>
public sealed record PromoteRequest(string? Version, string? Revision, string? Reason);

/// <summary>The answer to a rollback or a promotion that was applied.</summary>
/// <param name="Description">What was done, in words.</param>
/// <param name="Traffic">The service's traffic now, with its new revision.</param>
public sealed record RollbackDocument(string Description, TrafficDocument Traffic);

/// <summary>A row of <c>GET /api/v1/rollouts</c>: a service whose traffic is split, rule-routed, or not all on its stable version.</summary>
/// <param name="Namespace">The service's namespace.</param>
/// <param name="Service">The service.</param>
/// <param name="Kind">Split or Rules.</param>
/// <param name="Weights">Version -> percent.</param>
/// <param name="Mirror">Traffic mirrored, if any.</param>
/// <param name="Stable">The stable version.</param>
/// <param name="InFlightSince">When traffic left the stable version, if the history knows.</param>
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
    string Revision)
{
    /// <summary>Its observed traffic per version (JSON only); null when telemetry is not configured, did not answer, or measured nothing for it.</summary>
    public TelemetryDocument? Telemetry { get; init; }
}

/// <summary>The body of <c>GET /api/v1/rollouts</c> (JSON; <c>?format=csv</c> gives the same rows as CSV).</summary>
/// <param name="Items">Sorted by namespace, then service.</param>
public sealed record RolloutListDocument(ImmutableArray<RolloutDocument> Items);

/// <summary>One change in <c>GET /api/v1/namespaces/{ns}/audit</c>.</summary>
/// <param name="At">When (UTC).</param>
/// <param name="Namespace">The service's namespace.</param>
/// <param name="Service">The service.</param>
/// <param name="Actor">Who made it.</param>
/// <param name="Origin">Console or External.</param>
/// <param name="Manager">The managedFields manager of an external change.</param>
/// <param name="Action">What produced it.</param>
/// <param name="Reason">The reason typed at apply, if any.</param>
/// <param name="Weights">Version -> percent after the change.</param>
/// <param name="RevisionId">The revision it recorded (<c>toRevision</c> of a rollback).</param>
public sealed record AuditEntryDocument(
    DateTimeOffset At,
    string Namespace,
    string Service,
    string Actor,
    RevisionOrigin Origin,
    string? Manager,
    RevisionAction Action,
    string? Reason,
    ImmutableSortedDictionary<string, int> Weights,
    string RevisionId);

/// <summary>The body of <c>GET /api/v1/namespaces/{ns}/audit</c>, newest first.</summary>
/// <param name="Namespace">The namespace.</param>
/// <param name="Items">The changes, newest first.</param>
public sealed record AuditListDocument(string Namespace, ImmutableArray<AuditEntryDocument> Items);

internal static class HistoryDocuments
{
    public static ImmutableSortedDictionary<string, int> Weights(ImmutableArray<WeightShare> shares) =>
        ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, (shares.IsDefault ? [] : shares).Select(static s => KeyValuePair.Create(s.Version, s.Percent)));

    public static StableDocument From(StableVersionInfo stable) => new(stable.Version, stable.Reason, stable.Explanation, stable.By, stable.At);

    public static RevisionDocument From(RevisionSummary r) =>
        new(r.Id, r.At, r.Actor, r.Origin, r.Manager, r.Reason, r.Action, r.Replaces, r.Kind, Weights(r.Weights), r.IsCurrent);

    public static RevisionListDocument From(ServiceHistory history) =>
        new(history.Namespace, history.Service, history.CurrentRevision, From(history.Stable), history.Cap, [.. history.Revisions.Select(From)]);

    public static RolloutDocument From(RolloutSummary r) => new(
        r.Namespace,
        r.Service,
        r.Kind,
        Weights(r.Weights),
        r.Mirror is { } m ? new MirrorDocument(m.Version, m.Percent) : null,
        From(r.Stable),
        r.InFlightSince,
        r.LastChangedAt,
        r.LastChangedBy,
        r.LastOrigin,
        r.WorstValidation switch
        {
            null => "ok",
            MessageSeverity.Error => "error",
            MessageSeverity.Warning => "warning",
            _ => "info",
        },
        r.ValidationCount,
        r.Revision);

    public static AuditEntryDocument From(AuditEntry e) =>
        new(e.At, e.Namespace, e.Service, e.Actor, e.Origin, e.Manager, e.Action, e.Reason, Weights(e.Weights), e.RevisionId);
}
