using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

using TrafficConsole.Mesh.Routing;

namespace TrafficConsole.Mesh.History;

/// <summary>Whether a revision was made through the console or outside it (kubectl, GitOps, another tool).</summary>
public enum RevisionSource
{
    /// <summary>Written by TrafficConsole.</summary>
    Console,

    /// <summary>Seen in the cluster, written by someone else.</summary>
    External,
}

/// <summary>What produced a revision.</summary>
public enum RevisionAction
{
    /// <summary>Sliders, rule editor or YAML mode.</summary>
    Apply,

    /// <summary>A restore of a recorded revision.</summary>
    Rollback,

    /// <summary>All traffic to the stable version.</summary>
    ToStable,

    /// <summary>A version was marked stable.</summary>
    MarkStable,

    /// <summary>The routing was deleted.</summary>
    Delete,

    /// <summary>Made outside the console.</summary>
    External,

    /// <summary>All traffic to a version and that version marked stable, in one write.</summary>
    Promote,
}

/// <summary>One recorded state of a service's routing: who, when, why, what it replaced, and the full snapshot.</summary>
public sealed record RoutingRevision
{
    /// <summary>The revision key of a service without routing that had <paramref name="previousKey"/> before (a deletion).</summary>
    public static string DeletionKey(string previousKey) => $"{RoutingState.NoRevision}@{previousKey}";

    /// <summary>The stable id: the first 10 hex digits of SHA-256 over namespace/service/key, the same in every replica.</summary>
    public static string IdOf(string @namespace, string service, string key)
    {
        ArgumentNullException.ThrowIfNull(@namespace);
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(key);
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{@namespace}/{service}/{key}"));
        return Convert.ToHexStringLower(hash)[..10];
    }

    /// <summary>The stable id (see <see cref="IdOf"/>).</summary>
    public required string Id { get; init; }

    public required string Namespace { get; init; }

    public required string Service { get; init; }

    /// <summary>The routing revision it records (<see cref="RoutingState.Revision"/>, e.g. <c>vs:12,dr:9</c>; <c>none@…</c> for a deletion).</summary>
    public required string Key { get; init; }

    /// <summary>When the change was made (UTC, millisecond precision).</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>Who made it: the console user, or for an external change what is known of the author.</summary>
    public required string Actor { get; init; }

    public RevisionSource Source { get; init; }

    /// <summary>The managedFields manager of an external change (e.g. <c>kubectl-client-side-apply</c>).</summary>
    public string? Manager { get; init; }

    /// <summary>Why, as typed at apply.</summary>
    public string? Reason { get; init; }

    public RevisionAction Action { get; init; }

    /// <summary>The id of the revision this one replaced; null for the first one recorded.</summary>
    public string? Replaces { get; init; }

    /// <summary>The effective split of this revision (empty for a deletion).</summary>
    public TrafficSplit Split { get; init; } = TrafficSplit.Empty;

    /// <summary>How the service was routed in this revision.</summary>
    public RoutingKind Kind { get; init; }

    /// <summary>The stable-version annotation at that time, if any.</summary>
    public string? StableVersion { get; init; }

    /// <summary>The routing resources of the service as this revision left them.</summary>
    public RevisionSnapshot Snapshot { get; init; } = RevisionSnapshot.Empty;

    /// <summary>True when the revision deleted the routing.</summary>
    public bool IsDeletion => Key.StartsWith(RoutingState.NoRevision + "@", StringComparison.Ordinal);

    /// <summary>True when traffic was split over more than one version, mirrored, or routed by rules in this revision.</summary>
    public bool IsInFlight => Kind == RoutingKind.Rules || Split.Mirror is not null || Split.Weights.Count(static w => w.Weight > 0) > 1;

    /// <summary>The version that held all traffic in this revision, or null.</summary>
    public string? SoleVersion => Kind is RoutingKind.Split && Split.Mirror is null && Split.Weights.Count(static w => w.Weight > 0) == 1
        ? Split.Weights.First(static w => w.Weight > 0).Version
        : null;

    /// <summary>The weights in one line, for people (<c>v1 30 · v2 70</c>).</summary>
    public string DescribeSplit() => Split.IsEmpty
        ? Kind == RoutingKind.None ? "no routing" : Kind.ToString().ToLowerInvariant()
        : string.Join(" · ", Split.Weights.Select(static w => string.Create(CultureInfo.InvariantCulture, $"{w.Version} {w.Weight}")));

    /// <summary>Revisions ordered oldest first (time, then id, so the order is the same in every replica).</summary>
    public static ImmutableArray<RoutingRevision> Order(IEnumerable<RoutingRevision> revisions) =>
        [.. revisions.OrderBy(static r => r.At).ThenBy(static r => r.Id, StringComparer.Ordinal)];
}
