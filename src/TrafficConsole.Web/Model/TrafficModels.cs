using System.Collections.Immutable;

using TrafficConsole.Cluster.Connection;

namespace TrafficConsole.Web.Model;

/// <summary>Which cluster the console talks to, as the badge in the app bar shows it.</summary>
public sealed record ClusterInfo(string Name, string ServerUrl, bool IsSandbox, string? KubeconfigPath);

/// <summary>The cluster layer's connection as the view model says it.</summary>
internal static class ClusterInfoMapping
{
    extension(ClusterConnection connection)
    {
        /// <summary>The connected cluster, for the badge (read once the host has started: the embedded sandbox connects then).</summary>
        public ClusterInfo Info => new(connection.Name, connection.ServerUrl, connection.Mode == ClusterMode.Sandbox, connection.KubeconfigPath);
    }
}

/// <summary>Whether the API server answers, as pages show it.</summary>
public enum ConnectionState { Connecting, Connected, Reconnecting, Unreachable }

/// <summary>The API server connection as a page shows it: state plus what went wrong last.</summary>
public sealed record ConnectionHealth(ConnectionState State, string? LastError, DateTimeOffset? Since);

/// <summary>How a service's traffic is routed today.</summary>
public enum RoutingKind
{
    /// <summary>No VirtualService: plain Kubernetes load balancing by replica count.</summary>
    None,
    /// <summary>A weighted split the sliders can edit.</summary>
    Split,
    /// <summary>Match rules (headers, URIs...) in front of a split.</summary>
    Rules,
    /// <summary>Routing too complex for sliders; shown read-only with the reason.</summary>
    ReadOnly,
}

/// <summary>One version's share of traffic, in integer percent.</summary>
public sealed record WeightShare(string Version, int Percent);

/// <summary>Traffic mirrored (shadowed) to one version.</summary>
public sealed record MirrorShare(string Version, double Percent);

/// <summary>A version of a service: the workloads that carry one version label value.</summary>
public sealed record VersionSummary(
    string Name,
    string SubsetName,
    string LabelKey,
    ImmutableArray<string> Workloads,
    ImmutableDictionary<string, string> Labels,
    int DesiredReplicas,
    int ReadyReplicas);

/// <summary>The routing of one service as it is in the cluster.</summary>
public sealed record RoutingSummary(
    RoutingKind Kind,
    ImmutableArray<WeightShare> Effective,
    ImmutableArray<WeightShare> ImpliedByReplicas,
    MirrorShare? Mirror,
    string? ReadOnlyReason,
    bool ManagedByTrafficConsole,
    string Revision);

/// <summary>Severity of a validation message.</summary>
public enum MessageSeverity { Info, Warning, Error }

/// <summary>A validation finding with its stable code (see docs/validation.md).</summary>
public sealed record ValidationMessage(string Code, MessageSeverity Severity, string Path, string Message);

/// <summary>A row of the services list.</summary>
public sealed record ServiceSummary(
    string Namespace,
    string Name,
    ImmutableArray<VersionSummary> Versions,
    RoutingSummary Routing,
    ImmutableArray<ValidationMessage> Validation,
    string? LastChangedBy,
    DateTimeOffset? LastChangedAt)
{
    /// <summary>Whether the last change came through the console (null when unknown); an external one names its field manager in <see cref="LastChangedBy"/>.</summary>
    public RevisionOrigin? LastOrigin { get; init; }
}

/// <summary>Everything the service page shows: the summary plus the resources in the cluster.</summary>
public sealed record ServiceDetail(
    ServiceSummary Summary,
    string Host,
    ImmutableArray<string> RoutingResources,
    string? VirtualServiceYaml,
    string? DestinationRuleYaml);

/// <summary>What an operator wants: integer weights per version (summing to 100) and an optional mirror.</summary>
public sealed record TrafficDraft(ImmutableArray<WeightShare> Weights, MirrorShare? Mirror)
{
    /// <summary>The draft as the domain's split (what <see cref="TrafficConsole.Mesh.Routing.RoutingIntent.WithDefaultSplit"/> takes).</summary>
    public TrafficConsole.Mesh.Routing.TrafficSplit ToSplit() => new(
        [.. (Weights.IsDefault ? [] : Weights).Select(static w => new TrafficConsole.Mesh.Routing.VersionWeight(w.Version, w.Percent))],
        Mirror is { } mirror ? new TrafficConsole.Mesh.Routing.MirrorTarget(mirror.Version, mirror.Percent) : null);
}

/// <summary>A line of a YAML diff.</summary>
public sealed record DiffLine(DiffLineKind Kind, string Text);

/// <summary>Whether a diff line was added, removed or kept; side-by-side diffs also have changed lines and padding.</summary>
public enum DiffLineKind
{
    Unchanged,
    Added,
    Removed,
    /// <summary>Side by side: the line exists on both sides with different text.</summary>
    Modified,
    /// <summary>Side by side: no line on this side (the other side has one).</summary>
    Absent,
}

/// <summary>What Apply would write: YAML of both resources, their diffs against the cluster, and validation.</summary>
public sealed record RoutingPreview(
    string VirtualServiceYaml,
    string DestinationRuleYaml,
    ImmutableArray<DiffLine> VirtualServiceDiff,
    ImmutableArray<DiffLine> DestinationRuleDiff,
    ImmutableArray<ValidationMessage> Validation,
    bool CanApply)
{
    /// <summary>The Gateway API HTTPRoute Apply would write, for a service routed by one; empty otherwise.</summary>
    public string HttpRouteYaml { get; init; } = string.Empty;

    /// <summary>Its diff against the cluster.</summary>
    public ImmutableArray<DiffLine> HttpRouteDiff { get; init; } = [];

    /// <summary>The split in the cluster now (YAML mode, for the before → after bars); empty when not computed.</summary>
    public ImmutableArray<WeightShare> WeightsBefore { get; init; } = [];

    /// <summary>The split the written resources would give (YAML mode); empty when not computed.</summary>
    public ImmutableArray<WeightShare> WeightsAfter { get; init; } = [];

    /// <summary>
    /// How the change moves traffic in a way the text does not show at a glance (a version losing all its traffic,
    /// weights that are shares of a total other than 100); applying it asks for a confirmation that shows the bars.
    /// </summary>
    public ImmutableArray<string> TrafficWarnings { get; init; } = [];
}

/// <summary>The outcome of a write: a value, never an exception, for everything a user can cause.</summary>
public abstract record ChangeOutcome
{
    private ChangeOutcome() { }

    /// <summary>Written; the cluster (and the cache) now hold this revision.</summary>
    public sealed record Applied(string Revision) : ChangeOutcome
    {
        /// <summary>
        /// The routing exactly as this write left it, from the objects the API server returned (not the cache, which may
        /// already hold a later writer's change); null when unknown.
        /// </summary>
        public RoutingSummary? Routing { get; init; }

        /// <summary>That routing as the rule editor reads it; null when unknown or not editable (see <see cref="IntentProblem"/>).</summary>
        public TrafficConsole.Mesh.Routing.RoutingIntent? Intent { get; init; }

        /// <summary>Why that routing cannot be edited as an intent, when it cannot.</summary>
        public string? IntentProblem { get; init; }

        /// <summary>Whether Istio's proxies have it yet (right after the write usually pending); null when unknown.</summary>
        public ProxySyncInfo? ProxySync { get; init; }
    }

    /// <summary>Someone changed the service since the user's revision; nothing was written.</summary>
    public sealed record Conflict(ServiceDetail? Current, string Message) : ChangeOutcome
    {
        /// <summary>True when <see cref="Message"/> itself says that nothing was written (the service layer's stale-revision check); the conflict view then does not say it twice.</summary>
        public bool SaysNothingWritten { get; init; }
    }

    /// <summary>The draft or the cluster refused the content; nothing was written.</summary>
    public sealed record Invalid(ImmutableArray<ValidationMessage> Messages) : ChangeOutcome;

    /// <summary>The user may not make this change.</summary>
    public sealed record Forbidden(string Message) : ChangeOutcome;

    /// <summary>The service or namespace does not exist (any more).</summary>
    public sealed record NotFound(string Message) : ChangeOutcome;

    /// <summary>The API server could not be reached or failed; nothing is known to be written.</summary>
    public sealed record Unavailable(string Message) : ChangeOutcome;
}

/// <summary>A change to a service the cache saw, whoever made it.</summary>
public sealed record ServiceChangedEvent(string Namespace, string Service, string Revision, ImmutableArray<WeightShare> Weights, RoutingKind Kind);
