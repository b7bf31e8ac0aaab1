using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Services;
using TrafficConsole.Mesh.Validation;

namespace TrafficConsole.Mesh.Simulation;

/// <summary>Evaluates a request against a VirtualService with Istio's semantics: the first matching rule wins; no match means no route.</summary>
/// <remarks>
/// What Envoy does with the route configuration Istio generates: rules in order, match alternatives ORed,
/// the conditions of one alternative ANDed; uri exact/prefix/regex on the path without its query string
/// (<c>ignoreUriCase</c> for exact and prefix only); regexes are RE2 full matches; header names are
/// case-insensitive, an empty match (<c>{}</c>) only asks for presence; <c>withoutHeaders</c> is satisfied by
/// an absent header (Envoy treats it as an empty value, so only a condition that matches "" fails); query
/// parameters match exact or regex on the first value, and anything else (<c>{}</c>, or <c>prefix</c>, which Istio
/// does not translate) only asks for presence. <c>match.gateways</c> overrides
/// <c>spec.gateways</c>; without <c>spec.gateways</c> the VirtualService applies to sidecars (<c>mesh</c>) only.
/// The VirtualService is taken as the one that serves the request's host: host selection is not simulated.
/// </remarks>
public static partial class RouteSimulator
{
    private const string Mesh = "mesh";
    private const int RegexCacheLimit = 512;

    // Version-like subset labels, most common first.
    private static readonly string[] VersionLabels = ["version", "app.kubernetes.io/version", "service.istio.io/canonical-revision"];

    // Match fields the simulator knows are not conditions.
    private static readonly string[] NonConditions = ["statPrefix"];

    private static readonly ConcurrentDictionary<string, Regex?> Regexes = new(StringComparer.Ordinal);

    /// <summary>What Istio would do with <paramref name="request"/> under <paramref name="virtualService"/>.</summary>
    /// <param name="virtualService">The VirtualService (from the cluster, a file, or a planned draft).</param>
    /// <param name="request">The request.</param>
    /// <param name="subsetVersions">Subset name to version name, to name versions in the result; may be empty.</param>
    public static SimulationResult Simulate(VirtualService virtualService, SimulatedRequest request, IReadOnlyDictionary<string, string>? subsetVersions = null)
    {
        ArgumentNullException.ThrowIfNull(virtualService);
        ArgumentNullException.ThrowIfNull(request);
        VirtualServiceSpec spec = virtualService.Spec ?? new VirtualServiceSpec();
        string vsNamespace = virtualService.Namespace;
        RequestFacts facts = RequestFacts.Of(request, spec, vsNamespace);

        string[] bound = GatewaysOf(spec.Gateways, vsNamespace);
        if (!bound.Contains(facts.Gateway, StringComparer.Ordinal))
        {
            string fallback = facts.Gateway == Mesh
                ? "sidecars route the request as if there were no VirtualService (to the service of its host, if any)"
                : "this gateway has no route from it: 404 unless another VirtualService routes the host there";
            return new SimulationResult
            {
                Summary = $"VirtualService {Label(virtualService)} applies to {string.Join(", ", bound)}, not to {facts.Gateway}; {fallback}.",
            };
        }

        IReadOnlyList<HttpRouteRule> http = spec.Http ?? [];
        ImmutableArray<RuleEvaluation>.Builder evaluations = ImmutableArray.CreateBuilder<RuleEvaluation>();
        for (int i = 0; i < http.Count; i++)
        {
            HttpRouteRule? rule = http[i];
            (bool matched, ImmutableArray<string> reasons) = Evaluate(rule, facts, bound, vsNamespace);
            evaluations.Add(new RuleEvaluation(i, rule?.Name, matched, reasons));
            if (matched)
            {
                return Outcome(virtualService, rule!, i, evaluations.ToImmutable(), subsetVersions ?? ImmutableDictionary<string, string>.Empty);
            }
        }

        string summary = http.Count == 0
            ? $"VirtualService {Label(virtualService)} has no http routes, so no rule takes the request: 404 (no route)."
            : $"No rule matches, so the request gets 404 (no route): none of the {Count(http.Count, "http route")} of {Label(virtualService)} takes it.";
        return new SimulationResult { Evaluations = evaluations.ToImmutable(), Summary = summary };
    }

    /// <summary>Subset name to version name from a DestinationRule's subsets (the value of their single version-like label).</summary>
    /// <remarks>The label is <c>version</c>, else <c>app.kubernetes.io/version</c>, else <c>service.istio.io/canonical-revision</c>;
    /// subsets with none of them are left out.</remarks>
    public static ImmutableDictionary<string, string> SubsetVersions(DestinationRule? destinationRule)
    {
        ImmutableDictionary<string, string>.Builder map = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (Subset subset in destinationRule?.Spec?.Subsets ?? [])
        {
            if (subset.Name is not { Length: > 0 } name || map.ContainsKey(name) || subset.Labels is not { } labels)
            {
                continue;
            }

            string? version = VersionLabels.Select(key => labels.TryGetValue(key, out string? value) ? value : null).FirstOrDefault(static v => !string.IsNullOrEmpty(v));
            if (version is not null)
            {
                map.Add(name, version);
            }
        }

        return map.ToImmutable();
    }

    /// <summary>Why a value fails <paramref name="match"/>, or null when it matches. Regexes are RE2 full matches.</summary>
    /// <param name="what">How to name the value in the reason, e.g. <c>uri /productpage</c>.</param>
    /// <param name="value">The value.</param>
    /// <param name="match">The string match; one with no exact/prefix/regex matches any value.</param>
    /// <param name="ignoreCase">Compare exact and prefix without case (regexes are unaffected, as in Istio).</param>
    public static string? StringMatchFailure(string what, string value, StringMatch match, bool ignoreCase = false)
    {
        ArgumentNullException.ThrowIfNull(what);
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(match);
        StringComparison comparison = ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        if (match.Exact is { } exact)
        {
            return string.Equals(value, exact, comparison) ? null : $"{what} is not \"{exact}\"{(ignoreCase ? " (ignoring case)" : string.Empty)}";
        }

        if (match.Prefix is { } prefix)
        {
            return value.StartsWith(prefix, comparison) ? null : $"{what} does not start with \"{prefix}\"{(ignoreCase ? " (ignoring case)" : string.Empty)}";
        }

        if (match.Regex is { } pattern)
        {
            Regex? regex = FullMatch(pattern);
            if (regex is null)
            {
                return $"regex \"{pattern}\" is invalid, so it matches nothing: {FieldRules.RegexProblem(pattern)}";
            }

            return regex.IsMatch(value) ? null : $"{what} does not match regex \"{pattern}\"";
        }

        return null;
    }

    private static (bool Matched, ImmutableArray<string> Reasons) Evaluate(HttpRouteRule? rule, RequestFacts facts, string[] bound, string vsNamespace)
    {
        if (rule is null)
        {
            return (false, ["the rule is empty (null); Istio rejects such a VirtualService"]);
        }

        if (rule.Match is not { Count: > 0 } alternatives)
        {
            return (true, ["no match conditions: takes every request"]);
        }

        ImmutableArray<string>.Builder failures = ImmutableArray.CreateBuilder<string>();
        for (int a = 0; a < alternatives.Count; a++)
        {
            HttpMatchRequest match = alternatives[a] ?? new HttpMatchRequest();
            List<string> failed = Failures(match, facts, bound, vsNamespace);
            string prefix = alternatives.Count > 1 ? $"match[{a.ToString(CultureInfo.InvariantCulture)}]: " : string.Empty;
            if (failed.Count == 0)
            {
                string what = match.IsEmpty || OnlyNonConditions(match) ? "an empty match takes every request" : "matched " + RoutingFacts.Describe(match);
                string notEvaluated = NotEvaluated(match) is { Length: > 0 } unknown ? $" (not evaluated: {unknown})" : string.Empty;
                return (true, [prefix + what + notEvaluated]);
            }

            failures.Add(prefix + string.Join("; ", failed));
        }

        return (false, failures.ToImmutable());
    }

    private static List<string> Failures(HttpMatchRequest match, RequestFacts facts, string[] bound, string vsNamespace)
    {
        var failed = new List<string>();
        if (match.Gateways is { Count: > 0 } matchGateways)
        {
            string[] gateways = GatewaysOf(matchGateways, vsNamespace);
            if (!gateways.Contains(facts.Gateway, StringComparer.Ordinal))
            {
                failed.Add($"applies only to {string.Join(", ", gateways)}, and the request comes through {facts.Gateway}");
            }
        }
        else if (!bound.Contains(facts.Gateway, StringComparer.Ordinal))
        {
            failed.Add($"applies only to {string.Join(", ", bound)}, and the request comes through {facts.Gateway}");
        }

        bool ignoreCase = match.IgnoreUriCase == true;
        Add(failed, match.Uri is null ? null : StringMatchFailure($"uri {facts.Path}", facts.Path, match.Uri, ignoreCase));
        Add(failed, match.Scheme is null ? null : StringMatchFailure($"scheme {facts.Scheme}", facts.Scheme, match.Scheme));
        Add(failed, match.Method is null ? null : StringMatchFailure($"method {facts.Method}", facts.Method, match.Method));
        Add(failed, match.Authority is null ? null : StringMatchFailure($"authority {facts.Authority}", facts.Authority, match.Authority));

        foreach ((string name, StringMatch condition) in match.Headers ?? ImmutableDictionary<string, StringMatch>.Empty)
        {
            if (!facts.Headers.TryGetValue(name, out string? value))
            {
                failed.Add($"header {name} is absent");
            }
            else if (!IsPresenceOnly(condition))
            {
                Add(failed, StringMatchFailure($"header {name} \"{value}\"", value, condition!));
            }
        }

        foreach ((string name, StringMatch condition) in match.WithoutHeaders ?? ImmutableDictionary<string, StringMatch>.Empty)
        {
            if (!facts.Headers.TryGetValue(name, out string? value))
            {
                // Istio sets treat_missing_header_as_empty on these: an absent header is "", which satisfies
                // the negation unless "" itself matches (exact "", a regex like a*).
                if (!IsPresenceOnly(condition) && StringMatchFailure(name, string.Empty, condition!) is null)
                {
                    failed.Add($"header {name} is absent, which withoutHeaders treats as \"\", and \"\" matches {condition}");
                }

                continue;
            }

            if (IsPresenceOnly(condition))
            {
                failed.Add($"header {name} is present, and withoutHeaders asks for it to be absent");
            }
            else if (StringMatchFailure(name, value, condition!) is null)
            {
                failed.Add($"header {name} \"{value}\" matches withoutHeaders {condition}");
            }
        }

        foreach ((string name, StringMatch condition) in match.QueryParams ?? ImmutableDictionary<string, StringMatch>.Empty)
        {
            if (!facts.Query.TryGetValue(name, out string? value))
            {
                failed.Add($"query parameter {name} is absent");
            }
            else if (condition is not null && (condition.Exact is not null || (condition.Regex is not null && !IsPresenceOnly(condition))))
            {
                // Istio translates only exact and regex for query parameters; anything else asks for presence.
                Add(failed, StringMatchFailure($"query parameter {name} \"{value}\"", value, condition with { Prefix = null }));
            }
        }

        foreach ((string key, string expected) in match.SourceLabels ?? ImmutableDictionary<string, string>.Empty)
        {
            if (!facts.SourceLabels.TryGetValue(key, out string? actual))
            {
                failed.Add($"the caller has no label {key} (the rule wants {key}={expected})");
            }
            else if (!string.Equals(actual, expected, StringComparison.Ordinal))
            {
                failed.Add($"the caller's label {key} is {actual}, not {expected}");
            }
        }

        if (match.SourceNamespace is { } sourceNamespace)
        {
            if (facts.SourceNamespace is null)
            {
                failed.Add($"the caller's namespace is not given (the rule wants {sourceNamespace})");
            }
            else if (!string.Equals(facts.SourceNamespace, sourceNamespace, StringComparison.Ordinal))
            {
                failed.Add($"the caller's namespace {facts.SourceNamespace} is not {sourceNamespace}");
            }
        }

        if (match.Port is int port)
        {
            if (facts.Port is not int requestPort)
            {
                failed.Add($"the request's port is not given (the rule wants port {port.ToString(CultureInfo.InvariantCulture)})");
            }
            else if (requestPort != port)
            {
                failed.Add($"port {requestPort.ToString(CultureInfo.InvariantCulture)} is not {port.ToString(CultureInfo.InvariantCulture)}");
            }
        }

        return failed;
    }

    private static SimulationResult Outcome(VirtualService virtualService, HttpRouteRule rule, int index, ImmutableArray<RuleEvaluation> evaluations, IReadOnlyDictionary<string, string> subsetVersions)
    {
        string ruleLabel = RuleLabel(rule, index);
        ImmutableArray<string> faults = DescribeFaults(rule.Fault);
        var result = new SimulationResult { Matched = true, RuleIndex = index, Evaluations = evaluations, Faults = faults };
        string faultText = faults.IsEmpty ? string.Empty : $" Injected faults: {string.Join("; ", faults)}.";

        if (rule.Redirect is { ValueKind: JsonValueKind.Object } redirect)
        {
            return result with { Summary = $"Rule {ruleLabel} takes the request and redirects it: {DescribeRedirect(redirect)}." + faultText };
        }

        if (rule.DirectResponse is { ValueKind: JsonValueKind.Object } direct)
        {
            return result with { Summary = $"Rule {ruleLabel} takes the request and answers it directly: {DescribeDirectResponse(direct)}." + faultText };
        }

        if (rule.Delegate is { ValueKind: JsonValueKind.Object } @delegate)
        {
            string target = $"{Text(@delegate, "namespace") ?? virtualService.Namespace}/{Text(@delegate, "name") ?? "(no name)"}";
            return result with { Summary = $"Rule {ruleLabel} takes the request and delegates it to VirtualService {target}, whose rules decide (the simulator does not follow delegation)." + faultText };
        }

        IReadOnlyList<HttpRouteDestination> route = rule.Route ?? [];
        VersionNaming naming = new(virtualService, subsetVersions);
        DestinationShare? mirror = rule.Mirror is { } m
            ? Share(m, Math.Clamp(RoutingFacts.MirrorPercentOf(rule), 0, 100) / 100.0, naming)
            : null;
        string mirrorText = mirror is null ? string.Empty : $" A copy of {Percent(mirror.Probability)} of them goes to {Name(mirror)} (responses to copies are discarded).";
        mirrorText += DescribeMirrors(rule);
        result = result with { Mirror = mirror };

        if (route.Count == 0)
        {
            return result with { Summary = $"Rule {ruleLabel} takes the request but has no destination, redirect or direct response; Istio rejects such a rule." + faultText };
        }

        double[] weights = route.Count == 1 ? [1] : [.. route.Select(static d => (double)Math.Max(0, d?.Weight ?? 0))];
        double total = weights.Sum();
        if (total == 0)
        {
            return result with
            {
                Summary = $"Rule {ruleLabel} takes the request, but all {Count(route.Count, "destination")} have weight 0 (or none), so it sends the request nowhere; Istio rejects such a route (total destination weight = 0)." + faultText,
            };
        }

        ImmutableArray<DestinationShare> shares = [.. route.Select((d, i) => Share(d?.Destination, weights[i] / total, naming))];
        string negative = route.Count > 1 && route.Any(static d => d?.Weight < 0) ? " Negative weights count as 0 here; Istio rejects them." : string.Empty;
        string where = string.Join(", ", shares.Select(static s => $"{Name(s)} {Percent(s.Probability)}"));
        return result with
        {
            Destinations = shares,
            Summary = $"Rule {ruleLabel} takes the request: {where}.{negative}{mirrorText}{faultText}",
        };
    }

    /// <summary>The request as the matchers see it: path without query, merged query parameters, the authority in force.</summary>
    private sealed record RequestFacts(
        string Path,
        string Method,
        string Scheme,
        string Authority,
        IReadOnlyDictionary<string, string> Headers,
        IReadOnlyDictionary<string, string> Query,
        IReadOnlyDictionary<string, string> SourceLabels,
        string? SourceNamespace,
        int? Port,
        string Gateway)
    {
        public static RequestFacts Of(SimulatedRequest request, VirtualServiceSpec spec, string vsNamespace)
        {
            string raw = string.IsNullOrEmpty(request.Path) ? "/" : request.Path;
            int mark = raw.IndexOf('?', StringComparison.Ordinal);
            string path = mark < 0 ? raw : raw[..mark];
            var query = new Dictionary<string, string>(StringComparer.Ordinal);
            if (mark >= 0)
            {
                foreach (string pair in raw[(mark + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
                {
                    int eq = pair.IndexOf('=', StringComparison.Ordinal);
                    string key = Decode(eq < 0 ? pair : pair[..eq]);
                    string value = eq < 0 ? string.Empty : Decode(pair[(eq + 1)..]);
                    query.TryAdd(key, value); // Envoy matches the first value of a repeated parameter
                }
            }

            foreach ((string key, string value) in request.Query)
            {
                query.TryAdd(key, value);
            }

            // Names are case-insensitive whatever comparer the caller's dictionary has.
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach ((string key, string value) in request.Headers)
            {
                headers.TryAdd(key, value);
            }

            // An HTTP/1 Host header is the :authority; Envoy matches pseudo-headers like any other.
            string authority = request.Authority
                ?? (headers.TryGetValue("host", out string? host) ? host : null)
                ?? (spec.Hosts is { Count: > 0 } hosts ? hosts[0] : string.Empty);
            headers.TryAdd(":authority", authority);
            headers.TryAdd(":method", request.Method);
            headers.TryAdd(":path", raw);
            headers.TryAdd(":scheme", request.Scheme);

            string gateway = string.IsNullOrWhiteSpace(request.Gateway) ? Mesh : ResourceRules.ResolveGateway(request.Gateway, vsNamespace);
            return new RequestFacts(
                path,
                request.Method,
                request.Scheme,
                authority,
                headers,
                query,
                request.SourceLabels,
                request.SourceNamespace,
                request.Port,
                gateway);
        }

        private static string Decode(string text)
        {
            try
            {
                return Uri.UnescapeDataString(text);
            }
            catch (UriFormatException)
            {
                return text;
            }
        }
    }

    /// <summary>Names versions only for subsets of the hosts the subset map can be about.</summary>
    private sealed class VersionNaming(VirtualService virtualService, IReadOnlyDictionary<string, string> subsetVersions)
    {
        private readonly HashSet<string> _hosts = Hosts(virtualService);

        public string? VersionOf(string host, string? subset) =>
            subset is not null && host.Length > 0 && _hosts.Contains(HostNames.Resolve(host, virtualService.Namespace))
            && subsetVersions.TryGetValue(subset, out string? version) ? version : null;

        // The VirtualService's own hosts, or, when all its subset destinations go to one host (a gateway's
        // VirtualService for bookinfo.com routing to productpage), that host.
        private static HashSet<string> Hosts(VirtualService vs)
        {
            var hosts = new HashSet<string>((vs.Spec?.Hosts ?? []).Select(h => HostNames.Resolve(h, vs.Namespace)), StringComparer.Ordinal);
            string[] targets = [.. (vs.Spec?.Http ?? [])
                .Where(static r => r is not null)
                .SelectMany(static r => (r.Route ?? []).Select(static d => d?.Destination).Append(r.Mirror))
                .Where(static d => d?.Subset is not null && !string.IsNullOrEmpty(d.Host))
                .Select(d => HostNames.Resolve(d!.Host!, vs.Namespace))
                .Distinct(StringComparer.Ordinal)];
            if (targets.Length == 1)
            {
                hosts.Add(targets[0]);
            }

            return hosts;
        }
    }
}
