using System.Collections.Immutable;

using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Services;
using TrafficConsole.Mesh.Validation;

using static TrafficConsole.Mesh.Tests.TestData.Samples;

namespace TrafficConsole.Mesh.Tests.Validation;

public class RoutingIntentValidatorTests
{
    /// <summary>A draft that uses every part of the editor, all valid: gmail users to v3 with options, v1 10 / v2 90 by default.</summary>
    private static RoutingIntent Valid() => new()
    {
        Rules =
        [
            new RouteRule
            {
                Name = "gmail",
                Matches =
                [
                    new RequestMatch
                    {
                        Conditions =
                        [
                            new MatchCondition(MatchField.Header, MatchOperator.Regex, @".*@gmail\.com$", "x-user-email"),
                            new MatchCondition(MatchField.Uri, MatchOperator.Prefix, "/api"),
                            new MatchCondition(MatchField.QueryParam, MatchOperator.Exact, "1", "debug"),
                            new MatchCondition(MatchField.SourceLabel, MatchOperator.Exact, "productpage", "app"),
                        ],
                    },
                ],
                Destinations = TrafficSplit.Of(("v3", 100)) with { Mirror = new MirrorTarget("v2", 10) },
                Fault = new FaultInjection(new DelayFault("7s", 100), new AbortFault(500, 10)),
                Timeout = "2s",
                Retries = new RetryPolicy(3, "1s", "5xx"),
                RequestHeaders = new HeaderRewrite { Set = ImmutableDictionary<string, string>.Empty.Add("x-canary", "1"), Remove = ["x-debug"] },
            },
        ],
        DefaultRoute = new RouteRule { Name = "default", Destinations = TrafficSplit.Of(("v1", 10), ("v2", 90)) },
        Gateways = ["istio-system/public"],
        ExtraHosts = ["reviews.example.com"],
        Policy = new TrafficPolicyIntent
        {
            ConsistentHash = new ConsistentHashPolicy(HashKey.HttpCookie, "user", "1h", "/"),
            ConnectionPool = new ConnectionPoolPolicy(100, 10, 1, 3),
            OutlierDetection = new OutlierDetectionPolicy(5, "10s", "30s", 50),
            Tls = TlsMode.IstioMutual,
        },
        VersionPolicies = ImmutableDictionary<string, TrafficPolicyIntent>.Empty.Add("v2", new TrafficPolicyIntent { LoadBalancer = SimpleLoadBalancer.LeastRequest }),
    };

    private static RoutingIntent Rule0(RoutingIntent i, Func<RouteRule, RouteRule> edit) => i with { Rules = i.Rules.SetItem(0, edit(i.Rules[0])) };

    private static RoutingIntent Default(RoutingIntent i, Func<RouteRule, RouteRule> edit) => i with { DefaultRoute = edit(i.DefaultRoute!) };

    private static RoutingIntent Weights(RoutingIntent i, params (string, int)[] weights) => Default(i, r => r with { Destinations = TrafficSplit.Of(weights) });

    private static RoutingIntent Condition(RoutingIntent i, int index, Func<MatchCondition, MatchCondition> edit) => Rule0(i, r =>
        r with { Matches = [r.Matches[0] with { Conditions = r.Matches[0].Conditions.SetItem(index, edit(r.Matches[0].Conditions[index])) }] });

    private static RoutingIntent AddCondition(RoutingIntent i, MatchCondition condition) => Rule0(i, r =>
        r with { Matches = [r.Matches[0] with { Conditions = r.Matches[0].Conditions.Add(condition) }] });

    private static RoutingIntent Policy(RoutingIntent i, Func<TrafficPolicyIntent, TrafficPolicyIntent> edit) => i with { Policy = edit(i.Policy!) };

    private sealed record Case(string Code, Severity Severity, string Path, Func<RoutingIntent, RoutingIntent> Invalid, Func<RoutingIntent, RoutingIntent> NearlyInvalid);

    private static readonly Dictionary<string, Case> Cases = new(StringComparer.Ordinal)
    {
        ["negative weight"] = new(ValidationCodes.RuleNegativeWeight, Severity.Error, "defaultRoute.destinations[v1]", i => Weights(i, ("v1", -10), ("v2", 90)), i => Weights(i, ("v1", 0), ("v2", 90))),
        ["all zero"] = new(ValidationCodes.RuleAllWeightsZero, Severity.Error, "defaultRoute.destinations", i => Weights(i, ("v1", 0), ("v2", 0)), i => Weights(i, ("v1", 0), ("v2", 1))),
        ["relative weights"] = new(ValidationCodes.RuleRelativeWeights, Severity.Info, "defaultRoute.destinations", i => Weights(i, ("v1", 1), ("v2", 3)), i => Weights(i, ("v1", 25), ("v2", 75))),
        ["lone weight below 100"] = new(ValidationCodes.RuleLoneWeightBelow100, Severity.Warning, "rules[0].destinations[v3]", i => Rule0(i, r => r with { Destinations = TrafficSplit.Of(("v3", 40)) }), i => Rule0(i, r => r with { Destinations = TrafficSplit.Of(("v3", 100)) })),
        ["unknown version"] = new(ValidationCodes.RuleUnknownVersion, Severity.Error, "rules[0].destinations[v9]", i => Rule0(i, r => r with { Destinations = TrafficSplit.Of(("v9", 100)) }), i => Rule0(i, r => r with { Destinations = TrafficSplit.Of(("v1", 100)) })),
        ["unknown mirror version"] = new(ValidationCodes.RuleUnknownVersion, Severity.Error, "rules[0].mirror.version", i => Rule0(i, r => r with { Destinations = r.Destinations with { Mirror = new MirrorTarget("v9", 5) } }), i => Rule0(i, r => r with { Destinations = r.Destinations with { Mirror = new MirrorTarget("v1", 5) } })),
        ["no destinations"] = new(ValidationCodes.RuleNoDestinations, Severity.Error, "rules[0].destinations", i => Rule0(i, r => r with { Destinations = TrafficSplit.Empty }), i => Rule0(i, r => r with { Destinations = TrafficSplit.Of(("v2", 100)) })),
        ["duplicate version"] = new(ValidationCodes.RuleDuplicateVersion, Severity.Error, "defaultRoute.destinations[v1]", i => Weights(i, ("v1", 10), ("v1", 90)), i => Weights(i, ("v1", 10), ("v3", 90))),
        ["duplicate condition"] = new(ValidationCodes.DuplicateCondition, Severity.Error, "rules[0].matches[0].conditions[4]", i => AddCondition(i, new MatchCondition(MatchField.Uri, MatchOperator.Exact, "/x")), i => AddCondition(i, new MatchCondition(MatchField.Header, MatchOperator.Exact, "1", "x-other"))),
        ["header present and absent differ"] = new(ValidationCodes.DuplicateCondition, Severity.Error, "rules[0].matches[0].conditions[4]", i => AddCondition(i, new MatchCondition(MatchField.Header, MatchOperator.Present, string.Empty, "x-user-email")), i => AddCondition(i, new MatchCondition(MatchField.Header, MatchOperator.Present, string.Empty, "x-user-email", Negated: true))),
        ["lookahead regex"] = new(ValidationCodes.InvalidRegex, Severity.Error, "rules[0].matches[0].conditions[0].value", i => Condition(i, 0, c => c with { Value = "(?=jason).*" }), i => Condition(i, 0, c => c with { Value = "jason.*" })),
        ["header name with space"] = new(ValidationCodes.InvalidHeaderName, Severity.Error, "rules[0].matches[0].conditions[0].key", i => Condition(i, 0, c => c with { Key = "x user" }), i => Condition(i, 0, c => c with { Key = "x-user" })),
        ["upper-case header match"] = new(ValidationCodes.InvalidHeaderName, Severity.Error, "rules[0].matches[0].conditions[0].key", i => Condition(i, 0, c => c with { Key = "X-User" }), i => Condition(i, 0, c => c with { Key = "x-user" })),
        ["rewrite header name"] = new(ValidationCodes.InvalidHeaderName, Severity.Error, "rules[0].requestHeaders.set[x:bad]", i => Rule0(i, r => r with { RequestHeaders = new HeaderRewrite { Set = ImmutableDictionary<string, string>.Empty.Add("x:bad", "1") } }), i => Rule0(i, r => r with { RequestHeaders = new HeaderRewrite { Set = ImmutableDictionary<string, string>.Empty.Add("X-Good", "1") } })),
        ["missing key"] = new(ValidationCodes.MissingConditionKey, Severity.Error, "rules[0].matches[0].conditions[2].key", i => Condition(i, 2, c => c with { Key = null }), i => Condition(i, 2, c => c with { Key = "d" })),
        ["missing value"] = new(ValidationCodes.MissingConditionValue, Severity.Error, "rules[0].matches[0].conditions[1].value", i => Condition(i, 1, c => c with { Value = string.Empty }), i => Condition(i, 1, c => c with { Value = "/" })),
        ["prefix on query"] = new(ValidationCodes.OperatorNotAllowed, Severity.Error, "rules[0].matches[0].conditions[2].operator", i => Condition(i, 2, c => c with { Operator = MatchOperator.Prefix }), i => Condition(i, 2, c => c with { Operator = MatchOperator.Regex, Value = "^1" })),
        ["regex on source label"] = new(ValidationCodes.OperatorNotAllowed, Severity.Error, "rules[0].matches[0].conditions[3].operator", i => Condition(i, 3, c => c with { Operator = MatchOperator.Regex }), i => Condition(i, 3, c => c with { Operator = MatchOperator.Exact })),
        ["present on uri"] = new(ValidationCodes.OperatorNotAllowed, Severity.Error, "rules[0].matches[0].conditions[1].operator", i => Condition(i, 1, c => c with { Operator = MatchOperator.Present, Value = string.Empty }), i => Condition(i, 2, c => c with { Operator = MatchOperator.Present, Value = string.Empty })),
        ["negated uri"] = new(ValidationCodes.OperatorNotAllowed, Severity.Error, "rules[0].matches[0].conditions[1].negated", i => Condition(i, 1, c => c with { Negated = true }), i => Condition(i, 0, c => c with { Negated = true })),
        ["delay percent"] = new(ValidationCodes.PercentOutOfRange, Severity.Error, "rules[0].fault.delay.percent", i => Rule0(i, r => r with { Fault = r.Fault! with { Delay = new DelayFault("1s", 150) } }), i => Rule0(i, r => r with { Fault = r.Fault! with { Delay = new DelayFault("1s", 0.5) } })),
        ["abort percent"] = new(ValidationCodes.PercentOutOfRange, Severity.Error, "rules[0].fault.abort.percent", i => Rule0(i, r => r with { Fault = r.Fault! with { Abort = new AbortFault(500, double.NaN) } }), i => Rule0(i, r => r with { Fault = r.Fault! with { Abort = new AbortFault(500, 100) } })),
        ["mirror percent"] = new(ValidationCodes.PercentOutOfRange, Severity.Error, "rules[0].mirror.percent", i => Rule0(i, r => r with { Destinations = r.Destinations with { Mirror = new MirrorTarget("v2", -1) } }), i => Rule0(i, r => r with { Destinations = r.Destinations with { Mirror = new MirrorTarget("v2", 0) } })),
        ["abort status"] = new(ValidationCodes.InvalidAbortStatus, Severity.Error, "rules[0].fault.abort.httpStatus", i => Rule0(i, r => r with { Fault = r.Fault! with { Abort = new AbortFault(700, 10) } }), i => Rule0(i, r => r with { Fault = r.Fault! with { Abort = new AbortFault(599, 10) } })),
        ["timeout"] = new(ValidationCodes.InvalidDuration, Severity.Error, "rules[0].timeout", i => Rule0(i, r => r with { Timeout = "2 seconds" }), i => Rule0(i, r => r with { Timeout = "1.5s" })),
        ["per-try timeout"] = new(ValidationCodes.InvalidDuration, Severity.Error, "rules[0].retries.perTryTimeout", i => Rule0(i, r => r with { Retries = r.Retries! with { PerTryTimeout = "soon" } }), i => Rule0(i, r => r with { Retries = r.Retries! with { PerTryTimeout = "250ms" } })),
        ["fixed delay"] = new(ValidationCodes.InvalidDuration, Severity.Error, "defaultRoute.fault.delay.fixedDelay", i => Default(i, r => r with { Fault = new FaultInjection(new DelayFault("7", 100), null) }), i => Default(i, r => r with { Fault = new FaultInjection(new DelayFault("7s", 100), null) })),
        ["outlier interval"] = new(ValidationCodes.InvalidDuration, Severity.Error, "policy.outlierDetection.interval", i => Policy(i, p => p with { OutlierDetection = p.OutlierDetection! with { Interval = "10" } }), i => Policy(i, p => p with { OutlierDetection = p.OutlierDetection! with { Interval = "1m" } })),
        ["base ejection time"] = new(ValidationCodes.InvalidDuration, Severity.Error, "policy.outlierDetection.baseEjectionTime", i => Policy(i, p => p with { OutlierDetection = p.OutlierDetection! with { BaseEjectionTime = "0s" } }), i => Policy(i, p => p with { OutlierDetection = p.OutlierDetection! with { BaseEjectionTime = "1ms" } })),
        ["cookie ttl"] = new(ValidationCodes.InvalidDuration, Severity.Error, "policy.consistentHash.cookieTtl", i => Policy(i, p => p with { ConsistentHash = p.ConsistentHash! with { CookieTtl = "forever" } }), i => Policy(i, p => p with { ConsistentHash = p.ConsistentHash! with { CookieTtl = "0s" } })),
        ["retry attempts"] = new(ValidationCodes.NegativeRetryAttempts, Severity.Error, "rules[0].retries.attempts", i => Rule0(i, r => r with { Retries = r.Retries! with { Attempts = -1 } }), i => Rule0(i, r => r with { Retries = r.Retries! with { Attempts = 0 } })),
        ["connection pool"] = new(ValidationCodes.LimitOutOfRange, Severity.Error, "policy.connectionPool.tcpMaxConnections", i => Policy(i, p => p with { ConnectionPool = p.ConnectionPool! with { TcpMaxConnections = 0 } }), i => Policy(i, p => p with { ConnectionPool = p.ConnectionPool! with { TcpMaxConnections = 1 } })),
        ["max ejection percent"] = new(ValidationCodes.MaxEjectionPercentOutOfRange, Severity.Error, "policy.outlierDetection.maxEjectionPercent", i => Policy(i, p => p with { OutlierDetection = p.OutlierDetection! with { MaxEjectionPercent = 101 } }), i => Policy(i, p => p with { OutlierDetection = p.OutlierDetection! with { MaxEjectionPercent = 100 } })),
        ["hash name"] = new(ValidationCodes.HashKeyNameMissing, Severity.Error, "versionPolicies[v2].consistentHash.name", i => i with { VersionPolicies = i.VersionPolicies.SetItem("v2", new TrafficPolicyIntent { ConsistentHash = new ConsistentHashPolicy(HashKey.HttpHeader) }) }, i => i with { VersionPolicies = i.VersionPolicies.SetItem("v2", new TrafficPolicyIntent { ConsistentHash = new ConsistentHashPolicy(HashKey.SourceIp) }) }),
        ["after a catch-all"] = new(ValidationCodes.ShadowedRule, Severity.Warning, "defaultRoute", i => Rule0(i, r => r with { Matches = [] }), i => i),
        ["identical earlier match"] = new(ValidationCodes.ShadowedRule, Severity.Warning, "rules[1].matches[0]", i => i with { Rules = [i.Rules[0], i.Rules[0] with { Name = "copy", Matches = [i.Rules[0].Matches[0] with { Conditions = i.Rules[0].Matches[0].Conditions.Reverse().ToImmutableArray() }] }] }, i => i with { Rules = [i.Rules[0], i.Rules[0] with { Name = "copy", Matches = [i.Rules[0].Matches[0] with { Conditions = i.Rules[0].Matches[0].Conditions.RemoveAt(1) }] }] }),
        ["duplicate rule name"] = new(ValidationCodes.DuplicateRuleName, Severity.Warning, "defaultRoute.name", i => Default(i, r => r with { Name = "gmail" }), i => Default(i, r => r with { Name = "gmail-2" })),
        ["gateway with two slashes"] = new(ValidationCodes.InvalidGatewayReference, Severity.Error, "gateways[0]", i => i with { Gateways = ["istio-system/public/x"] }, i => i with { Gateways = ["public"] }),
        ["mesh as a gateway"] = new(ValidationCodes.InvalidGatewayReference, Severity.Error, "gateways[1]", i => i with { Gateways = ["istio-system/public", "mesh"] }, i => i with { Gateways = ["istio-system/public", "web/mesh"] }),
        ["unknown version policy"] = new(ValidationCodes.UnknownVersionPolicy, Severity.Error, "versionPolicies[v9]", i => i with { VersionPolicies = i.VersionPolicies.Add("v9", new TrafficPolicyIntent { Tls = TlsMode.Disable }) }, i => i with { VersionPolicies = i.VersionPolicies.Add("v1", new TrafficPolicyIntent { Tls = TlsMode.Disable }) }),
        ["no routes"] = new(ValidationCodes.NoRoutes, Severity.Error, "defaultRoute", i => i with { Rules = [], DefaultRoute = null }, i => i with { Rules = [] }),
        ["applies nowhere"] = new(ValidationCodes.AppliesNowhere, Severity.Error, "includeMesh", i => i with { IncludeMesh = false, Gateways = [] }, i => i with { IncludeMesh = false }),
        ["two load balancers"] = new(ValidationCodes.ConflictingLoadBalancer, Severity.Error, "policy.loadBalancer", i => Policy(i, p => p with { LoadBalancer = SimpleLoadBalancer.Random }), i => Policy(i, p => p with { LoadBalancer = SimpleLoadBalancer.Random, ConsistentHash = null })),
        ["own host as extra host"] = new(ValidationCodes.InvalidExtraHost, Severity.Error, "extraHosts[0]", i => i with { ExtraHosts = ["reviews"] }, i => i with { ExtraHosts = ["reviews.example.com", "*.shop.example.com"] }),
        ["extra host with scheme"] = new(ValidationCodes.InvalidExtraHost, Severity.Error, "extraHosts[0]", i => i with { ExtraHosts = ["https://reviews.example.com"] }, i => i with { ExtraHosts = ["reviews.example.com"] }),
        ["mirror also routed"] = new(ValidationCodes.MirrorAlsoRouted, Severity.Warning, "rules[0].mirror.version", i => Rule0(i, r => r with { Destinations = r.Destinations with { Mirror = new MirrorTarget("v3", 10) } }), i => Rule0(i, r => r with { Destinations = r.Destinations with { Mirror = new MirrorTarget("v1", 10) } })),
    };

    public static TheoryData<string> CaseNames => [.. Cases.Keys];

    [Fact]
    public void Weight_on_a_version_without_ready_pods_warns_and_weight_0_does_not()
    {
        ServiceView view = View(workloads: [ReviewsVersion("v1"), ReviewsVersion("v2", ready: 0), ReviewsVersion("v3")]);

        ValidationIssue issue = Assert.Single(RoutingIntentValidator.Validate(view, Valid()), static i => i.Code == ValidationCodes.RuleVersionNotReady);
        Assert.Equal((Severity.Warning, "defaultRoute.destinations[v2]"), (issue.Severity, issue.Path));
        Assert.DoesNotContain(RoutingIntentValidator.Validate(view, Weights(Valid(), ("v1", 100), ("v2", 0))), static i => i.Code == ValidationCodes.RuleVersionNotReady);
    }

    [Fact]
    public void A_draft_using_every_part_of_the_editor_correctly_has_no_findings()
    {
        Assert.Empty(RoutingIntentValidator.Validate(View(), Valid()));
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Each_code_fires_at_the_field_and_stays_quiet_on_the_nearest_valid_value(string name)
    {
        Case c = Cases[name];

        ImmutableArray<ValidationIssue> invalid = RoutingIntentValidator.Validate(View(), c.Invalid(Valid()));
        ImmutableArray<ValidationIssue> valid = RoutingIntentValidator.Validate(View(), c.NearlyInvalid(Valid()));

        ValidationIssue issue = Assert.Single(invalid, i => i.Code == c.Code);
        Assert.Equal((c.Severity, c.Path), (issue.Severity, issue.Path));
        Assert.False(string.IsNullOrWhiteSpace(issue.Message));
        Assert.DoesNotContain(valid, i => i.Code == c.Code);
    }

    [Fact]
    public void Relative_weights_say_what_each_version_really_gets()
    {
        ValidationIssue info = Assert.Single(RoutingIntentValidator.Validate(View(), Weights(Valid(), ("v1", 1), ("v2", 3))));

        Assert.Contains("v1 25%, v2 75%", info.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Traffic_to_workloads_without_a_version_label_is_refused_when_the_service_has_versions()
    {
        Workload plain = Deployment("reviews-legacy", Labels(("app", "reviews")));
        ServiceView mixed = View(workloads: [ReviewsVersion("v1"), ReviewsVersion("v2"), plain]);
        ServiceView onlyPlain = View(workloads: [plain]);
        var intent = new RoutingIntent { DefaultRoute = new RouteRule { Destinations = TrafficSplit.Of((string.Empty, 100)) } };

        ValidationIssue issue = Assert.Single(RoutingIntentValidator.Validate(mixed, intent));
        Assert.Equal((ValidationCodes.RuleUnversionedTarget, "defaultRoute.destinations[]"), (issue.Code, issue.Path));
        Assert.Contains("reviews-legacy", issue.Message, StringComparison.Ordinal);
        Assert.Empty(RoutingIntentValidator.Validate(onlyPlain, intent));
    }

    [Fact]
    public void A_version_policy_for_unlabelled_workloads_is_refused()
    {
        ServiceView mixed = View(workloads: [ReviewsVersion("v1"), Deployment("reviews-legacy", Labels(("app", "reviews")))]);
        RoutingIntent intent = new()
        {
            DefaultRoute = new RouteRule { Destinations = TrafficSplit.Of(("v1", 100)) },
            VersionPolicies = ImmutableDictionary<string, TrafficPolicyIntent>.Empty.Add(string.Empty, new TrafficPolicyIntent { Tls = TlsMode.Disable }),
        };

        Assert.Equal([ValidationCodes.UnknownVersionPolicy], RoutingIntentValidator.Validate(mixed, intent).Select(static i => i.Code));
    }

    [Fact]
    public void Read_only_rules_are_not_checked_field_by_field()
    {
        RoutingIntent intent = Rule0(Valid(), r => r with { Destinations = TrafficSplit.Empty, Timeout = "bad", ReadOnlyReason = "It redirects." });

        Assert.Empty(RoutingIntentValidator.Validate(View(), intent));
    }
}
