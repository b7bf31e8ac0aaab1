using System.Collections.Immutable;
using System.Text.Json.Nodes;

using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Services;
using TrafficConsole.Mesh.Validation;

using static TrafficConsole.Mesh.Tests.TestData.BookinfoRouting;
using static TrafficConsole.Mesh.Tests.TestData.Samples;

namespace TrafficConsole.Mesh.Tests.Routing;

public class RoutingIntentPlannerTests
{
    private const string PolicyRule = """
        {
          "apiVersion": "networking.istio.io/v1", "kind": "DestinationRule",
          "metadata": { "name": "reviews", "namespace": "bookinfo", "resourceVersion": "300" },
          "spec": {
            "host": "reviews",
            "trafficPolicy": {
              "loadBalancer": { "simple": "ROUND_ROBIN", "localityLbSetting": { "enabled": true } },
              "tls": { "mode": "SIMPLE", "sni": "reviews.example.com" },
              "portLevelSettings": [ { "port": { "number": 9080 }, "loadBalancer": { "simple": "RANDOM" } } ]
            },
            "subsets": [
              { "name": "v1", "labels": { "version": "v1" }, "trafficPolicy": { "loadBalancer": { "simple": "RANDOM" } } },
              { "name": "v2", "labels": { "version": "v2" } },
              { "name": "v3", "labels": { "version": "v3" } }
            ]
          }
        }
        """;

    private static ServiceView RichView(string drJson = PolicyRule) =>
        View([MeshJson.Deserialize<VirtualService>(RoutingIntentReaderTests.RichVirtualService)!], [MeshJson.Deserialize<DestinationRule>(drJson)!]);

    private static RoutingIntent Read(ServiceView view) => RoutingIntentReader.Read(view).Intent!;

    private static RoutingPlan Plan(ServiceView view, RoutingIntent intent)
    {
        RoutingPlan plan = RoutingIntentPlanner.PlanApply(view, intent, IstioApi.V1);
        Assert.False(plan.IsRefused, plan.RefusalReason);
        return plan;
    }

    private static JsonNode Http(RoutingPlan plan, int index) => JsonNode.Parse(Json(plan.VirtualService!))!["spec"]!["http"]![index]!;

    private static JsonNode OriginalHttp(ServiceView view, int index) => JsonNode.Parse(Json(view.VirtualServices[0]))!["spec"]!["http"]![index]!;

    [Fact]
    public void An_unedited_intent_of_a_hand_written_VirtualService_writes_nothing()
    {
        ServiceView view = RichView();

        RoutingPlan plan = Plan(view, Read(view));

        Assert.False(plan.HasChanges);
        Assert.Equal(view.Routing.Revision, plan.ExpectedRevision);
    }

    [Fact]
    public void Editing_one_condition_changes_only_that_value_and_keeps_port_case_cors_and_the_other_rules()
    {
        ServiceView view = RichView();
        RoutingIntent intent = Read(view);
        RouteRule beta = intent.Rules[0];
        RequestMatch api = beta.Matches[0];
        RequestMatch edited = api with { Conditions = api.Conditions.SetItem(5, api.Conditions[5] with { Value = @".*@example\.com$" }) };

        RoutingPlan plan = Plan(view, intent with { Rules = intent.Rules.SetItem(0, beta with { Matches = beta.Matches.SetItem(0, edited) }) });

        JsonNode expected = OriginalHttp(view, 0);
        expected["match"]![0]!["headers"]!["end-user"]!["regex"] = @".*@example\.com$";
        Assert.Equal(expected.ToJsonString(), Http(plan, 0).ToJsonString());
        for (int i = 1; i < 4; i++)
        {
            Assert.Equal(OriginalHttp(view, i).ToJsonString(), Http(plan, i).ToJsonString());
        }

        Assert.Equal(ResourceAction.Unchanged, plan.DestinationRuleAction);
    }

    [Fact]
    public void Rules_can_be_reordered_and_deleted_and_a_read_only_rule_moves_verbatim()
    {
        ServiceView view = RichView();
        RoutingIntent intent = Read(view);

        RoutingPlan plan = Plan(view, intent with { Rules = [intent.Rules[1], intent.Rules[0]] });

        Assert.Equal(3, plan.VirtualService!.Spec!.Http!.Count);
        Assert.Equal(OriginalHttp(view, 1).ToJsonString(), Http(plan, 0).ToJsonString());
        Assert.Equal(OriginalHttp(view, 0).ToJsonString(), Http(plan, 1).ToJsonString());
        Assert.Equal(OriginalHttp(view, 3).ToJsonString(), Http(plan, 2).ToJsonString());
    }

    [Fact]
    public void A_read_only_rule_is_written_as_read_even_if_its_fields_were_changed()
    {
        ServiceView view = RichView();
        RoutingIntent intent = Read(view);

        RoutingPlan plan = Plan(view, intent with { Rules = intent.Rules.SetItem(1, intent.Rules[1] with { Timeout = "9s", Name = "renamed" }) });

        Assert.False(plan.HasChanges);
    }

    [Fact]
    public void A_new_rule_copies_the_host_spelling_of_the_VirtualService_and_adds_missing_subsets()
    {
        ServiceView view = View([SplitService(route: [("v1", 100)])], [SubsetRule(versions: ["v1", "v2"])]);
        RoutingIntent intent = Read(view);
        var canary = new RouteRule
        {
            Matches = [new RequestMatch { Conditions = [new MatchCondition(MatchField.Header, MatchOperator.Exact, "jason", "end-user")] }],
            Destinations = TrafficSplit.Of(("v3", 100)),
        };

        RoutingPlan plan = Plan(view, intent with { Rules = [canary] });

        Assert.Equal(
            """{"match":[{"headers":{"end-user":{"exact":"jason"}}}],"route":[{"destination":{"host":"reviews","subset":"v3"}}]}""",
            Http(plan, 0).ToJsonString());
        Assert.Equal(ResourceAction.Update, plan.DestinationRuleAction);
        Assert.Equal(["v1", "v2", "v3"], plan.DestinationRule!.Spec!.Subsets!.Select(static s => s.Name));
        Assert.Equal("200", plan.DestinationRule.ResourceVersion);
        Assert.Equal([ResourceRef.Of(plan.DestinationRule, DestinationRule.Plural), ResourceRef.Of(plan.VirtualService!, VirtualService.Plural)], plan.Writes);
    }

    [Fact]
    public void Removing_the_version_mirror_keeps_unrelated_fields()
    {
        ServiceView view = RichView();
        RoutingIntent intent = Read(view);
        RouteRule beta = intent.Rules[0];

        RoutingPlan plan = Plan(view, intent with { Rules = intent.Rules.SetItem(0, beta with { Destinations = beta.Destinations with { Mirror = null } }) });

        JsonObject expected = OriginalHttp(view, 0).AsObject();
        expected.Remove("mirror");
        expected.Remove("mirrorPercentage");
        Assert.Equal(expected.ToJsonString(), Http(plan, 0).ToJsonString());
    }

    [Fact]
    public void A_version_mirror_replaces_the_legacy_mirrorPercent_and_a_mirror_to_another_host()
    {
        VirtualService vs = MeshJson.Deserialize<VirtualService>("""
            {
              "apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
              "metadata": { "name": "reviews", "namespace": "bookinfo", "resourceVersion": "5" },
              "spec": { "hosts": [ "reviews" ], "http": [ { "route": [ { "destination": { "host": "reviews", "subset": "v1" } } ], "mirror": { "host": "ratings" }, "mirrorPercent": 20 } ] }
            }
            """)!;
        ServiceView view = View([vs], [SubsetRule()]);
        RoutingIntent intent = Read(view);
        Assert.Null(intent.DefaultRoute!.Destinations.Mirror);

        RoutingPlan kept = Plan(view, intent with { DefaultRoute = intent.DefaultRoute with { Timeout = "1s" } });
        RoutingPlan mirrored = Plan(view, intent with { DefaultRoute = intent.DefaultRoute with { Destinations = intent.DefaultRoute.Destinations with { Mirror = new MirrorTarget("v2", 7.5) } } });

        Assert.Equal("""{"route":[{"destination":{"host":"reviews","subset":"v1"}}],"timeout":"1s","mirror":{"host":"ratings"},"mirrorPercent":20}""", Http(kept, 0).ToJsonString());
        Assert.Equal("""{"route":[{"destination":{"host":"reviews","subset":"v1"}}],"mirror":{"host":"reviews","subset":"v2"},"mirrorPercentage":{"value":7.5}}""", Http(mirrored, 0).ToJsonString());
    }

    [Fact]
    public void A_fixed_delay_replaces_an_exponential_delay_since_Istio_takes_one()
    {
        VirtualService vs = SplitService(route: [("v1", 100)]);
        vs.Spec = vs.Spec! with
        {
            Http = [vs.Spec.Http![0] with { Fault = new HttpFaultInjection { Delay = new FaultDelay { Extra = new Dictionary<string, System.Text.Json.JsonElement> { ["exponentialDelay"] = System.Text.Json.JsonDocument.Parse("\"1s\"").RootElement.Clone() } } } }],
        };
        ServiceView view = View([vs], [SubsetRule()]);
        RoutingIntent intent = Read(view);
        Assert.Null(intent.DefaultRoute!.Fault!.Delay);

        RoutingPlan plan = Plan(view, intent with { DefaultRoute = intent.DefaultRoute with { Fault = intent.DefaultRoute.Fault with { Delay = new DelayFault("2s", 10) } } });

        Assert.Equal("""{"delay":{"fixedDelay":"2s","percentage":{"value":10}}}""", Http(plan, 0)["fault"]!.ToJsonString());
    }

    [Fact]
    public void Removing_the_delay_keeps_the_grpc_abort_the_editor_does_not_model()
    {
        ServiceView view = RichView();
        RoutingIntent intent = Read(view);
        RouteRule beta = intent.Rules[0];

        RoutingPlan plan = Plan(view, intent with { Rules = intent.Rules.SetItem(0, beta with { Fault = beta.Fault! with { Delay = null } }) });

        Assert.Equal("""{"abort":{"grpcStatus":"UNAVAILABLE"}}""", Http(plan, 0)["fault"]!.ToJsonString());
    }

    [Fact]
    public void Changing_retry_attempts_keeps_retryRemoteLocalities_and_removing_retries_drops_the_object()
    {
        ServiceView view = RichView();
        RoutingIntent intent = Read(view);
        RouteRule beta = intent.Rules[0];

        RoutingPlan five = Plan(view, intent with { Rules = intent.Rules.SetItem(0, beta with { Retries = beta.Retries! with { Attempts = 5 } }) });
        RoutingPlan none = Plan(view, intent with { Rules = intent.Rules.SetItem(0, beta with { Retries = null }) });

        Assert.Equal("""{"attempts":5,"perTryTimeout":"1s","retryOn":"5xx","retryRemoteLocalities":true}""", Http(five, 0)["retries"]!.ToJsonString());
        Assert.Null(Http(none, 0)["retries"]);
    }

    [Fact]
    public void Header_rewrites_keep_the_written_order_and_append_new_names()
    {
        ServiceView view = RichView();
        RoutingIntent intent = Read(view);
        RouteRule beta = intent.Rules[0];
        HeaderRewrite request = beta.RequestHeaders! with { Set = beta.RequestHeaders.Set.Add("x-0", "new") };

        RoutingPlan plan = Plan(view, intent with { Rules = intent.Rules.SetItem(0, beta with { RequestHeaders = request, ResponseHeaders = new HeaderRewrite { Remove = ["server"] } }) });

        Assert.Equal("""{"request":{"set":{"x-b":"1","x-0":"new"},"add":{"x-a":"2"},"remove":["x-c"]},"response":{"remove":["server"]}}""", Http(plan, 0)["headers"]!.ToJsonString());
    }

    [Fact]
    public void Hosts_and_gateways_are_written_in_place_with_mesh_when_included()
    {
        ServiceView view = RichView();
        RoutingIntent intent = Read(view);

        RoutingPlan plan = Plan(view, intent with { ExtraHosts = ["reviews.example.com", "r.example.org"], Gateways = ["istio-system/public", "shop/internal"], IncludeMesh = false });
        RoutingPlan meshOnly = Plan(view, intent with { ExtraHosts = [], Gateways = [], IncludeMesh = true });

        Assert.Equal(["reviews.example.com", "reviews", "r.example.org"], plan.VirtualService!.Spec!.Hosts);
        Assert.Equal(["istio-system/public", "shop/internal"], plan.VirtualService.Spec.Gateways);
        Assert.Equal(["reviews"], meshOnly.VirtualService!.Spec!.Hosts);
        Assert.Null(meshOnly.VirtualService.Spec.Gateways);
    }

    [Fact]
    public void A_cleared_policy_removes_the_managed_fields_and_keeps_locality_sni_and_port_settings()
    {
        ServiceView view = RichView();
        RoutingIntent intent = Read(view);

        RoutingPlan plan = Plan(view, intent with { Policy = null });

        Assert.Equal(ResourceAction.Unchanged, plan.VirtualServiceAction);
        Assert.Equal(
            """{"loadBalancer":{"localityLbSetting":{"enabled":true}},"tls":{"sni":"reviews.example.com"},"portLevelSettings":[{"port":{"number":9080},"loadBalancer":{"simple":"RANDOM"}}]}""",
            MeshJson.Serialize(plan.DestinationRule!.Spec!.TrafficPolicy));
    }

    [Fact]
    public void Sticky_sessions_replace_the_simple_load_balancer_and_version_policies_land_on_their_subsets()
    {
        ServiceView view = RichView();
        RoutingIntent intent = Read(view);
        RoutingIntent edited = intent with
        {
            Policy = intent.Policy! with
            {
                LoadBalancer = null,
                ConsistentHash = new ConsistentHashPolicy(HashKey.HttpCookie, "session", "0s"),
                OutlierDetection = new OutlierDetectionPolicy(5, "10s", null, null),
            },
            VersionPolicies = ImmutableDictionary<string, TrafficPolicyIntent>.Empty
                .Add("v2", new TrafficPolicyIntent { ConnectionPool = new ConnectionPoolPolicy(10, null, null, null) }),
        };

        RoutingPlan plan = Plan(view, edited);

        DestinationRuleSpec spec = plan.DestinationRule!.Spec!;
        Assert.Equal(
            """{"loadBalancer":{"consistentHash":{"httpCookie":{"name":"session","ttl":"0s"}},"localityLbSetting":{"enabled":true}},"outlierDetection":{"consecutive5xxErrors":5,"interval":"10s"},"tls":{"mode":"SIMPLE","sni":"reviews.example.com"},"portLevelSettings":[{"port":{"number":9080},"loadBalancer":{"simple":"RANDOM"}}]}""",
            MeshJson.Serialize(spec.TrafficPolicy));
        Assert.Null(spec.Subsets![0].TrafficPolicy);
        Assert.Equal("""{"connectionPool":{"tcp":{"maxConnections":10}}}""", MeshJson.Serialize(spec.Subsets[1].TrafficPolicy));
        Assert.Equal("v3", spec.Subsets[2].Name);
        Assert.True(RoutingIntentEquality.Same(edited, Read(After(view, plan))));
    }

    [Fact]
    public void An_invalid_draft_is_refused_with_the_field_named_and_nothing_to_write()
    {
        ServiceView view = RichView();
        RoutingIntent intent = Read(view);
        RouteRule beta = intent.Rules[0];
        RequestMatch api = beta.Matches[0];
        RequestMatch broken = api with { Conditions = api.Conditions.SetItem(5, api.Conditions[5] with { Value = "(a)\\1" }) };

        RoutingPlan plan = RoutingIntentPlanner.PlanApply(view, intent with { Rules = intent.Rules.SetItem(0, beta with { Matches = beta.Matches.SetItem(0, broken) }) }, IstioApi.V1);

        Assert.True(plan.IsRefused);
        Assert.Empty(plan.Writes);
        ValidationIssue issue = Assert.Single(plan.Issues, static i => i.Severity == Severity.Error);
        Assert.Equal((ValidationCodes.InvalidRegex, "rules[0].matches[0].conditions[5].value"), (issue.Code, issue.Path));
        Assert.Contains("rules[0].matches[0].conditions[5].value", plan.RefusalReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Routing_that_cannot_be_edited_is_refused_with_the_reason()
    {
        VirtualService a = SplitService(route: [("v1", 100)]);
        VirtualService b = SplitService(route: [("v2", 100)]);
        b.Metadata.Name = "reviews-2";
        ServiceView view = View([a, b], [SubsetRule()]);

        RoutingPlan plan = RoutingIntentPlanner.PlanApply(view, new RoutingIntent { DefaultRoute = new RouteRule { Destinations = TrafficSplit.Of(("v1", 100)) } }, IstioApi.V1);

        Assert.True(plan.IsRefused);
        Assert.Contains("2 VirtualServices route this host", plan.RefusalReason, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_api_version_is_refused()
    {
        RoutingPlan plan = RoutingIntentPlanner.PlanApply(View(), Read(View()), "networking.istio.io/v2");

        Assert.True(plan.IsRefused);
        Assert.Contains("networking.istio.io/v2", plan.RefusalReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Updating_a_Helm_managed_VirtualService_warns_that_Helm_may_revert_it()
    {
        VirtualService vs = SplitService(route: [("v1", 100)]);
        vs.Metadata.Annotations = new Dictionary<string, string> { ["meta.helm.sh/release-name"] = "bookinfo" };
        ServiceView view = View([vs], [SubsetRule()]);
        RoutingIntent intent = Read(view);

        RoutingPlan plan = Plan(view, intent with { DefaultRoute = intent.DefaultRoute! with { Destinations = TrafficSplit.Of(("v1", 50), ("v2", 50)) } });

        ValidationIssue warning = Assert.Single(plan.Issues, static i => i.Code == ValidationCodes.ManagedElsewhere);
        Assert.Equal("VirtualService/reviews", warning.Path);
    }

    [Fact]
    public void A_service_without_version_labels_is_routed_to_as_a_whole_without_subsets()
    {
        Workload plain = Deployment("reviews", Labels(("app", "reviews")));
        ServiceView view = View(workloads: [plain]);
        RoutingIntent intent = Read(view) with { DefaultRoute = new RouteRule { Destinations = TrafficSplit.Of((string.Empty, 100)), Timeout = "2s" } };

        RoutingPlan plan = Plan(view, intent);

        Assert.Equal((ResourceAction.Create, ResourceAction.Unchanged), (plan.VirtualServiceAction, plan.DestinationRuleAction));
        Assert.Equal("""{"route":[{"destination":{"host":"reviews.bookinfo.svc.cluster.local"}}],"timeout":"2s"}""", Http(plan, 0).ToJsonString());
    }

    [Fact]
    public void The_slider_path_still_edits_only_the_catch_all()
    {
        ServiceView view = RichView();

        RoutingPlan plan = RoutingIntentPlanner.PlanSplit(view, TrafficSplit.Of(("v1", 50), ("v2", 50), ("v3", 0)), IstioApi.V1);

        Assert.False(plan.IsRefused, plan.RefusalReason);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(OriginalHttp(view, i).ToJsonString(), Http(plan, i).ToJsonString());
        }

        Assert.Equal([("v1", 50), ("v2", 50)], plan.VirtualService!.Spec!.Http![3].Route!.Select(static d => (d.Destination!.Subset!, d.Weight!.Value)));
    }
}
