using System.Collections.Immutable;

using TrafficConsole.Mesh.Resources;

namespace TrafficConsole.Mesh.Routing;

/// <summary>
/// The whole editable routing of one service, in the user's words: ordered request-routing rules, the
/// default route, the hosts and gateways the VirtualService binds to, and the traffic policy of its
/// DestinationRule. The rule editor edits it; <c>RoutingIntentReader</c> reads it from the cluster's
/// resources and <c>RoutingIntentPlanner</c> merges it back over them.
/// </summary>
/// <remarks>
/// Every part that came from a resource carries that resource's part as <c>Origin</c>, so whatever
/// the intent does not model (CORS policy, redirects, port matches, extension fields) is written back
/// exactly as it was read, in its place.
/// </remarks>
public sealed record RoutingIntent
{
    /// <summary>The rules tried before the default route, in order; the first that matches wins.</summary>
    public ImmutableArray<RouteRule> Rules { get; init; } = [];

    /// <summary>The route for requests no rule matched; null means such requests get no route (404).</summary>
    public RouteRule? DefaultRoute { get; init; }

    /// <summary>Hosts of the VirtualService besides the service's own host (kept as written).</summary>
    public ImmutableArray<string> ExtraHosts { get; init; } = [];

    /// <summary>Gateways the VirtualService is attached to (<c>namespace/name</c>), without <c>mesh</c>.</summary>
    public ImmutableArray<string> Gateways { get; init; } = [];

    /// <summary>Whether the routing applies to sidecars in the mesh (the implicit <c>mesh</c> gateway).</summary>
    public bool IncludeMesh { get; init; } = true;

    /// <summary>The service-wide traffic policy of the DestinationRule, or null for none.</summary>
    public TrafficPolicyIntent? Policy { get; init; }

    /// <summary>Per-version traffic policies (the subset's <c>trafficPolicy</c>), by version name.</summary>
    public ImmutableDictionary<string, TrafficPolicyIntent> VersionPolicies { get; init; } =
        ImmutableDictionary<string, TrafficPolicyIntent>.Empty.WithComparers(StringComparer.Ordinal);

    /// <summary>All rules in the order Istio tries them: <see cref="Rules"/>, then <see cref="DefaultRoute"/>.</summary>
    public IEnumerable<RouteRule> AllRules => DefaultRoute is null ? Rules : Rules.Append(DefaultRoute);

    /// <summary>
    /// The same routing with the default route's weights and mirror replaced by <paramref name="split"/>: what the weight
    /// sliders (and the REST <c>traffic</c> view) edit. Everything else of the default route (its options, its origin) and
    /// every rule stay as they are; a routing without a default route gets one.
    /// </summary>
    /// <remarks>
    /// The sliders list every version; the route does not have to. Versions the route in the cluster already lists keep their
    /// place (at 0 too, so a version parked at 0 stays visible in the YAML); the others join at the end only when they get
    /// traffic. A version the split leaves out gets 0.
    /// </remarks>
    public RoutingIntent WithDefaultSplit(TrafficSplit split)
    {
        ArgumentNullException.ThrowIfNull(split);
        // A route to the whole service (no subset) reads as the replicas' split, but lists no version.
        bool listsVersions = DefaultRoute switch
        {
            { Origin.Route: { } destinations } => destinations.All(static d => d.Destination?.Subset is not null),
            { GatewayApiOrigin: not null } => true,
            _ => false,
        };
        TrafficSplit listed = listsVersions ? DefaultRoute!.Destinations : TrafficSplit.Empty;
        ImmutableArray<VersionWeight> weights =
        [
            .. listed.Weights.Select(w => w with { Weight = split.WeightOf(w.Version) }),
            .. split.Weights.Where(w => w.Weight > 0 && !listed.Contains(w.Version)),
        ];
        return this with { DefaultRoute = (DefaultRoute ?? new RouteRule()) with { Destinations = new TrafficSplit(weights, split.Mirror) } };
    }
}

/// <summary>One http route: request matches (any of them), where matched requests go, and per-rule options.</summary>
public sealed record RouteRule
{
    /// <summary>The route name (<c>spec.http[].name</c>), optional.</summary>
    public string? Name { get; init; }

    /// <summary>Alternatives (ORed); each is a set of ANDed conditions. Empty: every request matches.</summary>
    public ImmutableArray<RequestMatch> Matches { get; init; } = [];

    /// <summary>Weights over the service's versions (relative, like Istio's) and an optional mirror.</summary>
    public TrafficSplit Destinations { get; init; } = TrafficSplit.Empty;

    /// <summary>Fault injection (delay and/or abort), or null.</summary>
    public FaultInjection? Fault { get; init; }

    /// <summary>Request timeout as a protobuf duration (<c>2s</c>, <c>500ms</c>), or null.</summary>
    public string? Timeout { get; init; }

    /// <summary>Retry policy, or null.</summary>
    public RetryPolicy? Retries { get; init; }

    /// <summary>Header operations on requests (before forwarding), or null.</summary>
    public HeaderRewrite? RequestHeaders { get; init; }

    /// <summary>Header operations on responses, or null.</summary>
    public HeaderRewrite? ResponseHeaders { get; init; }

    /// <summary>
    /// Set when the editor cannot represent this rule faithfully (it redirects, delegates, answers directly,
    /// or routes to other hosts): it is shown read-only and written back untouched, though it may be moved or deleted.
    /// </summary>
    public string? ReadOnlyReason { get; init; }

    /// <summary>The route as read from the cluster, or null for a rule made in the editor.</summary>
    public HttpRouteRule? Origin { get; init; }

    /// <summary>
    /// The rule as read from a Gateway API HTTPRoute (see <see cref="HttpRouteReader"/>), so filters, timeouts and
    /// fields the editor does not model survive; null for a rule made in the editor or read from a VirtualService.
    /// </summary>
    public HttpRouteRuleSpec? GatewayApiOrigin { get; init; }

    /// <summary>True when the rule matches every request.</summary>
    public bool IsCatchAll => Matches.IsDefaultOrEmpty || Matches.Any(static m => m.Conditions.IsDefaultOrEmpty && m.Origin?.IsEmpty != false);
}

/// <summary>One alternative of a rule's matches: every condition must hold (AND).</summary>
public sealed record RequestMatch
{
    /// <summary>The match name (<c>match[].name</c>), optional.</summary>
    public string? Name { get; init; }

    public ImmutableArray<MatchCondition> Conditions { get; init; } = [];

    /// <summary>The match as read, so conditions the editor does not model (port, gateways, sourceNamespace, ignoreUriCase) survive.</summary>
    public HttpMatchRequest? Origin { get; init; }

    /// <summary>The match as read from a Gateway API HTTPRoute rule, so its spelling and extension fields survive.</summary>
    public HttpRouteMatch? GatewayApiOrigin { get; init; }
}

/// <summary>What part of a request a condition looks at.</summary>
public enum MatchField
{
    /// <summary>The path (with query string stripped), <c>match.uri</c>.</summary>
    Uri,

    /// <summary><c>match.method</c>.</summary>
    Method,

    /// <summary>The Host / :authority, <c>match.authority</c>.</summary>
    Authority,

    /// <summary><c>match.scheme</c>.</summary>
    Scheme,

    /// <summary>A request header named by <see cref="MatchCondition.Key"/>, <c>match.headers</c> (or <c>withoutHeaders</c> when negated).</summary>
    Header,

    /// <summary>A query parameter named by <see cref="MatchCondition.Key"/>, <c>match.queryParams</c>.</summary>
    QueryParam,

    /// <summary>A label of the calling workload, <c>match.sourceLabels</c> (exact only).</summary>
    SourceLabel,
}

/// <summary>How a condition compares.</summary>
public enum MatchOperator
{
    Exact,
    Prefix,
    Regex,

    /// <summary>The header (or query parameter) is present, whatever its value.</summary>
    Present,
}

/// <summary>One condition: <c>Field[Key] Operator Value</c>, or its negation for headers (<c>withoutHeaders</c>).</summary>
/// <param name="Field">What is compared.</param>
/// <param name="Operator">How.</param>
/// <param name="Value">The value (empty for <see cref="MatchOperator.Present"/>).</param>
/// <param name="Key">Header, query parameter or source label name; null for the other fields.</param>
/// <param name="Negated">For headers only: the condition holds when the header does NOT match (absent when Present).</param>
public sealed record MatchCondition(MatchField Field, MatchOperator Operator, string Value, string? Key = null, bool Negated = false);

/// <summary>Fault injection of a rule: a delay, an abort, or both.</summary>
public sealed record FaultInjection(DelayFault? Delay, AbortFault? Abort)
{
    /// <summary>The fault as read, so fields the editor does not model (grpcStatus, exponentialDelay) survive.</summary>
    public HttpFaultInjection? Origin { get; init; }
}

/// <summary>A fixed delay injected into <paramref name="Percent"/> of requests.</summary>
/// <param name="FixedDelay">A protobuf duration such as <c>7s</c>.</param>
/// <param name="Percent">0..100, fractions allowed.</param>
public sealed record DelayFault(string FixedDelay, double Percent);

/// <summary>An HTTP error answered instead of forwarding <paramref name="Percent"/> of requests.</summary>
/// <param name="HttpStatus">The status code (e.g. 500).</param>
/// <param name="Percent">0..100, fractions allowed.</param>
public sealed record AbortFault(int HttpStatus, double Percent);

/// <summary>Retries of a rule.</summary>
/// <param name="Attempts">How many retries (0 disables retries).</param>
/// <param name="PerTryTimeout">A protobuf duration, or null.</param>
/// <param name="RetryOn">Envoy retry conditions, comma-separated (<c>5xx,connect-failure</c>), or null.</param>
public sealed record RetryPolicy(int Attempts, string? PerTryTimeout, string? RetryOn)
{
    /// <summary>The retry policy as read (keeps e.g. retryRemoteLocalities).</summary>
    public HttpRetry? Origin { get; init; }
}

/// <summary>Header operations: set (replace), add (append) and remove.</summary>
public sealed record HeaderRewrite
{
    public ImmutableDictionary<string, string> Set { get; init; } = ImmutableDictionary<string, string>.Empty;

    public ImmutableDictionary<string, string> Add { get; init; } = ImmutableDictionary<string, string>.Empty;

    public ImmutableArray<string> Remove { get; init; } = [];

    /// <summary>True when there is no operation.</summary>
    public bool IsEmpty => Set.IsEmpty && Add.IsEmpty && Remove.IsDefaultOrEmpty;
}

/// <summary>The load-balancing algorithms of <c>loadBalancer.simple</c>.</summary>
public enum SimpleLoadBalancer { RoundRobin, LeastRequest, Random, Passthrough }

/// <summary>What a consistent hash (sticky sessions) is keyed on.</summary>
public enum HashKey { HttpHeader, HttpCookie, SourceIp, QueryParameter }

/// <summary>TLS modes of <c>trafficPolicy.tls.mode</c>.</summary>
public enum TlsMode { Disable, Simple, Mutual, IstioMutual }

/// <summary>A traffic policy (service-wide or per version) as the policy editor shows it.</summary>
public sealed record TrafficPolicyIntent
{
    /// <summary>A simple algorithm; null when unset or when <see cref="ConsistentHash"/> is used.</summary>
    public SimpleLoadBalancer? LoadBalancer { get; init; }

    /// <summary>Sticky sessions by consistent hash; null when unset.</summary>
    public ConsistentHashPolicy? ConsistentHash { get; init; }

    public ConnectionPoolPolicy? ConnectionPool { get; init; }

    public OutlierDetectionPolicy? OutlierDetection { get; init; }

    /// <summary>The TLS mode to the upstream; null when unset.</summary>
    public TlsMode? Tls { get; init; }

    /// <summary>The policy as read, so settings the editor does not model (portLevelSettings, locality, TLS certificates) survive.</summary>
    public TrafficPolicy? Origin { get; init; }
}

/// <summary>Consistent-hash load balancing.</summary>
/// <param name="Key">What the hash is keyed on.</param>
/// <param name="Name">The header, cookie or query parameter name; null for source IP.</param>
/// <param name="CookieTtl">Cookie TTL (a duration) when <paramref name="Key"/> is a cookie; Envoy generates the cookie when set.</param>
/// <param name="CookiePath">Cookie path when <paramref name="Key"/> is a cookie.</param>
public sealed record ConsistentHashPolicy(HashKey Key, string? Name = null, string? CookieTtl = null, string? CookiePath = null);

/// <summary>Connection-pool limits (circuit breaking); null fields are unset.</summary>
public sealed record ConnectionPoolPolicy(int? TcpMaxConnections, int? HttpPendingRequests, int? MaxRequestsPerConnection, int? MaxRetries);

/// <summary>Outlier detection (ejecting failing endpoints); null fields are unset.</summary>
public sealed record OutlierDetectionPolicy(int? Consecutive5xxErrors, string? Interval, string? BaseEjectionTime, int? MaxEjectionPercent);
