using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;

using CsCheck;

using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Services;

using static TrafficConsole.Mesh.Tests.TestData.Samples;

namespace TrafficConsole.Mesh.Tests.Routing;

/// <summary>Property-based round trips of generated GAMMA HTTPRoutes through <see cref="HttpRouteReader"/>.</summary>
public sealed class HttpRouteRoundTripProperties
{
    private const int Iterations = 300;

    private static readonly string[] Versions = ["v1", "v2", "v3"];

    private static readonly ImmutableArray<KubeService> Services =
    [
        Reviews,
        .. Versions.Select(static v => Reviews with { Name = $"reviews-{v}", Selector = Labels(("app", "reviews"), ("version", v)) }),
    ];

    [Fact]
    public void A_route_read_and_planned_unchanged_is_written_back_identically()
    {
        GenRoute.Sample(
            json =>
            {
                (ServiceView view, HttpRoute route) = ViewOf(json);
                RoutingPlan plan = HttpRoutePlanner.Plan(view, HttpRouteReader.Read(view, route));

                Assert.False(plan.IsRefused, plan.RefusalReason);
                Assert.Equal(ResourceAction.Unchanged, plan.HttpRouteAction);
                Assert.True(JsonNode.DeepEquals(JsonNode.Parse(json), Json(plan.HttpRoute!)));
            },
            iter: Iterations,
            print: static json => json);
    }

    [Fact]
    public void A_weight_edit_of_one_rule_changes_only_that_rules_weights_and_reads_back_as_the_edited_intent()
    {
        Gen<(string Json, int Rule, int[] Weights)> gen =
            from json in GenRoute
            let rules = JsonNode.Parse(json)!["spec"]!["rules"]!.AsArray().Count
            from rule in Gen.Int[0, rules - 1]
            from weights in Gen.Int[1, 100].Array[3]
            select (json, rule, weights);

        gen.Sample(
            sample =>
            {
                (ServiceView view, HttpRoute route) = ViewOf(sample.Json);
                RoutingIntent intent = HttpRouteReader.Read(view, route);
                RouteRule target = route.Spec!.Rules![sample.Rule] is var spec && ReferenceEquals(intent.DefaultRoute?.GatewayApiOrigin, spec)
                    ? intent.DefaultRoute!
                    : intent.Rules.Single(r => ReferenceEquals(r.GatewayApiOrigin, spec));
                TrafficSplit edited = target.Destinations with { Weights = [.. target.Destinations.Weights.Select((w, i) => w with { Weight = sample.Weights[i] })] };
                RouteRule changed = target with { Destinations = edited };
                RoutingIntent wanted = ReferenceEquals(target, intent.DefaultRoute)
                    ? intent with { DefaultRoute = changed }
                    : intent with { Rules = intent.Rules.Replace(target, changed) };

                RoutingPlan plan = HttpRoutePlanner.Plan(view, wanted);

                Assert.False(plan.IsRefused, plan.RefusalReason);
                JsonNode expected = JsonNode.Parse(sample.Json)!;
                JsonArray backends = expected["spec"]!["rules"]![sample.Rule]!["backendRefs"]!.AsArray();
                for (int i = 0; i < backends.Count; i++)
                {
                    if ((backends[i]!["weight"]?.GetValue<int>() ?? 1) != sample.Weights[i])
                    {
                        backends[i]!["weight"] = sample.Weights[i];
                    }
                }

                Assert.True(JsonNode.DeepEquals(expected, Json(plan.HttpRoute!)), Json(plan.HttpRoute!).ToJsonString());
                (ServiceView after, HttpRoute written) = (ServiceViewBuilder.Build(Reviews, ReviewsV1V2V3, [], [], [plan.HttpRoute!], Services), plan.HttpRoute!);
                Assert.True(RoutingIntentEquality.Same(Comparable(wanted), Comparable(HttpRouteReader.Read(after, written))));
            },
            iter: Iterations,
            print: static s => $"rule {s.Rule} weights {string.Join(",", s.Weights)}: {s.Json}");
    }

    // ---- generators: HTTPRoutes as people write them, valid for the rule editor's checks ----

    private static readonly Gen<JsonObject?> GenPath =
        Gen.OneOf(
            Gen.Const((JsonObject?)null),
            Gen.OneOf("/", "/api", "/reviews/0", "/beta").Select(static v => (JsonObject?)new JsonObject { ["type"] = "PathPrefix", ["value"] = v }),
            Gen.OneOf("/login", "/reviews/1").Select(static v => (JsonObject?)new JsonObject { ["type"] = "Exact", ["value"] = v }),
            Gen.OneOf("^/v[0-9]+/.*", "/static/.*\\.css").Select(static v => (JsonObject?)new JsonObject { ["type"] = "RegularExpression", ["value"] = v }));

    private static readonly Gen<JsonObject> GenNameValue =
        from name in Gen.OneOf("end-user", "x-user-email", "x-team", "canary")
        from type in Gen.OneOf<string?>(null, "Exact", "RegularExpression")
        from value in type == "RegularExpression" ? Gen.OneOf(".*@gmail\\.com", "^qa-.*") : Gen.OneOf("jason", "true", "qa")
        select type is null
            ? new JsonObject { ["name"] = name, ["value"] = value }
            : new JsonObject { ["type"] = type, ["name"] = name, ["value"] = value };

    private static readonly Gen<JsonObject> GenMatch =
        from path in GenPath
        from headers in GenNameValue.Array[0, 2]
        from queries in GenNameValue.Array[0, 1]
        from method in Gen.OneOf<string?>(null, "GET", "POST")
        select Match(path, headers, queries, method);

    private static readonly Gen<JsonObject> GenBackends =
        from count in Gen.Int[1, 3]
        from versions in Gen.Shuffle(Versions, count)
        from weights in Gen.OneOf<int?>(null, 0, 1, 10, 50, 90).Array[count]
        where count == 1 || weights.Any(static w => (w ?? 1) > 0)
        select new JsonObject
        {
            ["backendRefs"] = new JsonArray([.. versions.Zip(weights).Select(static p => (JsonNode?)Backend(p.First, p.Second))]),
        };

    private static readonly Gen<JsonObject> GenRule =
        from name in Gen.OneOf<string?>(null, "canary", "testers")
        from matches in GenMatch.Array[0, 2]
        from backends in GenBackends
        from rewrite in Gen.Bool
        from headerFilter in Gen.Bool
        from timeout in Gen.OneOf<string?>(null, "5s", "500ms")
        from extra in Gen.Bool
        from mirror in Gen.OneOf<string?>(null, "v1", "v3")
        from mirrorPercent in Gen.OneOf<int?>(null, 10, 50)
        select Rule(name, matches, backends, rewrite, headerFilter, timeout, extra, mirror, mirrorPercent);

    private static readonly Gen<string> GenRoute =
        from rules in GenRule.Array[1, 4]
        select new JsonObject
        {
            ["apiVersion"] = "gateway.networking.k8s.io/v1",
            ["kind"] = "HTTPRoute",
            ["metadata"] = new JsonObject { ["name"] = "reviews", ["namespace"] = Ns, ["resourceVersion"] = "7" },
            ["spec"] = new JsonObject
            {
                ["parentRefs"] = new JsonArray(new JsonObject { ["kind"] = "Service", ["name"] = "reviews", ["port"] = 9080 }),
                ["rules"] = new JsonArray([.. rules.Select(static r => (JsonNode?)r)]),
            },
        }.ToJsonString();

    private static JsonObject Match(JsonObject? path, JsonObject[] headers, JsonObject[] queries, string? method)
    {
        var match = new JsonObject();
        if (path is not null)
        {
            match["path"] = path;
        }

        // One condition per header / parameter name, as the rule editor holds them.
        JsonObject[] distinctHeaders = [.. headers.DistinctBy(static h => h["name"]!.GetValue<string>())];
        if (distinctHeaders.Length > 0)
        {
            match["headers"] = new JsonArray([.. distinctHeaders.Select(static h => (JsonNode?)h)]);
        }

        if (queries.Length > 0)
        {
            match["queryParams"] = new JsonArray([.. queries.Select(static q => (JsonNode?)q)]);
        }

        if (method is not null)
        {
            match["method"] = method;
        }

        return match;
    }

    private static JsonObject Backend(string version, int? weight)
    {
        var backend = new JsonObject { ["name"] = $"reviews-{version}", ["port"] = 9080 };
        if (weight is { } w)
        {
            backend["weight"] = w;
        }

        return backend;
    }

    private static JsonObject Rule(string? name, JsonObject[] matches, JsonObject backends, bool rewrite, bool headerFilter, string? timeout, bool extra, string? mirror, int? mirrorPercent)
    {
        var rule = new JsonObject();
        if (name is not null)
        {
            rule["name"] = name;
        }

        if (matches.Length > 0)
        {
            rule["matches"] = new JsonArray([.. matches.Select(static m => (JsonNode?)m)]);
        }

        var filters = new JsonArray();
        if (rewrite)
        {
            filters.Add(JsonNode.Parse("""{"type":"URLRewrite","urlRewrite":{"path":{"type":"ReplacePrefixMatch","replacePrefixMatch":"/"}}}"""));
        }

        if (headerFilter)
        {
            filters.Add(JsonNode.Parse("""{"type":"RequestHeaderModifier","requestHeaderModifier":{"set":[{"name":"x-canary","value":"yes"}],"remove":["x-debug"]}}"""));
        }

        if (mirror is not null)
        {
            var requestMirror = new JsonObject { ["backendRef"] = new JsonObject { ["name"] = $"reviews-{mirror}", ["port"] = 9080 } };
            if (mirrorPercent is { } percent)
            {
                requestMirror["percent"] = percent;
            }

            filters.Add(new JsonObject { ["type"] = "RequestMirror", ["requestMirror"] = requestMirror });
        }

        if (filters.Count > 0)
        {
            rule["filters"] = filters;
        }

        rule["backendRefs"] = backends["backendRefs"]!.DeepClone();
        if (timeout is not null)
        {
            rule["timeouts"] = new JsonObject { ["request"] = timeout };
        }

        if (extra)
        {
            rule["sessionPersistence"] = new JsonObject { ["sessionName"] = "pin", ["type"] = "Cookie" };
        }

        return rule;
    }

    private static (ServiceView View, HttpRoute Route) ViewOf(string json)
    {
        HttpRoute route = MeshJson.Deserialize<HttpRoute>(json)!;
        return (ServiceViewBuilder.Build(Reviews, ReviewsV1V2V3, [], [], [route], Services), route);
    }

    /// <summary>The intent without origins, which differ by identity between two reads.</summary>
    private static RoutingIntent Comparable(RoutingIntent intent)
    {
        static RouteRule Strip(RouteRule r) => r with
        {
            GatewayApiOrigin = null,
            Matches = [.. r.Matches.Select(static m => m with { GatewayApiOrigin = null })],
        };

        return intent with { Rules = [.. intent.Rules.Select(Strip)], DefaultRoute = intent.DefaultRoute is { } d ? Strip(d) : null };
    }

    private static JsonNode Json(HttpRoute route) => JsonSerializer.SerializeToNode(route, MeshJson.Options)!;
}
