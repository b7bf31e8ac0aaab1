using System.Text.Json.Nodes;

using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Services;

using static TrafficConsole.Mesh.Tests.TestData.BookinfoRouting;

namespace TrafficConsole.Mesh.Tests.Routing;

/// <summary>Every routing example of the Bookinfo docs is read into the rule editor correctly and written back after an edit with nothing lost or moved.</summary>
public class BookinfoIntentTests
{
    private static RoutingIntent ReadIntent(ServiceView view)
    {
        RoutingIntentReading reading = RoutingIntentReader.Read(view);
        Assert.Null(reading.Problem);
        return reading.Intent!;
    }

    /// <summary>Plans the edit and checks the written VirtualService equals the original JSON with only <paramref name="expectEdit"/> applied, field order included.</summary>
    private static RoutingPlan AssertEditKeepsEverythingElse(ServiceView view, RoutingIntent edited, Action<JsonNode> expectEdit)
    {
        RoutingPlan plan = RoutingIntentPlanner.PlanApply(view, edited, IstioApi.V1);
        Assert.False(plan.IsRefused, plan.RefusalReason);
        Assert.Equal(ResourceAction.Update, plan.VirtualServiceAction);
        Assert.Equal(ResourceAction.Unchanged, plan.DestinationRuleAction);

        JsonNode expected = JsonNode.Parse(Json(view.VirtualServices[0]))!;
        expectEdit(expected);
        Assert.Equal(expected.ToJsonString(), Json(plan.VirtualService!));
        Assert.Equal(view.VirtualServices[0].ResourceVersion, plan.VirtualService!.ResourceVersion);

        // The next read shows the edit.
        Assert.True(RoutingIntentEquality.Same(edited, ReadIntent(After(view, plan))));
        return plan;
    }

    [Fact]
    public void All_v1_reads_as_a_default_route_to_v1_and_a_shift_to_v2_writes_only_the_weights()
    {
        ServiceView view = ReviewsView(ReviewsAllV1);
        RoutingIntent intent = ReadIntent(view);

        Assert.Empty(intent.Rules);
        Assert.Equal(TrafficSplit.Of(("v1", 100)), intent.DefaultRoute!.Destinations);
        Assert.True(intent.IncludeMesh);
        Assert.Empty(intent.Gateways);
        Assert.Equal(TlsMode.IstioMutual, intent.Policy!.Tls);

        RoutingIntent edited = intent with { DefaultRoute = intent.DefaultRoute with { Destinations = TrafficSplit.Of(("v1", 90), ("v2", 10)) } };
        AssertEditKeepsEverythingElse(view, edited, json =>
        {
            JsonArray route = json["spec"]!["http"]![0]!["route"]!.AsArray();
            route[0]!.AsObject().Add("weight", 90);
            route.Add(JsonNode.Parse("""{"destination":{"host":"reviews","subset":"v2"},"weight":10}"""));
        });
    }

    [Fact]
    public void Reviews_50_50_reads_both_weights_and_a_change_touches_only_them()
    {
        ServiceView view = ReviewsView(ReviewsV2V3);
        RoutingIntent intent = ReadIntent(view);

        Assert.Equal(TrafficSplit.Of(("v2", 50), ("v3", 50)), intent.DefaultRoute!.Destinations);

        RoutingIntent edited = intent with { DefaultRoute = intent.DefaultRoute with { Destinations = TrafficSplit.Of(("v2", 25), ("v3", 75)) } };
        AssertEditKeepsEverythingElse(view, edited, json =>
        {
            json["spec"]!["http"]![0]!["route"]![0]!["weight"] = 25;
            json["spec"]!["http"]![0]!["route"]![1]!["weight"] = 75;
        });
    }

    [Fact]
    public void Reviews_80_20_becomes_70_30_in_place()
    {
        ServiceView view = ReviewsView(Reviews8020);
        RoutingIntent intent = ReadIntent(view);

        Assert.Equal(TrafficSplit.Of(("v1", 80), ("v2", 20)), intent.DefaultRoute!.Destinations);

        RoutingIntent edited = intent with { DefaultRoute = intent.DefaultRoute with { Destinations = TrafficSplit.Of(("v1", 70), ("v2", 30)) } };
        AssertEditKeepsEverythingElse(view, edited, json =>
        {
            json["spec"]!["http"]![0]!["route"]![0]!["weight"] = 70;
            json["spec"]!["http"]![0]!["route"]![1]!["weight"] = 30;
        });
    }

    [Fact]
    public void Jason_rule_reads_as_a_header_condition_and_can_move_to_v3_without_touching_the_default()
    {
        ServiceView view = ReviewsView(ReviewsJasonV2);
        RoutingIntent intent = ReadIntent(view);

        RouteRule jason = Assert.Single(intent.Rules);
        Assert.Equal(new MatchCondition(MatchField.Header, MatchOperator.Exact, "jason", "end-user"), Assert.Single(Assert.Single(jason.Matches).Conditions));
        Assert.Equal(TrafficSplit.Of(("v2", 100)), jason.Destinations);
        Assert.Null(jason.ReadOnlyReason);
        Assert.Equal(TrafficSplit.Of(("v1", 100)), intent.DefaultRoute!.Destinations);

        RoutingIntent edited = intent with { Rules = [jason with { Destinations = TrafficSplit.Of(("v3", 100)) }] };
        AssertEditKeepsEverythingElse(view, edited, json => json["spec"]!["http"]![0]!["route"]![0]!["destination"]!["subset"] = "v3");
    }

    [Fact]
    public void Ratings_delay_reads_7s_for_jason_and_a_shorter_delay_keeps_the_percentage_field()
    {
        ServiceView view = RatingsView(RatingsDelay);
        RoutingIntent intent = ReadIntent(view);

        RouteRule jason = Assert.Single(intent.Rules);
        Assert.Equal(new DelayFault("7s", 100), jason.Fault!.Delay);
        Assert.Null(jason.Fault.Abort);
        Assert.Equal("jason", Assert.Single(jason.Matches[0].Conditions).Value);

        RoutingIntent edited = intent with { Rules = [jason with { Fault = jason.Fault with { Delay = new DelayFault("2s", 50) } }] };
        AssertEditKeepsEverythingElse(view, edited, json =>
        {
            JsonNode delay = json["spec"]!["http"]![0]!["fault"]!["delay"]!;
            delay["fixedDelay"] = "2s";
            delay["percentage"]!["value"] = 50.0;
        });
    }

    [Fact]
    public void Ratings_abort_reads_500_for_jason_and_a_503_changes_only_the_status()
    {
        ServiceView view = RatingsView(RatingsAbort);
        RoutingIntent intent = ReadIntent(view);

        RouteRule jason = Assert.Single(intent.Rules);
        Assert.Equal(new AbortFault(500, 100), jason.Fault!.Abort);

        RoutingIntent edited = intent with { Rules = [jason with { Fault = jason.Fault with { Abort = new AbortFault(503, 100) } }] };
        AssertEditKeepsEverythingElse(view, edited, json => json["spec"]!["http"]![0]!["fault"]!["abort"]!["httpStatus"] = 503);
    }

    [Fact]
    public void Mtls_destination_rule_reads_istio_mutual_and_switching_the_load_balancer_keeps_tls_and_subsets()
    {
        ServiceView view = ReviewsView(Reviews8020);
        RoutingIntent intent = ReadIntent(view);
        Assert.Equal(new TrafficPolicyIntent { Tls = TlsMode.IstioMutual }, intent.Policy! with { Origin = null });

        RoutingIntent edited = intent with { Policy = intent.Policy with { LoadBalancer = SimpleLoadBalancer.LeastRequest } };
        RoutingPlan plan = RoutingIntentPlanner.PlanApply(view, edited, IstioApi.V1);

        Assert.Equal((ResourceAction.Unchanged, ResourceAction.Update), (plan.VirtualServiceAction, plan.DestinationRuleAction));
        JsonNode expected = JsonNode.Parse(Json(view.DestinationRules[0]))!;
        expected["spec"]!["trafficPolicy"] = JsonNode.Parse("""{"loadBalancer":{"simple":"LEAST_REQUEST"},"tls":{"mode":"ISTIO_MUTUAL"}}""");
        Assert.Equal(expected.ToJsonString(), Json(plan.DestinationRule!));
    }

    [Fact]
    public void Every_example_read_and_planned_unedited_writes_nothing()
    {
        ServiceView[] views =
        [
            ReviewsView(ReviewsAllV1), ReviewsView(ReviewsV2V3), ReviewsView(Reviews8020), ReviewsView(ReviewsJasonV2),
            RatingsView(RatingsDelay), RatingsView(RatingsAbort),
        ];
        foreach (ServiceView view in views)
        {
            RoutingPlan plan = RoutingIntentPlanner.PlanApply(view, ReadIntent(view), IstioApi.V1);
            Assert.False(plan.IsRefused, plan.RefusalReason);
            Assert.False(plan.HasChanges, view.VirtualServices[0].Name);
        }
    }

    [Fact]
    public void Gmail_users_to_v3_and_a_v1_10_v2_90_default_creates_the_resources_the_issue_describes()
    {
        ServiceView view = TestData.Samples.View();
        RoutingIntent intent = ReadIntent(view) with
        {
            Rules =
            [
                new RouteRule
                {
                    Name = "gmail",
                    Matches = [new RequestMatch { Conditions = [new MatchCondition(MatchField.Header, MatchOperator.Regex, @".*@gmail\.com$", "x-user-email")] }],
                    Destinations = TrafficSplit.Of(("v3", 100)),
                },
            ],
            DefaultRoute = new RouteRule { Destinations = TrafficSplit.Of(("v1", 10), ("v2", 90)) },
        };

        RoutingPlan plan = RoutingIntentPlanner.PlanApply(view, intent, IstioApi.V1);

        Assert.False(plan.IsRefused, plan.RefusalReason);
        Assert.Equal((ResourceAction.Create, ResourceAction.Create), (plan.VirtualServiceAction, plan.DestinationRuleAction));
        Assert.Equal(
            """{"hosts":["reviews.bookinfo.svc.cluster.local"],"http":[{"name":"gmail","match":[{"headers":{"x-user-email":{"regex":".*@gmail\\.com$"}}}],"route":[{"destination":{"host":"reviews.bookinfo.svc.cluster.local","subset":"v3"}}]},{"route":[{"destination":{"host":"reviews.bookinfo.svc.cluster.local","subset":"v1"},"weight":10},{"destination":{"host":"reviews.bookinfo.svc.cluster.local","subset":"v2"},"weight":90}]}]}""",
            MeshJson.Serialize(plan.VirtualService!.Spec));
        Assert.Equal(["v3", "v1", "v2"], plan.DestinationRule!.Spec!.Subsets!.Select(static s => s.Name));
        Assert.Equal("trafficconsole", plan.VirtualService.GetLabel(IstioApi.ManagedByLabel));
        Assert.True(RoutingIntentEquality.Same(intent with { Policy = null }, ReadIntent(After(view, plan))));
    }
}
