using System.Collections.Immutable;

namespace TrafficConsole.Mesh.Routing;

/// <summary>What kind of routing a service has, as far as the weight sliders are concerned.</summary>
public enum RoutingKind
{
    /// <summary>No VirtualService routes the host: requests spread over all pods (see <see cref="RoutingState.ImpliedByReplicas"/>).</summary>
    None,

    /// <summary>A single catch-all route splits traffic over the host's versions: the sliders edit it.</summary>
    Split,

    /// <summary>Routes with match conditions come first, then a catch-all split the sliders edit; the rules are kept.</summary>
    Rules,

    /// <summary>Routing the sliders cannot represent faithfully; see <see cref="RoutingState.ReadOnlyReason"/>.</summary>
    ReadOnly,
}

/// <summary>The routing of one service as read from its VirtualService and DestinationRule.</summary>
public sealed record RoutingState
{
    /// <summary>The revision when no VirtualService or DestinationRule targets the service.</summary>
    public const string NoRevision = "none";

    public required RoutingKind Kind { get; init; }

    /// <summary>Integer percentages per version (every version of the service, in order) that sum to 100, or empty.</summary>
    public TrafficSplit EffectiveSplit { get; init; } = TrafficSplit.Empty;

    /// <summary>The split the replica counts imply when nothing routes by weight (ready pods, else desired).</summary>
    public TrafficSplit ImpliedByReplicas { get; init; } = TrafficSplit.Empty;

    /// <summary>Why the sliders cannot edit this routing; null unless <see cref="Kind"/> is ReadOnly.</summary>
    public string? ReadOnlyReason { get; init; }

    /// <summary>True when the VirtualService / DestinationRule in use were created by TrafficConsole.</summary>
    public bool ManagedByTrafficConsole { get; init; }

    /// <summary>The live mirror to one of the service's versions, if any.</summary>
    public MirrorTarget? Mirror { get; init; }

    /// <summary>A mirror of the catch-all route the sliders do not manage (to another host or the whole service), described for display; kept on apply.</summary>
    public string? OtherMirror { get; init; }

    /// <summary>The resourceVersions of the routing resources (e.g. <c>vs:123,dr:124</c>, or <c>none</c>) for optimistic concurrency.</summary>
    public string Revision { get; init; } = NoRevision;

    /// <summary>The VirtualService whose routes are read (namespace/name), if any.</summary>
    public string? VirtualServiceName { get; init; }

    /// <summary>
    /// The Gateway API HTTPRoute (namespace/name) attached to the service (GAMMA) whose rules are read instead of a
    /// VirtualService's, if any; <see cref="Rules"/> then summarises its rules and writes go to it.
    /// </summary>
    public string? HttpRouteName { get; init; }

    /// <summary>The http routes of that VirtualService (or rules of that HTTPRoute), summarised for display.</summary>
    public ImmutableArray<RouteRuleSummary> Rules { get; init; } = [];

    /// <summary>DestinationRule subset name to version name, for subsets that select exactly one version.</summary>
    public ImmutableDictionary<string, string> SubsetVersions { get; init; } = ImmutableDictionary<string, string>.Empty;

    /// <summary>True when the sliders may edit (and apply) this routing.</summary>
    public bool IsEditable => Kind != RoutingKind.ReadOnly;
}

/// <summary>One http route of a VirtualService as the UI lists it.</summary>
/// <param name="Index">Position in <c>spec.http</c>; routes are tried in this order.</param>
/// <param name="Name">The route name, if set.</param>
/// <param name="Conditions">Human-readable match conditions (alternatives), empty for the catch-all.</param>
/// <param name="Destinations">Where it sends traffic: version names (or host/subset when not a version) and weights.</param>
/// <param name="IsCatchAll">True for a route without conditions.</param>
public sealed record RouteRuleSummary(
    int Index,
    string? Name,
    ImmutableArray<string> Conditions,
    ImmutableArray<VersionWeight> Destinations,
    bool IsCatchAll);
