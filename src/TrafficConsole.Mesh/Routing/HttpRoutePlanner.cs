using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;

using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Services;
using TrafficConsole.Mesh.Validation;

using static TrafficConsole.Mesh.Routing.HttpRouteReader;

namespace TrafficConsole.Mesh.Routing;

/// <summary>
/// Writes an edited <see cref="RoutingIntent"/> back into the Gateway API <c>HTTPRoute</c> attached to the service it was
/// read from (see <see cref="HttpRouteReader"/> for how rules, versions and origins map).
/// </summary>
public static partial class HttpRoutePlanner
{
    /// <summary>
    /// Plans writing <paramref name="intent"/> to the service's HTTPRoute: rules in the intent's order (the default
    /// route where it was), unchanged parts exactly as read, the resourceVersion read for optimistic concurrency.
    /// </summary>
    public static RoutingPlan Plan(ServiceView view, RoutingIntent intent)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(intent);
        return PlanCore(view, intent, []) with { Namespace = view.Namespace, ServiceName = view.Name };
    }

    private static RoutingPlan PlanCore(ServiceView view, RoutingIntent intent, ImmutableArray<ValidationIssue> issues)
    {
        string revision = view.Routing.Revision;
        HttpRoute? route = RouteOf(view);
        if (route is null)
        {
            return RoutingPlan.Refused("No single HTTPRoute attaches to this service, so there is no HTTPRoute to write.", issues, revision);
        }

        if (view.Routing.Kind == RoutingKind.ReadOnly && view.Routing.HttpRouteName is null)
        {
            return RoutingPlan.Refused(view.Routing.ReadOnlyReason ?? "The routing of this service cannot be edited.", issues, revision);
        }

        if (view.VirtualServices.Any(static vs => RoutingFacts.AppliesToMesh(vs) && vs.Spec?.Http is { Count: > 0 }))
        {
            return RoutingPlan.Refused(view.Routing.ReadOnlyReason ?? "A VirtualService routes this service too; remove one of them first.", issues, revision);
        }

        var problems = new List<string>();
        if (!intent.ExtraHosts.IsDefaultOrEmpty)
        {
            problems.Add("extraHosts: an HTTPRoute attached to a service routes that service only; hosts cannot be added.");
        }

        if (!intent.Gateways.IsDefaultOrEmpty || !intent.IncludeMesh)
        {
            problems.Add("gateways: an HTTPRoute attached to a service applies to the mesh only; attach a separate HTTPRoute to a Gateway instead.");
        }

        if (intent.Policy is not null || !intent.VersionPolicies.IsEmpty)
        {
            problems.Add("policy: traffic policies live in a DestinationRule, which this HTTPRoute editor does not write.");
        }

        // The rule editor's checks (TC4xxx: weights, versions, regexes, durations, ...) apply to HTTPRoute rules too.
        ImmutableArray<ValidationIssue> checks = RoutingIntentValidator.Validate(view, ForValidation(intent));
        issues = issues.AddRange(checks);
        if (checks.HasErrors())
        {
            return RoutingPlan.Refused(
                "The routing is not valid: " + string.Join(" ", checks.Where(static i => i.Severity == Severity.Error).Select(static i => $"{i.Path}: {i.Message}")),
                issues,
                revision);
        }

        IReadOnlyList<HttpRouteRuleSpec> current = route.Spec?.Rules ?? [];
        var built = new List<HttpRouteRuleSpec>();
        for (int i = 0; i < intent.Rules.Length; i++)
        {
            built.Add(BuildRule(intent.Rules[i], $"rules[{i}]", route, view, problems));
        }

        if (intent.DefaultRoute is { } defaultRoute)
        {
            HttpRouteRuleSpec written = BuildRule(defaultRoute, "defaultRoute", route, view, problems);
            built.Insert(DefaultPosition(intent, defaultRoute, current), written);
        }

        if (problems.Count > 0)
        {
            return RoutingPlan.Refused("The routing cannot be written to the HTTPRoute: " + string.Join(" ", problems), issues, revision);
        }

        HttpRoute desired = MeshJson.DeepClone(route);
        desired.Spec = (desired.Spec ?? new HttpRouteSpec()) with { Rules = built.Count == 0 ? null : built };
        ResourceAction action = SameJson(route, desired) ? ResourceAction.Unchanged : ResourceAction.Update;
        if (action == ResourceAction.Update && RoutingResources.ManagerOf(route) is { } manager)
        {
            issues = issues.Add(new ValidationIssue(ValidationCodes.ManagedElsewhere, Severity.Warning, $"{route.Kind}/{route.Name}",
                $"{route.Kind} {route.Namespace}/{route.Name} is managed by {manager}; it may revert this change at its next sync. Make the change in its source too."));
        }

        return new RoutingPlan
        {
            Split = intent.DefaultRoute?.Destinations,
            Issues = issues,
            ExpectedRevision = revision,
            HttpRoute = desired,
            HttpRouteAction = action,
            CurrentHttpRoute = route,
        };
    }

    /// <summary>The intent as the rule editor's validator should see it: Gateway API header names are case-insensitive.</summary>
    private static RoutingIntent ForValidation(RoutingIntent intent)
    {
        static RouteRule Lower(RouteRule rule) => rule with
        {
            Matches = [.. rule.Matches.Select(static m => m with
            {
                Conditions = [.. m.Conditions.Select(static c => c.Field == MatchField.Header && c.Key is not null ? c with { Key = c.Key.ToLowerInvariant() } : c)],
            })],
        };

        return intent with { Rules = [.. intent.Rules.Select(Lower)], DefaultRoute = intent.DefaultRoute is { } d ? Lower(d) : null };
    }

    /// <summary>Where the default rule goes: where it was among the rules kept, or last when it is new or was last.</summary>
    private static int DefaultPosition(RoutingIntent intent, RouteRule defaultRoute, IReadOnlyList<HttpRouteRuleSpec> current)
    {
        int was = IndexOf(current, defaultRoute.GatewayApiOrigin);
        if (was < 0 || was == current.Count - 1)
        {
            return intent.Rules.Length;
        }

        int position = 0;
        for (int i = 0; i < intent.Rules.Length; i++)
        {
            int index = IndexOf(current, intent.Rules[i].GatewayApiOrigin);
            if (index >= 0 && index < was)
            {
                position = i + 1;
            }
        }

        return position;
    }

    private static int IndexOf(IReadOnlyList<HttpRouteRuleSpec> rules, HttpRouteRuleSpec? origin)
    {
        if (origin is null)
        {
            return -1;
        }

        for (int i = 0; i < rules.Count; i++)
        {
            if (ReferenceEquals(rules[i], origin))
            {
                return i;
            }
        }

        for (int i = 0; i < rules.Count; i++)
        {
            if (SameJson(rules[i], origin))
            {
                return i;
            }
        }

        return -1;
    }

    private static HttpRouteRuleSpec BuildRule(RouteRule rule, string at, HttpRoute route, ServiceView view, List<string> problems)
    {
        HttpRouteRuleSpec? origin = rule.GatewayApiOrigin;
        RouteRule? read = origin is null ? null : ReadRule(origin, route, view.Service, view.BackendVersions);
        if (origin is not null && (rule.ReadOnlyReason is not null || SameRule(read!, rule)))
        {
            return origin;
        }

        if (rule.ReadOnlyReason is not null)
        {
            problems.Add($"{at}: {rule.ReadOnlyReason} It can only be written back as it was read.");
            return new HttpRouteRuleSpec();
        }

        if (rule.Fault is not null)
        {
            problems.Add($"{at}.fault: HTTPRoute has no fault injection.");
        }

        if (rule.Retries is not null)
        {
            problems.Add($"{at}.retries: retries are not written to HTTPRoutes by the editor.");
        }

        if (rule.Timeout is not null && FieldRules.DurationProblem(rule.Timeout) is { } timeoutProblem)
        {
            problems.Add($"{at}.timeout: {timeoutProblem}");
        }

        var matches = new List<HttpRouteMatch>();
        for (int i = 0; i < rule.Matches.Length; i++)
        {
            matches.Add(BuildMatch(rule.Matches[i], $"{at}.matches[{i}]", problems));
        }

        IReadOnlyList<HttpRouteMatch>? writtenMatches = matches.Count > 0 ? matches
            : origin?.Matches is { } before && before.All(IsEveryRequest) ? before
            : null;

        HttpRouteRuleSpec spec = (origin ?? new HttpRouteRuleSpec()) with
        {
            Name = rule.Name,
            Matches = writtenMatches,
            BackendRefs = BuildBackends(rule.Destinations, origin?.BackendRefs, at, route, view, problems),
            Filters = BuildFilters(origin?.Filters, rule, read, at, route, view, problems),
        };
        return spec with { Extra = WithTimeout(spec.Extra, rule.Timeout, read?.Timeout) };
    }

    private static bool IsEveryRequest(HttpRouteMatch match) =>
        match.Headers is not { Count: > 0 } && match.QueryParams is not { Count: > 0 } && match.Method is null
        && (match.Path is null || ((match.Path.Type ?? PathPrefix) == PathPrefix && (match.Path.Value ?? "/") == "/"));

    private static HttpRouteMatch BuildMatch(RequestMatch match, string at, List<string> problems)
    {
        HttpRouteMatch? origin = match.GatewayApiOrigin;
        if (origin is not null && SameConditions(ReadMatch(origin, []).Conditions, match.Conditions))
        {
            return origin;
        }

        HttpPathMatch? path = null;
        string? method = null;
        var headers = new List<HttpNameValueMatch>();
        var queries = new List<HttpNameValueMatch>();
        for (int i = 0; i < match.Conditions.Length; i++)
        {
            MatchCondition condition = match.Conditions[i];
            string field = $"{at}.conditions[{i}]";
            if (condition.Negated)
            {
                problems.Add($"{field}: HTTPRoute matches cannot be negated.");
                continue;
            }

            switch (condition.Field)
            {
                case MatchField.Uri:
                    string? type = condition.Operator switch
                    {
                        MatchOperator.Exact => ExactType,
                        MatchOperator.Prefix => PathPrefix,
                        MatchOperator.Regex => RegexType,
                        _ => null,
                    };
                    if (type is null)
                    {
                        problems.Add($"{field}: an HTTPRoute path match is exact, prefix or regex.");
                    }
                    else if (path is not null)
                    {
                        problems.Add($"{field}: an HTTPRoute match has one path condition; add another match for an alternative.");
                    }
                    else
                    {
                        path = origin?.Path is { } p && (p.Type ?? PathPrefix) == type && p.Value == condition.Value
                            ? p
                            : (origin?.Path ?? new HttpPathMatch()) with { Type = type, Value = condition.Value };
                    }

                    break;
                case MatchField.Method when condition.Operator == MatchOperator.Exact:
                    method = condition.Value;
                    break;
                case MatchField.Header:
                case MatchField.QueryParam:
                    bool header = condition.Field == MatchField.Header;
                    string? valueType = condition.Operator switch
                    {
                        MatchOperator.Exact => ExactType,
                        MatchOperator.Regex => RegexType,
                        _ => null,
                    };
                    if (valueType is null)
                    {
                        problems.Add($"{field}: an HTTPRoute {(header ? "header" : "query parameter")} match is exact or regex, not {condition.Operator.ToString().ToLowerInvariant()}.");
                        break;
                    }

                    if (string.IsNullOrEmpty(condition.Key))
                    {
                        problems.Add($"{field}: the {(header ? "header" : "query parameter")} name is missing.");
                        break;
                    }

                    // Gateway API matches header names case-insensitively: only the token rule applies.
                    if (header && FieldRules.HeaderNameProblem(condition.Key.ToLowerInvariant()) is { } nameProblem)
                    {
                        problems.Add($"{field}: {nameProblem}");
                        break;
                    }

                    StringComparison names = header ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
                    HttpNameValueMatch? before = (header ? origin?.Headers : origin?.QueryParams)?.FirstOrDefault(v => string.Equals(v.Name, condition.Key, names));
                    HttpNameValueMatch written = before is not null && (before.Type ?? ExactType) == valueType
                        ? before with { Value = condition.Value }
                        : (before ?? new HttpNameValueMatch()) with { Type = valueType, Name = condition.Key, Value = condition.Value };
                    (header ? headers : queries).Add(written);
                    break;
                default:
                    problems.Add($"{field}: HTTPRoute matches have no {condition.Field.ToString().ToLowerInvariant()} condition (only path, method, headers and query parameters).");
                    break;
            }

            if (condition.Operator == MatchOperator.Regex && FieldRules.RegexProblem(condition.Value) is { } regexProblem)
            {
                problems.Add($"{field}: {regexProblem}");
            }
        }

        if (path is null && origin?.Path is { } kept && (kept.Type ?? PathPrefix) == PathPrefix && (kept.Value ?? "/") == "/")
        {
            // An explicit PathPrefix "/" means every path, as no condition does: keep it as written.
            path = kept;
        }

        return (origin ?? new HttpRouteMatch()) with
        {
            Path = path,
            Method = method,
            Headers = headers.Count == 0 ? null : headers,
            QueryParams = queries.Count == 0 ? null : queries,
        };
    }

    private static List<HttpBackendRef>? BuildBackends(TrafficSplit split, IReadOnlyList<HttpBackendRef>? origin, string at, HttpRoute route, ServiceView view, List<string> problems)
    {
        if (split.Weights.Any(static w => w.Weight < 0))
        {
            problems.Add($"{at}.destinations: weights cannot be negative.");
        }

        if (split.Weights.Length > 1 && split.Total == 0)
        {
            problems.Add($"{at}.destinations: every weight is 0, so the rule would send traffic nowhere.");
        }

        var result = new List<HttpBackendRef>();
        var placed = new HashSet<string>(StringComparer.Ordinal);
        foreach (HttpBackendRef backend in origin ?? [])
        {
            if (backend.Name is null || !view.BackendVersions.TryGetValue(backend.Name, out string? version)
                || !split.Contains(version) || !placed.Add(version))
            {
                continue;
            }

            int weight = split.WeightOf(version);
            result.Add(weight == (backend.Weight ?? 1) ? backend : backend with { Weight = weight });
        }

        int? port = PortOf(origin, route, view);
        foreach (VersionWeight weight in split.Weights.Where(w => !placed.Contains(w.Version)))
        {
            placed.Add(weight.Version);
            string? name = BackendFor(view, weight.Version);
            if (name is null)
            {
                ServiceVersion? known = view.FindVersion(weight.Version);
                problems.Add(known is null
                    ? $"{at}.destinations[{weight.Version}]: {view.Name} has no version '{weight.Version}'."
                    : $"{at}.destinations[{weight.Version}]: no Service selects only version {weight.Version} of {view.Name}, and an HTTPRoute backend must be a Service. Create one (e.g. {view.Name}-{known.SubsetName} selecting {string.Join(",", view.Service.Selector.Concat(known.SubsetLabels).Select(static l => $"{l.Key}={l.Value}"))}) first.");
                continue;
            }

            result.Add(new HttpBackendRef { Name = name, Port = port, Weight = weight.Weight });
        }

        return result.Count == 0 && origin is null ? null : result;
    }

    /// <summary>The port new backends use: the rule's other backends', else the route's, else the parentRef's, else the service's.</summary>
    private static int? PortOf(IReadOnlyList<HttpBackendRef>? rule, HttpRoute route, ServiceView view) =>
        (rule ?? []).Select(static b => b.Port).FirstOrDefault(static p => p is not null)
        ?? (route.Spec?.Rules ?? []).SelectMany(static r => r.BackendRefs ?? []).Select(static b => b.Port).FirstOrDefault(static p => p is not null)
        ?? (route.Spec?.ParentRefs ?? []).Select(static p => p.Port).FirstOrDefault(static p => p is not null)
        ?? view.Service.Ports.Select(static p => (int?)p.Port).FirstOrDefault();

    private static string? BackendFor(ServiceView view, string version)
    {
        string[] names = [.. view.BackendVersions.Where(kv => string.Equals(kv.Value, version, StringComparison.Ordinal)).Select(static kv => kv.Key).Order(StringComparer.Ordinal)];
        string? conventional = view.FindVersion(version) is { } v ? $"{view.Name}-{v.SubsetName}" : null;
        return names.FirstOrDefault(n => string.Equals(n, conventional, StringComparison.Ordinal)) ?? names.FirstOrDefault();
    }

    private static bool SameRule(RouteRule a, RouteRule b) =>
        string.Equals(a.Name, b.Name, StringComparison.Ordinal)
        && a.Matches.Length == b.Matches.Length
        && a.Matches.Zip(b.Matches).All(static p => SameConditions(p.First.Conditions, p.Second.Conditions) && ReferenceEquals(p.First.GatewayApiOrigin, p.Second.GatewayApiOrigin))
        && Equals(a.Destinations, b.Destinations)
        && Equals(a.Fault, b.Fault)
        && string.Equals(a.Timeout, b.Timeout, StringComparison.Ordinal)
        && Equals(a.Retries, b.Retries)
        && SameHeaders(a.RequestHeaders, b.RequestHeaders)
        && SameHeaders(a.ResponseHeaders, b.ResponseHeaders);

    private static bool SameConditions(ImmutableArray<MatchCondition> a, ImmutableArray<MatchCondition> b) =>
        (a.IsDefault ? [] : a).SequenceEqual(b.IsDefault ? [] : b);

    private static bool SameHeaders(HeaderRewrite? a, HeaderRewrite? b)
    {
        bool aEmpty = a is null || a.IsEmpty;
        bool bEmpty = b is null || b.IsEmpty;
        if (aEmpty || bEmpty)
        {
            return aEmpty == bEmpty && (a is null) == (b is null);
        }

        return SameMap(a!.Set, b!.Set) && SameMap(a.Add, b.Add) && a.Remove.SequenceEqual(b.Remove);
    }

    private static bool SameMap(ImmutableDictionary<string, string> a, ImmutableDictionary<string, string> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out string? v) && string.Equals(v, kv.Value, StringComparison.Ordinal));

    private static bool SameJson(object a, object b) =>
        JsonNode.DeepEquals(JsonSerializer.SerializeToNode(a, a.GetType(), MeshJson.Options), JsonSerializer.SerializeToNode(b, b.GetType(), MeshJson.Options));
}
