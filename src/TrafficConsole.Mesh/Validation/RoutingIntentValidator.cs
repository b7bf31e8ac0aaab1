using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;

using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Services;

namespace TrafficConsole.Mesh.Validation;

/// <summary>Checks a routing intent (a draft of the rule editor) against the service it is meant for, before anything is planned.</summary>
/// <remarks>
/// Paths name the field as the editor shows it: <c>rules[0].matches[1].conditions[2].value</c>, <c>rules[1].destinations[v2]</c>,
/// <c>defaultRoute.fault.delay.fixedDelay</c>, <c>policy.outlierDetection.interval</c>, <c>versionPolicies[v2].consistentHash.name</c>.
/// Read-only rules are written back as they are, so only their position (shadowing) and name are checked.
/// </remarks>
public static partial class RoutingIntentValidator
{
    /// <summary>All issues of <paramref name="intent"/> for <paramref name="view"/>; no Error means it can be planned.</summary>
    public static ImmutableArray<ValidationIssue> Validate(ServiceView view, RoutingIntent intent)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(intent);
        var issues = ImmutableArray.CreateBuilder<ValidationIssue>();
        ImmutableArray<RouteRule> rules = intent.Rules.IsDefault ? [] : intent.Rules;

        if (rules.IsEmpty && intent.DefaultRoute is null)
        {
            issues.Add(new(ValidationCodes.NoRoutes, Severity.Error, "defaultRoute", "There is no rule and no default route, so every request would get 404; add a default route."));
        }

        for (int i = 0; i < rules.Length; i++)
        {
            ValidateRule(view, rules[i], $"rules[{i.ToString(CultureInfo.InvariantCulture)}]", issues);
        }

        if (intent.DefaultRoute is { } defaultRoute)
        {
            ValidateRule(view, defaultRoute, "defaultRoute", issues);
        }

        CheckOrder(intent, issues);
        CheckBinding(view, intent, issues);

        if (intent.Policy is { } policy)
        {
            ValidatePolicy(policy, "policy", issues);
        }

        foreach ((string version, TrafficPolicyIntent versionPolicy) in intent.VersionPolicies.OrderBy(static p => p.Key, StringComparer.Ordinal))
        {
            string path = $"versionPolicies[{version}]";
            if (view.FindVersion(version) is not { IsVersioned: true })
            {
                issues.Add(new(ValidationCodes.UnknownVersionPolicy, Severity.Error, path,
                    $"Service {view.Name} has no version '{version}' that a subset can select, so this policy would apply to nothing."));
            }

            ValidatePolicy(versionPolicy, path, issues);
        }

        return issues.ToImmutable();
    }

    private static void ValidateRule(ServiceView view, RouteRule rule, string path, ImmutableArray<ValidationIssue>.Builder issues)
    {
        if (rule.ReadOnlyReason is not null)
        {
            return;
        }

        ImmutableArray<RequestMatch> matches = rule.Matches.IsDefault ? [] : rule.Matches;
        for (int m = 0; m < matches.Length; m++)
        {
            ValidateMatch(matches[m], $"{path}.matches[{m.ToString(CultureInfo.InvariantCulture)}]", issues);
        }

        ValidateDestinations(view, rule.Destinations, path, issues);

        if (rule.Fault is { } fault)
        {
            if (fault.Delay is { } delay)
            {
                Duration(delay.FixedDelay, $"{path}.fault.delay.fixedDelay", "The delay", issues);
                Percent(delay.Percent, $"{path}.fault.delay.percent", "The delay percentage", issues);
            }

            if (fault.Abort is { } abort)
            {
                if (FieldRules.HttpStatusProblem(abort.HttpStatus) is { } statusProblem)
                {
                    issues.Add(new(ValidationCodes.InvalidAbortStatus, Severity.Error, $"{path}.fault.abort.httpStatus", statusProblem));
                }

                Percent(abort.Percent, $"{path}.fault.abort.percent", "The abort percentage", issues);
            }
        }

        if (rule.Timeout is not null)
        {
            Duration(rule.Timeout, $"{path}.timeout", "The timeout", issues);
        }

        if (rule.Retries is { } retries)
        {
            if (retries.Attempts < 0)
            {
                issues.Add(new(ValidationCodes.NegativeRetryAttempts, Severity.Error, $"{path}.retries.attempts",
                    $"{retries.Attempts.ToString(CultureInfo.InvariantCulture)} retry attempts: use 0 to disable retries, or a positive number."));
            }

            if (retries.PerTryTimeout is not null)
            {
                Duration(retries.PerTryTimeout, $"{path}.retries.perTryTimeout", "The per-try timeout", issues);
            }

            // Only when the draft makes it so: retries read like this from the cluster are written back as they were.
            bool asRead = retries.Origin is { } read && (read.Attempts ?? 0) == retries.Attempts
                && read.PerTryTimeout == retries.PerTryTimeout && read.RetryOn == retries.RetryOn;
            if (!asRead && retries.Attempts == 0 && (retries.PerTryTimeout is not null || !string.IsNullOrEmpty(retries.RetryOn)))
            {
                issues.Add(new(ValidationCodes.RetrySettingsWithoutAttempts, Severity.Error, $"{path}.retries.attempts",
                    "0 attempts disables retries, so the per-try timeout and retry conditions do nothing and Istio rejects them: set the attempts, or clear the other retry settings."));
            }
        }

        Rewrite(rule.RequestHeaders, $"{path}.requestHeaders", issues);
        Rewrite(rule.ResponseHeaders, $"{path}.responseHeaders", issues);
    }

    private static void ValidateMatch(RequestMatch match, string path, ImmutableArray<ValidationIssue>.Builder issues)
    {
        ImmutableArray<MatchCondition> conditions = match.Conditions.IsDefault ? [] : match.Conditions;
        var seen = new HashSet<(MatchField, string?, bool)>();
        for (int c = 0; c < conditions.Length; c++)
        {
            MatchCondition condition = conditions[c];
            string at = $"{path}.conditions[{c.ToString(CultureInfo.InvariantCulture)}]";
            string what = Describe(condition.Field);
            bool keyed = condition.Field is MatchField.Header or MatchField.QueryParam or MatchField.SourceLabel;

            if (keyed && string.IsNullOrEmpty(condition.Key))
            {
                issues.Add(new(ValidationCodes.MissingConditionKey, Severity.Error, at + ".key", $"Name the {what} this condition looks at."));
            }
            else if (condition.Field == MatchField.Header && FieldRules.HeaderNameProblem(condition.Key) is { } headerProblem)
            {
                issues.Add(new(ValidationCodes.InvalidHeaderName, Severity.Error, at + ".key", headerProblem));
            }

            if (!seen.Add((condition.Field, keyed ? condition.Key : null, condition.Negated)))
            {
                issues.Add(new(ValidationCodes.DuplicateCondition, Severity.Error, at,
                    $"This match already has a condition on {(keyed ? $"{what} '{condition.Key}'" : what)}; Istio holds one per {what} in a match, so combine them (a regex can express both) or add another match."));
            }

            if (OperatorProblem(condition) is { } operatorProblem)
            {
                issues.Add(new(ValidationCodes.OperatorNotAllowed, Severity.Error, condition.Negated && condition.Field != MatchField.Header ? at + ".negated" : at + ".operator", operatorProblem));
                continue;
            }

            bool valueOptional = condition.Operator == MatchOperator.Present
                || condition.Field == MatchField.SourceLabel
                || (condition.Field == MatchField.Header && condition.Operator == MatchOperator.Exact);
            if (!valueOptional && string.IsNullOrEmpty(condition.Value))
            {
                issues.Add(new(ValidationCodes.MissingConditionValue, Severity.Error, at + ".value",
                    $"Give the value the {what} is compared with{(condition.Field is MatchField.Header or MatchField.QueryParam ? ", or use 'present'" : string.Empty)}."));
            }
            else if (condition.Operator == MatchOperator.Regex && FieldRules.RegexProblem(condition.Value) is { } regexProblem)
            {
                issues.Add(new(ValidationCodes.InvalidRegex, Severity.Error, at + ".value", regexProblem));
            }
        }
    }

    private static string? OperatorProblem(MatchCondition condition)
    {
        if (condition.Negated && condition.Field != MatchField.Header)
        {
            return $"Only header conditions can be negated (withoutHeaders); Istio has no negation for the {Describe(condition.Field)}.";
        }

        return (condition.Field, condition.Operator) switch
        {
            (MatchField.SourceLabel, not MatchOperator.Exact) => "Source labels match exactly; Istio has no prefix, regex or presence match for them.",
            (MatchField.QueryParam, MatchOperator.Prefix) => "Istio does not support prefix matches on query parameters; use a regex such as '^value.*'.",
            (not (MatchField.Header or MatchField.QueryParam), MatchOperator.Present) => $"'present' applies to headers and query parameters only; the {Describe(condition.Field)} is always there.",
            _ => null,
        };
    }

    private static void ValidateDestinations(ServiceView view, TrafficSplit split, string path, ImmutableArray<ValidationIssue>.Builder issues)
    {
        ImmutableArray<VersionWeight> weights = split.Weights;
        if (weights.IsEmpty)
        {
            issues.Add(new(ValidationCodes.RuleNoDestinations, Severity.Error, path + ".destinations", "The rule sends traffic nowhere: give at least one version a weight."));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (VersionWeight weight in weights)
        {
            string at = $"{path}.destinations[{weight.Version}]";
            if (!seen.Add(weight.Version))
            {
                issues.Add(new(ValidationCodes.RuleDuplicateVersion, Severity.Error, at, $"Version '{weight.Version}' appears more than once; give it one weight."));
            }

            if (weight.Weight < 0)
            {
                issues.Add(new(ValidationCodes.RuleNegativeWeight, Severity.Error, at, $"Weight {weight.Weight.ToString(CultureInfo.InvariantCulture)} is negative; Istio rejects negative weights."));
            }

            if (CheckVersion(view, weight.Version, at, issues) && weight.Weight > 0 && view.FindVersion(weight.Version)!.ReadyReplicas == 0)
            {
                issues.Add(new(ValidationCodes.RuleVersionNotReady, Severity.Warning, at,
                    $"Version '{weight.Version}' has no ready pods; the requests this rule sends it fail until pods are ready."));
            }
        }

        if (weights.Length > 1 && weights.All(static w => w.Weight <= 0))
        {
            issues.Add(new(ValidationCodes.RuleAllWeightsZero, Severity.Error, path + ".destinations", "All weights are 0, so the rule sends traffic nowhere."));
        }
        else if (weights.Length > 1 && split.Total != 100 && weights.All(static w => w.Weight >= 0))
        {
            int[] shares = RoutingFacts.EffectivePercents([.. weights.Select(static w => (int?)w.Weight)]);
            string real = string.Join(", ", weights.Select((w, i) => $"{w.Version} {shares[i].ToString(CultureInfo.InvariantCulture)}%"));
            issues.Add(new(ValidationCodes.RuleRelativeWeights, Severity.Info, path + ".destinations",
                $"Weights add up to {split.Total.ToString(CultureInfo.InvariantCulture)}; Istio (1.15+) takes them as relative: {real}."));
        }
        else if (weights.Length == 1 && weights[0].Weight is >= 0 and < 100)
        {
            issues.Add(new(ValidationCodes.RuleLoneWeightBelow100, Severity.Warning, $"{path}.destinations[{weights[0].Version}]",
                $"A lone destination gets all of the rule's traffic whatever its weight, not {weights[0].Weight.ToString(CultureInfo.InvariantCulture)}%; add another version to split."));
        }

        if (split.Mirror is { } mirror)
        {
            Percent(mirror.Percent, path + ".mirror.percent", "The mirror percentage", issues);
            if (CheckVersion(view, mirror.Version, path + ".mirror.version", issues) && split.WeightOf(mirror.Version) > 0)
            {
                issues.Add(new(ValidationCodes.MirrorAlsoRouted, Severity.Warning, path + ".mirror.version",
                    $"'{mirror.Version}' also receives this rule's live traffic, so it sees some requests twice."));
            }
        }
    }

    private static bool CheckVersion(ServiceView view, string name, string path, ImmutableArray<ValidationIssue>.Builder issues)
    {
        ServiceVersion? version = view.FindVersion(name);
        if (version is null)
        {
            issues.Add(new(ValidationCodes.RuleUnknownVersion, Severity.Error, path, $"Service {view.Name} has no version '{name}'."));
            return false;
        }

        if (!version.IsVersioned && view.Versions.Length > 1)
        {
            issues.Add(new(ValidationCodes.RuleUnversionedTarget, Severity.Error, path,
                $"Workloads {string.Join(", ", version.Workloads.Select(static w => w.Name))} carry no version label, so no subset can send traffic to them alone; add a 'version' label to their pod template."));
            return false;
        }

        return true;
    }

    /// <summary>A rule after a catch-all never matches; so does a match identical to one of an earlier rule.</summary>
    private static void CheckOrder(RoutingIntent intent, ImmutableArray<ValidationIssue>.Builder issues)
    {
        var earlier = new Dictionary<string, string>(StringComparer.Ordinal);
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        string? catchAll = null;
        int index = 0;
        foreach (RouteRule rule in intent.AllRules)
        {
            bool isDefault = index == (intent.Rules.IsDefault ? 0 : intent.Rules.Length);
            string path = isDefault ? "defaultRoute" : $"rules[{index.ToString(CultureInfo.InvariantCulture)}]";
            index++;

            if (!string.IsNullOrEmpty(rule.Name) && !names.TryAdd(rule.Name, path))
            {
                issues.Add(new(ValidationCodes.DuplicateRuleName, Severity.Warning, path + ".name",
                    $"{names[rule.Name]} is also named '{rule.Name}'; route names identify rules in telemetry and in the editor, so keep them unique."));
            }

            if (catchAll is not null)
            {
                issues.Add(new(ValidationCodes.ShadowedRule, Severity.Warning, path,
                    $"{catchAll} matches every request, so this {(isDefault ? "default route" : "rule")} never receives traffic; move it above, or add conditions to {catchAll}."));
                continue;
            }

            if (rule.IsCatchAll)
            {
                catchAll = path;
                continue;
            }

            ImmutableArray<RequestMatch> matches = rule.Matches.IsDefault ? [] : rule.Matches;
            for (int m = 0; m < matches.Length; m++)
            {
                string key = MatchKey(matches[m]);
                string at = $"{path}.matches[{m.ToString(CultureInfo.InvariantCulture)}]";
                if (earlier.TryGetValue(key, out string? first))
                {
                    issues.Add(new(ValidationCodes.ShadowedRule, Severity.Warning, at,
                        $"{first} has the same conditions, so requests this match selects are always taken by the earlier rule."));
                }
            }

            for (int m = 0; m < matches.Length; m++)
            {
                earlier.TryAdd(MatchKey(matches[m]), $"{path}.matches[{m.ToString(CultureInfo.InvariantCulture)}]");
            }
        }
    }

    /// <summary>The conditions of a match, order-free (they are ANDed), plus what the editor does not model (port, gateways...).</summary>
    private static string MatchKey(RequestMatch match)
    {
        IEnumerable<string> conditions = (match.Conditions.IsDefault ? [] : match.Conditions)
            .Select(static c => $"{c.Field}|{c.Key}|{c.Negated}|{c.Operator}|{c.Value}")
            .Order(StringComparer.Ordinal);
        string unmodelled = match.Origin is null ? string.Empty : JsonSerializer.Serialize(
            match.Origin with
            {
                Name = null, Uri = null, Scheme = null, Method = null, Authority = null,
                Headers = null, WithoutHeaders = null, QueryParams = null, SourceLabels = null,
            },
            MeshJson.Options);
        return string.Join("\n", conditions) + "\n" + (unmodelled == "{}" ? string.Empty : unmodelled);
    }

    private static void CheckBinding(ServiceView view, RoutingIntent intent, ImmutableArray<ValidationIssue>.Builder issues)
    {
        ImmutableArray<string> gateways = intent.Gateways.IsDefault ? [] : intent.Gateways;
        if (!intent.IncludeMesh && gateways.IsEmpty)
        {
            issues.Add(new(ValidationCodes.AppliesNowhere, Severity.Error, "includeMesh", "The routing applies neither to the mesh nor to a gateway; include the mesh or attach a gateway."));
        }

        var seenGateways = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < gateways.Length; i++)
        {
            string path = $"gateways[{i.ToString(CultureInfo.InvariantCulture)}]";
            if (GatewayProblem(gateways[i]) is { } problem)
            {
                issues.Add(new(ValidationCodes.InvalidGatewayReference, Severity.Error, path, problem));
            }
            else if (!seenGateways.Add(gateways[i]))
            {
                issues.Add(new(ValidationCodes.InvalidGatewayReference, Severity.Error, path, $"Gateway '{gateways[i]}' is listed twice."));
            }
        }

        ImmutableArray<string> hosts = intent.ExtraHosts.IsDefault ? [] : intent.ExtraHosts;
        var seenHosts = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < hosts.Length; i++)
        {
            string path = $"extraHosts[{i.ToString(CultureInfo.InvariantCulture)}]";
            string host = hosts[i];
            string? problem = string.IsNullOrWhiteSpace(host) ? "A host is required."
                : host.Any(static ch => char.IsWhiteSpace(ch) || ch == '/' || ch == ':') ? $"'{host}' is not a host name: no spaces, '/' or ':' (no scheme or port)."
                : HostNames.Targets(host, view.Namespace, view.Name, view.Namespace) ? $"'{host}' is this service's own host; it is always included."
                : !seenHosts.Add(host) ? $"Host '{host}' is listed twice."
                : null;
            if (problem is not null)
            {
                issues.Add(new(ValidationCodes.InvalidExtraHost, Severity.Error, path, problem));
            }
        }
    }

    /// <summary>Why a gateway reference is not <c>namespace/name</c> (or a bare name, meaning the VirtualService's namespace), or null.</summary>
    private static string? GatewayProblem(string gateway)
    {
        if (string.Equals(gateway, "mesh", StringComparison.Ordinal))
        {
            return "'mesh' is not a gateway: use 'include the mesh' instead.";
        }

        string[] parts = gateway.Split('/');
        bool wellFormed = parts.Length is 1 or 2
            && parts.All(static p => p.Length is > 0 and <= 253)
            && (parts.Length == 1 || SubsetNames.IsValid(parts[0]))
            && parts[^1].Split('.').All(SubsetNames.IsValid);
        return wellFormed ? null : $"'{gateway}' is not a gateway reference: write namespace/name, e.g. istio-system/public-gateway.";
    }

    private static void ValidatePolicy(TrafficPolicyIntent policy, string path, ImmutableArray<ValidationIssue>.Builder issues)
    {
        if (policy.LoadBalancer is not null && policy.ConsistentHash is not null)
        {
            issues.Add(new(ValidationCodes.ConflictingLoadBalancer, Severity.Error, path + ".loadBalancer",
                "Choose either a simple load balancer or a consistent hash (sticky sessions); Istio takes one of them."));
        }

        if (policy.ConsistentHash is { } hash)
        {
            string at = path + ".consistentHash";
            if (hash.Key != HashKey.SourceIp && string.IsNullOrWhiteSpace(hash.Name))
            {
                string what = hash.Key switch { HashKey.HttpHeader => "header", HashKey.HttpCookie => "cookie", _ => "query parameter" };
                issues.Add(new(ValidationCodes.HashKeyNameMissing, Severity.Error, at + ".name", $"Name the {what} whose value keeps a user on one endpoint."));
            }
            else if (hash.Key == HashKey.HttpHeader && FieldRules.HeaderNameProblem(hash.Name!.ToLowerInvariant()) is { } headerProblem)
            {
                issues.Add(new(ValidationCodes.InvalidHeaderName, Severity.Error, at + ".name", headerProblem));
            }

            if (hash.Key == HashKey.HttpCookie && hash.CookieTtl is { } ttl && FieldRules.ParseDuration(ttl) is null)
            {
                issues.Add(new(ValidationCodes.InvalidDuration, Severity.Error, at + ".cookieTtl",
                    $"Cookie TTL '{ttl}' is not a duration: write a number and a unit, such as 0s (session cookie), 30m or 1h."));
            }
        }

        if (policy.Tls == TlsMode.Mutual && policy.Origin?.Tls is not { CredentialName.Length: > 0 } and not { ClientCertificate.Length: > 0, PrivateKey.Length: > 0 })
        {
            issues.Add(new(ValidationCodes.MutualTlsWithoutCertificates, Severity.Error, path + ".tls",
                "MUTUAL TLS needs the client's certificate and key (or a credentialName), which the console does not manage; for the mesh's own mTLS choose ISTIO_MUTUAL."));
        }

        if (policy.ConnectionPool is { } pool)
        {
            string at = path + ".connectionPool";
            AtLeast(pool.TcpMaxConnections, 1, at + ".tcpMaxConnections", "TCP max connections", issues);
            AtLeast(pool.HttpPendingRequests, 1, at + ".httpPendingRequests", "Pending HTTP requests", issues);
            AtLeast(pool.MaxRequestsPerConnection, 0, at + ".maxRequestsPerConnection", "Max requests per connection (0 means unlimited)", issues);
            AtLeast(pool.MaxRetries, 0, at + ".maxRetries", "Max retries", issues);
        }

        if (policy.OutlierDetection is { } outlier)
        {
            string at = path + ".outlierDetection";
            AtLeast(outlier.Consecutive5xxErrors, 0, at + ".consecutive5xxErrors", "Consecutive 5xx errors (0 disables)", issues);
            if (outlier.Interval is not null)
            {
                Duration(outlier.Interval, at + ".interval", "The interval", issues);
            }

            if (outlier.BaseEjectionTime is not null)
            {
                Duration(outlier.BaseEjectionTime, at + ".baseEjectionTime", "The base ejection time", issues);
            }

            if (outlier.MaxEjectionPercent is < 0 or > 100)
            {
                issues.Add(new(ValidationCodes.MaxEjectionPercentOutOfRange, Severity.Error, at + ".maxEjectionPercent",
                    $"Max ejection percent {outlier.MaxEjectionPercent.Value.ToString(CultureInfo.InvariantCulture)} is outside 0..100."));
            }
        }
    }

    private static void Rewrite(HeaderRewrite? rewrite, string path, ImmutableArray<ValidationIssue>.Builder issues)
    {
        if (rewrite is null)
        {
            return;
        }

        // Header operations are case-insensitive, so only the token rule applies.
        void Check(string name, string at)
        {
            if (FieldRules.HeaderNameProblem(name.ToLowerInvariant()) is { } problem)
            {
                issues.Add(new(ValidationCodes.InvalidHeaderName, Severity.Error, at, problem));
            }
        }

        foreach (string name in rewrite.Set.Keys.Order(StringComparer.Ordinal))
        {
            Check(name, $"{path}.set[{name}]");
        }

        foreach (string name in rewrite.Add.Keys.Order(StringComparer.Ordinal))
        {
            Check(name, $"{path}.add[{name}]");
        }

        ImmutableArray<string> remove = rewrite.Remove.IsDefault ? [] : rewrite.Remove;
        for (int i = 0; i < remove.Length; i++)
        {
            Check(remove[i], $"{path}.remove[{i.ToString(CultureInfo.InvariantCulture)}]");
        }
    }

    private static void Duration(string? text, string path, string what, ImmutableArray<ValidationIssue>.Builder issues)
    {
        if (FieldRules.DurationProblem(text) is { } problem)
        {
            issues.Add(new(ValidationCodes.InvalidDuration, Severity.Error, path, $"{what}: {problem}"));
        }
    }

    private static void Percent(double percent, string path, string what, ImmutableArray<ValidationIssue>.Builder issues)
    {
        if (FieldRules.PercentProblem(percent) is { } problem)
        {
            issues.Add(new(ValidationCodes.PercentOutOfRange, Severity.Error, path, $"{what} {problem}"));
        }
    }

    private static void AtLeast(int? value, int minimum, string path, string what, ImmutableArray<ValidationIssue>.Builder issues)
    {
        if (value is { } v && v < minimum)
        {
            issues.Add(new(ValidationCodes.LimitOutOfRange, Severity.Error, path,
                $"{what} must be at least {minimum.ToString(CultureInfo.InvariantCulture)}, not {v.ToString(CultureInfo.InvariantCulture)}; leave it empty for Istio's default."));
        }
    }

    private static string Describe(MatchField field) => field switch
    {
        MatchField.Uri => "URI",
        MatchField.Method => "method",
        MatchField.Authority => "authority",
        MatchField.Scheme => "scheme",
        MatchField.Header => "header",
        MatchField.QueryParam => "query parameter",
        _ => "source label",
    };
}
