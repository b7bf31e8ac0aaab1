using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;

using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Services;

namespace TrafficConsole.Mesh.Routing;

/// <summary>
/// Reads a Gateway API <c>HTTPRoute</c> attached to a service (GAMMA mesh routing: <c>parentRefs</c> is the Service) into
/// the <see cref="RoutingIntent"/> the editors show; <see cref="HttpRoutePlanner"/> writes the edited intent back.
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
public static class HttpRouteReader
{
    internal const string PathPrefix = "PathPrefix";
    internal const string ExactType = "Exact";
    internal const string RegexType = "RegularExpression";
    internal const string RequestHeaderModifier = "RequestHeaderModifier";
    internal const string ResponseHeaderModifier = "ResponseHeaderModifier";
    internal const string TimeoutsField = "timeouts";
    internal const string RequestMirror = "RequestMirror";
    internal const string RequestMirrorField = "requestMirror";

    /// <summary>The HTTPRoute the service's routing is read from and written to, or null when none or several attach to it.</summary>
    public static HttpRoute? RouteOf(ServiceView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        HttpRoute[] attached = [.. view.HttpRoutes.Where(r => RoutingFacts.AttachesTo(r, view.Service))];
        return attached.Length == 1 ? attached[0] : null;
    }

    /// <summary>
    /// The HTTPRoute counterpart of <see cref="RoutingIntentReader.Read"/>: the intent of a service routed by an attached
    /// HTTPRoute (or why it cannot be edited: several routes, a VirtualService too); null when no HTTPRoute attaches,
    /// so the caller reads the VirtualService instead. Plan the edited intent with <see cref="HttpRoutePlanner.Plan"/>.
    /// </summary>
    public static RoutingIntentReading? ReadAttached(ServiceView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        if (!view.HttpRoutes.Any(r => RoutingFacts.AttachesTo(r, view.Service)))
        {
            return null;
        }

        string revision = view.Routing.Revision;
        if (RouteOf(view) is not { } route)
        {
            HttpRoute[] attached = [.. view.HttpRoutes.Where(r => RoutingFacts.AttachesTo(r, view.Service))];
            string names = string.Join(", ", attached.Select(static r => $"{r.Namespace}/{r.Name}"));
            return new RoutingIntentReading { Revision = revision, Problem = $"{attached.Length} HTTPRoutes attach to this service ({names}); merge them into one to edit its routing." };
        }

        VirtualService[] routing = [.. view.VirtualServices.Where(static vs => RoutingFacts.AppliesToMesh(vs) && vs.Spec?.Http is { Count: > 0 })];
        if (routing.Length > 0)
        {
            string names = string.Join(", ", routing.Select(static vs => $"{vs.Namespace}/{vs.Name}"));
            return new RoutingIntentReading { Revision = revision, Problem = $"Both the HTTPRoute {route.Namespace}/{route.Name} and the VirtualService {names} route this service; remove one of them." };
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

            ServiceVersion[] touched = [.. versions.Where(v => v.Workloads.Any(w => RoutingFacts.Selects(backend.Selector, w.PodLabels)))];
            if (touched.Length == 1 && touched[0].IsVersioned && touched[0].Workloads.All(w => RoutingFacts.Selects(backend.Selector, w.PodLabels)))
            {
                map[backend.Name] = touched[0].Name;
            }
        }

        return map.ToImmutable();
    }

    /// <summary>Reads the HTTPRoute into the intent the rule editor shows (see the remarks of <see cref="HttpRouteReader"/>).</summary>
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
    /// The facts of a service with HTTPRoutes attached (called by <see cref="RoutingFacts.Read"/>): the revision with the
    /// routes' content revisions, the route's name and its rules summarised. What the sliders show is the intent's to say.
    /// </summary>
    internal static RoutingState ReadFacts(
        RoutingState state,
        KubeService service,
        IReadOnlyList<HttpRoute> attached,
        ImmutableDictionary<string, string> backendVersions)
    {
        string routes = string.Join(",", attached
            .OrderBy(static r => r.Namespace, StringComparer.Ordinal).ThenBy(static r => r.Name, StringComparer.Ordinal)
            .Select(static r => "hr:" + (r.ContentRevision ?? "0")));
        state = state with
        {
            Kind = RoutingKind.Split,
            Revision = state.Revision == RoutingState.NoRevision ? routes : $"{state.Revision},{routes}",
            EffectiveSplit = TrafficSplit.Empty,
            ManagedByTrafficConsole = false,
        };

        if (attached.Count > 1)
        {
            return state;
        }

        HttpRoute route = attached[0];
        IReadOnlyList<HttpRouteRuleSpec> specs = route.Spec?.Rules ?? [];
        RouteRule[] rules = [.. specs.Select(r => ReadRule(r, route, service, backendVersions))];
        return state with
        {
            HttpRouteName = $"{route.Namespace}/{route.Name}",
            Rules = [.. rules.Select((r, i) => Summarize(r, i, specs[i], backendVersions))],
        };
    }

    internal static RouteRule ReadRule(HttpRouteRuleSpec spec, HttpRoute route, KubeService service, ImmutableDictionary<string, string> backendVersions)
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

    internal static RequestMatch ReadMatch(HttpRouteMatch match, List<string> reasons)
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

    private static RouteRuleSummary Summarize(RouteRule rule, int index, HttpRouteRuleSpec spec, ImmutableDictionary<string, string> backendVersions)
    {
        ImmutableArray<string> conditions = rule.IsCatchAll ? [] : [.. rule.Matches.Select(static m => Describe(m.Conditions))];
        IReadOnlyList<HttpBackendRef> backends = spec.BackendRefs ?? [];
        int[] percents = backends.Count == 0 ? [] : RoutingFacts.EffectivePercents([.. backends.Select(static b => (int?)(b.Weight ?? 1))]);
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
}
