using System.Collections.Immutable;

using k8s;
using k8s.Models;

using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Services;

namespace TrafficConsole.Mesh.History;

/// <summary>How the stable version was chosen.</summary>
public enum StableSource
{
    /// <summary>Marked by an operator (<see cref="StableVersions.Annotation"/>).</summary>
    Marked,

    /// <summary>The version that held 100% before the current rollout began, according to the history.</summary>
    History,

    /// <summary>The oldest version (its workloads were created first).</summary>
    Oldest,

    /// <summary>The service has no version to call stable.</summary>
    None,
}

/// <summary>The stable version of a service and why that one.</summary>
/// <param name="Version">The version; null when <paramref name="Source"/> is None.</param>
/// <param name="Source">How it was chosen.</param>
/// <param name="Explanation">One sentence for people.</param>
/// <param name="RevisionId">For <see cref="StableSource.History"/>, the revision in which it held all traffic.</param>
public sealed record StableChoice(string? Version, StableSource Source, string Explanation, string? RevisionId = null);

/// <summary>Chooses the version "All traffic to stable" sends everything to.</summary>
public static class StableVersions
{
    /// <summary>The annotation on the VirtualService (or HTTPRoute) naming the stable version.</summary>
    public const string Annotation = "trafficconsole.io/stable-version";

    /// <summary>
    /// The marked version when it names an existing version; else the version that held 100% in the last revision
    /// before the current run of split/rule-routed revisions; else the oldest version.
    /// </summary>
    /// <param name="view">The service now.</param>
    /// <param name="history">Its recorded revisions, oldest first.</param>
    public static StableChoice Resolve(ServiceView view, IReadOnlyList<RoutingRevision> history)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(history);
        if (MarkedOf(view) is { } marked)
        {
            if (Exists(view, marked))
            {
                return new StableChoice(marked, StableSource.Marked, $"{marked} is marked as the stable version.");
            }
        }

        for (int i = history.Count - 1; i >= 0; i--)
        {
            RoutingRevision revision = history[i];
            if (revision.IsInFlight || revision.IsDeletion)
            {
                continue;
            }

            if (revision.SoleVersion is { } sole && Exists(view, sole))
            {
                return new StableChoice(sole, StableSource.History,
                    $"{sole} held 100% before the rollout began (revision {revision.Id}, {revision.At:yyyy-MM-dd HH:mm} UTC, by {revision.Actor}).", revision.Id);
            }

            break;
        }

        ServiceVersion? oldest = view.Versions
            .Where(static v => v.IsVersioned)
            .OrderBy(static v => v.CreatedAt ?? DateTimeOffset.MaxValue)
            .ThenBy(static v => v.Name, StringComparer.Ordinal)
            .FirstOrDefault();
        return oldest is null
            ? new StableChoice(null, StableSource.None, $"{view.Name} has no labelled version to call stable.")
            : new StableChoice(oldest.Name, StableSource.Oldest, $"{oldest.Name} is the oldest version (no version is marked stable and the history does not show one holding 100%).");
    }

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
/// <param name="InFlightSince">When the current run of split/rule-routed revisions began; null when not in flight or unknown.</param>
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

    /// <summary>Since when the rollout is in flight (the oldest revision of the trailing in-flight run) and the last revision.</summary>
    /// <param name="view">The service now.</param>
    /// <param name="history">Its recorded revisions, oldest first.</param>
    public static RolloutState Describe(ServiceView view, IReadOnlyList<RoutingRevision> history)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(history);
        RoutingRevision? last = history.Count == 0 ? null : history[^1];
        if (!IsInFlight(view))
        {
            return new RolloutState(null, last);
        }

        DateTimeOffset? since = null;
        for (int i = history.Count - 1; i >= 0 && history[i].IsInFlight; i--)
        {
            since = history[i].At;
        }

        return new RolloutState(since, last);
    }

    /// <summary>The labelled versions of the service, in order: what a rollback to stable writes weights for.</summary>
    public static ImmutableArray<string> VersionsOf(ServiceView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        return [.. view.Versions.Where(static v => v.IsVersioned).Select(static v => v.Name)];
    }
}
