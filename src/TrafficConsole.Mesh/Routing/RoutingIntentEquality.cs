using System.Collections.Immutable;

namespace TrafficConsole.Mesh.Routing;

/// <summary>
/// Structural equality of routing intents and their parts, ignoring <c>Origin</c>: what the user edited, not where it came from.
/// The editor uses it to tell a draft from what is live; the planner to keep an unedited part exactly as read.
/// </summary>
public static class RoutingIntentEquality
{
    /// <summary>True when both intents route the same way (rules, default route, hosts, gateways, policies); a missing version policy and an empty one are the same.</summary>
    public static bool Same(RoutingIntent? a, RoutingIntent? b)
    {
        if (a is null || b is null)
        {
            return a is null && b is null;
        }

        return Seq(a.Rules).Length == Seq(b.Rules).Length
            && Seq(a.Rules).Zip(Seq(b.Rules)).All(static p => Same(p.First, p.Second))
            && Same(a.DefaultRoute, b.DefaultRoute)
            && Seq(a.ExtraHosts).SequenceEqual(Seq(b.ExtraHosts), StringComparer.Ordinal)
            && Seq(a.Gateways).SequenceEqual(Seq(b.Gateways), StringComparer.Ordinal)
            && a.IncludeMesh == b.IncludeMesh
            && SamePolicy(a.Policy, b.Policy)
            && a.VersionPolicies.Keys.Union(b.VersionPolicies.Keys, StringComparer.Ordinal)
                .All(v => SamePolicy(a.VersionPolicies.GetValueOrDefault(v), b.VersionPolicies.GetValueOrDefault(v)));
    }

    /// <summary>True when both rules match, route and behave the same.</summary>
    public static bool Same(RouteRule? a, RouteRule? b)
    {
        if (a is null || b is null)
        {
            return a is null && b is null;
        }

        return string.Equals(a.Name, b.Name, StringComparison.Ordinal)
            && SameMatches(a.Matches, b.Matches)
            && Equals(a.Destinations, b.Destinations)
            && SameFault(a.Fault, b.Fault)
            && string.Equals(a.Timeout, b.Timeout, StringComparison.Ordinal)
            && SameRetries(a.Retries, b.Retries)
            && SameRewrite(a.RequestHeaders, b.RequestHeaders)
            && SameRewrite(a.ResponseHeaders, b.ResponseHeaders)
            && string.Equals(a.ReadOnlyReason, b.ReadOnlyReason, StringComparison.Ordinal);
    }

    /// <summary>True when both lists hold the same alternatives in the same order.</summary>
    public static bool SameMatches(ImmutableArray<RequestMatch> a, ImmutableArray<RequestMatch> b) =>
        Seq(a).Length == Seq(b).Length && Seq(a).Zip(Seq(b)).All(static p => SameMatch(p.First, p.Second));

    /// <summary>True when both alternatives have the same name and conditions in the same order.</summary>
    public static bool SameMatch(RequestMatch a, RequestMatch b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return string.Equals(a.Name, b.Name, StringComparison.Ordinal) && Seq(a.Conditions).SequenceEqual(Seq(b.Conditions));
    }

    public static bool SameFault(FaultInjection? a, FaultInjection? b) =>
        (a is null || b is null) ? a is null && b is null : Equals(a.Delay, b.Delay) && Equals(a.Abort, b.Abort);

    public static bool SameRetries(RetryPolicy? a, RetryPolicy? b) =>
        (a is null || b is null) ? a is null && b is null : (a with { Origin = null }) == (b with { Origin = null });

    /// <summary>True when both rewrite the same headers; no rewrite and an empty one are the same.</summary>
    public static bool SameRewrite(HeaderRewrite? a, HeaderRewrite? b)
    {
        HeaderRewrite left = a ?? new HeaderRewrite();
        HeaderRewrite right = b ?? new HeaderRewrite();
        return SameMap(left.Set, right.Set) && SameMap(left.Add, right.Add) && Seq(left.Remove).SequenceEqual(Seq(right.Remove), StringComparer.Ordinal);
    }

    /// <summary>True when both policies set the same modelled fields; no policy and an empty one are the same.</summary>
    public static bool SamePolicy(TrafficPolicyIntent? a, TrafficPolicyIntent? b) =>
        ((a ?? Empty) with { Origin = null }) == ((b ?? Empty) with { Origin = null });

    private static readonly TrafficPolicyIntent Empty = new();

    private static bool SameMap(ImmutableDictionary<string, string>? a, ImmutableDictionary<string, string>? b)
    {
        ImmutableDictionary<string, string> left = a ?? ImmutableDictionary<string, string>.Empty;
        ImmutableDictionary<string, string> right = b ?? ImmutableDictionary<string, string>.Empty;
        return left.Count == right.Count
            && left.All(p => right.TryGetValue(p.Key, out string? value) && string.Equals(value, p.Value, StringComparison.Ordinal));
    }

    private static ImmutableArray<T> Seq<T>(ImmutableArray<T> items) => items.IsDefault ? [] : items;
}
