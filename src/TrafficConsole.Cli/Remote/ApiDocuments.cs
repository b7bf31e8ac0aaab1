using System.Collections.Immutable;

namespace TrafficConsole.Cli.Remote;

// The console's REST documents as the CLI reads and sends them. They mirror the records of
// src/TrafficConsole.Web/Api (HistoryDocuments.cs, TrafficDocuments.cs) field for field, by name, without referencing
// the Web project: the tool is a shell over Mesh and HTTP. Enums travel as their names and are kept as strings here, so a
// console that learns a new action or reason still answers this tool. tests/TrafficConsole.Cli.Tests/Remote/ContractTests
// fails when the two drift. Nullable fields are optional (the console may leave them out); the others are required.

/// <summary>A service's traffic (<c>TrafficDocument</c>): the revision, version -> percent, the mirror and how it is routed.</summary>
/// <param name="Revision">The routing revision, e.g. <c>vs:12,dr:9</c>.</param>
/// <param name="Weights">Version -> integer percent.</param>
/// <param name="Kind"><c>None</c>, <c>Split</c>, <c>Rules</c> or <c>ReadOnly</c>.</param>
/// <param name="Mirror">Traffic mirrored to one version, if any.</param>
/// <param name="ProxySync">Whether Istio's proxies have it (istiod's Reconciled status), if the console said.</param>
internal sealed record TrafficDocument(string Revision, ImmutableSortedDictionary<string, int> Weights, string Kind, MirrorDocument? Mirror = null, ProxySyncDocument? ProxySync = null);

/// <summary>Proxy sync (<c>ProxySyncDocument</c>): <c>Reconciled</c>, <c>Pending</c> or <c>NotReported</c>, and how long the console's write took.</summary>
/// <param name="State"><c>Reconciled</c>, <c>Pending</c> or <c>NotReported</c>.</param>
/// <param name="Generation">The VirtualService's generation.</param>
/// <param name="ObservedGeneration">The generation istiod's status speaks of.</param>
/// <param name="ReconciledAfterMs">Milliseconds from the console's write to the proxies having it, when known.</param>
internal sealed record ProxySyncDocument(string State, long? Generation = null, long? ObservedGeneration = null, long? ReconciledAfterMs = null);

/// <summary>Traffic mirrored to one version (<c>MirrorDocument</c>).</summary>
/// <param name="Version">The version that gets the copies.</param>
/// <param name="Percent">The share of requests copied.</param>
internal sealed record MirrorDocument(string Version, double Percent);

/// <summary>The version "all traffic to stable" would choose, and why (<c>StableDocument</c>).</summary>
/// <param name="Reason"><c>Marked</c>, <c>Promoted</c>, <c>FirstSeen</c>, <c>Oldest</c> or <c>Unknown</c>.</param>
/// <param name="Explanation">Why, for people ("marked by alice on 2026-12-01 09:00 UTC").</param>
/// <param name="Version">The stable version; null when the service has none.</param>
/// <param name="By">Who marked or promoted it, if recorded.</param>
/// <param name="At">When it was marked, promoted or first seen, if recorded.</param>
internal sealed record StableDocument(string Reason, string Explanation, string? Version = null, string? By = null, DateTimeOffset? At = null);

/// <summary>One revision of a service's routing (<c>RevisionDocument</c>).</summary>
/// <param name="Id">What <c>--to-revision</c> takes.</param>
/// <param name="At">When the change was made.</param>
/// <param name="Actor">Who made it.</param>
/// <param name="Origin"><c>Console</c> or <c>External</c>.</param>
/// <param name="Action"><c>Apply</c>, <c>Rollback</c>, <c>ToStable</c>, <c>MarkStable</c>, <c>Promote</c>, <c>Delete</c> or <c>External</c>.</param>
/// <param name="Kind">How the service was routed in this revision.</param>
/// <param name="Weights">Version -> percent in this revision.</param>
/// <param name="Current">True for the revision the cluster holds now.</param>
/// <param name="Manager">The managedFields manager of an external change.</param>
/// <param name="Reason">The reason typed at apply.</param>
/// <param name="Replaces">The id of the revision it replaced.</param>
internal sealed record RevisionDocument(
    string Id,
    DateTimeOffset At,
    string Actor,
    string Origin,
    string Action,
    string Kind,
    ImmutableSortedDictionary<string, int> Weights,
    bool Current,
    string? Manager = null,
    string? Reason = null,
    string? Replaces = null);

/// <summary>The answer of <c>GET /api/v1/namespaces/{ns}/services/{svc}/revisions</c> (<c>RevisionListDocument</c>), newest first.</summary>
/// <param name="Namespace">The service's namespace.</param>
/// <param name="Service">The service.</param>
/// <param name="Revision">The routing revision in the cluster now: sent back on the rollback, so a change in between gets 409.</param>
/// <param name="Stable">The stable version.</param>
/// <param name="Cap">Revisions kept per service.</param>
/// <param name="Revisions">Newest first.</param>
internal sealed record RevisionListDocument(string Namespace, string Service, string Revision, StableDocument Stable, int Cap, ImmutableArray<RevisionDocument> Revisions);

/// <summary>The body of <c>POST .../rollback</c> (<c>RollbackRequest</c>): exactly one of <paramref name="ToRevision"/> and <paramref name="ToStable"/>.</summary>
/// <param name="ToRevision">The id of the revision to restore.</param>
/// <param name="ToStable">True: all traffic to the stable version.</param>
/// <param name="Revision">The routing revision the rollback was decided on.</param>
/// <param name="Reason">Why, kept in the history.</param>
internal sealed record RollbackRequest(string? ToRevision = null, bool? ToStable = null, string? Revision = null, string? Reason = null);

/// <summary>The body of <c>POST .../promote</c> (<c>PromoteRequest</c>): all traffic to <paramref name="Version"/>, marked stable.</summary>
/// <param name="Version">The version to promote.</param>
/// <param name="Revision">The routing revision the promotion was decided on.</param>
/// <param name="Reason">Why, kept in the history.</param>
internal sealed record PromoteRequest(string? Version = null, string? Revision = null, string? Reason = null);

/// <summary>The answer to an applied rollback or promotion (<c>RollbackDocument</c>).</summary>
/// <param name="Description">What was done, in words.</param>
/// <param name="Traffic">The service's traffic now, with its new revision.</param>
internal sealed record RollbackDocument(string Description, TrafficDocument Traffic);

/// <summary>A row of <c>GET /api/v1/rollouts</c> (<c>RolloutDocument</c>): a service whose traffic is split or rule-routed.</summary>
/// <param name="Namespace">The service's namespace.</param>
/// <param name="Service">The service.</param>
/// <param name="Kind"><c>Split</c> or <c>Rules</c>.</param>
/// <param name="Weights">Version -> percent.</param>
/// <param name="Stable">The stable version.</param>
/// <param name="Validation"><c>ok</c>, <c>info</c>, <c>warning</c> or <c>error</c>: the worst validation finding.</param>
/// <param name="ValidationCount">How many findings.</param>
/// <param name="Revision">The routing revision now.</param>
/// <param name="Mirror">Traffic mirrored, if any.</param>
/// <param name="InFlightSince">When the rollout began, if the history knows.</param>
/// <param name="LastChangedAt">When the routing last changed.</param>
/// <param name="LastChangedBy">Who changed it last.</param>
/// <param name="LastOrigin"><c>Console</c> or <c>External</c>.</param>
/// <param name="Telemetry">Its observed traffic per version; null without telemetry.</param>
internal sealed record RolloutDocument(
    string Namespace,
    string Service,
    string Kind,
    ImmutableSortedDictionary<string, int> Weights,
    StableDocument Stable,
    string Validation,
    int ValidationCount,
    string Revision,
    MirrorDocument? Mirror = null,
    DateTimeOffset? InFlightSince = null,
    DateTimeOffset? LastChangedAt = null,
    string? LastChangedBy = null,
    string? LastOrigin = null,
    TelemetryDocument? Telemetry = null);

/// <summary>The answer of <c>GET /api/v1/rollouts</c> (<c>RolloutListDocument</c>).</summary>
/// <param name="Items">Sorted by namespace, then service.</param>
internal sealed record RolloutListDocument(ImmutableArray<RolloutDocument> Items);

/// <summary>An RFC 9457 problem the console answers a refused or failed request with (ASP.NET Core's ProblemDetails and its extensions).</summary>
/// <param name="Title">A short summary.</param>
/// <param name="Detail">What happened to this request.</param>
/// <param name="Status">The HTTP status.</param>
/// <param name="Errors">Field -> messages (400, 422).</param>
/// <param name="Current">A 409's extension: the service's traffic in the cluster now.</param>
internal sealed record Problem(
    string? Title = null,
    string? Detail = null,
    int? Status = null,
    IReadOnlyDictionary<string, string[]>? Errors = null,
    TrafficDocument? Current = null);
