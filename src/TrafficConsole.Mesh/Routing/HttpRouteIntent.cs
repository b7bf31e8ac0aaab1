using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Services;
using TrafficConsole.Mesh.Validation;

namespace TrafficConsole.Mesh.Routing;

/// <summary>
/// Translates a Gateway API <c>HTTPRoute</c> attached to a service (GAMMA mesh routing: <c>parentRefs</c> is the
/// Service) into the <see cref="RoutingIntent"/> the editors show, and the edited intent back into the HTTPRoute.
/// </summary>
/// <remarks>
/// <para>
/// Versions: in GAMMA routing the backends are Services, one per version (Istio's Bookinfo ships <c>reviews-v1</c>
/// .. <c>reviews-v3</c>, each selecting <c>app: reviews, version: vN</c>). A backend Service is a version of the
/// routed service when its selector selects exactly that version's workloads (all of them, no other version's) —
/// the rule a DestinationRule subset follows; <see cref="ServiceView.BackendVersions"/> holds that map. The split of
/// a rule is then the backends' weights over those versions (a missing weight is Gateway API's default, 1), in the
/// backends' order. Without the namespace's Services (files only) a backend named <c>&lt;service&gt;-&lt;version&gt;</c>
/// is taken as that version.
/// </para>
/// <para>
/// Rules keep their order; the first rule that matches every request (no matches, or only <c>PathPrefix /</c>) is the
/// default route and is written back where it was. Gateway API orders rules by match specificity, not position, so
/// the order is kept for a faithful round trip, not because it decides precedence. Every rule and match carries its
/// origin (<see cref="RouteRule.GatewayApiOrigin"/>, <see cref="RequestMatch.GatewayApiOrigin"/>): an unchanged one is
/// written back exactly as read, and a changed one keeps what the editor does not model (URL rewrites, mirrors,
/// extension filters, backend filters, session persistence, unknown fields).
/// </para>
/// <para>
/// Read-only (kept as written, may be moved or deleted): a rule that redirects, has no backends, sends to a backend
/// that is not a version of the service (another kind, another namespace, the whole service, a Service selecting
/// several versions), or uses a match type the editor lacks. Refused on write: header/query conditions other than
/// exact and regex, negated or presence conditions, authority/scheme/source-label conditions, faults and retries
/// (HTTPRoute has no such rule fields the editor could write), hosts, gateways and traffic policies. A rule's one
/// RequestMirror filter to a version Service is its mirror (<c>percent</c>, else <c>fraction</c>, else 100%).
/// </para>
/// </remarks>
public static class HttpRouteIntent
{
    private const string PathPrefix = "PathPrefix";
    private const string ExactType = "Exact";
    private const string RegexType = "RegularExpression";
    private const string RequestHeaderModifier = "RequestHeaderModifier";
    private const string ResponseHeaderModifier = "ResponseHeaderModifier";
    private const string TimeoutsField = "timeouts";
    private const string RequestMirror = "RequestMirror";
    private const string RequestMirrorField = "requestMirror";

    /// <summary>The HTTPRoute the service's routing is read from and written to, or null when none or several attach to it.</summary>
    public static HttpRoute? RouteOf(ServiceView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        HttpRoute[] attached = [.. view.HttpRoutes.Where(r => RoutingReader.AttachesTo(r, view.Service))];
        return attached.Length == 1 ? attached[0] : null;
    }

    /// <summary>
    /// The HTTPRoute counterpart of <see cref="RoutingIntentReader.Read"/>: the intent of a service routed by an attached
    /// HTTPRoute (or why it cannot be edited: several routes, a VirtualService too); null when no HTTPRoute attaches,
    /// so the caller reads the VirtualService instead. Plan the edited intent with <see cref="Plan"/>.
    /// </summary>
    public static RoutingIntentReading? ReadAttached(ServiceView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        if (!view.HttpRoutes.Any(r => RoutingReader.AttachesTo(r, view.Service)))
        {
            return null;
        }

        string revision = view.Routing.Revision;
        if (RouteOf(view) is not { } route)
        {
            return new RoutingIntentReading { Revision = revision, Problem = view.Routing.ReadOnlyReason ?? "Several HTTPRoutes attach to this service." };
        }

        if (view.VirtualServices.Any(static vs => RoutingReader.AppliesToMesh(vs) && vs.Spec?.Http is { Count: > 0 }))
        {
            return new RoutingIntentReading { Revision = revision, Problem = view.Routing.ReadOnlyReason ?? "A VirtualService routes this service too." };
        }

        return new RoutingIntentReading { Intent = Read(view, route), Revision = revision };
    }

    /// <summary>
    /// Backend Services that are versions of <paramref name="service"/>: Service name -> version name. With
    /// <paramref name="services"/> null, the names <c>&lt;service&gt;-&lt;subset&gt;</c> stand for the versions.
    /// </summary>
    public static ImmutableDictionary<string, string> BackendVersionsOf(KubeService service, IReadOnlyList<ServiceVersion> versions, IEnumerable<KubeService>? services)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(versions);
        ImmutableDictionary<string, string>.Builder map = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        if (services is null)
        {
            foreach (ServiceVersion version in versions.Where(static v => v.IsVersioned))
            {
                map.TryAdd($"{service.Name}-{version.SubsetName}", version.Name);
            }

            return map.ToImmutable();
        }

        foreach (KubeService backend in services.OrderBy(static s => s.Name, StringComparer.Ordinal))
        {
            if (!string.Equals(backend.Namespace, service.Namespace, StringComparison.Ordinal)
                || string.Equals(backend.Name, service.Name, StringComparison.Ordinal)
                || backend.Selector.Count == 0)
            {
                continue;
            }

            ServiceVersion[] touched = [.. versions.Where(v => v.Workloads.Any(w => RoutingReader.Selects(backend.Selector, w.PodLabels)))];
            if (touched.Length == 1 && touched[0].IsVersioned && touched[0].Workloads.All(w => RoutingReader.Selects(backend.Selector, w.PodLabels)))
            {
                map[backend.Name] = touched[0].Name;
            }
        }

        return map.ToImmutable();
    }

    /// <summary>Reads the HTTPRoute into the intent the rule editor shows (see the remarks of <see cref="HttpRouteIntent"/>).</summary>
    public static RoutingIntent Read(ServiceView view, HttpRoute route)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(route);
        RouteRule[] rules = [.. (route.Spec?.Rules ?? []).Select(r => ReadRule(r, route, view.Service, view.BackendVersions))];
        int defaultIndex = Array.FindIndex(rules, static r => r.IsCatchAll);
        return new RoutingIntent
        {
            Rules = [.. rules.Where((_, i) => i != defaultIndex)],
            DefaultRoute = defaultIndex < 0 ? null : rules[defaultIndex],
            IncludeMesh = true,
        };
    }

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

    /// <summary>Plans the sliders' split as the new destinations of the HTTPRoute's default rule; every other rule stays as read.</summary>
    /// <param name="view">The service, routed by an HTTPRoute.</param>
    /// <param name="split">The weights over the service's versions (already validated by <see cref="TrafficSplitValidator"/>).</param>
    /// <param name="issues">Findings of that validation to carry on the plan.</param>
    public static RoutingPlan PlanSplit(ServiceView view, TrafficSplit split, ImmutableArray<ValidationIssue> issues = default)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(split);
        issues = issues.IsDefault ? [] : issues;
        if (RouteOf(view) is not { } route)
        {
            return RoutingPlan.Refused("No single HTTPRoute attaches to this service.", issues, view.Routing.Revision) with { Namespace = view.Namespace, ServiceName = view.Name };
        }

        RoutingIntent intent = Read(view, route);
        if (intent.DefaultRoute is not { } defaultRoute)
        {
            return RoutingPlan.Refused($"HTTPRoute {route.Namespace}/{route.Name} has no rule without matches for the sliders to edit.", issues, view.Routing.Revision)
                with { Namespace = view.Namespace, ServiceName = view.Name };
        }

        // Versions at weight 0 that have no backend yet need none: leave them out rather than ask for a Service.
        TrafficSplit wanted = split with { Weights = [.. split.Weights.Where(w => w.Weight > 0 || defaultRoute.Destinations.Contains(w.Version))] };
        RoutingPlan plan = PlanCore(view, intent with { DefaultRoute = defaultRoute with { Destinations = wanted } }, issues);
        return plan with { Namespace = view.Namespace, ServiceName = view.Name, Split = split };
    }

    /// <summary>The routing state of a service with HTTPRoutes attached (called by <see cref="RoutingReader"/>).</summary>
    internal static RoutingState ReadState(
        RoutingState state,
        KubeService service,
        IReadOnlyList<ServiceVersion> versions,
        IReadOnlyList<HttpRoute> attached,
        IReadOnlyList<VirtualService> routingVirtualServices,
        ImmutableDictionary<string, string> backendVersions)
    {
        string routes = string.Join(",", attached
            .OrderBy(static r => r.Namespace, StringComparer.Ordinal).ThenBy(static r => r.Name, StringComparer.Ordinal)
            .Select(static r => "hr:" + (r.ContentRevision ?? "0")));
        state = state with
        {
            Revision = state.Revision == RoutingState.NoRevision ? routes : $"{state.Revision},{routes}",
            EffectiveSplit = TrafficSplit.Empty,
            ManagedByTrafficConsole = false,
        };

        if (attached.Count > 1)
        {
            string names = string.Join(", ", attached.Select(static r => $"{r.Namespace}/{r.Name}"));
            return ReadOnly(state, $"{attached.Count} HTTPRoutes attach to this service ({names}); merge them into one to edit its routing.");
        }

        HttpRoute route = attached[0];
        IReadOnlyList<HttpRouteRuleSpec> specs = route.Spec?.Rules ?? [];
        RouteRule[] rules = [.. specs.Select(r => ReadRule(r, route, service, backendVersions))];
        state = state with
        {
            HttpRouteName = $"{route.Namespace}/{route.Name}",
            Rules = [.. rules.Select((r, i) => Summarize(r, i, specs[i], backendVersions))],
        };

        if (routingVirtualServices.Count > 0)
        {
            string names = string.Join(", ", routingVirtualServices.Select(static vs => $"{vs.Namespace}/{vs.Name}"));
            return ReadOnly(state, $"Both the HTTPRoute {route.Namespace}/{route.Name} and the VirtualService {names} route this service; remove one of them.");
        }

        int catchAll = Array.FindIndex(rules, static r => r.IsCatchAll);
        if (catchAll < 0)
        {
            return ReadOnly(state, $"Every rule of the HTTPRoute {route.Namespace}/{route.Name} has matches; the sliders only edit a rule without matches.");
        }

        RouteRule defaultRule = rules[catchAll];
        if (defaultRule.ReadOnlyReason is { } reason)
        {
            return ReadOnly(state, $"The rule without matches of the HTTPRoute {route.Namespace}/{route.Name}: {reason}");
        }

        TrafficSplit destinations = defaultRule.Destinations;
        int[] percents = RoutingReader.EffectivePercents([.. destinations.Weights.Select(static w => (int?)w.Weight)]);
        if (destinations.Weights.Length > 1 && destinations.Total == 0)
        {
            return ReadOnly(state, $"All weights of the rule without matches of the HTTPRoute {route.Namespace}/{route.Name} are 0, so it sends traffic nowhere.");
        }

        var byVersion = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < destinations.Weights.Length; i++)
        {
            byVersion[destinations.Weights[i].Version] = byVersion.GetValueOrDefault(destinations.Weights[i].Version) + percents[i];
        }

        return state with
        {
            Kind = rules.Length > 1 ? RoutingKind.Rules : RoutingKind.Split,
            EffectiveSplit = new TrafficSplit([.. versions.Select(v => new VersionWeight(v.Name, byVersion.GetValueOrDefault(v.Name)))], destinations.Mirror),
            Mirror = destinations.Mirror,
            OtherMirror = destinations.Mirror is null && (defaultRule.GatewayApiOrigin?.Filters ?? []).Any(static f => f.Type == RequestMirror)
                ? "a RequestMirror filter the sliders do not manage"
                : null,
        };
    }

    private static RoutingState ReadOnly(RoutingState state, string reason) =>
        state with { Kind = RoutingKind.ReadOnly, ReadOnlyReason = reason, Mirror = null, EffectiveSplit = TrafficSplit.Empty };

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

        if (view.VirtualServices.Any(static vs => RoutingReader.AppliesToMesh(vs) && vs.Spec?.Http is { Count: > 0 }))
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
        if (action == ResourceAction.Update && RoutingPlanner.ManagerOf(route) is { } manager)
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

    private static RouteRule ReadRule(HttpRouteRuleSpec spec, HttpRoute route, KubeService service, ImmutableDictionary<string, string> backendVersions)
    {
        var reasons = new List<string>();
        var matches = ImmutableArray.CreateBuilder<RequestMatch>();
        foreach (HttpRouteMatch match in spec.Matches ?? [])
        {
            matches.Add(ReadMatch(match, reasons));
        }

        IReadOnlyList<HttpRouteFilter> filters = spec.Filters ?? [];
        IReadOnlyList<HttpBackendRef> backends = spec.BackendRefs ?? [];
        if (filters.Any(static f => f.Type == "RequestRedirect"))
        {
            reasons.Add("redirects");
        }
        else if (backends.Count == 0)
        {
            reasons.Add("has no backendRefs (Gateway API answers such requests with 500)");
        }

        var weights = ImmutableArray.CreateBuilder<VersionWeight>();
        foreach (HttpBackendRef backend in backends)
        {
            string? version = VersionOf(backend, route, service, backendVersions, out string? problem);
            if (problem is not null)
            {
                reasons.Add(problem);
            }
            else if (weights.Any(w => string.Equals(w.Version, version, StringComparison.Ordinal)))
            {
                reasons.Add($"sends to version {version} through more than one backend");
            }
            else
            {
                weights.Add(new VersionWeight(version!, backend.Weight ?? 1));
            }
        }

        return new RouteRule
        {
            Name = spec.Name,
            Matches = matches.ToImmutable(),
            Destinations = new TrafficSplit(weights.ToImmutable(), MirrorOf(filters, route, service, backendVersions)),
            Timeout = TimeoutOf(spec),
            RequestHeaders = HeadersOf(filters, RequestHeaderModifier, "requestHeaderModifier"),
            ResponseHeaders = HeadersOf(filters, ResponseHeaderModifier, "responseHeaderModifier"),
            ReadOnlyReason = reasons.Count == 0 ? null : $"This rule {string.Join("; ", reasons.Distinct(StringComparer.Ordinal))}; it is kept as written.",
            GatewayApiOrigin = spec,
        };
    }

    /// <summary>The one RequestMirror filter of a rule as a mirror to a version (percent, else fraction, else 100%); null otherwise.</summary>
    private static MirrorTarget? MirrorOf(IReadOnlyList<HttpRouteFilter> filters, HttpRoute route, KubeService service, ImmutableDictionary<string, string> backendVersions)
    {
        HttpRouteFilter[] mirrors = [.. filters.Where(static f => f.Type == RequestMirror)];
        if (mirrors.Length != 1 || mirrors[0].Extra is null || !mirrors[0].Extra!.TryGetValue(RequestMirrorField, out JsonElement mirror)
            || mirror.ValueKind != JsonValueKind.Object || !mirror.TryGetProperty("backendRef", out JsonElement backendRef) || backendRef.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        HttpBackendRef? backend = backendRef.Deserialize<HttpBackendRef>(MeshJson.Options);
        if (backend is null || VersionOf(backend, route, service, backendVersions, out _) is not { } version)
        {
            return null;
        }

        double percent = 100;
        if (mirror.TryGetProperty("percent", out JsonElement p) && p.ValueKind == JsonValueKind.Number)
        {
            percent = p.GetDouble();
        }
        else if (mirror.TryGetProperty("fraction", out JsonElement fraction) && fraction.ValueKind == JsonValueKind.Object
            && fraction.TryGetProperty("numerator", out JsonElement numerator) && numerator.ValueKind == JsonValueKind.Number)
        {
            double denominator = fraction.TryGetProperty("denominator", out JsonElement d) && d.ValueKind == JsonValueKind.Number ? d.GetDouble() : 100;
            percent = denominator <= 0 ? 0 : 100 * numerator.GetDouble() / denominator;
        }

        return new MirrorTarget(version, percent);
    }

    private static string? VersionOf(HttpBackendRef backend, HttpRoute route, KubeService service, ImmutableDictionary<string, string> backendVersions, out string? problem)
    {
        problem = null;
        bool isService = (string.IsNullOrEmpty(backend.Group) || backend.Group == "core") && (backend.Kind is null || backend.Kind == "Service");
        string name = backend.Name ?? string.Empty;
        if (!isService)
        {
            problem = $"sends to a {backend.Kind ?? "Service"} backend of group '{backend.Group}' ({name})";
            return null;
        }

        string ns = string.IsNullOrEmpty(backend.Namespace) ? route.Namespace : backend.Namespace;
        if (!string.Equals(ns, service.Namespace, StringComparison.Ordinal))
        {
            problem = $"sends to {ns}/{name} in another namespace";
            return null;
        }

        if (string.Equals(name, service.Name, StringComparison.Ordinal))
        {
            problem = $"sends to the whole service {name}, not to one of its versions";
            return null;
        }

        if (!backendVersions.TryGetValue(name, out string? version))
        {
            problem = $"sends to {name}, which is not one version of {service.Name} (no Service of that name selects exactly one version's pods)";
            return null;
        }

        return version;
    }

    private static RequestMatch ReadMatch(HttpRouteMatch match, List<string> reasons)
    {
        var conditions = ImmutableArray.CreateBuilder<MatchCondition>();
        if (match.Path is { } path)
        {
            string type = path.Type ?? PathPrefix;
            string value = path.Value ?? "/";
            MatchOperator? op = type switch
            {
                ExactType => MatchOperator.Exact,
                PathPrefix => MatchOperator.Prefix,
                RegexType => MatchOperator.Regex,
                _ => null,
            };
            if (op is null)
            {
                reasons.Add($"matches the path with type '{type}'");
            }
            else if (!(op == MatchOperator.Prefix && value == "/"))
            {
                // PathPrefix "/" is every request: Gateway API's default, no condition.
                conditions.Add(new MatchCondition(MatchField.Uri, op.Value, value));
            }
        }

        if (match.Method is { } method)
        {
            conditions.Add(new MatchCondition(MatchField.Method, MatchOperator.Exact, method));
        }

        AddNameValues(match.Headers, MatchField.Header, conditions, reasons);
        AddNameValues(match.QueryParams, MatchField.QueryParam, conditions, reasons);
        return new RequestMatch { Conditions = conditions.ToImmutable(), GatewayApiOrigin = match };
    }

    private static void AddNameValues(IReadOnlyList<HttpNameValueMatch>? values, MatchField field, ImmutableArray<MatchCondition>.Builder conditions, List<string> reasons)
    {
        foreach (HttpNameValueMatch value in values ?? [])
        {
            string type = value.Type ?? ExactType;
            MatchOperator? op = type switch
            {
                ExactType => MatchOperator.Exact,
                RegexType => MatchOperator.Regex,
                _ => null,
            };
            if (op is null)
            {
                reasons.Add($"matches {(field == MatchField.Header ? "header" : "query parameter")} {value.Name} with type '{type}'");
                continue;
            }

            conditions.Add(new MatchCondition(field, op.Value, value.Value ?? string.Empty, value.Name));
        }
    }

    private static string? TimeoutOf(HttpRouteRuleSpec spec) =>
        spec.Extra is not null && spec.Extra.TryGetValue(TimeoutsField, out JsonElement timeouts)
        && timeouts.ValueKind == JsonValueKind.Object && timeouts.TryGetProperty("request", out JsonElement request) && request.ValueKind == JsonValueKind.String
            ? request.GetString()
            : null;

    private static HeaderRewrite? HeadersOf(IReadOnlyList<HttpRouteFilter> filters, string type, string field)
    {
        HttpRouteFilter? filter = filters.FirstOrDefault(f => f.Type == type);
        if (filter?.Extra is null || !filter.Extra.TryGetValue(field, out JsonElement modifier) || modifier.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        return new HeaderRewrite
        {
            Set = NameValues(modifier, "set"),
            Add = NameValues(modifier, "add"),
            Remove = modifier.TryGetProperty("remove", out JsonElement remove) && remove.ValueKind == JsonValueKind.Array
                ? [.. remove.EnumerateArray().Where(static e => e.ValueKind == JsonValueKind.String).Select(static e => e.GetString()!)]
                : [],
        };
    }

    private static ImmutableDictionary<string, string> NameValues(JsonElement modifier, string field)
    {
        ImmutableDictionary<string, string>.Builder values = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        if (modifier.TryGetProperty(field, out JsonElement list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement entry in list.EnumerateArray())
            {
                if (entry.ValueKind == JsonValueKind.Object
                    && entry.TryGetProperty("name", out JsonElement name) && name.ValueKind == JsonValueKind.String)
                {
                    values[name.GetString()!] = entry.TryGetProperty("value", out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : string.Empty;
                }
            }
        }

        return values.ToImmutable();
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

    private static List<HttpRouteFilter>? BuildFilters(IReadOnlyList<HttpRouteFilter>? origin, RouteRule rule, RouteRule? read, string at, HttpRoute route, ServiceView view, List<string> problems)
    {
        List<HttpRouteFilter> filters = [.. origin ?? []];
        Replace(filters, RequestHeaderModifier, "requestHeaderModifier", rule.RequestHeaders, read?.RequestHeaders);
        Replace(filters, ResponseHeaderModifier, "responseHeaderModifier", rule.ResponseHeaders, read?.ResponseHeaders);
        ReplaceMirror(filters, rule.Destinations.Mirror, read?.Destinations.Mirror, at, route, view, problems);

        // The last filter removed: leave the field out, as the rule was before it had any (an explicit [] stays).
        return filters.Count == 0 && (origin is null || origin.Count > 0) ? null : filters;
    }

    /// <summary>Writes the rule's mirror as its RequestMirror filter (keeping the filter's other fields and place).</summary>
    private static void ReplaceMirror(List<HttpRouteFilter> filters, MirrorTarget? wanted, MirrorTarget? read, string at, HttpRoute route, ServiceView view, List<string> problems)
    {
        if (Equals(wanted, read))
        {
            return;
        }

        int index = filters.FindIndex(static f => f.Type == RequestMirror);
        if (index >= 0 && read is null)
        {
            problems.Add($"{at}.destinations.mirror: the rule already has a RequestMirror filter that is not a mirror to one version; remove it first.");
            return;
        }

        if (wanted is null)
        {
            filters.RemoveAt(index);
            return;
        }

        if (FieldRules.PercentProblem(wanted.Percent) is { } percentProblem)
        {
            problems.Add($"{at}.destinations.mirror.percent: {percentProblem}");
            return;
        }

        if (BackendFor(view, wanted.Version) is not { } name)
        {
            problems.Add($"{at}.destinations.mirror: no Service selects only version {wanted.Version} of {view.Name}; a mirror backend must be a Service.");
            return;
        }

        JsonObject mirror = index >= 0 && filters[index].Extra is { } extra && extra.TryGetValue(RequestMirrorField, out JsonElement existing) && existing.ValueKind == JsonValueKind.Object
            ? JsonNode.Parse(existing.GetRawText())!.AsObject()
            : [];
        JsonObject backendRef = mirror["backendRef"] as JsonObject ?? [];
        backendRef["name"] = name;
        if (backendRef["port"] is null && PortOf(null, route, view) is int port)
        {
            backendRef["port"] = port;
        }

        mirror["backendRef"] = backendRef.DeepClone();
        mirror.Remove("percent");
        mirror.Remove("fraction");
        if (wanted.Percent != 100)
        {
            if (wanted.Percent == Math.Floor(wanted.Percent))
            {
                mirror["percent"] = (int)wanted.Percent;
            }
            else
            {
                mirror["fraction"] = new JsonObject { ["numerator"] = (int)Math.Round(wanted.Percent * 100), ["denominator"] = 10000 };
            }
        }

        var fields = new Dictionary<string, JsonElement>(index >= 0 && filters[index].Extra is { } old ? old : new Dictionary<string, JsonElement>(), StringComparer.Ordinal)
        {
            [RequestMirrorField] = JsonSerializer.SerializeToElement(mirror, MeshJson.Options),
        };
        HttpRouteFilter filter = (index >= 0 ? filters[index] : new HttpRouteFilter { Type = RequestMirror }) with { Extra = fields };
        if (index >= 0)
        {
            filters[index] = filter;
        }
        else
        {
            filters.Add(filter);
        }
    }

    private static void Replace(List<HttpRouteFilter> filters, string type, string field, HeaderRewrite? wanted, HeaderRewrite? read)
    {
        if (SameHeaders(wanted, read))
        {
            return;
        }

        int index = filters.FindIndex(f => f.Type == type);
        if (wanted is null || wanted.IsEmpty)
        {
            if (index >= 0)
            {
                filters.RemoveAt(index);
            }

            return;
        }

        var modifier = new JsonObject();
        if (!wanted.Set.IsEmpty)
        {
            modifier["set"] = NameValueArray(wanted.Set);
        }

        if (!wanted.Add.IsEmpty)
        {
            modifier["add"] = NameValueArray(wanted.Add);
        }

        if (!wanted.Remove.IsDefaultOrEmpty)
        {
            modifier["remove"] = new JsonArray([.. wanted.Remove.Select(static r => (JsonNode?)JsonValue.Create(r))]);
        }

        var extra = new Dictionary<string, JsonElement>(index >= 0 && filters[index].Extra is { } old ? old : new Dictionary<string, JsonElement>(), StringComparer.Ordinal)
        {
            [field] = JsonSerializer.SerializeToElement(modifier, MeshJson.Options),
        };
        HttpRouteFilter filter = (index >= 0 ? filters[index] : new HttpRouteFilter { Type = type }) with { Extra = extra };
        if (index >= 0)
        {
            filters[index] = filter;
        }
        else
        {
            filters.Add(filter);
        }
    }

    private static JsonArray NameValueArray(ImmutableDictionary<string, string> values) =>
        [.. values.OrderBy(static kv => kv.Key, StringComparer.Ordinal).Select(static kv => (JsonNode?)new JsonObject { ["name"] = kv.Key, ["value"] = kv.Value })];

    private static IDictionary<string, JsonElement>? WithTimeout(IDictionary<string, JsonElement>? extra, string? wanted, string? read)
    {
        if (string.Equals(wanted, read, StringComparison.Ordinal))
        {
            return extra;
        }

        var copy = extra is null ? new Dictionary<string, JsonElement>(StringComparer.Ordinal) : new Dictionary<string, JsonElement>(extra, StringComparer.Ordinal);
        JsonObject timeouts = copy.TryGetValue(TimeoutsField, out JsonElement existing) && existing.ValueKind == JsonValueKind.Object
            ? JsonNode.Parse(existing.GetRawText())!.AsObject()
            : [];
        if (wanted is null)
        {
            timeouts.Remove("request");
        }
        else
        {
            timeouts["request"] = wanted;
        }

        if (timeouts.Count == 0)
        {
            copy.Remove(TimeoutsField);
        }
        else
        {
            copy[TimeoutsField] = JsonSerializer.SerializeToElement(timeouts, MeshJson.Options);
        }

        return copy.Count == 0 ? null : copy;
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

    private static RouteRuleSummary Summarize(RouteRule rule, int index, HttpRouteRuleSpec spec, ImmutableDictionary<string, string> backendVersions)
    {
        ImmutableArray<string> conditions = rule.IsCatchAll ? [] : [.. rule.Matches.Select(static m => Describe(m.Conditions))];
        IReadOnlyList<HttpBackendRef> backends = spec.BackendRefs ?? [];
        int[] percents = backends.Count == 0 ? [] : RoutingReader.EffectivePercents([.. backends.Select(static b => (int?)(b.Weight ?? 1))]);
        ImmutableArray<VersionWeight> destinations = [.. backends.Select((b, i) => new VersionWeight(
            b.Name is not null && backendVersions.TryGetValue(b.Name, out string? version) ? version : b.Name ?? "(no name)",
            percents[i]))];
        return new RouteRuleSummary(index, rule.Name, conditions, destinations, rule.IsCatchAll);
    }

    /// <summary>One match alternative for people, e.g. <c>header end-user exact "jason", path prefix "/api"</c>.</summary>
    private static string Describe(ImmutableArray<MatchCondition> conditions) =>
        conditions.IsDefaultOrEmpty
            ? "any request"
            : string.Join(", ", conditions.Select(static c => c.Field switch
            {
                MatchField.Uri => $"path {Operator(c.Operator)} \"{c.Value}\"",
                MatchField.Method => $"method {c.Value}",
                MatchField.Header => $"header {c.Key} {Operator(c.Operator)} \"{c.Value}\"",
                MatchField.QueryParam => $"query {c.Key} {Operator(c.Operator)} \"{c.Value}\"",
                _ => string.Create(CultureInfo.InvariantCulture, $"{c.Field} {c.Value}"),
            }));

    private static string Operator(MatchOperator op) => op switch
    {
        MatchOperator.Prefix => "prefix",
        MatchOperator.Regex => "regex",
        MatchOperator.Present => "present",
        _ => "exact",
    };

    private static bool SameJson(object a, object b) =>
        JsonNode.DeepEquals(JsonSerializer.SerializeToNode(a, a.GetType(), MeshJson.Options), JsonSerializer.SerializeToNode(b, b.GetType(), MeshJson.Options));
}
