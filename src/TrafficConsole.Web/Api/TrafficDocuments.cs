using System.Collections.Immutable;
using TrafficConsole.Web.Model;

namespace TrafficConsole.Web.Api;

/// <summary>A service's traffic as the REST API reads and writes it.</summary>
/// <param name="Revision">Pass back on PUT/DELETE to refuse the write if someone changed the service since.</param>
/// <param name="Weights">Version -> integer percent; sums to 100.</param>
/// <param name="Mirror">Traffic shadowed to one version, if any.</param>
/// <param name="Kind">How the service is routed today: None, Split, Rules or ReadOnly.</param>
public sealed record TrafficDocument(
    string Revision,
    ImmutableSortedDictionary<string, int> Weights,
    MirrorDocument? Mirror,
    RoutingKind Kind)
{
    /// <summary>Whether Istio's proxies have this routing (istiod's Reconciled status); on GET and on an apply's 200.</summary>
    public ProxySyncDocument? ProxySync { get; init; }
}

/// <summary>A service's proxy sync: what istiod's status says, and how long the console's last write took to reach the proxies.</summary>
/// <param name="State">Reconciled, Pending (an older generation, or a write of this console not reported yet) or NotReported (PILOT_ENABLE_STATUS off).</param>
/// <param name="Generation">The VirtualService's generation (else the DestinationRule's).</param>
/// <param name="ObservedGeneration">The generation istiod's status of that resource speaks of.</param>
/// <param name="ReconciledAfterMs">Milliseconds from the console's last write to the cache showing it Reconciled, when the console timed it.</param>
public sealed record ProxySyncDocument(ProxySyncStatus State, long? Generation, long? ObservedGeneration, long? ReconciledAfterMs)
{
    internal static ProxySyncDocument? From(ProxySyncInfo? sync) =>
        sync is not { HasRouting: true } s ? null : new(s.State, s.Generation, s.ObservedGeneration, s.ReconciledAfter is { } after ? (long)after.TotalMilliseconds : null);
}

/// <summary>Traffic mirrored to one version.</summary>
public sealed record MirrorDocument(string Version, double Percent);

/// <summary>The body of <c>PUT .../traffic</c>.</summary>
/// <param name="Revision">Optional: the revision the change was based on; a stale one gets 409.</param>
/// <param name="Weights">Version -> integer percent, summing to 100.</param>
/// <param name="Mirror">Optional mirror.</param>
public sealed record TrafficRequest(string? Revision, IReadOnlyDictionary<string, int> Weights, MirrorDocument? Mirror);

/// <summary>A row of <c>GET .../services</c>: a service, its versions and its split.</summary>
/// <param name="Namespace">The namespace.</param>
/// <param name="Name">The service.</param>
/// <param name="Versions">Its versions.</param>
/// <param name="Traffic">Its split now.</param>
/// <param name="LastChangedBy">Who made the routing as it is: the console user, or an external change's field manager.</param>
/// <param name="LastChangedAt">When.</param>
/// <param name="LastOrigin">Whether that change came through the console.</param>
public sealed record ServiceDocument(
    string Namespace,
    string Name,
    ImmutableArray<VersionDocument> Versions,
    TrafficDocument Traffic,
    string? LastChangedBy,
    DateTimeOffset? LastChangedAt,
    RevisionOrigin? LastOrigin = null);

/// <summary>A version of a service with its replica counts.</summary>
public sealed record VersionDocument(string Name, string Subset, ImmutableArray<string> Workloads, int DesiredReplicas, int ReadyReplicas);

internal static class TrafficDocuments
{
    public static TrafficDocument From(RoutingSummary routing)
    {
        // With no routing, the weights the user sees are what replica counts imply.
        ImmutableArray<WeightShare> shares = routing.Kind == RoutingKind.None && routing.Effective.IsDefaultOrEmpty
            ? routing.ImpliedByReplicas
            : routing.Effective;
        ImmutableSortedDictionary<string, int> weights = ImmutableSortedDictionary.CreateRange(
            StringComparer.Ordinal,
            (shares.IsDefault ? [] : shares).Select(static s => KeyValuePair.Create(s.Version, s.Percent)));
        MirrorDocument? mirror = routing.Mirror is { } m ? new MirrorDocument(m.Version, m.Percent) : null;
        return new TrafficDocument(routing.Revision, weights, mirror, routing.Kind);
    }

    public static ServiceDocument From(ServiceSummary summary) => new(
        summary.Namespace,
        summary.Name,
        [.. summary.Versions.Select(static v => new VersionDocument(v.Name, v.SubsetName, v.Workloads, v.DesiredReplicas, v.ReadyReplicas))],
        From(summary.Routing),
        summary.LastChangedBy,
        summary.LastChangedAt,
        summary.LastOrigin);
}
