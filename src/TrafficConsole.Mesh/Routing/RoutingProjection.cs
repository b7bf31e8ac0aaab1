using System.Globalization;
using System.Text.Json;

using TrafficConsole.Mesh.Services;

namespace TrafficConsole.Mesh.Routing;

/// <summary>
/// The routing as the weight sliders, the service lists and the overview show it: a read-only projection of the one
/// editable model, the <see cref="RoutingIntent"/> that <see cref="RoutingIntentReader"/> read. The sliders edit the
/// intent's default route (<see cref="RoutingIntent.WithDefaultSplit"/>), so they and the rule editor agree on what can
/// be edited by construction: the sliders can edit whenever the intent can and its default route is not read-only.
/// </summary>
public static class RoutingProjection
{
    /// <summary>Why the weight sliders cannot edit the default route of <paramref name="reading"/>, or null when they can.</summary>
    public static string? SlidersProblem(RoutingIntentReading reading)
    {
        ArgumentNullException.ThrowIfNull(reading);
        return reading.Intent is { } intent ? SlidersProblem(intent) : reading.Problem ?? "The routing of this service cannot be edited.";
    }

    /// <summary>Why the weight sliders cannot edit the default route of <paramref name="intent"/> (an editable intent), or null when they can.</summary>
    public static string? SlidersProblem(RoutingIntent intent)
    {
        ArgumentNullException.ThrowIfNull(intent);
        if (intent.DefaultRoute?.ReadOnlyReason is { } reason)
        {
            return "The default route (the rule without conditions) cannot be edited with the sliders: " + reason;
        }

        int shadowing = intent.Rules.IsDefault ? -1 : intent.Rules.IndexOf(intent.Rules.FirstOrDefault(static r => r.IsCatchAll)!);
        return shadowing >= 0
            ? string.Create(CultureInfo.InvariantCulture, $"Rule {shadowing + 1} matches every request, so the default route after it never receives traffic; reorder or remove that rule in the rule editor first.")
            : null;
    }

    /// <summary>
    /// The routing state of a service: <paramref name="facts"/> (revision, subsets, names, rule summaries, read from the
    /// resources) completed with what the intent says the sliders show: the kind, the effective split, the mirror.
    /// </summary>
    /// <param name="facts">What the resources say, with <see cref="RoutingKind.None"/> when nothing routes the service's sidecar traffic.</param>
    /// <param name="reading">The intent read from the same resources.</param>
    /// <param name="versions">The service's versions, in order: the effective split names each of them.</param>
    public static RoutingState Project(RoutingState facts, RoutingIntentReading reading, IReadOnlyList<ServiceVersion> versions)
    {
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(reading);
        ArgumentNullException.ThrowIfNull(versions);
        if (facts.Kind == RoutingKind.None)
        {
            return facts;
        }

        if (SlidersProblem(reading) is { } problem)
        {
            return facts with { Kind = RoutingKind.ReadOnly, ReadOnlyReason = problem, Mirror = null, EffectiveSplit = TrafficSplit.Empty };
        }

        RoutingIntent intent = reading.Intent!;
        RouteRule? defaultRoute = intent.DefaultRoute;
        TrafficSplit destinations = defaultRoute?.Destinations ?? TrafficSplit.Empty;
        int[] percents = destinations.IsEmpty ? [] : RoutingFacts.EffectivePercents([.. destinations.Weights.Select(static w => (int?)w.Weight)]);
        var byVersion = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < destinations.Weights.Length; i++)
        {
            byVersion[destinations.Weights[i].Version] = byVersion.GetValueOrDefault(destinations.Weights[i].Version) + percents[i];
        }

        return facts with
        {
            Kind = intent.Rules.IsDefaultOrEmpty ? RoutingKind.Split : RoutingKind.Rules,
            EffectiveSplit = new TrafficSplit([.. versions.Select(v => new VersionWeight(v.Name, byVersion.GetValueOrDefault(v.Name)))], destinations.Mirror),
            Mirror = destinations.Mirror,
            OtherMirror = defaultRoute is null ? null : OtherMirrorOf(defaultRoute),
        };
    }

    /// <summary>Describes a mirror of the default route that is not one of the service's versions (another host, the whole service, <c>mirrors</c>).</summary>
    private static string? OtherMirrorOf(RouteRule rule)
    {
        MirrorTarget? ours = rule.Destinations.Mirror;
        if (rule.GatewayApiOrigin is { } gatewayApi)
        {
            return ours is null && (gatewayApi.Filters ?? []).Any(static f => f.Type == "RequestMirror") ? "a RequestMirror filter the sliders do not manage" : null;
        }

        if (rule.Origin is not { } origin)
        {
            return null;
        }

        if (origin.Extra is not null && origin.Extra.TryGetValue("mirrors", out JsonElement mirrors) && mirrors.ValueKind == JsonValueKind.Array && mirrors.GetArrayLength() > 0)
        {
            return $"{mirrors.GetArrayLength().ToString(CultureInfo.InvariantCulture)} mirror(s) in 'mirrors'";
        }

        if (ours is null && origin.Mirror is { } mirror)
        {
            string target = mirror.Subset is null ? mirror.Host ?? "(no host)" : $"{mirror.Host}/{mirror.Subset}";
            return $"{target} ({RoutingFacts.MirrorPercentOf(origin).ToString(CultureInfo.InvariantCulture)}%)";
        }

        return null;
    }
}
