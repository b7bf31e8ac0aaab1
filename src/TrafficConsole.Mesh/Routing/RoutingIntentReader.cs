using System.Collections.Immutable;

using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Services;

namespace TrafficConsole.Mesh.Routing;

/// <summary>The routing intent of a service, or why its routing cannot be edited at all.</summary>
public sealed record RoutingIntentReading
{
    /// <summary>The editable intent; null when <see cref="Problem"/> says why there is none.</summary>
    public RoutingIntent? Intent { get; init; }

    /// <summary>Why the routing cannot be edited (several VirtualServices route the host, ...); null when <see cref="Intent"/> is set.</summary>
    public string? Problem { get; init; }

    /// <summary>The VirtualService (<c>namespace/name</c>) the intent was read from; null when none exists yet (apply creates one).</summary>
    public string? VirtualServiceName { get; init; }

    /// <summary>The DestinationRule (<c>namespace/name</c>) the policies and subsets were read from; null when none exists yet.</summary>
    public string? DestinationRuleName { get; init; }

    /// <summary>The revision the intent was read at (<see cref="RoutingState.Revision"/>), for optimistic concurrency.</summary>
    public string Revision { get; init; } = RoutingState.NoRevision;

    /// <summary>True when <see cref="Intent"/> is set.</summary>
    public bool IsEditable => Intent is not null;
}

/// <summary>Reads the whole editable routing of a service (<see cref="RoutingIntent"/>) from its VirtualService and DestinationRule.</summary>
/// <remarks>
/// Every http route becomes a <see cref="RouteRule"/> in order; the last one becomes <see cref="RoutingIntent.DefaultRoute"/>
/// when it is a catch-all. A route the editor cannot represent faithfully (redirect, direct response, delegate,
/// destinations on other hosts or subsets that select no single version) is kept with a <see cref="RouteRule.ReadOnlyReason"/>.
/// When no VirtualService routes the service, the intent has no rules and a default route with the split the
/// replica counts imply (what the mesh does today without routing), so the editor starts from the live behaviour;
/// a service without workloads gets no default route.
/// </remarks>
public static class RoutingIntentReader
{
    /// <summary>The routing intent of the service of <paramref name="view"/>: the one <see cref="ServiceViewBuilder"/> read with the view.</summary>
    public static RoutingIntentReading Read(ServiceView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        return view.Intent ?? ReadResources(view);
    }

    /// <summary>Reads the routing intent from the resources of <paramref name="view"/> (its <see cref="RoutingState"/> facts: revision, subsets, names).</summary>
    public static RoutingIntentReading ReadResources(ServiceView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        string revision = view.Routing.Revision;
        if (HttpRouteReader.ReadAttached(view) is { } attached)
        {
            // A Gateway API HTTPRoute attached to the service owns its routing: the same editor edits it.
            return attached;
        }

        VirtualService[] meshRouting = [.. view.VirtualServices.Where(static vs => RoutingFacts.AppliesToMesh(vs) && vs.Spec?.Http is { Count: > 0 })];
        if (meshRouting.Length > 1)
        {
            string names = string.Join(", ", meshRouting.Select(static vs => $"{vs.Namespace}/{vs.Name}"));
            return new() { Revision = revision, Problem = $"{meshRouting.Length} VirtualServices route this host ({names}); Istio applies only one of them, so merge them first." };
        }

        DestinationRule[] subsetRules = [.. view.DestinationRules.Where(static dr => dr.Spec?.Subsets is { Count: > 0 })];
        if (subsetRules.Length > 1)
        {
            string names = string.Join(", ", subsetRules.Select(static dr => $"{dr.Namespace}/{dr.Name}"));
            return new() { Revision = revision, Problem = $"Several DestinationRules define subsets for this host ({names}); merge them so subset names have one meaning." };
        }

        VirtualService? vs = FindVirtualService(view);
        DestinationRule? dr = RoutingResources.FindDestinationRule(view);
        var context = IntentContext.For(view, vs);
        RoutingIntent intent = vs is null ? Unrouted(view) : ReadVirtualService(vs, context);
        intent = ReadDestinationRule(intent, dr, context);
        return new()
        {
            Intent = intent,
            Revision = revision,
            VirtualServiceName = vs is null ? null : $"{vs.Namespace}/{vs.Name}",
            DestinationRuleName = dr is null ? null : $"{dr.Namespace}/{dr.Name}",
        };
    }

    /// <summary>
    /// The VirtualService the intent edits: the one routing the host for the mesh; else one of the service's namespace
    /// with http routes (e.g. attached to gateways only), preferring the service's name; else the slider path's choice.
    /// </summary>
    internal static VirtualService? FindVirtualService(ServiceView view)
    {
        if (view.Routing.VirtualServiceName is { } name
            && view.VirtualServices.FirstOrDefault(vs => string.Equals($"{vs.Namespace}/{vs.Name}", name, StringComparison.Ordinal)) is { } routing)
        {
            return routing;
        }

        VirtualService[] withHttp = [.. view.VirtualServices.Where(vs => string.Equals(vs.Namespace, view.Namespace, StringComparison.Ordinal) && vs.Spec?.Http is { Count: > 0 })];
        return withHttp.FirstOrDefault(vs => string.Equals(vs.Name, view.Name, StringComparison.Ordinal))
            ?? withHttp.FirstOrDefault()
            ?? RoutingResources.FindVirtualService(view);
    }

    private static RoutingIntent Unrouted(ServiceView view)
    {
        TrafficSplit implied = view.Routing.ImpliedByReplicas;
        return new RoutingIntent { DefaultRoute = implied.IsEmpty ? null : new RouteRule { Destinations = implied } };
    }

    private static RoutingIntent ReadVirtualService(VirtualService vs, IntentContext context)
    {
        IReadOnlyList<HttpRouteRule> http = vs.Spec?.Http ?? [];
        ImmutableArray<RouteRule> rules = [.. http.Select(rule => ReadRule(rule, context))];
        RouteRule? defaultRoute = null;
        if (rules.Length > 0 && http[^1].IsCatchAll)
        {
            defaultRoute = rules[^1];
            rules = rules.RemoveAt(rules.Length - 1);
        }

        (ImmutableArray<string> extraHosts, ImmutableArray<string> gateways, bool includeMesh) = ReadBinding(vs.Spec, context);
        return new RoutingIntent
        {
            Rules = rules,
            DefaultRoute = defaultRoute,
            ExtraHosts = extraHosts,
            Gateways = gateways,
            IncludeMesh = includeMesh,
        };
    }

    internal static (ImmutableArray<string> ExtraHosts, ImmutableArray<string> Gateways, bool IncludeMesh) ReadBinding(VirtualServiceSpec? spec, IntentContext context)
    {
        ImmutableArray<string> extraHosts = [.. (spec?.Hosts ?? []).Where(h => !context.IsOwnHost(h))];
        IReadOnlyList<string> written = spec?.Gateways ?? [];
        ImmutableArray<string> gateways = [.. written.Where(static g => !string.Equals(g, MeshGateway, StringComparison.Ordinal))];
        bool includeMesh = written.Count == 0 || written.Contains(MeshGateway, StringComparer.Ordinal);
        return (extraHosts, gateways, includeMesh);
    }

    /// <summary>The reserved gateway name of sidecar traffic.</summary>
    internal const string MeshGateway = "mesh";

    private static RoutingIntent ReadDestinationRule(RoutingIntent intent, DestinationRule? dr, IntentContext context)
    {
        if (dr?.Spec is not { } spec)
        {
            return intent;
        }

        ImmutableDictionary<string, TrafficPolicyIntent>.Builder versionPolicies = ImmutableDictionary.CreateBuilder<string, TrafficPolicyIntent>(StringComparer.Ordinal);
        foreach (Subset subset in spec.Subsets ?? [])
        {
            if (subset.Name is { } name && subset.TrafficPolicy is { } policy
                && context.SubsetVersions.TryGetValue(name, out string? version) && !versionPolicies.ContainsKey(version))
            {
                versionPolicies.Add(version, ReadPolicy(policy));
            }
        }

        return intent with
        {
            Policy = spec.TrafficPolicy is null ? null : ReadPolicy(spec.TrafficPolicy),
            VersionPolicies = versionPolicies.ToImmutable(),
        };
    }

    /// <summary>Reads one http route; what the editor cannot represent makes it read-only, never lost.</summary>
    internal static RouteRule ReadRule(HttpRouteRule rule, IntentContext context)
    {
        var problems = new List<string>();
        ImmutableArray<RequestMatch>.Builder matches = ImmutableArray.CreateBuilder<RequestMatch>();
        foreach (HttpMatchRequest match in rule.Match ?? [])
        {
            (RequestMatch read, string? problem) = ReadMatch(match);
            matches.Add(read);
            if (problem is not null)
            {
                problems.Add(problem);
            }
        }

        string? shape = rule switch
        {
            { Redirect: not null } => "It redirects",
            { DirectResponse: not null } => "It answers directly",
            { Delegate: not null } => "It delegates to another VirtualService",
            { Route: null or { Count: 0 } } => "It has no destinations",
            _ => null,
        };
        if (shape is not null)
        {
            problems.Insert(0, shape);
        }

        (TrafficSplit split, string? routeProblem) = shape is null ? ReadDestinations(rule.Route!, context) : (TrafficSplit.Empty, null);
        if (routeProblem is not null)
        {
            problems.Add(routeProblem);
        }

        (MirrorTarget? mirror, string? mirrorProblem) = ReadMirror(rule, context);
        if (mirrorProblem is not null)
        {
            problems.Add(mirrorProblem);
        }

        return new RouteRule
        {
            Name = rule.Name,
            Matches = matches.ToImmutable(),
            Destinations = split with { Mirror = mirror },
            Fault = ReadFault(rule.Fault),
            Timeout = rule.Timeout,
            Retries = ReadRetries(rule.Retries),
            RequestHeaders = ReadHeaders(rule.Headers?.Request),
            ResponseHeaders = ReadHeaders(rule.Headers?.Response),
            ReadOnlyReason = problems.Count == 0 ? null : string.Join("; ", problems) + ". The editor shows it read-only and writes it back unchanged.",
            Origin = rule,
        };
    }

    /// <summary>Reads one match alternative into conditions; the problem says what cannot be represented.</summary>
    internal static (RequestMatch Match, string? Problem) ReadMatch(HttpMatchRequest match)
    {
        var conditions = ImmutableArray.CreateBuilder<MatchCondition>();
        var problems = new List<string>();
        void Single(MatchField field, StringMatch? value, string what)
        {
            if (value is null)
            {
                return;
            }

            (MatchOperator op, string text, string? problem) = ReadStringMatch(value, field);
            if (problem is not null)
            {
                problems.Add($"its {what} match {problem}");
                return;
            }

            conditions.Add(new MatchCondition(field, op, text));
        }

        void Map(MatchField field, IReadOnlyDictionary<string, StringMatch>? values, bool negated, string what)
        {
            foreach ((string key, StringMatch value) in values ?? ImmutableDictionary<string, StringMatch>.Empty)
            {
                (MatchOperator op, string text, string? problem) = ReadStringMatch(value, field);
                if (problem is not null)
                {
                    problems.Add($"its {what} '{key}' match {problem}");
                    continue;
                }

                conditions.Add(new MatchCondition(field, op, text, key, negated));
            }
        }

        Single(MatchField.Uri, match.Uri, "uri");
        Single(MatchField.Scheme, match.Scheme, "scheme");
        Single(MatchField.Method, match.Method, "method");
        Single(MatchField.Authority, match.Authority, "authority");
        Map(MatchField.Header, match.Headers, negated: false, "header");
        Map(MatchField.Header, match.WithoutHeaders, negated: true, "withoutHeaders");
        Map(MatchField.QueryParam, match.QueryParams, negated: false, "query parameter");
        foreach ((string key, string value) in match.SourceLabels ?? ImmutableDictionary<string, string>.Empty)
        {
            conditions.Add(new MatchCondition(MatchField.SourceLabel, MatchOperator.Exact, value, key));
        }

        var read = new RequestMatch { Name = match.Name, Conditions = conditions.ToImmutable(), Origin = match };
        return (read, problems.Count == 0 ? null : string.Join("; ", problems));
    }

    /// <summary>
    /// Reads a string match: <c>exact</c>, <c>prefix</c>, <c>regex</c>; for headers and query parameters <c>{}</c> means
    /// presence, as do a header's <c>prefix: ""</c> and a query parameter's <c>exact: ""</c> (how Istio documents presence for each)
    /// and a query parameter's <c>prefix</c> (which Istio turns into a presence match). An unedited condition is written back as read.
    /// </summary>
    internal static (MatchOperator Operator, string Value, string? Problem) ReadStringMatch(StringMatch match, MatchField field)
    {
        int set = (match.Exact is null ? 0 : 1) + (match.Prefix is null ? 0 : 1) + (match.Regex is null ? 0 : 1);
        if (set > 1)
        {
            return (MatchOperator.Exact, string.Empty, "sets more than one of exact, prefix and regex");
        }

        bool keyed = field is MatchField.Header or MatchField.QueryParam;
        if (set == 0)
        {
            return keyed ? (MatchOperator.Present, string.Empty, null) : (MatchOperator.Exact, string.Empty, "sets none of exact, prefix and regex");
        }

        if (field == MatchField.Header && match.Prefix is { Length: 0 })
        {
            return (MatchOperator.Present, string.Empty, null);
        }

        // Istio documents prefix on query parameters as unsupported and configures Envoy with a presence match for it.
        if (field == MatchField.QueryParam && (match.Exact is { Length: 0 } || match.Prefix is not null))
        {
            return (MatchOperator.Present, string.Empty, null);
        }

        return match.Exact is not null ? (MatchOperator.Exact, match.Exact, null)
            : match.Prefix is not null ? (MatchOperator.Prefix, match.Prefix, null)
            : (MatchOperator.Regex, match.Regex!, null);
    }

    /// <summary>
    /// Reads route destinations as weights over versions in the order written. A lone destination without weight takes
    /// 100; a lone destination without subset (the whole service) reads as the replica-implied split.
    /// </summary>
    internal static (TrafficSplit Split, string? Problem) ReadDestinations(IReadOnlyList<HttpRouteDestination> route, IntentContext context)
    {
        string[] otherHosts = [.. route
            .Select(static d => d.Destination?.Host)
            .Where(h => !context.IsOwnHost(h))
            .Select(static h => string.IsNullOrEmpty(h) ? "(no host)" : h)
            .Distinct(StringComparer.Ordinal)];
        if (otherHosts.Length > 0)
        {
            return (TrafficSplit.Empty, $"It sends traffic to other hosts ({string.Join(", ", otherHosts)})");
        }

        if (route.Any(static d => string.IsNullOrEmpty(d.Destination?.Subset)))
        {
            if (route.Count > 1)
            {
                return (TrafficSplit.Empty, "It mixes destinations with and without a subset");
            }

            if (context.WholeService is { } whole)
            {
                return (TrafficSplit.Of((whole, WeightOf(route[0], 1))), null);
            }

            return (context.Implied, null);
        }

        var weights = ImmutableArray.CreateBuilder<VersionWeight>();
        var problems = new List<string>();
        foreach (HttpRouteDestination destination in route)
        {
            string subset = destination.Destination!.Subset!;
            if (!context.SubsetVersions.TryGetValue(subset, out string? version))
            {
                problems.Add($"Subset '{subset}' matches no single version of this service");
                continue;
            }

            if (weights.Any(w => string.Equals(w.Version, version, StringComparison.Ordinal)))
            {
                problems.Add($"It sends to version '{version}' through more than one destination");
                continue;
            }

            weights.Add(new VersionWeight(version, WeightOf(destination, route.Count)));
        }

        return problems.Count > 0 ? (TrafficSplit.Empty, string.Join("; ", problems)) : (new TrafficSplit(weights.ToImmutable()), null);
    }

    /// <summary>A destination's weight as written; absent means 100 for a lone destination and 0 otherwise, as Istio reads it.</summary>
    internal static int WeightOf(HttpRouteDestination destination, int count) => destination.Weight ?? (count == 1 ? 100 : 0);

    /// <summary>Reads the mirror when it targets one of the service's versions; other mirrors (other hosts, the whole service) stay in the origin.</summary>
    internal static (MirrorTarget? Mirror, string? Problem) ReadMirror(HttpRouteRule rule, IntentContext context)
    {
        if (!IsVersionMirror(rule.Mirror, context))
        {
            return (null, null);
        }

        return context.SubsetVersions.TryGetValue(rule.Mirror!.Subset!, out string? version)
            ? (new MirrorTarget(version, RoutingFacts.MirrorPercentOf(rule)), null)
            : (null, $"Its mirror subset '{rule.Mirror.Subset}' matches no single version of this service");
    }

    /// <summary>True for a mirror to a subset of the service itself: the intent owns it.</summary>
    internal static bool IsVersionMirror(Destination? mirror, IntentContext context) =>
        mirror is { Subset: not null } && context.IsOwnHost(mirror.Host);

    internal static FaultInjection? ReadFault(HttpFaultInjection? fault)
    {
        if (fault is null)
        {
            return null;
        }

        // Without a percentage Istio injects into no request (the deprecated integer `percent` counts if present).
        DelayFault? delay = fault.Delay is { FixedDelay: { } fixedDelay } d ? new DelayFault(fixedDelay, d.Percentage?.Value ?? LegacyPercent(d.Extra)) : null;
        AbortFault? abort = fault.Abort is { HttpStatus: { } status } a ? new AbortFault(status, a.Percentage?.Value ?? LegacyPercent(a.Extra)) : null;
        return new FaultInjection(delay, abort) { Origin = fault };
    }

    private static double LegacyPercent(IDictionary<string, System.Text.Json.JsonElement>? extra) =>
        extra is not null && extra.TryGetValue("percent", out System.Text.Json.JsonElement percent) && percent.ValueKind == System.Text.Json.JsonValueKind.Number
            ? percent.GetDouble() : 0;

    /// <summary>Reads retries; absent attempts read as 0 (disabled), as proto3 and Istio do.</summary>
    internal static RetryPolicy? ReadRetries(HttpRetry? retries) =>
        // Absent attempts is proto3's 0: retries disabled (Istio's default of 2 applies only when `retries` is absent).
        retries is null ? null : new RetryPolicy(retries.Attempts ?? 0, retries.PerTryTimeout, retries.RetryOn) { Origin = retries };

    internal static HeaderRewrite? ReadHeaders(HeaderOperations? operations) =>
        operations is null ? null : new HeaderRewrite
        {
            Set = ToImmutable(operations.Set),
            Add = ToImmutable(operations.Add),
            Remove = [.. operations.Remove ?? []],
        };

    internal static TrafficPolicyIntent ReadPolicy(TrafficPolicy policy)
    {
        LoadBalancerSettings? lb = policy.LoadBalancer;
        return new TrafficPolicyIntent
        {
            LoadBalancer = ParseSimple(lb?.Simple),
            ConsistentHash = ReadHash(lb?.ConsistentHash),
            ConnectionPool = ReadPool(policy.ConnectionPool),
            OutlierDetection = ReadOutlier(policy.OutlierDetection),
            Tls = ParseTls(policy.Tls?.Mode),
            Origin = policy,
        };
    }

    internal static ConsistentHashPolicy? ReadHash(ConsistentHash? hash) => hash switch
    {
        null => null,
        { HttpHeaderName: { } header } => new ConsistentHashPolicy(HashKey.HttpHeader, header),
        { HttpCookie: { } cookie } => new ConsistentHashPolicy(HashKey.HttpCookie, cookie.Name, cookie.Ttl, cookie.Path),
        { UseSourceIp: true } => new ConsistentHashPolicy(HashKey.SourceIp),
        { HttpQueryParameterName: { } query } => new ConsistentHashPolicy(HashKey.QueryParameter, query),
        _ => null,
    };

    internal static ConnectionPoolPolicy? ReadPool(ConnectionPoolSettings? pool)
    {
        var read = new ConnectionPoolPolicy(pool?.Tcp?.MaxConnections, pool?.Http?.Http1MaxPendingRequests, pool?.Http?.MaxRequestsPerConnection, pool?.Http?.MaxRetries);
        return read == EmptyPool ? null : read;
    }

    internal static OutlierDetectionPolicy? ReadOutlier(OutlierDetection? outlier)
    {
        var read = new OutlierDetectionPolicy(outlier?.Consecutive5xxErrors, outlier?.Interval, outlier?.BaseEjectionTime, outlier?.MaxEjectionPercent);
        return read == EmptyOutlier ? null : read;
    }

    internal static readonly ConnectionPoolPolicy EmptyPool = new(null, null, null, null);

    internal static readonly OutlierDetectionPolicy EmptyOutlier = new(null, null, null, null);

    internal static SimpleLoadBalancer? ParseSimple(string? simple) => simple switch
    {
        "ROUND_ROBIN" => SimpleLoadBalancer.RoundRobin,
        "LEAST_REQUEST" => SimpleLoadBalancer.LeastRequest,
        "RANDOM" => SimpleLoadBalancer.Random,
        "PASSTHROUGH" => SimpleLoadBalancer.Passthrough,
        _ => null,
    };

    internal static string ToIstio(SimpleLoadBalancer simple) => simple switch
    {
        SimpleLoadBalancer.RoundRobin => "ROUND_ROBIN",
        SimpleLoadBalancer.LeastRequest => "LEAST_REQUEST",
        SimpleLoadBalancer.Random => "RANDOM",
        SimpleLoadBalancer.Passthrough => "PASSTHROUGH",
        _ => throw new ArgumentOutOfRangeException(nameof(simple), simple, null),
    };

    internal static TlsMode? ParseTls(string? mode) => mode switch
    {
        "DISABLE" => TlsMode.Disable,
        "SIMPLE" => TlsMode.Simple,
        "MUTUAL" => TlsMode.Mutual,
        "ISTIO_MUTUAL" => TlsMode.IstioMutual,
        _ => null,
    };

    internal static string ToIstio(TlsMode mode) => mode switch
    {
        TlsMode.Disable => "DISABLE",
        TlsMode.Simple => "SIMPLE",
        TlsMode.Mutual => "MUTUAL",
        TlsMode.IstioMutual => "ISTIO_MUTUAL",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, null),
    };

    private static ImmutableDictionary<string, string> ToImmutable(IReadOnlyDictionary<string, string>? values) =>
        values is null ? ImmutableDictionary<string, string>.Empty : values.ToImmutableDictionary(StringComparer.Ordinal);

    /// <summary>What reading needs to know about the service: its host, its subsets and the split without routing.</summary>
    internal sealed record IntentContext(ServiceView View, string VsNamespace, ImmutableDictionary<string, string> SubsetVersions, TrafficSplit Implied)
    {
        /// <summary>The version name when the service has exactly one version and it is unversioned: routes go to the whole service.</summary>
        public string? WholeService => View.Versions.Length == 1 && !View.Versions[0].IsVersioned ? View.Versions[0].Name : null;

        public bool IsOwnHost(string? host) => HostNames.Targets(host, VsNamespace, View.Name, View.Namespace);

        public static IntentContext For(ServiceView view, VirtualService? vs) =>
            new(view, vs?.Namespace ?? view.Namespace, view.Routing.SubsetVersions, view.Routing.ImpliedByReplicas);
    }
}
