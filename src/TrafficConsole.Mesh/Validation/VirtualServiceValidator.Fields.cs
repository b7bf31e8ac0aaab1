using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;

using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Routing;

namespace TrafficConsole.Mesh.Validation;

/// <summary>The field checks of a VirtualService: what Istio's admission webhook and CRD schema reject or warn about.</summary>
public static partial class VirtualServiceValidator
{
    private static void ValidateHostsAndGateways(VirtualServiceSpec spec, ImmutableArray<ValidationIssue>.Builder issues)
    {
        IReadOnlyList<string> gateways = spec.Gateways ?? [];
        bool appliesToMesh = gateways.Count == 0 || gateways.Contains(ResourceRules.MeshGateway, StringComparer.Ordinal);
        IReadOnlyList<string> hosts = spec.Hosts ?? [];
        for (int h = 0; h < hosts.Count; h++)
        {
            string? problem = hosts[h] == "*" && appliesToMesh
                ? "The host '*' is not allowed for a VirtualService that applies to sidecars (mesh); Istio rejects it. Name the hosts, or bind it to gateways only."
                : ResourceRules.HostProblem(hosts[h]);
            if (problem is not null)
            {
                issues.Add(new(ValidationCodes.InvalidHost, Severity.Error, $"spec.hosts[{Index(h)}]", problem));
            }
        }

        ValidateGatewayReferences(gateways, "spec.gateways", issues);
    }

    private static void ValidateGatewayReferences(IReadOnlyList<string> gateways, string path, ImmutableArray<ValidationIssue>.Builder issues)
    {
        for (int g = 0; g < gateways.Count; g++)
        {
            string at = $"{path}[{Index(g)}]";
            if (ResourceRules.GatewayReferenceProblem(gateways[g]) is { } problem)
            {
                issues.Add(new(ValidationCodes.VirtualServiceInvalidGatewayReference, Severity.Error, at, problem));
            }
            else if (ResourceRules.IsLegacyGatewayReference(gateways[g]))
            {
                issues.Add(new(ValidationCodes.LegacyGatewayReference, Severity.Warning, at,
                    $"'{gateways[g]}' uses the deprecated name.namespace form; write {ResourceRules.ResolveGateway(gateways[g], string.Empty)}."));
            }
        }
    }

    /// <summary>
    /// The first rule that takes every request: no (or an empty) match, or, as Istio counts it, a match whose only
    /// condition is <c>uri prefix "/"</c> or <c>uri regex "*"</c>/<c>".*"</c>. Istio drops the rules after it. -1 when none.
    /// </summary>
    public static int IndexOfEffectiveCatchAll(IReadOnlyList<HttpRouteRule> http)
    {
        ArgumentNullException.ThrowIfNull(http);
        for (int i = 0; i < http.Count; i++)
        {
            if (http[i].IsCatchAll || http[i].Match!.Any(IsAllUris))
            {
                return i;
            }
        }

        return -1;
    }

    private static bool IsAllUris(HttpMatchRequest match) =>
        match.Uri is { Exact: null } uri && (uri is { Prefix: "/", Regex: null } || uri is { Prefix: null, Regex: "*" or ".*" })
        && (match with { Uri = null, Name = null, IgnoreUriCase = null }).IsEmpty;

    // An earlier rule with the same match takes every request this one could: it never receives traffic.
    private static void ValidateShadowing(IReadOnlyList<HttpRouteRule> http, int r, Dictionary<string, int> earlierMatches, ImmutableArray<ValidationIssue>.Builder issues)
    {
        HttpRouteRule rule = http[r];
        if (rule.IsCatchAll)
        {
            return;
        }

        string[] alternatives = [.. rule.Match!.Select(static m => ResourceRules.Canonical(m, "name"))];
        int[] shadows = [.. alternatives.Select(a => earlierMatches.TryGetValue(a, out int earlier) ? earlier : -1)];
        if (shadows.All(static s => s >= 0))
        {
            string earlier = string.Join(", ", shadows.Distinct().Order().Select(e => Describe(http[e], e)));
            string what = alternatives.Length == 1 ? "its match" : "each of its matches";
            issues.Add(new(ValidationCodes.ShadowedByIdenticalMatch, Severity.Warning, $"spec.http[{Index(r)}].match",
                $"Route {Describe(rule, r)} never receives traffic: {what} also appears in earlier route {earlier}, which takes those requests first."));
        }

        foreach (string alternative in alternatives)
        {
            earlierMatches.TryAdd(alternative, r);
        }
    }

    private static void ValidateRuleFields(HttpRouteRule rule, string path, ImmutableArray<ValidationIssue>.Builder issues)
    {
        ValidateActions(rule, path, issues);
        IReadOnlyList<HttpMatchRequest> matches = rule.Match ?? [];
        for (int m = 0; m < matches.Count; m++)
        {
            ValidateMatch(matches[m], $"{path}.match[{Index(m)}]", issues);
        }

        if (rule.Timeout is { } timeout && ResourceRules.DurationProblem(timeout) is { } timeoutProblem)
        {
            issues.Add(new(ValidationCodes.VirtualServiceInvalidDuration, Severity.Error, path + ".timeout", "timeout: " + timeoutProblem));
        }

        ValidateRetries(rule.Retries, path + ".retries", issues);
        ValidateFault(rule.Fault, path + ".fault", issues);
        ValidateHeaderOperations(rule.Headers, path + ".headers", issues);
        IReadOnlyList<HttpRouteDestination> route = rule.Route ?? [];
        for (int d = 0; d < route.Count; d++)
        {
            ValidateHeaderOperations(route[d].Headers, $"{path}.route[{Index(d)}].headers", issues);
        }

        if (rule.Rewrite?.UriRegexRewrite is { } regexRewrite)
        {
            if (FieldRules.RegexProblem(regexRewrite.Match) is { } problem)
            {
                issues.Add(new(ValidationCodes.VirtualServiceInvalidRegex, Severity.Error, path + ".rewrite.uriRegexRewrite.match", problem));
            }

            if (rule.Rewrite.Uri is not null)
            {
                issues.Add(new(ValidationCodes.ConflictingActions, Severity.Error, path + ".rewrite",
                    "rewrite sets both uri and uriRegexRewrite; Istio accepts only one of them."));
            }
        }
    }

    private static void ValidateActions(HttpRouteRule rule, string path, ImmutableArray<ValidationIssue>.Builder issues)
    {
        bool route = rule.Route is { Count: > 0 };
        bool redirect = rule.Redirect is { ValueKind: JsonValueKind.Object };
        bool direct = rule.DirectResponse is { ValueKind: JsonValueKind.Object };
        bool @delegate = rule.Delegate is { ValueKind: JsonValueKind.Object };
        if (!route && !redirect && !direct && !@delegate)
        {
            issues.Add(new(ValidationCodes.RouteWithoutAction, Severity.Error, path,
                "The route has no destination (route), redirect, directResponse or delegate; Istio rejects it (\"HTTP route or redirect is required\")."));
        }

        void Conflict(string what) => issues.Add(new(ValidationCodes.ConflictingActions, Severity.Error, path, $"The route has both {what}; Istio rejects that. Keep one."));
        if (route && redirect)
        {
            Conflict("route and redirect");
        }

        if (route && direct)
        {
            Conflict("route and directResponse");
        }

        if (redirect && direct)
        {
            Conflict("redirect and directResponse");
        }

        if (redirect && rule.Fault is not null)
        {
            Conflict("redirect and fault");
        }

        if (redirect && rule.Rewrite is not null)
        {
            Conflict("redirect and rewrite");
        }

        if (rule.Mirror is not null && rule.Extra?.TryGetValue("mirrors", out JsonElement mirrors) == true && mirrors.ValueKind == JsonValueKind.Array && mirrors.GetArrayLength() > 0)
        {
            Conflict("mirror and mirrors");
        }

        if (redirect)
        {
            int? code = rule.Redirect!.Value.TryGetProperty("redirectCode", out JsonElement c) && c.TryGetInt32(out int n) ? n : null;
            if (code is int redirectCode and not 0 and (< 300 or > 399))
            {
                issues.Add(new(ValidationCodes.InvalidHttpStatus, Severity.Error, path + ".redirect.redirectCode",
                    $"{redirectCode.ToString(CultureInfo.InvariantCulture)} is not a redirect code (300..399)."));
            }
        }

        if (direct)
        {
            int? status = rule.DirectResponse!.Value.TryGetProperty("status", out JsonElement s) && s.TryGetInt32(out int n) ? n : null;
            if (FieldRules.HttpStatusProblem(status) is { } problem)
            {
                issues.Add(new(ValidationCodes.InvalidHttpStatus, Severity.Error, path + ".directResponse.status", problem));
            }
        }
    }

    private static void ValidateMatch(HttpMatchRequest match, string path, ImmutableArray<ValidationIssue>.Builder issues)
    {
        ValidateStringMatch(match.Uri, path + ".uri", issues);
        ValidateStringMatch(match.Scheme, path + ".scheme", issues);
        ValidateStringMatch(match.Method, path + ".method", issues);
        ValidateStringMatch(match.Authority, path + ".authority", issues);
        foreach ((string name, StringMatch value) in match.Headers ?? ImmutableDictionary<string, StringMatch>.Empty)
        {
            ValidateMatchHeaderName(name, $"{path}.headers[{name}]", issues);
            ValidateStringMatch(value, $"{path}.headers[{name}]", issues);
        }

        foreach ((string name, StringMatch value) in match.WithoutHeaders ?? ImmutableDictionary<string, StringMatch>.Empty)
        {
            ValidateMatchHeaderName(name, $"{path}.withoutHeaders[{name}]", issues);
            ValidateStringMatch(value, $"{path}.withoutHeaders[{name}]", issues);
        }

        foreach ((string name, StringMatch value) in match.QueryParams ?? ImmutableDictionary<string, StringMatch>.Empty)
        {
            string at = $"{path}.queryParams[{name}]";
            ValidateStringMatch(value, at, issues);
            if (value is { Prefix: not null, Exact: null, Regex: null })
            {
                issues.Add(new(ValidationCodes.QueryParamPrefix, Severity.Warning, at + ".prefix",
                    $"Istio does not support prefix matches for query parameters: this only checks that '{name}' is present. Use exact or regex (e.g. {EscapeForRegex(value.Prefix)}.*)."));
            }
        }

        if (match.Port is int port && ResourceRules.PortProblem(port) is { } portProblem)
        {
            issues.Add(new(ValidationCodes.InvalidPort, Severity.Error, path + ".port", portProblem));
        }

        if (match.SourceNamespace is { } sourceNamespace && !SubsetNames.IsValid(sourceNamespace))
        {
            issues.Add(new(ValidationCodes.InvalidSourceNamespace, Severity.Error, path + ".sourceNamespace",
                $"sourceNamespace '{sourceNamespace}' is not a namespace name (a DNS-1123 label)."));
        }

        ValidateGatewayReferences(match.Gateways ?? [], path + ".gateways", issues);
    }

    private static void ValidateStringMatch(StringMatch? match, string path, ImmutableArray<ValidationIssue>.Builder issues)
    {
        if (match is null)
        {
            return;
        }

        string[] set = [.. new[] { ("exact", match.Exact), ("prefix", match.Prefix), ("regex", match.Regex) }.Where(static p => p.Item2 is not null).Select(static p => p.Item1)];
        if (set.Length > 1)
        {
            issues.Add(new(ValidationCodes.AmbiguousStringMatch, Severity.Error, path,
                $"The match sets {string.Join(" and ", set)}; a string match takes exactly one of exact, prefix or regex, and Istio rejects more."));
        }

        if (match.Regex is { } regex && regex is not "*" && FieldRules.RegexProblem(regex) is { } problem)
        {
            issues.Add(new(ValidationCodes.VirtualServiceInvalidRegex, Severity.Error, path + ".regex", problem));
        }
    }

    private static void ValidateMatchHeaderName(string name, string path, ImmutableArray<ValidationIssue>.Builder issues)
    {
        // Pseudo-headers (:authority, :path, ...) can be matched.
        string token = name.StartsWith(':') && name.Length > 1 ? name[1..] : name;
        ReportHeaderName(name, token, path, issues, warnUpperCase: true);
    }

    private static void ValidateHeaderOperations(Headers? headers, string path, ImmutableArray<ValidationIssue>.Builder issues)
    {
        if (headers is null)
        {
            return;
        }

        foreach ((string side, HeaderOperations? operations) in new[] { ("request", headers.Request), ("response", headers.Response) })
        {
            if (operations is null)
            {
                continue;
            }

            IEnumerable<(string Op, string Name)> names = (operations.Set?.Keys ?? []).Select(static n => ("set", n))
                .Concat((operations.Add?.Keys ?? []).Select(static n => ("add", n)))
                .Concat((operations.Remove ?? []).Select(static n => ("remove", n)));
            foreach ((string op, string name) in names)
            {
                string at = $"{path}.{side}.{op}[{name}]";
                bool authority = side == "request" && op != "remove"
                    && (string.Equals(name, ":authority", StringComparison.OrdinalIgnoreCase) || string.Equals(name, "host", StringComparison.OrdinalIgnoreCase));
                if (!authority && (name.StartsWith(':') || string.Equals(name, "host", StringComparison.OrdinalIgnoreCase)))
                {
                    issues.Add(new(ValidationCodes.VirtualServiceInvalidHeaderName, Severity.Error, at,
                        $"'{name}' is a pseudo-header Envoy manages; Istio rejects changing it (only :authority/host may be set on requests)."));
                    continue;
                }

                ReportHeaderName(name, authority ? "host" : name, at, issues, warnUpperCase: false);
            }
        }
    }

    private static void ReportHeaderName(string name, string token, string path, ImmutableArray<ValidationIssue>.Builder issues, bool warnUpperCase)
    {
        if (FieldRules.HeaderNameProblem(token.ToLowerInvariant()) is { } problem)
        {
            issues.Add(new(ValidationCodes.VirtualServiceInvalidHeaderName, Severity.Error, path,
                string.IsNullOrEmpty(name) ? "A header name is required." : problem.Replace($"'{token.ToLowerInvariant()}'", $"'{name}'", StringComparison.Ordinal)));
        }
        else if (warnUpperCase && name.Any(char.IsUpper))
        {
            issues.Add(new(ValidationCodes.UppercaseHeaderName, Severity.Warning, path,
                $"Header '{name}' has capitals; Envoy compares names in lower case and older Istio releases reject it. Write '{name.ToLowerInvariant()}'."));
        }
    }

    private static void ValidateRetries(HttpRetry? retries, string path, ImmutableArray<ValidationIssue>.Builder issues)
    {
        if (retries is null)
        {
            return;
        }

        int attempts = retries.Attempts ?? 0;
        if (attempts < 0)
        {
            issues.Add(new(ValidationCodes.InvalidRetries, Severity.Error, path + ".attempts", $"attempts {attempts.ToString(CultureInfo.InvariantCulture)} is negative."));
        }
        else if (attempts == 0 && (retries.PerTryTimeout is not null || !string.IsNullOrEmpty(retries.RetryOn)))
        {
            issues.Add(new(ValidationCodes.InvalidRetries, Severity.Error, path + ".attempts",
                "perTryTimeout or retryOn is set but attempts is 0 (retries disabled); Istio rejects that. Set attempts, or remove the retry settings."));
        }

        if (retries.PerTryTimeout is { } perTry && ResourceRules.DurationProblem(perTry) is { } problem)
        {
            issues.Add(new(ValidationCodes.VirtualServiceInvalidDuration, Severity.Error, path + ".perTryTimeout", "perTryTimeout: " + problem));
        }
    }

    private static void ValidateFault(HttpFaultInjection? fault, string path, ImmutableArray<ValidationIssue>.Builder issues)
    {
        if (fault is null)
        {
            return;
        }

        if (fault.Delay is null && fault.Abort is null)
        {
            issues.Add(new(ValidationCodes.EmptyFault, Severity.Error, path, "The fault has neither a delay nor an abort; Istio rejects it."));
        }

        if (fault.Delay is { } delay)
        {
            if (delay.FixedDelay is { } fixedDelay)
            {
                if (ResourceRules.DurationProblem(fixedDelay) is { } problem)
                {
                    issues.Add(new(ValidationCodes.VirtualServiceInvalidDuration, Severity.Error, path + ".delay.fixedDelay", "fixedDelay: " + problem));
                }
            }
            else if (delay.Extra?.ContainsKey("exponentialDelay") != true)
            {
                issues.Add(new(ValidationCodes.IneffectiveFault, Severity.Warning, path + ".delay", "The delay has no fixedDelay, so Istio injects nothing."));
            }

            ValidateFaultPercent(delay.Percentage, delay.Extra, path + ".delay", issues);
        }

        if (fault.Abort is { } abort)
        {
            if (abort.HttpStatus is int status && FieldRules.HttpStatusProblem(status) is { } problem)
            {
                issues.Add(new(ValidationCodes.InvalidHttpStatus, Severity.Error, path + ".abort.httpStatus", problem));
            }
            else if (abort.HttpStatus is null && abort.GrpcStatus is null && abort.Extra?.ContainsKey("http2Error") != true)
            {
                issues.Add(new(ValidationCodes.IneffectiveFault, Severity.Warning, path + ".abort", "The abort sets no httpStatus or grpcStatus, so Istio injects nothing."));
            }

            ValidateFaultPercent(abort.Percentage, abort.Extra, path + ".abort", issues);
        }
    }

    private static void ValidateFaultPercent(Percent? percentage, IDictionary<string, JsonElement>? extra, string path, ImmutableArray<ValidationIssue>.Builder issues)
    {
        if (percentage is not null && FieldRules.PercentProblem(percentage.Value ?? 0) is { } problem)
        {
            issues.Add(new(ValidationCodes.FaultPercentageOutOfRange, Severity.Error, path + ".percentage.value", "percentage: " + problem));
        }

        if (extra is not null && extra.TryGetValue("percent", out JsonElement legacy))
        {
            issues.Add(new(ValidationCodes.DeprecatedField, Severity.Warning, path + ".percent", "percent is deprecated; use percentage.value (fractions allowed)."));
            if (legacy.ValueKind == JsonValueKind.Number && FieldRules.PercentProblem(legacy.GetDouble()) is { } legacyProblem)
            {
                issues.Add(new(ValidationCodes.FaultPercentageOutOfRange, Severity.Error, path + ".percent", "percent: " + legacyProblem));
            }
        }
    }

    private static void ValidateLegacyMirrorPercent(HttpRouteRule rule, string path, ImmutableArray<ValidationIssue>.Builder issues)
    {
        if (rule.Extra is null || !rule.Extra.TryGetValue("mirrorPercent", out JsonElement legacy))
        {
            return;
        }

        issues.Add(new(ValidationCodes.DeprecatedField, Severity.Warning, path + ".mirrorPercent", "mirrorPercent is deprecated; use mirrorPercentage.value."));
        if (legacy.ValueKind == JsonValueKind.Number && FieldRules.PercentProblem(legacy.GetDouble()) is { } problem)
        {
            issues.Add(new(ValidationCodes.MirrorPercentageOutOfRange, Severity.Error, path + ".mirrorPercent", "Mirror percentage " + problem));
        }
    }

    private static void ValidateMirrors(HttpRouteRule rule, string path, string vsNamespace, VirtualServiceValidationContext context, ImmutableArray<ValidationIssue>.Builder issues)
    {
        if (rule.Extra is null || !rule.Extra.TryGetValue("mirrors", out JsonElement mirrors) || mirrors.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        int i = 0;
        foreach (JsonElement mirror in mirrors.EnumerateArray())
        {
            string at = $"{path}.mirrors[{Index(i++)}]";
            Destination? destination = mirror.ValueKind == JsonValueKind.Object && mirror.TryGetProperty("destination", out JsonElement d) && d.ValueKind == JsonValueKind.Object
                ? d.Deserialize<Destination>(MeshJson.Options)
                : null;
            ValidateDestination(destination, at + ".destination", vsNamespace, context, issues);
            if (mirror.ValueKind == JsonValueKind.Object && mirror.TryGetProperty("percentage", out JsonElement p) && p.ValueKind == JsonValueKind.Object
                && p.TryGetProperty("value", out JsonElement v) && v.ValueKind == JsonValueKind.Number && FieldRules.PercentProblem(v.GetDouble()) is { } problem)
            {
                issues.Add(new(ValidationCodes.MirrorPercentageOutOfRange, Severity.Error, at + ".percentage.value", "Mirror percentage " + problem));
            }
        }
    }

    private static string EscapeForRegex(string text) => System.Text.RegularExpressions.Regex.Escape(text);

    private static string Index(int i) => i.ToString(CultureInfo.InvariantCulture);
}
