using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;

using CsCheck;

using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Services;
using TrafficConsole.Mesh.Validation;

using static TrafficConsole.Mesh.Tests.TestData.Samples;

namespace TrafficConsole.Mesh.Tests.Routing;

/// <summary>Property-based round trips: intent → resources → intent is the identity; resources → intent → resources loses nothing.</summary>
public class RoutingIntentRoundTripProperties
{
    private const int Iterations = 200;

    private static readonly string[] VersionPool = ["v1", "v2", "v3", "v4"];

    // ---- intent -> resources -> intent ----------------------------------------------------------------

    [Fact]
    public void A_valid_intent_planned_and_read_back_is_the_same_intent()
    {
        Gen<(int Versions, int[] Ready, RoutingIntent Intent)> gen =
            from count in Gen.Int[1, VersionPool.Length]
            from ready in Gen.Int[0, 3].Array[count]
            from intent in GenIntent(VersionPool[..count])
            select (count, ready, intent);

        gen.Sample(
            sample =>
            {
                ServiceView view = View(workloads: [.. VersionPool[..sample.Versions].Select((v, i) => ReviewsVersion(v, sample.Ready[i]))]);
                ImmutableArray<ValidationIssue> issues = RoutingIntentValidator.Validate(view, sample.Intent);
                Assert.False(issues.HasErrors(), string.Join("\n", issues));

                RoutingPlan plan = RoutingIntentPlanner.PlanApply(view, sample.Intent, IstioApi.V1);
                Assert.False(plan.IsRefused, plan.RefusalReason);

                ServiceView after = TestData.BookinfoRouting.After(view, plan);
                RoutingIntentReading reading = RoutingIntentReader.Read(after);
                Assert.True(reading.IsEditable, reading.Problem);
                Assert.True(RoutingIntentEquality.Same(sample.Intent, reading.Intent), FirstDifference(sample.Intent, reading.Intent!));

                // And planning what was read changes nothing.
                Assert.False(RoutingIntentPlanner.PlanApply(after, reading.Intent!, IstioApi.V1).HasChanges);
            },
            iter: Iterations,
            print: static s => Describe(s.Intent));
    }

    private static Gen<RoutingIntent> GenIntent(string[] versions) =>
        from rules in GenRule(versions, withMatches: true).Array[0, 4]
        from defaultRoute in GenRule(versions, withMatches: false).Null(0.2)
        from extraHosts in Gen.OneOf("reviews.example.com", "*.shop.example.com").ArrayUnique[0, 2]
        from gateways in Gen.OneOf("istio-system/public", "web/internal").ArrayUnique[0, 2]
        from includeMesh in Gen.Bool
        from policy in GenPolicy.Null(0.3)
        from policyVersions in Gen.OneOf(versions).ArrayUnique[0, versions.Length]
        from versionPolicies in GenPolicy.Where(static p => !RoutingIntentEquality.SamePolicy(p, null)).Array[policyVersions.Length]
        where rules.Length > 0 || defaultRoute is not null
        select new RoutingIntent
        {
            Rules = [.. rules.Select(static (r, i) => r.Name is null ? r : r with { Name = $"rule-{i}" })],
            DefaultRoute = defaultRoute,
            ExtraHosts = [.. extraHosts],
            Gateways = [.. gateways],
            IncludeMesh = includeMesh || gateways.Length == 0,
            Policy = policy,
            VersionPolicies = policyVersions.Zip(versionPolicies).ToImmutableDictionary(static p => p.First, static p => p.Second, StringComparer.Ordinal),
        };

    private static Gen<RouteRule> GenRule(string[] versions, bool withMatches) =>
        from name in Gen.Const("named").Null(0.5)
        from matches in withMatches ? GenMatch.Array[1, 2] : Gen.Const(Array.Empty<RequestMatch>())
        from split in GenSplit(versions)
        from fault in GenFault.Null(0.6)
        from timeout in Gen.OneOf("1s", "250ms", "1m30s").Null(0.6)
        from retries in GenRetries.Null(0.6)
        from request in GenRewrite.Null(0.6)
        from response in GenRewrite.Null(0.7)
        select new RouteRule
        {
            Name = name,
            Matches = [.. matches],
            Destinations = split,
            Fault = fault,
            Timeout = timeout,
            Retries = retries,
            RequestHeaders = request,
            ResponseHeaders = response,
        };

    private static Gen<TrafficSplit> GenSplit(string[] versions) =>
        from keys in Gen.Int[0, 1000].Array[versions.Length]
        from count in Gen.Int[1, versions.Length]
        from weights in Gen.Int[0, 100].Array[count]
        from mirrorVersion in Gen.OneOf(versions).Null(0.7)
        from mirrorPercent in Gen.OneOf(0.0, 12.5, 50.0, 100.0)
        let chosen = versions.Zip(keys).OrderBy(static p => p.Second).Select(static p => p.First).Take(count).ToArray()
        let fixedWeights = count > 1 && weights.All(static w => w == 0) ? [1, .. weights[1..]] : weights
        select new TrafficSplit(
            [.. chosen.Zip(fixedWeights, static (v, w) => new VersionWeight(v, w))],
            mirrorVersion is null ? null : new MirrorTarget(mirrorVersion, mirrorPercent));

    private static readonly Gen<MatchOperator> KeyedOperator = Gen.OneOf(MatchOperator.Exact, MatchOperator.Prefix, MatchOperator.Regex, MatchOperator.Present);

    private static Gen<MatchCondition> GenValued(MatchField field, MatchOperator op, string? key = null, bool negated = false) =>
        op switch
        {
            MatchOperator.Exact => Gen.OneOf(field == MatchField.Header ? ["jason", "", "1"] : new[] { "jason", "/api", "GET", "1" }).Select(v => new MatchCondition(field, op, v, key, negated)),
            MatchOperator.Prefix => Gen.OneOf("/api", "shop.", "ja").Select(v => new MatchCondition(field, op, v, key, negated)),
            MatchOperator.Regex => Gen.OneOf(@".*@gmail\.com$", "^[a-z]+$", "de|fr").Select(v => new MatchCondition(field, op, v, key, negated)),
            _ => Gen.Const(new MatchCondition(field, op, string.Empty, key, negated)),
        };

    private static Gen<MatchCondition[]> GenSingle(MatchField field, MatchOperator[] operators) =>
        from present in Gen.Bool
        from op in Gen.OneOf(operators)
        from condition in GenValued(field, op)
        select present ? new[] { condition } : [];

    private static Gen<MatchCondition[]> GenKeyed(MatchField field, string[] keys, Gen<MatchOperator> operators, bool negated) =>
        from chosen in Gen.OneOf(keys).ArrayUnique[0, 2]
        from conditions in Sequence(chosen.Select(k => from op in operators from c in GenValued(field, op, k, negated) select c))
        select conditions;

    private static Gen<MatchCondition[]> Sequence(IEnumerable<Gen<MatchCondition>> gens) =>
        gens.Aggregate(Gen.Const(Array.Empty<MatchCondition>()), static (acc, g) => from a in acc from c in g select (MatchCondition[])[.. a, c]);

    // Conditions in the order the reader lists them: uri, scheme, method, authority, headers, withoutHeaders, query, source labels.
    private static readonly Gen<RequestMatch> GenMatch =
        from name in Gen.Const("m").Null(0.7)
        from uri in GenSingle(MatchField.Uri, [MatchOperator.Exact, MatchOperator.Prefix, MatchOperator.Regex])
        from scheme in GenSingle(MatchField.Scheme, [MatchOperator.Exact])
        from method in GenSingle(MatchField.Method, [MatchOperator.Exact, MatchOperator.Regex])
        from authority in GenSingle(MatchField.Authority, [MatchOperator.Prefix, MatchOperator.Exact])
        from headers in GenKeyed(MatchField.Header, ["end-user", "x-user-email", "cookie"], KeyedOperator, negated: false)
        from without in GenKeyed(MatchField.Header, ["x-internal", "end-user"], KeyedOperator, negated: true)
        from query in GenKeyed(MatchField.QueryParam, ["debug", "lang"], Gen.OneOf(MatchOperator.Exact, MatchOperator.Regex, MatchOperator.Present), negated: false)
        from labels in GenKeyed(MatchField.SourceLabel, ["app", "version"], Gen.Const(MatchOperator.Exact), negated: false)
        let conditions = ImmutableArray.CreateRange(uri.Concat(scheme).Concat(method).Concat(authority).Concat(headers).Concat(without).Concat(query).Concat(labels))
        where !conditions.IsEmpty
        select new RequestMatch { Name = name, Conditions = conditions };

    private static readonly Gen<FaultInjection> GenFault =
        from delay in Gen.Select(Gen.OneOf("7s", "100ms"), Gen.OneOf(100.0, 0.5, 10.0), static (d, p) => new DelayFault(d, p)).Null(0.4)
        from abort in Gen.Select(Gen.OneOf(500, 503, 429), Gen.OneOf(100.0, 1.0), static (s, p) => new AbortFault(s, p)).Null(0.4)
        where delay is not null || abort is not null
        select new FaultInjection(delay, abort);

    private static readonly Gen<RetryPolicy> GenRetries =
        from attempts in Gen.Int[0, 5]
        from perTry in Gen.OneOf("1s", "500ms").Null(0.5)
        from retryOn in Gen.OneOf("5xx", "5xx,connect-failure").Null(0.5)
        select new RetryPolicy(attempts, perTry, retryOn);

    private static readonly Gen<HeaderRewrite> GenRewrite =
        from set in Gen.OneOf("x-canary", "x-version").ArrayUnique[0, 2]
        from add in Gen.OneOf("x-added").ArrayUnique[0, 1]
        from remove in Gen.OneOf("x-debug", "server").ArrayUnique[0, 2]
        select new HeaderRewrite
        {
            Set = set.ToImmutableDictionary(static k => k, static k => k + "-value", StringComparer.Ordinal),
            Add = add.ToImmutableDictionary(static k => k, static _ => "1", StringComparer.Ordinal),
            Remove = [.. remove],
        };

    private static readonly Gen<TrafficPolicyIntent> GenPolicy =
        from kind in Gen.Int[0, 2]
        from simple in Gen.Enum<SimpleLoadBalancer>()
        from hashKey in Gen.Enum<HashKey>()
        from ttl in Gen.OneOf("0s", "1h").Null(0.5)
        from path in Gen.OneOf("/").Null(0.5)
        from pool in Gen.Select(Gen.Int[1, 100].Nullable(), Gen.Int[1, 100].Nullable(), Gen.Int[0, 10].Nullable(), Gen.Int[0, 10].Nullable(), static (a, b, c, d) => new ConnectionPoolPolicy(a, b, c, d)).Null(0.5)
        from outlier in Gen.Select(Gen.Int[0, 10].Nullable(), Gen.OneOf("10s", "1m").Null(), Gen.OneOf("30s").Null(), Gen.Int[0, 100].Nullable(), static (a, b, c, d) => new OutlierDetectionPolicy(a, b, c, d)).Null(0.5)
        from tls in Gen.Enum<TlsMode>().Nullable()
        select new TrafficPolicyIntent
        {
            LoadBalancer = kind == 1 ? simple : null,
            ConsistentHash = kind != 2 ? null : hashKey switch
            {
                HashKey.SourceIp => new ConsistentHashPolicy(HashKey.SourceIp),
                HashKey.HttpCookie => new ConsistentHashPolicy(HashKey.HttpCookie, "session", ttl, path),
                HashKey.HttpHeader => new ConsistentHashPolicy(HashKey.HttpHeader, "x-user"),
                _ => new ConsistentHashPolicy(HashKey.QueryParameter, "user"),
            },
            ConnectionPool = pool == new ConnectionPoolPolicy(null, null, null, null) ? null : pool,
            OutlierDetection = outlier == new OutlierDetectionPolicy(null, null, null, null) ? null : outlier,
            Tls = tls,
        };

    private static string Describe(object value) => JsonSerializer.Serialize(value, value.GetType(), DescribeOptions);

    /// <summary>The first part that differs, without origins, so a failure says what was lost.</summary>
    private static string FirstDifference(RoutingIntent expected, RoutingIntent actual)
    {
        RouteRule[] a = [.. expected.AllRules];
        RouteRule[] b = [.. actual.AllRules];
        for (int i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            if (!RoutingIntentEquality.Same(a[i], b[i]))
            {
                return $"rule {i}:\n{Describe(Strip(a[i]))}\n--- read back ---\n{Describe(Strip(b[i]))}";
            }
        }

        return a.Length != b.Length
            ? $"{a.Length} rules (default {expected.DefaultRoute is not null}) became {b.Length} (default {actual.DefaultRoute is not null})"
            : Describe(expected with { Rules = [], DefaultRoute = null }) + "\n--- read back ---\n" + Describe(actual with { Rules = [], DefaultRoute = null });
    }

    private static RouteRule Strip(RouteRule rule) => rule with
    {
        Origin = null,
        Matches = [.. rule.Matches.Select(static m => m with { Origin = null })],
        Fault = rule.Fault is null ? null : rule.Fault with { Origin = null },
        Retries = rule.Retries is null ? null : rule.Retries with { Origin = null },
    };

    private static readonly JsonSerializerOptions DescribeOptions = new() { WriteIndented = true };

    // ---- resources -> intent -> resources ---------------------------------------------------------------

    [Fact]
    public void A_VirtualService_and_DestinationRule_read_and_planned_unedited_are_written_back_JSON_equal()
    {
        Gen.Select(GenVirtualService, GenDestinationRule).Sample(
            sample =>
            {
                ServiceView view = View([sample.Item1], [sample.Item2]);
                RoutingIntentReading reading = RoutingIntentReader.Read(view);
                Assert.True(reading.IsEditable, reading.Problem);

                RoutingPlan plan = RoutingIntentPlanner.PlanApply(view, reading.Intent!, IstioApi.V1);

                Assert.False(plan.IsRefused, plan.RefusalReason);
                Assert.Equal(MeshJson.Serialize(sample.Item1), MeshJson.Serialize(plan.VirtualService!));
                Assert.Equal(MeshJson.Serialize(sample.Item2), MeshJson.Serialize(plan.DestinationRule!));
                Assert.False(plan.HasChanges);
            },
            iter: Iterations,
            print: static s => MeshJson.Serialize(s.Item1) + "\n" + MeshJson.Serialize(s.Item2));
    }

    [Fact]
    public void A_rule_added_in_front_leaves_every_existing_route_as_written_and_in_order()
    {
        var canary = new RouteRule
        {
            Matches = [new RequestMatch { Conditions = [new MatchCondition(MatchField.Header, MatchOperator.Exact, "1", "x-canary")] }],
            Destinations = TrafficSplit.Of(("v2", 100)),
        };
        Gen.Select(GenVirtualService, GenDestinationRule).Sample(
            sample =>
            {
                ServiceView view = View([sample.Item1], [sample.Item2]);
                RoutingIntent intent = RoutingIntentReader.Read(view).Intent!;

                RoutingPlan plan = RoutingIntentPlanner.PlanApply(view, intent with { Rules = intent.Rules.Insert(0, canary) }, IstioApi.V1);

                Assert.False(plan.IsRefused, plan.RefusalReason);
                JsonNode written = JsonNode.Parse(MeshJson.Serialize(plan.VirtualService!))!;
                JsonNode original = JsonNode.Parse(MeshJson.Serialize(sample.Item1))!;
                written["spec"]!["http"]!.AsArray().RemoveAt(0);
                Assert.Equal(original.ToJsonString(), written.ToJsonString());
                Assert.Equal(ResourceAction.Unchanged, plan.DestinationRuleAction);
                Assert.True(RoutingIntentEquality.Same(canary, RoutingIntentReader.Read(TestData.BookinfoRouting.After(view, plan)).Intent!.Rules[0]));
            },
            iter: Iterations,
            print: static s => MeshJson.Serialize(s.Item1));
    }

    [Fact]
    public void A_hand_written_VirtualService_and_DestinationRule_edited_in_place_read_back_as_edited_and_read_only_rules_stay_as_written()
    {
        string[] versions = ["v1", "v2", "v3"];
        Gen.Select(GenVirtualService, GenDestinationRule, GenRule(versions, withMatches: true).Array[4], GenRule(versions, withMatches: false), GenIntent(versions)).Sample(
            sample =>
            {
                ServiceView view = View([sample.Item1], [sample.Item2]);
                RoutingIntent intent = RoutingIntentReader.Read(view).Intent!;
                RoutingIntent other = sample.Item5;
                RoutingIntent edited = intent with
                {
                    Rules = [.. intent.Rules.Select((rule, i) => rule.ReadOnlyReason is null ? EditInPlace(rule, sample.Item3[i] with { Name = rule.Name }) : rule)],
                    DefaultRoute = intent.DefaultRoute is { ReadOnlyReason: null } d ? EditInPlace(d, sample.Item4 with { Name = d.Name }) : intent.DefaultRoute,
                    ExtraHosts = other.ExtraHosts,
                    Gateways = other.Gateways,
                    IncludeMesh = other.IncludeMesh,
                    Policy = other.Policy is null ? null : other.Policy with { Origin = intent.Policy?.Origin },
                    VersionPolicies = other.VersionPolicies.ToImmutableDictionary(
                        p => p.Key,
                        p => p.Value with { Origin = intent.VersionPolicies.GetValueOrDefault(p.Key)?.Origin },
                        StringComparer.Ordinal),
                };

                RoutingPlan plan = RoutingIntentPlanner.PlanApply(view, edited, IstioApi.V1);

                Assert.False(plan.IsRefused, plan.RefusalReason);
                RoutingIntent reread = RoutingIntentReader.Read(TestData.BookinfoRouting.After(view, plan)).Intent!;
                Assert.True(RoutingIntentEquality.Same(edited, reread), FirstDifference(edited, reread));
                IReadOnlyList<HttpRouteRule> http = plan.VirtualService!.Spec!.Http!;
                for (int i = 0; i < http.Count; i++)
                {
                    RouteRule rule = i < edited.Rules.Length ? edited.Rules[i] : edited.DefaultRoute!;
                    if (rule.ReadOnlyReason is not null)
                    {
                        Assert.Equal(MeshJson.Serialize(rule.Origin!), MeshJson.Serialize(http[i]));
                    }
                }
            },
            iter: Iterations,
            print: static s => MeshJson.Serialize(s.Item1));
    }

    /// <summary>The generated rule's contents over the read rule's origins (the rule's, and each match's by position), as the editor edits in place.</summary>
    private static RouteRule EditInPlace(RouteRule read, RouteRule generated) => generated with
    {
        Origin = read.Origin,
        Matches = [.. generated.Matches.Select((m, k) => k < read.Matches.Length ? m with { Origin = read.Matches[k].Origin } : m)],
        Fault = generated.Fault is null ? null : generated.Fault with { Origin = read.Fault?.Origin },
        Retries = generated.Retries is null ? null : generated.Retries with { Origin = read.Retries?.Origin },
    };

    private static JsonElement J(string json) => JsonDocument.Parse(json).RootElement.Clone();

    private static readonly Gen<StringMatch> GenHeaderMatch = Gen.OneOf(
        Gen.OneOf("jason", "").Select(StringMatch.ForExact),
        Gen.OneOf("ja", "").Select(StringMatch.ForPrefix),
        Gen.Const(StringMatch.ForRegex(@".*@gmail\.com$")),
        Gen.Const(new StringMatch()),
        Gen.Const(StringMatch.ForExact("x") with { Extra = new Dictionary<string, JsonElement> { ["future"] = J("true") } }));

    private static readonly Gen<HttpMatchRequest> GenMatchRequest =
        from uri in Gen.OneOf(StringMatch.ForPrefix("/api"), StringMatch.ForExact("/"), StringMatch.ForRegex("^/v[0-9]+")).Null(0.5)
        from method in Gen.OneOf(StringMatch.ForExact("GET")).Null(0.7)
        from headerKeys in Gen.OneOf("end-user", "cookie", "x-b").ArrayUnique[0, 2]
        from headerValues in GenHeaderMatch.Array[headerKeys.Length]
        from withoutKey in Gen.OneOf("x-internal").Null(0.7)
        from queryKey in Gen.OneOf("debug").Null(0.7)
        from queryMatch in Gen.OneOf(StringMatch.ForExact(""), new StringMatch(), StringMatch.ForRegex("^1$"), StringMatch.ForExact("1"))
        from labels in Gen.Bool
        from port in Gen.OneOf(9080).Nullable(0.7)
        from ignoreCase in Gen.Bool.Nullable(0.7)
        from sourceNamespace in Gen.OneOf("frontend").Null(0.8)
        from extra in Gen.Bool
        select new HttpMatchRequest
        {
            Uri = uri,
            Method = method,
            Headers = headerKeys.Length == 0 ? null : headerKeys.Zip(headerValues).ToDictionary(static p => p.First, static p => p.Second, StringComparer.Ordinal),
            WithoutHeaders = withoutKey is null ? null : new Dictionary<string, StringMatch>(StringComparer.Ordinal) { [withoutKey] = new StringMatch() },
            QueryParams = queryKey is null ? null : new Dictionary<string, StringMatch>(StringComparer.Ordinal) { [queryKey] = queryMatch },
            SourceLabels = labels ? new Dictionary<string, string>(StringComparer.Ordinal) { ["app"] = "productpage" } : null,
            Port = port,
            IgnoreUriCase = ignoreCase,
            SourceNamespace = sourceNamespace,
            Extra = extra ? new Dictionary<string, JsonElement> { ["statPrefix"] = J("\"p\"") } : null,
        };

    private static readonly Gen<HttpRouteDestination> GenDestination =
        from host in Gen.OneOf("reviews", "reviews.bookinfo", "reviews.bookinfo.svc.cluster.local")
        from subset in Gen.OneOf("v1", "v2", "v3", "all")
        from weight in Gen.Int[0, 100].Nullable(0.3)
        from port in Gen.Bool
        from headers in Gen.Bool
        select new HttpRouteDestination
        {
            Destination = new Destination { Host = host, Subset = subset, Port = port ? new PortSelector { Number = 9080 } : null },
            Weight = weight,
            Headers = headers ? new Headers { Response = new HeaderOperations { Set = new Dictionary<string, string>(StringComparer.Ordinal) { ["x-v"] = subset } } } : null,
        };

    private static readonly Gen<HttpRouteRule> GenHttpRule =
        from name in Gen.OneOf("a", "b").Null(0.5)
        from matches in GenMatchRequest.Array[0, 2]
        from kind in Gen.Int[0, 9]
        from route in GenDestination.Array[1, 3]
        from fault in Gen.OneOf(
            new HttpFaultInjection { Delay = new FaultDelay { FixedDelay = "7s", Percentage = new Percent { Value = 100 } } },
            new HttpFaultInjection { Abort = new FaultAbort { HttpStatus = 500 } },
            new HttpFaultInjection { Abort = new FaultAbort { GrpcStatus = "UNAVAILABLE" }, Delay = new FaultDelay { Extra = new Dictionary<string, JsonElement> { ["exponentialDelay"] = J("\"1s\"") } } }).Null(0.6)
        from mirror in Gen.Int[0, 3]
        from retries in Gen.OneOf(new HttpRetry { Attempts = 3, PerTryTimeout = "2s" }, new HttpRetry { RetryOn = "5xx", Extra = new Dictionary<string, JsonElement> { ["retryRemoteLocalities"] = J("true") } }).Null(0.6)
        from timeout in Gen.OneOf("10s").Null(0.6)
        from headers in Gen.OneOf(new Headers { Request = new HeaderOperations { Set = new Dictionary<string, string>(StringComparer.Ordinal) { ["x-b"] = "1", ["x-a"] = "2" }, Remove = ["x-c"] } }).Null(0.7)
        from cors in Gen.Bool
        from rewrite in Gen.OneOf(new HttpRewrite { Uri = "/" }).Null(0.8)
        select new HttpRouteRule
        {
            Name = name,
            Match = matches.Length == 0 ? null : matches,
            Route = kind switch
            {
                0 => null,
                1 => [new HttpRouteDestination { Destination = new Destination { Host = "details" } }],
                _ => FixWeights(route),
            },
            Redirect = kind == 0 ? J("""{"uri":"/new"}""") : null,
            Fault = fault,
            Mirror = mirror switch { 1 => new Destination { Host = "reviews", Subset = "v3" }, 2 => new Destination { Host = "ratings" }, _ => null },
            MirrorPercentage = mirror == 1 ? new Percent { Value = 5 } : null,
            Retries = retries,
            Timeout = timeout,
            Headers = headers,
            Rewrite = rewrite,
            Extra = cors ? new Dictionary<string, JsonElement> { ["corsPolicy"] = J("""{"allowOrigins":[{"exact":"https://example.com"}]}"""), ["mirrorPercent"] = J("10") } : null,
        };

    // Several destinations need one weight above 0 to be valid; duplicate subsets stay (they make the rule read-only).
    private static HttpRouteDestination[] FixWeights(HttpRouteDestination[] route) =>
        route.Length > 1 && route.All(static d => (d.Weight ?? 0) == 0) ? [route[0] with { Weight = 1 }, .. route[1..]] : route;

    private static readonly Gen<VirtualService> GenVirtualService =
        from hosts in Gen.OneOf(new[] { "reviews" }, ["reviews.example.com", "reviews"], ["reviews.bookinfo.svc.cluster.local", "*.shop.example.com"])
        from gateways in Gen.OneOf(null, new[] { "mesh" }, ["istio-system/public", "mesh"], ["mesh", "web/internal"])
        from http in GenHttpRule.Array[1, 4]
        from tcp in Gen.Bool
        from status in Gen.Bool
        select new VirtualService
        {
            Metadata = Meta("reviews", resourceVersion: "77"),
            Spec = new VirtualServiceSpec
            {
                Hosts = hosts,
                Gateways = gateways,
                Http = http,
                Tcp = tcp ? [J("""{"match":[{"port":27017}],"route":[{"destination":{"host":"mongo"}}]}""")] : null,
                Extra = new Dictionary<string, JsonElement> { ["futureSpecField"] = J("1") },
            },
            Extra = status ? new Dictionary<string, JsonElement> { ["status"] = J("""{"observedGeneration":2}""") } : null,
        };

    private static readonly Gen<TrafficPolicy> GenTrafficPolicy =
        from lb in Gen.OneOf(
            new LoadBalancerSettings { Simple = "LEAST_REQUEST" },
            new LoadBalancerSettings { Simple = "UNSPECIFIED" },
            new LoadBalancerSettings { ConsistentHash = new ConsistentHash { HttpCookie = new HttpCookie { Name = "s", Ttl = "0s" }, MinimumRingSize = 1024 } },
            new LoadBalancerSettings { LocalityLbSetting = J("""{"enabled":true}"""), ConsistentHash = new ConsistentHash { UseSourceIp = true } }).Null(0.4)
        from pool in Gen.OneOf(
            new ConnectionPoolSettings { Tcp = new TcpSettings { MaxConnections = 10, ConnectTimeout = "1s" } },
            new ConnectionPoolSettings { Http = new HttpSettings { Http1MaxPendingRequests = 5, H2UpgradePolicy = "UPGRADE" } }).Null(0.5)
        from outlier in Gen.OneOf(new OutlierDetection { Consecutive5xxErrors = 5, Interval = "10s", MinHealthPercent = 50 }).Null(0.6)
        from tls in Gen.OneOf(new ClientTlsSettings { Mode = "ISTIO_MUTUAL" }, new ClientTlsSettings { Mode = "SIMPLE", Sni = "reviews.example.com" }).Null(0.5)
        from ports in Gen.Bool
        select new TrafficPolicy
        {
            LoadBalancer = lb,
            ConnectionPool = pool,
            OutlierDetection = outlier,
            Tls = tls,
            PortLevelSettings = ports ? [J("""{"port":{"number":9080},"tls":{"mode":"DISABLE"}}""")] : null,
        };

    private static readonly Gen<DestinationRule> GenDestinationRule =
        from policy in GenTrafficPolicy.Null(0.3)
        from subsetPolicies in GenTrafficPolicy.Null(0.6).Array[3]
        from extraSubset in Gen.Bool
        select new DestinationRule
        {
            Metadata = Meta("reviews", resourceVersion: "88"),
            Spec = new DestinationRuleSpec
            {
                Host = "reviews",
                TrafficPolicy = policy,
                Subsets =
                [
                    .. new[] { "v1", "v2", "v3" }.Select((v, i) => new Subset { Name = v, Labels = Labels(("version", v)), TrafficPolicy = subsetPolicies[i] }),
                    .. extraSubset ? new[] { new Subset { Name = "all", Labels = Labels(("app", "reviews")), TrafficPolicy = new TrafficPolicy { Tls = new ClientTlsSettings { Mode = "DISABLE" } } } } : [],
                ],
                ExportTo = ["."],
            },
        };
}
