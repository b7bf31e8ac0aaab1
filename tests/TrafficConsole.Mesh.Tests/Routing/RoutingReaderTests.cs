using System.Collections.Immutable;

using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Services;

using static TrafficConsole.Mesh.Tests.TestData.Samples;

namespace TrafficConsole.Mesh.Tests.Routing;

public class RoutingReaderTests
{
    [Fact]
    public void Without_any_VirtualService_the_split_follows_ready_replicas()
    {
        ServiceView view = View(workloads: [ReviewsVersion("v1", ready: 3), ReviewsVersion("v2", ready: 1)]);

        Assert.Equal(RoutingKind.None, view.Routing.Kind);
        Assert.Equal(TrafficSplit.Of(("v1", 75), ("v2", 25)), view.Routing.ImpliedByReplicas);
        Assert.Equal(view.Routing.ImpliedByReplicas, view.Routing.EffectiveSplit);
        Assert.Equal(RoutingState.NoRevision, view.Routing.Revision);
        Assert.False(view.Routing.ManagedByTrafficConsole);
        Assert.True(view.Routing.IsEditable);
    }

    [Fact]
    public void Replica_split_uses_largest_remainder_so_it_sums_to_100()
    {
        TrafficSplit split = RoutingFacts.ImpliedByReplicas(
            ServiceViewBuilder.VersionsOf(Reviews, [ReviewsVersion("v1", 1), ReviewsVersion("v2", 1), ReviewsVersion("v3", 1)]));

        Assert.Equal([33, 33, 34], split.Weights.Select(static w => w.Weight));
        Assert.Equal(100, split.Total);
    }

    [Fact]
    public void Replica_split_falls_back_to_desired_replicas_when_nothing_is_ready()
    {
        Workload v1 = ReviewsVersion("v1", ready: 0) with { DesiredReplicas = 1 };
        Workload v2 = ReviewsVersion("v2", ready: 0) with { DesiredReplicas = 4 };

        Assert.Equal(TrafficSplit.Of(("v1", 20), ("v2", 80)), View(workloads: [v1, v2]).Routing.ImpliedByReplicas);
    }

    [Fact]
    public void Weights_are_relative_as_since_Istio_1_15()
    {
        ServiceView view = View([SplitService("7", ("v1", 1), ("v2", 3))], [SubsetRule()]);

        Assert.Equal(RoutingKind.Split, view.Routing.Kind);
        Assert.Equal(TrafficSplit.Of(("v1", 25), ("v2", 75), ("v3", 0)), view.Routing.EffectiveSplit);
    }

    [Fact]
    public void A_lone_destination_without_weight_gets_everything()
    {
        ServiceView view = View([SplitService("7", ("v2", null))], [SubsetRule()]);

        Assert.Equal(TrafficSplit.Of(("v1", 0), ("v2", 100), ("v3", 0)), view.Routing.EffectiveSplit);
    }

    [Fact]
    public void Destinations_sharing_a_version_are_read_only_so_neither_loses_its_options()
    {
        // The split-only reader added such weights up and wrote one destination back; the one routing model keeps the
        // rule as written (the second destination may carry its own headers) and says why the sliders cannot edit it.
        ServiceView view = View([SplitService("7", ("v1", 1), ("v1", 1), ("v2", 2))], [SubsetRule()]);

        Assert.Equal(RoutingKind.ReadOnly, view.Routing.Kind);
        Assert.Contains("more than one destination", view.Routing.ReadOnlyReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Subset_names_map_to_versions_through_the_DestinationRule_labels()
    {
        DestinationRule dr = SubsetRule();
        dr.Spec = new DestinationRuleSpec
        {
            Host = "reviews",
            Subsets =
            [
                new Subset { Name = "stable", Labels = Labels(("version", "v1")) },
                new Subset { Name = "canary", Labels = Labels(("version", "v3"), ("app", "reviews")) },
                new Subset { Name = "everything", Labels = Labels(("app", "reviews")) },
            ],
        };

        ServiceView view = View([SplitService("1", ("stable", 80), ("canary", 20))], [dr]);

        Assert.Equal("v1", view.Routing.SubsetVersions["stable"]);
        Assert.Equal("v3", view.Routing.SubsetVersions["canary"]);
        Assert.False(view.Routing.SubsetVersions.ContainsKey("everything"));
        Assert.Equal(TrafficSplit.Of(("v1", 80), ("v2", 0), ("v3", 20)), view.Routing.EffectiveSplit);
    }

    [Fact]
    public void Match_routes_before_a_catch_all_split_are_rules_and_stay_editable()
    {
        VirtualService vs = SplitService("5", ("v1", 50), ("v2", 50));
        vs.Spec = vs.Spec! with
        {
            Http =
            [
                new HttpRouteRule
                {
                    Name = "jason",
                    Match = [new HttpMatchRequest { Headers = new Dictionary<string, StringMatch> { ["end-user"] = StringMatch.ForExact("jason") } }],
                    Route = [Dest("reviews", "v3")],
                },
                .. vs.Spec.Http!,
            ],
        };

        RoutingState state = View([vs], [SubsetRule()]).Routing;

        Assert.Equal(RoutingKind.Rules, state.Kind);
        Assert.Equal(TrafficSplit.Of(("v1", 50), ("v2", 50), ("v3", 0)), state.EffectiveSplit);
        Assert.Equal(2, state.Rules.Length);
        Assert.Equal("header end-user exact \"jason\"", Assert.Single(state.Rules[0].Conditions));
        Assert.Equal(new VersionWeight("v3", 100), Assert.Single(state.Rules[0].Destinations));
        Assert.True(state.Rules[1].IsCatchAll);
        Assert.Equal("bookinfo/reviews", state.VirtualServiceName);
    }

    [Fact]
    public void Mirror_to_a_version_is_read_with_its_percentage()
    {
        VirtualService vs = SplitService("5", ("v1", 100));
        vs.Spec = vs.Spec! with { Http = [vs.Spec.Http![0] with { Mirror = new Destination { Host = "reviews.bookinfo.svc.cluster.local", Subset = "v2" }, MirrorPercentage = new Percent { Value = 10 } }] };

        RoutingState state = View([vs], [SubsetRule()]).Routing;

        Assert.Equal(new MirrorTarget("v2", 10), state.Mirror);
        Assert.Equal(new MirrorTarget("v2", 10), state.EffectiveSplit.Mirror);
    }

    [Fact]
    public void Mirror_without_percentage_copies_everything()
    {
        VirtualService vs = SplitService("5", ("v1", 100));
        vs.Spec = vs.Spec! with { Http = [vs.Spec.Http![0] with { Mirror = new Destination { Host = "reviews", Subset = "v3" } }] };

        Assert.Equal(new MirrorTarget("v3", 100), View([vs], [SubsetRule()]).Routing.Mirror);
    }

    public static TheoryData<string, VirtualService[], DestinationRule[], string> ReadOnlyCases()
    {
        VirtualService onlyMatches = SplitService("1", ("v1", 100));
        onlyMatches.Spec = onlyMatches.Spec! with
        {
            Http =
            [
                new HttpRouteRule { Match = [new HttpMatchRequest { Uri = StringMatch.ForPrefix("/a") }], Route = [Dest("reviews", "v1")] },
                new HttpRouteRule { Match = [new HttpMatchRequest { Uri = StringMatch.ForPrefix("/b") }], Route = [Dest("reviews", "v2")] },
            ],
        };
        VirtualService otherHost = SplitService("1", ("v1", 90));
        otherHost.Spec = otherHost.Spec! with { Http = [new HttpRouteRule { Route = [Dest("reviews", "v1", 90), Dest("ratings", null, 10)] }] };
        VirtualService second = SplitService("2", ("v1", 100));
        second.Metadata.Name = "reviews-2";
        DestinationRule secondDr = SubsetRule("reviews-extra", "reviews", "300", "v1");

        return new()
        {
            { "destination to another host", [otherHost], [SubsetRule()], "other hosts (ratings)" },
            { "subset not defined", [SplitService("1", ("v1", 50), ("v9", 50))], [SubsetRule()], "'v9'" },
            { "subset matching no version", [SplitService("1", ("v1", 50), ("v4", 50))], [SubsetRule(versions: ["v1", "v4"])], "'v4'" },
            { "two VirtualServices", [SplitService("1", ("v1", 100)), second], [SubsetRule()], "2 VirtualServices" },
            { "two DestinationRules with subsets", [SplitService("1", ("v1", 100))], [SubsetRule(), secondDr], "Several DestinationRules" },
            { "mixes subset and whole host", [SplitService("1", ("v1", 50), (null!, 50))], [SubsetRule()], "with and without a subset" },
        };
    }

    [Theory]
    [MemberData(nameof(ReadOnlyCases))]
    public void Routing_the_sliders_cannot_represent_is_read_only_with_a_reason(string because, VirtualService[] vss, DestinationRule[] drs, string reasonPart)
    {
        RoutingState state = View(vss, drs).Routing;

        Assert.True(state.Kind == RoutingKind.ReadOnly, because);
        Assert.False(state.IsEditable);
        Assert.Contains(reasonPart, state.ReadOnlyReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Routing_the_sliders_can_repair_is_editable_as_it_is_in_the_rule_editor()
    {
        // The split-only reader refused these; the sliders edit the intent's default route, so they can do what the rule
        // editor always could: add the default route that unmatched requests lack, or replace weights that send nowhere.
        VirtualService onlyMatches = SplitService("1", ("v3", 100));
        onlyMatches.Spec = onlyMatches.Spec! with
        {
            Http = [onlyMatches.Spec.Http![0] with { Match = [new HttpMatchRequest { Headers = ImmutableDictionary<string, StringMatch>.Empty.Add("end-user", StringMatch.ForExact("jason")) }] }],
        };

        RoutingState noDefault = View([onlyMatches], [SubsetRule()]).Routing;
        Assert.Equal(RoutingKind.Rules, noDefault.Kind);
        Assert.Equal(TrafficSplit.Of(("v1", 0), ("v2", 0), ("v3", 0)), noDefault.EffectiveSplit);

        Assert.True(View([SplitService("1", ("v1", 0), ("v2", 0))], [SubsetRule()]).Routing.IsEditable, "all weights zero");
        Assert.True(View([SplitService("1", ("v1", -5), ("v2", 105))], [SubsetRule()]).Routing.IsEditable, "negative weight");
    }

    [Fact]
    public void A_catch_all_rule_before_the_default_route_makes_the_sliders_read_only()
    {
        VirtualService vs = SplitService("1", ("v1", 50), ("v2", 50));
        HttpRouteRule jason = new()
        {
            Match = [new HttpMatchRequest { Headers = ImmutableDictionary<string, StringMatch>.Empty.Add("end-user", StringMatch.ForExact("jason")) }],
            Route = [Dest("reviews", "v3")],
        };
        vs.Spec = vs.Spec! with { Http = [vs.Spec.Http![0], jason] };

        RoutingState state = View([vs], [SubsetRule()]).Routing;

        Assert.Equal(RoutingKind.ReadOnly, state.Kind);
        Assert.Contains("matches every request", state.ReadOnlyReason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_catch_all_to_the_whole_service_is_an_editable_split_following_replicas()
    {
        ServiceView view = View([SplitService("1", (null!, null))], [], [ReviewsVersion("v1", 1), ReviewsVersion("v2", 3)]);

        Assert.Equal(RoutingKind.Split, view.Routing.Kind);
        Assert.Equal(TrafficSplit.Of(("v1", 25), ("v2", 75)), view.Routing.EffectiveSplit);
    }

    [Fact]
    public void A_VirtualService_bound_only_to_an_ingress_gateway_does_not_route_the_mesh()
    {
        VirtualService ingress = SplitService("1", ("v1", 100));
        ingress.Spec = ingress.Spec! with { Gateways = ["bookinfo-gateway"] };

        Assert.Equal(RoutingKind.None, View([ingress], [SubsetRule()]).Routing.Kind);
    }

    [Fact]
    public void Resources_labelled_by_us_are_reported_as_managed()
    {
        VirtualService vs = SplitService("1", ("v1", 100));
        DestinationRule dr = SubsetRule();
        vs.Metadata.Labels = new Dictionary<string, string> { [IstioApi.ManagedByLabel] = IstioApi.ManagedByValue };

        Assert.False(View([vs], [dr]).Routing.ManagedByTrafficConsole);
        dr.Metadata.Labels = new Dictionary<string, string> { [IstioApi.ManagedByLabel] = IstioApi.ManagedByValue };
        Assert.True(View([vs], [dr]).Routing.ManagedByTrafficConsole);
    }

    [Fact]
    public void Revision_changes_when_either_resource_changes()
    {
        string before = View([SplitService("10", ("v1", 100))], [SubsetRule(rv: "20")]).Routing.Revision;
        string vsChanged = View([SplitService("11", ("v1", 100))], [SubsetRule(rv: "20")]).Routing.Revision;
        string drChanged = View([SplitService("10", ("v1", 100))], [SubsetRule(rv: "21")]).Routing.Revision;

        Assert.Equal("vs:10,dr:20", before);
        Assert.NotEqual(before, vsChanged);
        Assert.NotEqual(before, drChanged);
    }

    [Theory]
    [InlineData(new[] { 1, 3 }, new[] { 25, 75 })]
    [InlineData(new[] { 1, 1, 1 }, new[] { 33, 33, 34 })]
    [InlineData(new[] { 50, 50 }, new[] { 50, 50 })]
    [InlineData(new[] { 2, 0, 2 }, new[] { 50, 0, 50 })]
    [InlineData(new[] { 7 }, new[] { 100 })]
    [InlineData(new[] { 1, 2, 3, 4, 5, 6 }, new[] { 5, 9, 14, 19, 24, 29 })]
    public void Effective_percents_sum_to_100(int[] weights, int[] expected)
    {
        int[] percents = RoutingFacts.EffectivePercents([.. weights.Select(static w => (int?)w)]);

        Assert.Equal(expected, percents);
        Assert.Equal(100, percents.Sum());
    }
}
