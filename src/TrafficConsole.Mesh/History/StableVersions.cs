using System.Collections.Immutable;
using System.Globalization;

using k8s;
using k8s.Models;

using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Services;

namespace TrafficConsole.Mesh.History;

/// <summary>How the stable version was chosen.</summary>
public enum StableSource
{
    /// <summary>Marked by an operator (<see cref="StableVersions.Annotation"/>), with <c>Mark as stable</c> or by hand.</summary>
    Marked,

    /// <summary>Marked by an operator's <c>Promote</c>: all traffic to it and marked stable in one step.</summary>
    Promoted,

    /// <summary>Nothing marked: the version that held all traffic in the first revision the history holds.</summary>
    FirstSeen,

    /// <summary>The oldest version (its workloads were created first).</summary>
    Oldest,

    /// <summary>The service has no version to call stable.</summary>
    None,
}

/// <summary>The stable version of a service and why that one.</summary>
/// <param name="Version">The version; null when <paramref name="Source"/> is None.</param>
/// <param name="Source">How it was chosen.</param>
/// <param name="Explanation">A few words for people ("marked by alice on 2026-12-01 09:00 UTC").</param>
/// <param name="RevisionId">The revision that made it stable (the mark, the promotion, the first one seen), if recorded.</param>
/// <param name="By">Who marked or promoted it, if recorded.</param>
/// <param name="At">When it was marked, promoted or first seen, if recorded.</param>
public sealed record StableChoice(string? Version, StableSource Source, string Explanation, string? RevisionId = null, string? By = null, DateTimeOffset? At = null);

/// <summary>
/// Chooses the version "All traffic to stable" sends everything to. Only an operator's act moves it (a mark, a
/// promotion); without one it is what the history saw first, so a moment at 100% on a canary never makes it stable.
/// </summary>
public static class StableVersions
{
    /// <summary>The annotation on the VirtualService (or HTTPRoute) naming the stable version.</summary>
    public const string Annotation = "trafficconsole.io/stable-version";

    /// <summary>
    /// The marked version when it names an existing version (who marked or promoted it from the history); else the
    /// version that held all traffic in the first revision the history holds; else the oldest version.
    /// </summary>
    /// <param name="view">The service now.</param>
    /// <param name="history">Its recorded revisions, oldest first.</param>
    public static StableChoice Resolve(ServiceView view, IReadOnlyList<RoutingRevision> history)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(history);
        if (MarkedOf(view) is { } marked && Exists(view, marked))
        {
            return MarkOf(marked, history);
        }

        if (history.Count > 0 && history[0] is { IsDeletion: false, SoleVersion: { } first } seen && Exists(view, first))
        {
            return new StableChoice(first, StableSource.FirstSeen, $"first seen at 100% on {When(seen.At)}", seen.Id, At: seen.At);
        }

        ServiceVersion? oldest = view.Versions
            .Where(static v => v.IsVersioned)
            .OrderBy(static v => v.CreatedAt ?? DateTimeOffset.MaxValue)
            .ThenBy(static v => v.Name, StringComparer.Ordinal)
            .FirstOrDefault();
        return oldest is null
            ? new StableChoice(null, StableSource.None, $"{view.Name} has no labelled version to call stable")
            : new StableChoice(oldest.Name, StableSource.Oldest, "oldest version");
    }

    // The revision that set the mark now in place: the oldest of the newest run of revisions carrying it.
    private static StableChoice MarkOf(string marked, IReadOnlyList<RoutingRevision> history)
    {
        RoutingRevision? setBy = null;
        for (int i = history.Count - 1; i >= 0 && string.Equals(history[i].StableVersion, marked, StringComparison.Ordinal); i--)
        {
            setBy = history[i];
        }

        // A mark older than the oldest revision kept (the rest were pruned): who set it is not known.
        if (setBy is null || (ReferenceEquals(setBy, history[0]) && setBy.Replaces is not null))
        {
            return new StableChoice(marked, StableSource.Marked, "marked as stable");
        }

        bool promoted = setBy.Action == RevisionAction.Promote;
        string by = setBy.Actor;
        return new StableChoice(
            marked,
            promoted ? StableSource.Promoted : StableSource.Marked,
            $"{(promoted ? "promoted" : "marked")} by {by} on {When(setBy.At)}",
            setBy.Id,
            by,
            setBy.At);
    }

    private static string When(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>The value of the stable annotation on the resource that holds the routes, or null.</summary>
    public static string? MarkedOf(ServiceView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        return RoutingResourceOf(view)?.Metadata?.Annotations is { } annotations
            && annotations.TryGetValue(Annotation, out string? value) && !string.IsNullOrWhiteSpace(value)
            ? value
            : null;
    }

    /// <summary>The resource whose routes the routing state was read from: the HTTPRoute, else the VirtualService.</summary>
    public static IKubernetesObject<V1ObjectMeta>? RoutingResourceOf(ServiceView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        if (view.Routing.HttpRouteName is { } route)
        {
            return view.HttpRoutes.FirstOrDefault(r => string.Equals($"{r.Namespace}/{r.Name}", route, StringComparison.Ordinal));
        }

        return view.Routing.VirtualServiceName is { } name
            ? view.VirtualServices.FirstOrDefault(v => string.Equals($"{v.Namespace}/{v.Name}", name, StringComparison.Ordinal))
            : view.VirtualServices.FirstOrDefault();
    }

    private static bool Exists(ServiceView view, string version) => view.FindVersion(version) is { IsVersioned: true };
}

/// <summary>Where a rollout in flight stands, according to the history.</summary>
/// <param name="InFlightSince">When traffic last left the stable version (the first of the trailing run of revisions not all on it); null when not in flight or unknown.</param>
/// <param name="Last">The newest recorded revision, if any.</param>
public sealed record RolloutState(DateTimeOffset? InFlightSince, RoutingRevision? Last);

/// <summary>Which services have a rollout in flight, and since when.</summary>
public static class Rollouts
{
    /// <summary>True when traffic is split over more than one version, routed by rules to more than one, or mirrored.</summary>
    public static bool IsInFlight(ServiceView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        RoutingState routing = view.Routing;
        if (routing.Kind is RoutingKind.None)
        {
            return false;
        }

        if (routing.Mirror is not null || routing.EffectiveSplit.Weights.Count(static w => w.Weight > 0) > 1)
        {
            return true;
        }

        return routing.Kind == RoutingKind.Rules
            && routing.Rules.SelectMany(static r => r.Destinations).Where(static d => d.Weight > 0).Select(static d => d.Version).Distinct(StringComparer.Ordinal).Count() > 1;
    }

    /// <summary>
    /// True when the service's routing does not send all traffic to its stable version: in flight as above, or all
    /// of it on another version (a canary at 100% that nobody promoted). Such a service belongs in the rollouts overview.
    /// </summary>
    /// <param name="view">The service now.</param>
    /// <param name="stable">Its stable version (<see cref="StableVersions.Resolve"/>).</param>
    public static bool IsOffStable(ServiceView view, StableChoice stable)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(stable);
        if (IsInFlight(view))
        {
            return true;
        }

        return view.Routing.Kind is not RoutingKind.None && stable.Version is { } version && AllOn(view) is { } sole
            && !string.Equals(sole, version, StringComparison.Ordinal);
    }

    /// <summary>Since when traffic is off the stable version (the oldest revision of the trailing run not all on it) and the last revision.</summary>
    /// <param name="view">The service now.</param>
    /// <param name="history">Its recorded revisions, oldest first.</param>
    public static RolloutState Describe(ServiceView view, IReadOnlyList<RoutingRevision> history)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(history);
        RoutingRevision? last = history.Count == 0 ? null : history[^1];
        StableChoice stable = StableVersions.Resolve(view, history);
        if (!IsOffStable(view, stable))
        {
            return new RolloutState(null, last);
        }

        bool OffStable(RoutingRevision r) => !r.IsDeletion && (r.IsInFlight
            || (r.SoleVersion is { } sole && stable.Version is { } version && !string.Equals(sole, version, StringComparison.Ordinal)));
        DateTimeOffset? since = null;
        for (int i = history.Count - 1; i >= 0 && OffStable(history[i]); i--)
        {
            since = history[i].At;
        }

        return new RolloutState(since, last);
    }

    // The one version that gets all traffic now, or null.
    private static string? AllOn(ServiceView view)
    {
        RoutingState routing = view.Routing;
        IEnumerable<string> versions = routing.Kind == RoutingKind.Rules
            ? routing.Rules.SelectMany(static r => r.Destinations).Where(static d => d.Weight > 0).Select(static d => d.Version)
            : routing.EffectiveSplit.Weights.Where(static w => w.Weight > 0).Select(static w => w.Version);
        string[] distinct = [.. versions.Distinct(StringComparer.Ordinal).Take(2)];
        return distinct.Length == 1 && routing.Mirror is null ? distinct[0] : null;
    }

    /// <summary>The labelled versions of the service, in order: what a rollback to stable writes weights for.</summary>
    public static ImmutableArray<string> VersionsOf(ServiceView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        return [.. view.Versions.Where(static v => v.IsVersioned).Select(static v => v.Name)];
    }
}
