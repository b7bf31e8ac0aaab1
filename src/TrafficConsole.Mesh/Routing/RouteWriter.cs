using System.Collections.Immutable;

using TrafficConsole.Mesh.Resources;

using static TrafficConsole.Mesh.Routing.RoutingIntentReader;

namespace TrafficConsole.Mesh.Routing;

/// <summary>Writes one <see cref="RouteRule"/> back as an http route over its origin: unedited parts stay exactly as read.</summary>
internal static class RouteWriter
{
    /// <summary>The route to write for <paramref name="rule"/>.</summary>
    /// <param name="rule">The rule as edited.</param>
    /// <param name="context">The service and its subsets.</param>
    /// <param name="subsetFor">The subset of each version.</param>
    /// <param name="template">A destination of the VirtualService to the service, whose host spelling and port new destinations copy.</param>
    public static HttpRouteRule Write(RouteRule rule, IntentContext context, IReadOnlyDictionary<string, string> subsetFor, Destination? template)
    {
        if (rule.ReadOnlyReason is not null && rule.Origin is not null)
        {
            return rule.Origin;
        }

        HttpRouteRule origin = rule.Origin ?? new HttpRouteRule();
        RouteRule read = rule.Origin is null ? new RouteRule() : ReadRule(rule.Origin, context);
        if (rule.Origin is not null && RoutingIntentEquality.Same(read, rule))
        {
            return rule.Origin;
        }

        HttpRouteRule written = origin with
        {
            Name = rule.Name,
            Match = WriteMatches(rule.Matches, origin.Match, read.Matches),
            Timeout = rule.Timeout,
            Retries = WriteRetries(rule.Retries, origin.Retries),
            Fault = WriteFault(rule.Fault, origin.Fault),
            Headers = WriteHeaders(rule, origin.Headers, read),
        };
        written = WriteRoute(written, rule.Destinations, read.Destinations, context, subsetFor, template);
        return WriteMirror(written, rule.Destinations.Mirror, read.Destinations.Mirror, context, subsetFor, template);
    }

    private static IReadOnlyList<HttpMatchRequest>? WriteMatches(ImmutableArray<RequestMatch> matches, IReadOnlyList<HttpMatchRequest>? origin, ImmutableArray<RequestMatch> read)
    {
        ImmutableArray<RequestMatch> wanted = matches.IsDefault ? [] : matches;
        if (RoutingIntentEquality.SameMatches(wanted, read))
        {
            return origin;
        }

        return wanted.IsEmpty ? null : [.. wanted.Select(WriteMatch)];
    }

    private static HttpMatchRequest WriteMatch(RequestMatch match)
    {
        HttpMatchRequest origin = match.Origin ?? new HttpMatchRequest();
        if (match.Origin is not null && RoutingIntentEquality.SameMatch(ReadMatch(match.Origin).Match, match))
        {
            return match.Origin;
        }

        ImmutableArray<MatchCondition> conditions = match.Conditions.IsDefault ? [] : match.Conditions;
        StringMatch? Single(MatchField field, StringMatch? was)
        {
            MatchCondition? condition = conditions.LastOrDefault(c => c.Field == field);
            return condition is null ? null : WriteStringMatch(condition, was);
        }

        Dictionary<string, StringMatch>? Map(MatchField field, bool negated, IReadOnlyDictionary<string, StringMatch>? was)
        {
            var map = new Dictionary<string, StringMatch>(StringComparer.Ordinal);
            foreach (MatchCondition condition in conditions.Where(c => c.Field == field && c.Negated == negated && c.Key is not null))
            {
                map[condition.Key!] = WriteStringMatch(condition, was is not null && was.TryGetValue(condition.Key!, out StringMatch? old) ? old : null);
            }

            return map.Count == 0 ? null : map;
        }

        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (MatchCondition condition in conditions.Where(static c => c.Field == MatchField.SourceLabel && c.Key is not null))
        {
            labels[condition.Key!] = condition.Value;
        }

        return origin with
        {
            Name = match.Name,
            Uri = Single(MatchField.Uri, origin.Uri),
            Scheme = Single(MatchField.Scheme, origin.Scheme),
            Method = Single(MatchField.Method, origin.Method),
            Authority = Single(MatchField.Authority, origin.Authority),
            Headers = Map(MatchField.Header, negated: false, origin.Headers),
            WithoutHeaders = Map(MatchField.Header, negated: true, origin.WithoutHeaders),
            QueryParams = Map(MatchField.QueryParam, negated: false, origin.QueryParams),
            SourceLabels = labels.Count == 0 ? null : labels,
        };
    }

    /// <summary>The string match of a condition; the one read is reused when it reads as the same condition (it may carry unknown fields).</summary>
    private static StringMatch WriteStringMatch(MatchCondition condition, StringMatch? was)
    {
        if (was is not null)
        {
            (MatchOperator op, string value, string? problem) = ReadStringMatch(was, condition.Field);
            if (problem is null && op == condition.Operator && string.Equals(value, condition.Value, StringComparison.Ordinal))
            {
                return was;
            }
        }

        return condition.Operator switch
        {
            MatchOperator.Exact => StringMatch.ForExact(condition.Value),
            MatchOperator.Prefix => StringMatch.ForPrefix(condition.Value),
            MatchOperator.Regex => StringMatch.ForRegex(condition.Value),

            // Istio documents presence as `exact: ""` for query parameters and `{}` for headers.
            _ => condition.Field == MatchField.QueryParam ? StringMatch.ForExact(string.Empty) : new StringMatch(),
        };
    }

    private static HttpRouteRule WriteRoute(HttpRouteRule rule, TrafficSplit wanted, TrafficSplit read, IntentContext context, IReadOnlyDictionary<string, string> subsetFor, Destination? vsTemplate)
    {
        IReadOnlyList<HttpRouteDestination> current = rule.Route ?? [];
        // A route to the whole service reads as the split the replicas make today; once a rule is written, its weights are
        // pinned per version (that is what the editor and the sliders show), so replica changes no longer move traffic.
        bool sharedByReplicas = wanted.Weights.Length > 1 && current.Any(static d => string.IsNullOrEmpty(d.Destination?.Subset));
        if (current.Count > 0 && wanted.Weights.SequenceEqual(read.Weights) && !sharedByReplicas)
        {
            return rule;
        }

        // Keep the host spelling and port the existing destinations use (this rule's, else the VirtualService's); else the FQDN.
        Destination? template = current.FirstOrDefault(d => context.IsOwnHost(d.Destination?.Host))?.Destination ?? vsTemplate;
        string host = template?.Host ?? context.View.Host;
        PortSelector? port = template?.Port;
        var byVersion = new Dictionary<string, HttpRouteDestination>(StringComparer.Ordinal);
        foreach (HttpRouteDestination destination in current)
        {
            string? version = destination.Destination?.Subset is { } s && context.SubsetVersions.TryGetValue(s, out string? v) ? v
                : destination.Destination?.Subset is null && context.WholeService is { } whole ? whole
                : null;
            if (version is not null)
            {
                byVersion.TryAdd(version, destination);
            }
        }

        int count = wanted.Weights.Length;
        var route = new List<HttpRouteDestination>();
        foreach (VersionWeight weight in wanted.Weights)
        {
            if (byVersion.TryGetValue(weight.Version, out HttpRouteDestination? existing))
            {
                route.Add(WeightOf(existing, current.Count) == weight.Weight && count == current.Count ? existing : existing with { Weight = WeightToWrite(weight.Weight, count) });
                continue;
            }

            route.Add(new HttpRouteDestination
            {
                Destination = new Destination { Host = host, Subset = subsetFor.GetValueOrDefault(weight.Version), Port = port },
                Weight = WeightToWrite(weight.Weight, count),
            });
        }

        return rule with { Route = route };
    }

    /// <summary>A lone destination with 100 is written without weight, as the Istio docs write it.</summary>
    private static int? WeightToWrite(int weight, int count) => count == 1 && weight == 100 ? null : weight;

    private static HttpRouteRule WriteMirror(HttpRouteRule rule, MirrorTarget? wanted, MirrorTarget? read, IntentContext context, IReadOnlyDictionary<string, string> subsetFor, Destination? vsTemplate)
    {
        if (Equals(wanted, read))
        {
            return rule;
        }

        bool mirrorIsOurs = rule.Mirror is null || IsVersionMirror(rule.Mirror, context);
        if (wanted is null)
        {
            return mirrorIsOurs && rule.Mirror is not null
                ? rule with { Mirror = null, MirrorPercentage = null, Extra = RoutingResources.Without(rule.Extra, "mirrorPercent") }
                : rule;
        }

        Destination? template = (rule.Route ?? []).FirstOrDefault(d => context.IsOwnHost(d.Destination?.Host))?.Destination ?? vsTemplate;
        Destination mirror = (mirrorIsOurs ? rule.Mirror : null) ?? new Destination { Host = template?.Host ?? context.View.Host, Port = template?.Port };
        return rule with
        {
            Mirror = mirror with { Subset = subsetFor.GetValueOrDefault(wanted.Version) },
            MirrorPercentage = (rule.MirrorPercentage ?? new Percent()) with { Value = wanted.Percent },
            Extra = RoutingResources.Without(rule.Extra, "mirrorPercent"),
        };
    }

    private static HttpRetry? WriteRetries(RetryPolicy? wanted, HttpRetry? origin)
    {
        RetryPolicy? read = ReadRetries(origin);
        if (RoutingIntentEquality.SameRetries(read, wanted))
        {
            return origin;
        }

        if (wanted is null)
        {
            return null;
        }

        HttpRetry baseline = wanted.Origin ?? origin ?? new HttpRetry();
        return baseline with
        {
            Attempts = wanted.Attempts,
            PerTryTimeout = wanted.PerTryTimeout,
            RetryOn = wanted.RetryOn,
        };
    }

    private static HttpFaultInjection? WriteFault(FaultInjection? wanted, HttpFaultInjection? origin)
    {
        FaultInjection? read = ReadFault(origin);
        if (RoutingIntentEquality.SameFault(read, wanted))
        {
            return origin;
        }

        if (wanted is null)
        {
            return null;
        }

        HttpFaultInjection baseline = wanted.Origin ?? origin ?? new HttpFaultInjection();
        FaultInjection? baselineRead = ReadFault(baseline);
        FaultDelay? delay = baseline.Delay;
        if (!Equals(baselineRead?.Delay, wanted.Delay))
        {
            // fixedDelay and exponentialDelay are one of; abort's httpStatus, grpcStatus and http2Error too.
            delay = wanted.Delay is { } d
                ? (delay ?? new FaultDelay()) with { FixedDelay = d.FixedDelay, Percentage = (delay?.Percentage ?? new Percent()) with { Value = d.Percent }, Extra = RoutingResources.Without(delay?.Extra, "exponentialDelay") }
                : Prune(delay is null ? null : delay with { FixedDelay = null, Percentage = null });
        }

        FaultAbort? abort = baseline.Abort;
        if (!Equals(baselineRead?.Abort, wanted.Abort))
        {
            abort = wanted.Abort is { } a
                ? (abort ?? new FaultAbort()) with { HttpStatus = a.HttpStatus, GrpcStatus = null, Percentage = (abort?.Percentage ?? new Percent()) with { Value = a.Percent }, Extra = RoutingResources.Without(abort?.Extra, "http2Error") }
                : Prune(abort is null ? null : abort with { HttpStatus = null, Percentage = null });
        }

        HttpFaultInjection fault = baseline with { Delay = delay, Abort = abort };
        return fault.Delay is null && fault.Abort is null && fault.Extra is not { Count: > 0 } ? null : fault;
    }

    private static FaultDelay? Prune(FaultDelay? delay) =>
        delay is null || (delay.FixedDelay is null && delay.Percentage is null && delay.Extra is not { Count: > 0 }) ? null : delay;

    private static FaultAbort? Prune(FaultAbort? abort) =>
        abort is null || (abort.HttpStatus is null && abort.GrpcStatus is null && abort.Percentage is null && abort.Extra is not { Count: > 0 }) ? null : abort;

    private static Headers? WriteHeaders(RouteRule rule, Headers? origin, RouteRule read)
    {
        HeaderOperations? request = RoutingIntentEquality.SameRewrite(read.RequestHeaders, rule.RequestHeaders) ? origin?.Request : WriteOperations(rule.RequestHeaders, origin?.Request);
        HeaderOperations? response = RoutingIntentEquality.SameRewrite(read.ResponseHeaders, rule.ResponseHeaders) ? origin?.Response : WriteOperations(rule.ResponseHeaders, origin?.Response);
        if (ReferenceEquals(request, origin?.Request) && ReferenceEquals(response, origin?.Response))
        {
            return origin;
        }

        Headers headers = (origin ?? new Headers()) with { Request = request, Response = response };
        return headers.Request is null && headers.Response is null && headers.Extra is not { Count: > 0 } ? null : headers;
    }

    private static HeaderOperations? WriteOperations(HeaderRewrite? wanted, HeaderOperations? origin)
    {
        if (wanted is null || wanted.IsEmpty)
        {
            HeaderOperations? kept = origin is null ? null : origin with { Set = null, Add = null, Remove = null };
            return kept is { Extra.Count: > 0 } ? kept : null;
        }

        return (origin ?? new HeaderOperations()) with
        {
            Set = Ordered(wanted.Set, origin?.Set),
            Add = Ordered(wanted.Add, origin?.Add),
            Remove = wanted.Remove.IsDefaultOrEmpty ? null : [.. wanted.Remove],
        };
    }

    /// <summary>Keys already written keep their position; new keys follow in ordinal order.</summary>
    private static Dictionary<string, string>? Ordered(ImmutableDictionary<string, string> wanted, IReadOnlyDictionary<string, string>? origin)
    {
        if (wanted.IsEmpty)
        {
            return null;
        }

        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string key in (origin?.Keys ?? []).Where(wanted.ContainsKey))
        {
            result[key] = wanted[key];
        }

        foreach (string key in wanted.Keys.Where(k => !result.ContainsKey(k)).Order(StringComparer.Ordinal))
        {
            result[key] = wanted[key];
        }

        return result;
    }
}
