using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;

using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Services;

using static TrafficConsole.Mesh.Tests.TestData.Samples;

namespace TrafficConsole.Mesh.Tests.Routing;

/// <summary>HTTPRoute (Gateway API mesh routing) to the rule editor's intent and back.</summary>
public sealed class HttpRouteIntentTests
{
    /// <summary>A GAMMA route as Istio's docs write it, plus what others add: a rewrite, a header filter, timeouts, an unknown field.</summary>
    private const string RouteJson = """
    {
      "apiVersion": "gateway.networking.k8s.io/v1",
      "kind": "HTTPRoute",
      "metadata": { "name": "reviews", "namespace": "bookinfo", "resourceVersion": "300", "labels": { "team": "reviews" } },
      "spec": {
        "parentRefs": [ { "group": "", "kind": "Service", "name": "reviews", "port": 9080 } ],
        "rules": [
          {
            "name": "testers",
            "matches": [
              { "headers": [ { "name": "end-user", "value": "jason" } ] },
              { "path": { "type": "PathPrefix", "value": "/beta" }, "queryParams": [ { "type": "RegularExpression", "name": "group", "value": "^qa-.*" } ], "method": "GET" }
            ],
            "filters": [
              { "type": "URLRewrite", "urlRewrite": { "path": { "type": "ReplacePrefixMatch", "replacePrefixMatch": "/" } } },
              { "type": "RequestHeaderModifier", "requestHeaderModifier": { "set": [ { "name": "x-canary", "value": "yes" } ] } }
            ],
            "backendRefs": [ { "name": "reviews-v2", "port": 9080 } ],
            "timeouts": { "request": "5s", "backendRequest": "2s" }
          },
          {
            "backendRefs": [
              { "name": "reviews-v1", "port": 9080, "weight": 90 },
              { "name": "reviews-v2", "port": 9080, "weight": 10, "filters": [ { "type": "ExtensionRef", "extensionRef": { "group": "x.io", "kind": "Tap", "name": "t" } } ] }
            ],
            "sessionPersistence": { "sessionName": "pin", "type": "Cookie" }
          }
        ]
      }
    }
    """;

    private static readonly ImmutableArray<KubeService> VersionServices =
    [
        Reviews,
        PerVersion("reviews-v1", "v1"),
        PerVersion("reviews-v2", "v2"),
        PerVersion("reviews-v3", "v3"),
        Reviews with { Name = "reviews-any", Selector = Labels(("app", "reviews")) },
    ];

    [Fact]
    public void Backend_services_are_versions_when_their_selector_selects_exactly_one_version()
    {
        ImmutableDictionary<string, string> map = HttpRouteReader.BackendVersionsOf(Reviews, ServiceViewBuilder.VersionsOf(Reviews, ReviewsV1V2V3), VersionServices);

        Assert.Equal(["reviews-v1=v1", "reviews-v2=v2", "reviews-v3=v3"], map.OrderBy(static kv => kv.Key).Select(static kv => $"{kv.Key}={kv.Value}"));
    }

    [Fact]
    public void Reading_gives_rules_in_order_with_their_matches_weighted_versions_timeout_and_header_filter()
    {
        (ServiceView view, HttpRoute route) = ViewOf(RouteJson);

        RoutingIntent intent = HttpRouteReader.Read(view, route);

        RouteRule testers = Assert.Single(intent.Rules);
        Assert.Equal("testers", testers.Name);
        Assert.Null(testers.ReadOnlyReason);
        Assert.Equal([new MatchCondition(MatchField.Header, MatchOperator.Exact, "jason", "end-user")], testers.Matches[0].Conditions.ToArray());
        Assert.Equal(
            [
                new MatchCondition(MatchField.Uri, MatchOperator.Prefix, "/beta"),
                new MatchCondition(MatchField.Method, MatchOperator.Exact, "GET"),
                new MatchCondition(MatchField.QueryParam, MatchOperator.Regex, "^qa-.*", "group"),
            ],
            testers.Matches[1].Conditions.ToArray());
        Assert.Equal(TrafficSplit.Of(("v2", 1)), testers.Destinations);
        Assert.Equal("5s", testers.Timeout);
        Assert.Equal("yes", testers.RequestHeaders!.Set["x-canary"]);
        Assert.Equal(TrafficSplit.Of(("v1", 90), ("v2", 10)), intent.DefaultRoute!.Destinations);
        Assert.True(intent.IncludeMesh);
    }

    [Fact]
    public void Planning_the_intent_as_read_changes_nothing()
    {
        (ServiceView view, HttpRoute route) = ViewOf(RouteJson);

        RoutingPlan plan = HttpRoutePlanner.Plan(view, HttpRouteReader.Read(view, route));

        Assert.False(plan.IsRefused, plan.RefusalReason);
        Assert.Equal(ResourceAction.Unchanged, plan.HttpRouteAction);
        Assert.False(plan.HasChanges);
        Assert.True(JsonNode.DeepEquals(Json(route), Json(plan.HttpRoute!)));
    }

    [Fact]
    public void A_weight_change_rewrites_only_that_weight_and_keeps_filters_session_persistence_and_order()
    {
        (ServiceView view, HttpRoute route) = ViewOf(RouteJson);
        RoutingIntent intent = HttpRouteReader.Read(view, route);

        RoutingPlan plan = HttpRoutePlanner.Plan(view, intent with { DefaultRoute = intent.DefaultRoute! with { Destinations = TrafficSplit.Of(("v1", 60), ("v2", 40)) } });

        Assert.Equal(ResourceAction.Update, plan.HttpRouteAction);
        Assert.Equal("300", plan.HttpRoute!.ResourceVersion);
        JsonNode expected = Json(route);
        expected["spec"]!["rules"]![1]!["backendRefs"]![0]!["weight"] = 60;
        expected["spec"]!["rules"]![1]!["backendRefs"]![1]!["weight"] = 40;
        Assert.True(JsonNode.DeepEquals(expected, Json(plan.HttpRoute)), Json(plan.HttpRoute).ToJsonString());
        Assert.Same(route, plan.CurrentHttpRoute);
    }

    [Fact]
    public void The_rule_editors_reader_and_planner_edit_a_service_an_http_route_owns_through_that_route()
    {
        (ServiceView view, HttpRoute route) = ViewOf(RouteJson);

        RoutingIntentReading reading = RoutingIntentReader.Read(view);
        Assert.True(reading.IsEditable, reading.Problem);
        Assert.True(RoutingIntentEquality.Same(HttpRouteReader.Read(view, route), reading.Intent));

        RoutingIntent intent = reading.Intent!;
        RoutingPlan plan = RoutingIntentPlanner.PlanApply(view, intent with { DefaultRoute = intent.DefaultRoute! with { Destinations = TrafficSplit.Of(("v1", 60), ("v2", 40)) } }, IstioApi.V1);

        Assert.False(plan.IsRefused, plan.RefusalReason);
        Assert.Equal(ResourceAction.Update, plan.HttpRouteAction);
        Assert.Null(plan.VirtualService);
        Assert.Null(plan.DestinationRule);
        Assert.Equal(60, plan.HttpRoute!.Spec!.Rules![1].BackendRefs![0].Weight);
    }

    [Fact]
    public void A_new_version_gets_a_backend_on_its_own_service_with_the_port_the_others_use()
    {
        (ServiceView view, HttpRoute route) = ViewOf(RouteJson);
        RoutingIntent intent = HttpRouteReader.Read(view, route);

        RoutingPlan plan = HttpRoutePlanner.Plan(view, intent with { DefaultRoute = intent.DefaultRoute! with { Destinations = TrafficSplit.Of(("v1", 50), ("v3", 50)) } });

        IReadOnlyList<HttpBackendRef> backends = plan.HttpRoute!.Spec!.Rules![1].BackendRefs!;
        Assert.Equal([("reviews-v1", 50, 9080), ("reviews-v3", 50, 9080)], backends.Select(static b => (b.Name!, b.Weight!.Value, b.Port!.Value)));
    }

    [Fact]
    public void A_version_without_a_backend_service_is_refused_naming_the_field_and_what_to_create()
    {
        (ServiceView view, HttpRoute route) = ViewOf(RouteJson, services: [.. VersionServices.Where(static s => s.Name != "reviews-v3")]);
        RoutingIntent intent = HttpRouteReader.Read(view, route);

        RoutingPlan plan = HttpRoutePlanner.Plan(view, intent with { DefaultRoute = intent.DefaultRoute! with { Destinations = TrafficSplit.Of(("v1", 50), ("v3", 50)) } });

        Assert.True(plan.IsRefused);
        Assert.Contains("defaultRoute.destinations[v3]", plan.RefusalReason, StringComparison.Ordinal);
        Assert.Contains("reviews-v3", plan.RefusalReason, StringComparison.Ordinal);
        Assert.Null(plan.HttpRoute);
    }

    [Fact]
    public void Edited_matches_headers_and_timeout_are_written_in_gateway_api_form_keeping_the_rest_of_the_rule()
    {
        (ServiceView view, HttpRoute route) = ViewOf(RouteJson);
        RoutingIntent intent = HttpRouteReader.Read(view, route);
        RouteRule testers = intent.Rules[0];
        RouteRule edited = testers with
        {
            Matches = [testers.Matches[0] with { Conditions = [new MatchCondition(MatchField.Header, MatchOperator.Regex, ".*@gmail\\.com", "x-email")] }, testers.Matches[1]],
            Timeout = "8s",
            RequestHeaders = new HeaderRewrite { Set = ImmutableDictionary<string, string>.Empty.Add("x-canary", "no") },
        };

        RoutingPlan plan = HttpRoutePlanner.Plan(view, intent with { Rules = [edited] });

        JsonNode rule = Json(plan.HttpRoute!)["spec"]!["rules"]![0]!;
        Assert.Equal("""[{"type":"RegularExpression","name":"x-email","value":".*@gmail\\.com"}]""", rule["matches"]![0]!["headers"]!.ToJsonString(MeshJson.Options));
        JsonNode original = Json(route)["spec"]!["rules"]![0]!;
        Assert.True(JsonNode.DeepEquals(original["matches"]![1], rule["matches"]![1]), "the untouched alternative is kept as written");
        Assert.Equal("8s", rule["timeouts"]!["request"]!.GetValue<string>());
        Assert.Equal("2s", rule["timeouts"]!["backendRequest"]!.GetValue<string>());
        Assert.Equal(["URLRewrite", "RequestHeaderModifier"], rule["filters"]!.AsArray().Select(static f => f!["type"]!.GetValue<string>()));
        Assert.Equal("no", rule["filters"]![1]!["requestHeaderModifier"]!["set"]![0]!["value"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(MatchField.Header, MatchOperator.Prefix, "an HTTPRoute header match is exact or regex")]
    [InlineData(MatchField.Authority, MatchOperator.Exact, "no authority condition")]
    [InlineData(MatchField.SourceLabel, MatchOperator.Exact, "no sourcelabel condition")]
    [InlineData(MatchField.QueryParam, MatchOperator.Present, "query parameter match is exact or regex")]
    public void Conditions_an_HTTPRoute_cannot_express_are_refused_naming_the_field(MatchField field, MatchOperator op, string message)
    {
        (ServiceView view, HttpRoute route) = ViewOf(RouteJson);
        RoutingIntent intent = HttpRouteReader.Read(view, route);
        RouteRule rule = new() { Matches = [new RequestMatch { Conditions = [new MatchCondition(field, op, "x", "k")] }], Destinations = TrafficSplit.Of(("v2", 100)) };

        RoutingPlan plan = HttpRoutePlanner.Plan(view, intent with { Rules = [.. intent.Rules, rule] });

        Assert.True(plan.IsRefused);
        Assert.Contains("rules[1].matches[0].conditions[0]", plan.RefusalReason, StringComparison.Ordinal);
        Assert.Contains(message, plan.RefusalReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Faults_retries_and_gateways_which_an_HTTPRoute_cannot_hold_are_refused()
    {
        (ServiceView view, HttpRoute route) = ViewOf(RouteJson);
        RoutingIntent intent = HttpRouteReader.Read(view, route);
        RouteRule withFault = intent.Rules[0] with { Fault = new FaultInjection(new DelayFault("7s", 100), null) };
        RouteRule retried = intent.DefaultRoute! with { Retries = new RetryPolicy(3, "2s", "5xx") };

        RoutingPlan plan = HttpRoutePlanner.Plan(view, intent with { Rules = [withFault], DefaultRoute = retried, Gateways = ["istio-system/ingress"] });

        Assert.True(plan.IsRefused);
        Assert.Contains("rules[0].fault", plan.RefusalReason, StringComparison.Ordinal);
        Assert.Contains("defaultRoute.retries", plan.RefusalReason, StringComparison.Ordinal);
        Assert.Contains("gateways:", plan.RefusalReason, StringComparison.Ordinal);
        Assert.Null(plan.HttpRoute);
    }

    [Fact]
    public void A_mirror_is_the_rules_request_mirror_filter_to_a_version_service_both_ways()
    {
        (ServiceView view, HttpRoute route) = ViewOf(RouteJson);

        RoutingPlan mirrored = RoutingIntentPlanner.PlanSplit(view, TrafficSplit.Of(("v1", 90), ("v2", 10), ("v3", 0)) with { Mirror = new MirrorTarget("v3", 25) }, IstioApi.V1);

        Assert.False(mirrored.IsRefused, mirrored.RefusalReason);
        JsonNode filter = Json(mirrored.HttpRoute!)["spec"]!["rules"]![1]!["filters"]![0]!;
        Assert.Equal("""{"type":"RequestMirror","requestMirror":{"backendRef":{"name":"reviews-v3","port":9080},"percent":25}}""", filter.ToJsonString(MeshJson.Options));
        ServiceView after = ServiceViewBuilder.Build(Reviews, ReviewsV1V2V3, [], [], [mirrored.HttpRoute!], VersionServices);
        Assert.Equal(new MirrorTarget("v3", 25), after.Routing.Mirror);
        Assert.Equal(new MirrorTarget("v3", 25), HttpRouteReader.Read(after, mirrored.HttpRoute!).DefaultRoute!.Destinations.Mirror);

        RoutingPlan unmirrored = RoutingIntentPlanner.PlanSplit(after, TrafficSplit.Of(("v1", 90), ("v2", 10), ("v3", 0)), IstioApi.V1);

        Assert.True(JsonNode.DeepEquals(Json(route)["spec"], Json(unmirrored.HttpRoute!)["spec"]), "removing the mirror gives the route as it was");
    }

    [Fact]
    public void The_rule_editors_validation_codes_refuse_a_bad_regex_and_a_missing_version()
    {
        (ServiceView view, HttpRoute route) = ViewOf(RouteJson);
        RoutingIntent intent = HttpRouteReader.Read(view, route);
        RouteRule badRegex = new() { Matches = [new RequestMatch { Conditions = [new MatchCondition(MatchField.Uri, MatchOperator.Regex, "(a)\\1")] }], Destinations = TrafficSplit.Of(("v1", 1)) };
        RouteRule noSuchVersion = new() { Matches = [new RequestMatch { Conditions = [new MatchCondition(MatchField.Method, MatchOperator.Exact, "PUT")] }], Destinations = TrafficSplit.Of(("v9", 1)) };

        RoutingPlan plan = HttpRoutePlanner.Plan(view, intent with { Rules = [.. intent.Rules, badRegex, noSuchVersion] });

        Assert.True(plan.IsRefused);
        Assert.Contains(plan.Issues, static i => i.Code == "TC4010" && i.Path.StartsWith("rules[1]", StringComparison.Ordinal));
        Assert.Contains(plan.Issues, static i => i.Code == "TC4005" && i.Path.StartsWith("rules[2]", StringComparison.Ordinal));
        Assert.Null(plan.HttpRoute);
    }

    [Fact]
    public void Upper_case_header_names_are_fine_in_an_HTTPRoute_which_matches_them_case_insensitively()
    {
        (ServiceView view, HttpRoute route) = ViewOf(RouteJson);
        RoutingIntent intent = HttpRouteReader.Read(view, route);
        RouteRule rule = new() { Matches = [new RequestMatch { Conditions = [new MatchCondition(MatchField.Header, MatchOperator.Exact, "qa", "X-Team")] }], Destinations = TrafficSplit.Of(("v3", 1)) };

        RoutingPlan plan = HttpRoutePlanner.Plan(view, intent with { Rules = [.. intent.Rules, rule] });

        Assert.False(plan.IsRefused, plan.RefusalReason);
        Assert.Equal("X-Team", plan.HttpRoute!.Spec!.Rules![1].Matches![0].Headers![0].Name);
    }

    [Fact]
    public void A_rule_to_another_kind_of_backend_is_read_only_and_kept_while_another_rule_is_edited()
    {
        string json = RouteJson.Replace("""{ "name": "reviews-v2", "port": 9080 } ]""", """{ "group": "x.io", "kind": "Bucket", "name": "static" } ]""", StringComparison.Ordinal);
        (ServiceView view, HttpRoute route) = ViewOf(json);
        RoutingIntent intent = HttpRouteReader.Read(view, route);

        Assert.Contains("Bucket", intent.Rules[0].ReadOnlyReason, StringComparison.Ordinal);
        Assert.True(view.Routing.IsEditable, "the default rule is still editable");
        RoutingPlan plan = HttpRoutePlanner.Plan(view, intent with { DefaultRoute = intent.DefaultRoute! with { Destinations = TrafficSplit.Of(("v1", 100), ("v2", 0)) } });

        Assert.Same(route.Spec!.Rules![0], plan.HttpRoute!.Spec!.Rules![0]);
        Assert.Equal([100, 0], plan.HttpRoute.Spec.Rules[1].BackendRefs!.Select(static b => b.Weight!.Value));
    }

    [Fact]
    public void A_rule_moved_and_a_new_rule_added_keep_the_default_rule_where_it_was()
    {
        JsonNode withLate = JsonNode.Parse(RouteJson)!;
        withLate["spec"]!["rules"]!.AsArray().Add(JsonNode.Parse("""{ "name": "late", "matches": [ { "path": { "type": "Exact", "value": "/late" } } ], "backendRefs": [ { "name": "reviews-v3", "port": 9080 } ] }"""));
        string json = withLate.ToJsonString();
        (ServiceView view, HttpRoute route) = ViewOf(json);
        RoutingIntent intent = HttpRouteReader.Read(view, route);
        Assert.Equal(["testers", "late"], intent.Rules.Select(static r => r.Name));
        RouteRule added = new() { Name = "new", Matches = [new RequestMatch { Conditions = [new MatchCondition(MatchField.Method, MatchOperator.Exact, "POST")] }], Destinations = TrafficSplit.Of(("v3", 1)) };

        RoutingPlan plan = HttpRoutePlanner.Plan(view, intent with { Rules = [intent.Rules[1], intent.Rules[0], added] });

        Assert.Equal(["late", "testers", null, "new"], plan.HttpRoute!.Spec!.Rules!.Select(static r => r.Name));
        HttpRouteRuleSpec written = plan.HttpRoute!.Spec!.Rules![3];
        Assert.Equal("POST", Assert.Single(written.Matches!).Method);
        Assert.Equal(("reviews-v3", 1, 9080), (written.BackendRefs![0].Name!, written.BackendRefs[0].Weight!.Value, written.BackendRefs[0].Port!.Value));
    }

    [Fact]
    public void The_routing_state_shows_the_default_rule_split_and_carries_the_route_revision()
    {
        (ServiceView view, _) = ViewOf(RouteJson);

        Assert.Equal(RoutingKind.Rules, view.Routing.Kind);
        Assert.Equal("bookinfo/reviews", view.Routing.HttpRouteName);
        Assert.Equal("hr:300", view.Routing.Revision);
        Assert.Equal(TrafficSplit.Of(("v1", 90), ("v2", 10), ("v3", 0)), view.Routing.EffectiveSplit);
        Assert.Equal(2, view.Routing.Rules.Length);
        Assert.Contains("header end-user exact \"jason\"", view.Routing.Rules[0].Conditions[0], StringComparison.Ordinal);
        Assert.True(view.Routing.Rules[1].IsCatchAll);
    }

    [Fact]
    public void Two_routes_or_a_virtual_service_beside_the_route_keep_the_service_read_only()
    {
        HttpRoute route = Parse(RouteJson);
        HttpRoute second = Parse(RouteJson.Replace("\"name\": \"reviews\", \"namespace\"", "\"name\": \"reviews-2\", \"namespace\"", StringComparison.Ordinal));

        ServiceView two = ServiceViewBuilder.Build(Reviews, ReviewsV1V2V3, [], [], [route, second], VersionServices);
        ServiceView both = ServiceViewBuilder.Build(Reviews, ReviewsV1V2V3, [SplitService("100", ("v1", 100))], [SubsetRule()], [route], VersionServices);

        Assert.Equal(RoutingKind.ReadOnly, two.Routing.Kind);
        Assert.Contains("2 HTTPRoutes attach", two.Routing.ReadOnlyReason, StringComparison.Ordinal);
        Assert.Equal(RoutingKind.ReadOnly, both.Routing.Kind);
        Assert.Contains("VirtualService bookinfo/reviews", both.Routing.ReadOnlyReason, StringComparison.Ordinal);
        Assert.True(RoutingIntentPlanner.PlanSplit(both, TrafficSplit.Of(("v1", 50), ("v2", 50), ("v3", 0)), IstioApi.V1).IsRefused);
    }

    [Fact]
    public void A_default_rule_to_the_whole_service_is_read_only_with_the_reason()
    {
        string json = RouteJson.Replace("""{ "name": "reviews-v1", "port": 9080, "weight": 90 }""", """{ "name": "reviews", "port": 9080, "weight": 90 }""", StringComparison.Ordinal);

        (ServiceView view, _) = ViewOf(json);

        Assert.Equal(RoutingKind.ReadOnly, view.Routing.Kind);
        Assert.Contains("whole service reviews", view.Routing.ReadOnlyReason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_sliders_write_into_the_http_route_and_never_create_a_virtual_service()
    {
        (ServiceView view, HttpRoute route) = ViewOf(RouteJson);

        RoutingPlan plan = RoutingIntentPlanner.PlanSplit(view, TrafficSplit.Of(("v1", 30), ("v2", 70), ("v3", 0)), IstioApi.V1);

        Assert.False(plan.IsRefused, plan.RefusalReason);
        Assert.Null(plan.VirtualService);
        Assert.Null(plan.DestinationRule);
        Assert.Equal(ResourceAction.Update, plan.HttpRouteAction);
        Assert.Equal([30, 70], plan.HttpRoute!.Spec!.Rules![1].BackendRefs!.Select(static b => b.Weight!.Value));
        Assert.Equal(2, plan.HttpRoute.Spec.Rules[1].BackendRefs!.Count);
        Assert.Equal(["HTTPRoute bookinfo/reviews"], plan.Writes.Select(static w => w.ToString()));
        Assert.Equal("hr:300", plan.ExpectedRevision);
        Assert.Same(route.Spec!.Rules![0], plan.HttpRoute.Spec.Rules[0]);
    }

    [Fact]
    public void An_invalid_split_is_refused_before_the_http_route_is_planned()
    {
        (ServiceView view, _) = ViewOf(RouteJson);

        RoutingPlan plan = RoutingIntentPlanner.PlanSplit(view, TrafficSplit.Of(("v1", 30), ("v2", 30), ("v3", 0)), IstioApi.V1);

        Assert.True(plan.IsRefused);
        Assert.Contains(plan.Issues, static i => i.Code == "TC1002");
        Assert.Null(plan.HttpRoute);
    }

    [Fact]
    public void Read_attached_gives_the_intent_of_a_routed_service_a_problem_when_it_cannot_and_null_without_a_route()
    {
        (ServiceView view, HttpRoute route) = ViewOf(RouteJson);
        ServiceView both = ServiceViewBuilder.Build(Reviews, ReviewsV1V2V3, [SplitService("100", ("v1", 100))], [SubsetRule()], [route], VersionServices);

        RoutingIntentReading reading = HttpRouteReader.ReadAttached(view)!;
        RoutingIntentReading blocked = HttpRouteReader.ReadAttached(both)!;

        Assert.True(reading.IsEditable);
        Assert.Equal("hr:300", reading.Revision);
        Assert.Equal(TrafficSplit.Of(("v1", 90), ("v2", 10)), reading.Intent!.DefaultRoute!.Destinations);
        Assert.False(blocked.IsEditable);
        Assert.Contains("VirtualService", blocked.Problem, StringComparison.Ordinal);
        Assert.Null(HttpRouteReader.ReadAttached(View()));
    }

    [Fact]
    public void Delete_traffic_routing_keeps_the_http_route_and_says_why()
    {
        (ServiceView view, _) = ViewOf(RouteJson);

        DeletePlan plan = RoutingResources.PlanDelete(view);

        Assert.True(plan.IsEmpty);
        KeptResource kept = Assert.Single(plan.Keep);
        Assert.Equal("HTTPRoute bookinfo/reviews", kept.Resource.ToString());
        Assert.Contains("does not delete", kept.Reason, StringComparison.Ordinal);
    }

    private static KubeService PerVersion(string name, string version) =>
        Reviews with { Name = name, Selector = Labels(("app", "reviews"), ("version", version)) };

    private static HttpRoute Parse(string json) => MeshJson.Deserialize<HttpRoute>(json)!;

    private static (ServiceView View, HttpRoute Route) ViewOf(string json, IEnumerable<KubeService>? services = null)
    {
        HttpRoute route = Parse(json);
        ServiceView view = ServiceViewBuilder.Build(Reviews, ReviewsV1V2V3, [], [], [route], services ?? VersionServices);
        return (view, route);
    }

    private static JsonNode Json(HttpRoute route) => JsonSerializer.SerializeToNode(route, MeshJson.Options)!;
}
