using System.Text.Json;
using System.Text.Json.Nodes;

using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Services;
using TrafficConsole.Mesh.Tests.Resources;
using TrafficConsole.Mesh.Validation;

using static TrafficConsole.Mesh.Tests.TestData.Samples;

namespace TrafficConsole.Mesh.Tests.Routing;

public class RoutingPlannerTests
{
    // What kubectl, Kiali or Argo might have written: a match route for jason, a catch-all split with
    // retries/timeout, fields the models do not know, annotations, v1beta1.
    private const string ExistingVirtualService = """
    {
      "apiVersion": "networking.istio.io/v1beta1",
      "kind": "VirtualService",
      "metadata": {
        "name": "reviews", "namespace": "bookinfo", "resourceVersion": "100",
        "labels": { "app.kubernetes.io/managed-by": "Helm" },
        "annotations": { "meta.helm.sh/release-name": "bookinfo" }
      },
      "spec": {
        "hosts": [ "reviews" ],
        "gateways": [ "mesh" ],
        "http": [
          {
            "name": "jason",
            "match": [ { "headers": { "end-user": { "exact": "jason" } } } ],
            "route": [ { "destination": { "host": "reviews", "subset": "v3" } } ],
            "corsPolicy": { "allowOrigins": [ { "exact": "https://example.com" } ] }
          },
          {
            "name": "split",
            "route": [
              { "destination": { "host": "reviews", "subset": "v1" }, "weight": 50, "headers": { "response": { "set": { "x-version": "v1" } } } },
              { "destination": { "host": "reviews", "subset": "v2" }, "weight": 50 }
            ],
            "timeout": "10s",
            "retries": { "attempts": 3, "perTryTimeout": "2s", "retryRemoteLocalities": true }
          }
        ]
      },
      "status": { "observedGeneration": 1 }
    }
    """;

    private const string ExistingDestinationRule = """
    {
      "apiVersion": "networking.istio.io/v1beta1",
      "kind": "DestinationRule",
      "metadata": { "name": "reviews", "namespace": "bookinfo", "resourceVersion": "200" },
      "spec": {
        "host": "reviews",
        "trafficPolicy": { "tls": { "mode": "ISTIO_MUTUAL" }, "loadBalancer": { "simple": "LEAST_REQUEST" } },
        "subsets": [
          { "name": "v1", "labels": { "version": "v1" } },
          { "name": "v2", "labels": { "version": "v2" } },
          { "name": "v3", "labels": { "version": "v3" } }
        ]
      }
    }
    """;

    private static ServiceView ExistingView(string vsJson = ExistingVirtualService, string drJson = ExistingDestinationRule) =>
        View([MeshJson.Deserialize<VirtualService>(vsJson)!], [MeshJson.Deserialize<DestinationRule>(drJson)!]);

    [Fact]
    public void Without_resources_it_creates_a_VirtualService_and_DestinationRule_the_Kiali_way()
    {
        RoutingPlan plan = RoutingIntentPlanner.PlanSplit(View(), TrafficSplit.Of(("v1", 90), ("v2", 10), ("v3", 0)), IstioApi.V1);

        Assert.False(plan.IsRefused);
        Assert.Equal((ResourceAction.Create, ResourceAction.Create), (plan.VirtualServiceAction, plan.DestinationRuleAction));
        VirtualService vs = plan.VirtualService!;
        Assert.Equal(("networking.istio.io/v1", "reviews", "bookinfo"), (vs.ApiVersion, vs.Name, vs.Namespace));
        Assert.Equal("trafficconsole", vs.Metadata.Labels["app.kubernetes.io/managed-by"]);
        Assert.Null(vs.ResourceVersion);
        Assert.Equal(["reviews.bookinfo.svc.cluster.local"], vs.Spec!.Hosts!);
        HttpRouteRule rule = Assert.Single(vs.Spec.Http!);
        Assert.Null(rule.Match);
        Assert.Equal(
            [("reviews.bookinfo.svc.cluster.local", "v1", 90), ("reviews.bookinfo.svc.cluster.local", "v2", 10)],
            rule.Route!.Select(static d => (d.Destination!.Host!, d.Destination.Subset!, d.Weight!.Value)));

        DestinationRule dr = plan.DestinationRule!;
        Assert.Equal(("reviews", "bookinfo", "reviews.bookinfo.svc.cluster.local"), (dr.Name, dr.Namespace, dr.Spec!.Host!));
        Assert.Equal("trafficconsole", dr.Metadata.Labels["app.kubernetes.io/managed-by"]);
        Assert.Equal(["v1", "v2", "v3"], dr.Spec.Subsets!.Select(static s => s.Name!));
        Assert.All(dr.Spec.Subsets!, static s => Assert.Equal(s.Name, s.Labels!["version"]));
    }

    [Fact]
    public void Version_label_values_are_kept_intact_while_subset_names_are_DNS_1123()
    {
        Workload one = Deployment("reviews-1-0", Labels(("app", "reviews"), ("version", "1.0")));
        Workload two = Deployment("reviews-2-0", Labels(("app", "reviews"), ("app.kubernetes.io/version", "2.0_RC1")));

        RoutingPlan plan = RoutingIntentPlanner.PlanSplit(View(workloads: [one, two]), TrafficSplit.Of(("1.0", 70), ("2.0_RC1", 30)), IstioApi.V1);

        Assert.Equal(
            [("v1-0", "version", "1.0"), ("v2-0-rc1", "app.kubernetes.io/version", "2.0_RC1")],
            plan.DestinationRule!.Spec!.Subsets!.Select(static s => (s.Name!, s.Labels!.Single().Key, s.Labels!.Single().Value)));
        Assert.Equal(["v1-0", "v2-0-rc1"], plan.VirtualService!.Spec!.Http![0].Route!.Select(static d => d.Destination!.Subset!));
    }

    [Fact]
    public void Merging_keeps_the_match_route_and_changes_only_the_catch_all_weights()
    {
        ServiceView view = ExistingView();
        Assert.Equal(RoutingKind.Rules, view.Routing.Kind);

        RoutingPlan plan = RoutingIntentPlanner.PlanSplit(view, TrafficSplit.Of(("v1", 20), ("v2", 80), ("v3", 0)), IstioApi.V1);

        Assert.Equal(ResourceAction.Update, plan.VirtualServiceAction);
        Assert.Equal(ResourceAction.Unchanged, plan.DestinationRuleAction);

        // The desired resource is exactly the existing one with two numbers changed.
        JsonNode expected = JsonNode.Parse(ExistingVirtualService)!;
        expected["spec"]!["http"]![1]!["route"]![0]!["weight"] = 20;
        expected["spec"]!["http"]![1]!["route"]![1]!["weight"] = 80;
        RoundTripTests.AssertSameJson(expected.ToJsonString(), MeshJson.Serialize(plan.VirtualService));
    }

    [Fact]
    public void Merging_keeps_retries_annotations_apiVersion_and_resourceVersion()
    {
        RoutingPlan plan = RoutingIntentPlanner.PlanSplit(ExistingView(), TrafficSplit.Of(("v1", 0), ("v2", 100), ("v3", 0)), IstioApi.V1);

        VirtualService vs = plan.VirtualService!;
        Assert.Equal("networking.istio.io/v1beta1", vs.ApiVersion);
        Assert.Equal("100", vs.ResourceVersion);
        Assert.Equal("bookinfo", vs.Metadata.Annotations["meta.helm.sh/release-name"]);
        Assert.Equal("Helm", vs.Metadata.Labels["app.kubernetes.io/managed-by"]);
        HttpRouteRule split = vs.Spec!.Http![1];
        Assert.Equal(3, split.Retries!.Attempts);
        Assert.True(split.Retries.Extra!["retryRemoteLocalities"].GetBoolean());
        Assert.Equal("10s", split.Timeout);
        Assert.Equal("v1", split.Route![0].Headers!.Response!.Set!["x-version"]);
        Assert.Equal(["mesh"], vs.Spec.Gateways!);
        Assert.True(vs.Extra!.ContainsKey("status"));
    }

    [Fact]
    public void Planning_does_not_touch_the_resources_it_read()
    {
        ServiceView view = ExistingView();

        _ = RoutingIntentPlanner.PlanSplit(view, TrafficSplit.Of(("v1", 10), ("v2", 10), ("v3", 80)), IstioApi.V1);

        RoundTripTests.AssertSameJson(ExistingVirtualService, MeshJson.Serialize(view.VirtualServices[0]));
    }

    [Fact]
    public void A_version_with_weight_0_stays_only_if_it_was_in_the_route()
    {
        ServiceView view = View([SplitService("1", ("v1", 50), ("v2", 50))], [SubsetRule()]);

        RoutingPlan plan = RoutingIntentPlanner.PlanSplit(view, TrafficSplit.Of(("v1", 100), ("v2", 0), ("v3", 0)), IstioApi.V1);

        Assert.Equal([("v1", 100), ("v2", 0)], plan.VirtualService!.Spec!.Http![0].Route!.Select(static d => (d.Destination!.Subset!, d.Weight!.Value)));
    }

    [Fact]
    public void A_new_version_is_appended_to_the_route_and_gets_a_subset_while_other_subsets_and_policy_stay()
    {
        DestinationRule dr = MeshJson.Deserialize<DestinationRule>(ExistingDestinationRule)!;
        dr.Spec = dr.Spec! with
        {
            Subsets = [.. dr.Spec.Subsets!.Where(static s => s.Name != "v3"), new Subset { Name = "legacy", Labels = Labels(("track", "legacy")) }],
        };
        ServiceView view = View([SplitService("1", ("v1", 50), ("v2", 50))], [dr]);

        RoutingPlan plan = RoutingIntentPlanner.PlanSplit(view, TrafficSplit.Of(("v1", 45), ("v2", 45), ("v3", 10)), IstioApi.V1);

        Assert.Equal([("v1", 45), ("v2", 45), ("v3", 10)], plan.VirtualService!.Spec!.Http![0].Route!.Select(static d => (d.Destination!.Subset!, d.Weight!.Value)));
        Assert.Equal("reviews", plan.VirtualService.Spec.Http[0].Route![2].Destination!.Host);
        Assert.Equal(ResourceAction.Update, plan.DestinationRuleAction);
        DestinationRule desired = plan.DestinationRule!;
        Assert.Equal(["v1", "v2", "legacy", "v3"], desired.Spec!.Subsets!.Select(static s => s.Name!));
        Assert.Equal("ISTIO_MUTUAL", desired.Spec.TrafficPolicy!.Tls!.Mode);
        Assert.Equal("networking.istio.io/v1beta1", desired.ApiVersion);
        Assert.Equal("200", desired.ResourceVersion);
    }

    [Fact]
    public void A_subset_name_taken_by_another_meaning_is_not_reused()
    {
        DestinationRule dr = SubsetRule(versions: ["v1"]);
        dr.Spec = dr.Spec! with { Subsets = [.. dr.Spec.Subsets!, new Subset { Name = "v2", Labels = Labels(("track", "canary")) }] };
        ServiceView view = View([SplitService("1", ("v1", 100))], [dr], [ReviewsVersion("v1"), ReviewsVersion("v2")]);

        RoutingPlan plan = RoutingIntentPlanner.PlanSplit(view, TrafficSplit.Of(("v1", 50), ("v2", 50)), IstioApi.V1);

        Subset added = plan.DestinationRule!.Spec!.Subsets![^1];
        Assert.NotEqual("v2", added.Name);
        Assert.StartsWith("v2-", added.Name, StringComparison.Ordinal);
        Assert.True(SubsetNames.IsValid(added.Name));
        Assert.Equal("v2", added.Labels!["version"]);
        Assert.Equal(added.Name, plan.VirtualService!.Spec!.Http![0].Route![1].Destination!.Subset);
    }

    [Fact]
    public void Existing_subsets_with_other_names_are_reused()
    {
        var dr = new DestinationRule
        {
            Metadata = Meta("reviews-dr", resourceVersion: "9"),
            Spec = new DestinationRuleSpec
            {
                Host = "reviews.bookinfo.svc.cluster.local",
                Subsets = [new Subset { Name = "stable", Labels = Labels(("version", "v1")) }, new Subset { Name = "canary", Labels = Labels(("version", "v2")) }],
            },
        };
        ServiceView view = View([SplitService("1", ("stable", 100))], [dr], [ReviewsVersion("v1"), ReviewsVersion("v2")]);

        RoutingPlan plan = RoutingIntentPlanner.PlanSplit(view, TrafficSplit.Of(("v1", 60), ("v2", 40)), IstioApi.V1);

        Assert.Equal([("stable", 60), ("canary", 40)], plan.VirtualService!.Spec!.Http![0].Route!.Select(static d => (d.Destination!.Subset!, d.Weight!.Value)));
        Assert.Equal(ResourceAction.Unchanged, plan.DestinationRuleAction);
    }

    [Fact]
    public void A_mirror_sets_mirror_and_mirrorPercentage_and_clearing_it_removes_both()
    {
        ServiceView view = View([SplitService("1", ("v1", 100))], [SubsetRule()]);

        RoutingPlan mirrored = RoutingIntentPlanner.PlanSplit(view, TrafficSplit.Of(("v1", 100), ("v2", 0), ("v3", 0)) with { Mirror = new MirrorTarget("v3", 25) }, IstioApi.V1);

        HttpRouteRule rule = mirrored.VirtualService!.Spec!.Http![0];
        Assert.Equal(("reviews", "v3"), (rule.Mirror!.Host!, rule.Mirror.Subset!));
        Assert.Equal(25, rule.MirrorPercentage!.Value);

        ServiceView after = View([mirrored.VirtualService], [SubsetRule()]);
        Assert.Equal(new MirrorTarget("v3", 25), after.Routing.Mirror);

        RoutingPlan cleared = RoutingIntentPlanner.PlanSplit(after, TrafficSplit.Of(("v1", 100), ("v2", 0), ("v3", 0)), IstioApi.V1);
        Assert.Null(cleared.VirtualService!.Spec!.Http![0].Mirror);
        Assert.Null(cleared.VirtualService.Spec.Http[0].MirrorPercentage);
    }

    [Fact]
    public void A_mirror_to_another_host_is_kept_when_the_split_has_none()
    {
        VirtualService vs = SplitService("1", ("v1", 100));
        vs.Spec = vs.Spec! with { Http = [vs.Spec.Http![0] with { Mirror = new Destination { Host = "shadow.tools.svc.cluster.local" }, MirrorPercentage = new Percent { Value = 5 } }] };

        RoutingPlan plan = RoutingIntentPlanner.PlanSplit(View([vs], [SubsetRule()]), TrafficSplit.Of(("v1", 50), ("v2", 50), ("v3", 0)), IstioApi.V1);

        Assert.Equal("shadow.tools.svc.cluster.local", plan.VirtualService!.Spec!.Http![0].Mirror!.Host);
        Assert.Equal(5, plan.VirtualService.Spec.Http[0].MirrorPercentage!.Value);
    }

    [Fact]
    public void Mirroring_to_a_version_is_refused_while_another_mirror_exists()
    {
        VirtualService vs = SplitService("1", ("v1", 100));
        vs.Spec = vs.Spec! with { Http = [vs.Spec.Http![0] with { Mirror = new Destination { Host = "reviews" } }] };
        ServiceView view = View([vs], [SubsetRule()]);
        Assert.Equal("reviews (100%)", view.Routing.OtherMirror);
        Assert.Equal(RoutingKind.Split, view.Routing.Kind);

        RoutingPlan plan = RoutingIntentPlanner.PlanSplit(view, TrafficSplit.Of(("v1", 100), ("v2", 0), ("v3", 0)) with { Mirror = new MirrorTarget("v2", 10) }, IstioApi.V1);
        RoutingPlan withoutMirror = RoutingIntentPlanner.PlanSplit(view, TrafficSplit.Of(("v1", 50), ("v2", 50), ("v3", 0)), IstioApi.V1);

        Assert.True(plan.IsRefused);
        Assert.Contains("already mirrors to reviews", plan.RefusalReason, StringComparison.Ordinal);
        Assert.Equal("reviews", withoutMirror.VirtualService!.Spec!.Http![0].Mirror!.Host);
    }

    [Fact]
    public void The_legacy_mirrorPercent_is_replaced_by_mirrorPercentage()
    {
        const string json = """
        {"apiVersion":"networking.istio.io/v1beta1","kind":"VirtualService","metadata":{"name":"reviews","namespace":"bookinfo","resourceVersion":"3"},
         "spec":{"hosts":["reviews"],"http":[{"route":[{"destination":{"host":"reviews","subset":"v1"},"weight":100}],"mirror":{"host":"reviews","subset":"v2"},"mirrorPercent":30}]}}
        """;
        ServiceView view = View([MeshJson.Deserialize<VirtualService>(json)!], [SubsetRule()]);
        Assert.Equal(new MirrorTarget("v2", 30), view.Routing.Mirror);

        RoutingPlan plan = RoutingIntentPlanner.PlanSplit(view, view.Routing.EffectiveSplit with { Mirror = new MirrorTarget("v2", 40) }, IstioApi.V1);

        HttpRouteRule rule = plan.VirtualService!.Spec!.Http![0];
        Assert.Equal(40, rule.MirrorPercentage!.Value);
        Assert.False(rule.Extra?.ContainsKey("mirrorPercent") ?? false);
    }

    [Fact]
    public void Reading_back_the_plan_gives_the_split_that_was_planned()
    {
        TrafficSplit split = TrafficSplit.Of(("v1", 33), ("v2", 33), ("v3", 34));

        RoutingPlan created = RoutingIntentPlanner.PlanSplit(View(), split, IstioApi.V1);
        ServiceView afterCreate = View([created.VirtualService!], [created.DestinationRule!]);
        RoutingPlan merged = RoutingIntentPlanner.PlanSplit(ExistingView(), split, IstioApi.V1);
        ServiceView afterMerge = View([merged.VirtualService!], [merged.DestinationRule!]);

        Assert.Equal(split, afterCreate.Routing.EffectiveSplit);
        Assert.True(afterCreate.Routing.ManagedByTrafficConsole);
        Assert.Equal(split, afterMerge.Routing.EffectiveSplit);
        Assert.False(afterMerge.Routing.ManagedByTrafficConsole);
    }

    [Fact]
    public void Applying_the_live_split_changes_nothing()
    {
        ServiceView view = ExistingView();

        RoutingPlan plan = RoutingIntentPlanner.PlanSplit(view, view.Routing.EffectiveSplit, IstioApi.V1);

        Assert.False(plan.IsRefused);
        Assert.Equal((ResourceAction.Unchanged, ResourceAction.Unchanged), (plan.VirtualServiceAction, plan.DestinationRuleAction));
        Assert.False(plan.HasChanges);
        Assert.Equal("vs:100,dr:200", plan.ExpectedRevision);
    }

    [Fact]
    public void New_resources_use_the_requested_api_version()
    {
        RoutingPlan plan = RoutingIntentPlanner.PlanSplit(View(), TrafficSplit.Of(("v1", 100), ("v2", 0), ("v3", 0)), IstioApi.V1Beta1);

        Assert.Equal("networking.istio.io/v1beta1", plan.VirtualService!.ApiVersion);
        Assert.Equal("networking.istio.io/v1beta1", plan.DestinationRule!.ApiVersion);
    }

    [Fact]
    public void An_unknown_api_version_is_refused()
    {
        RoutingPlan plan = RoutingIntentPlanner.PlanSplit(View(), TrafficSplit.Of(("v1", 100)), "networking.istio.io/v2");

        Assert.True(plan.IsRefused);
        Assert.Contains("networking.istio.io/v2", plan.RefusalReason, StringComparison.Ordinal);
        Assert.Null(plan.VirtualService);
    }

    [Fact]
    public void Read_only_routing_is_refused_with_its_reason()
    {
        ServiceView view = View([SplitService("1", ("v1", 50), ("v9", 50))], [SubsetRule()]);

        RoutingPlan plan = RoutingIntentPlanner.PlanSplit(view, TrafficSplit.Of(("v1", 100), ("v2", 0), ("v3", 0)), IstioApi.V1);

        Assert.True(plan.IsRefused);
        Assert.Equal(view.Routing.ReadOnlyReason, plan.RefusalReason);
        Assert.Null(plan.VirtualService);
        Assert.Null(plan.DestinationRule);
        Assert.False(plan.HasChanges);
    }

    [Fact]
    public void An_invalid_split_is_refused_with_the_validation_issues()
    {
        RoutingPlan plan = RoutingIntentPlanner.PlanSplit(View(), TrafficSplit.Of(("v1", 60), ("v2", 30), ("v3", 0)), IstioApi.V1);

        Assert.True(plan.IsRefused);
        Assert.Contains(plan.Issues, static i => i.Code == ValidationCodes.TotalNot100);
        Assert.Contains("90", plan.RefusalReason, StringComparison.Ordinal);
        Assert.Null(plan.VirtualService);
    }

    [Fact]
    public void A_catch_all_to_the_whole_service_becomes_per_version_destinations_keeping_the_port()
    {
        VirtualService vs = SplitService("1");
        vs.Spec = vs.Spec! with { Http = [new HttpRouteRule { Route = [new HttpRouteDestination { Destination = new Destination { Host = "reviews", Port = new PortSelector { Number = 9080 } } }] }] };
        ServiceView view = View([vs], [], [ReviewsVersion("v1"), ReviewsVersion("v2")]);

        RoutingPlan plan = RoutingIntentPlanner.PlanSplit(view, TrafficSplit.Of(("v1", 80), ("v2", 20)), IstioApi.V1);

        Assert.Equal(
            [("reviews", "v1", 9080, 80), ("reviews", "v2", 9080, 20)],
            plan.VirtualService!.Spec!.Http![0].Route!.Select(static d => (d.Destination!.Host!, d.Destination.Subset!, d.Destination.Port!.Number!.Value, d.Weight!.Value)));
        Assert.Equal(ResourceAction.Create, plan.DestinationRuleAction);
    }

    [Fact]
    public void A_service_with_only_unversioned_workloads_routes_to_the_host_without_subset()
    {
        ServiceView view = View(workloads: [Deployment("reviews", Labels(("app", "reviews")))]);

        RoutingPlan plan = RoutingIntentPlanner.PlanSplit(view, TrafficSplit.Of((ServiceVersion.UnversionedName, 100)), IstioApi.V1);

        HttpRouteDestination destination = Assert.Single(plan.VirtualService!.Spec!.Http![0].Route!);
        Assert.Null(destination.Destination!.Subset);
        Assert.Null(plan.DestinationRule);
        Assert.Equal(ResourceAction.Unchanged, plan.DestinationRuleAction);
    }

    [Fact]
    public void Delete_lists_resources_targeting_only_this_service_and_says_which_are_not_ours()
    {
        VirtualService shared = SplitService("5", ("v1", 100));
        shared.Metadata.Name = "front";
        shared.Spec = shared.Spec! with { Hosts = ["reviews", "ratings"] };
        DestinationRule ours = SubsetRule(rv: "7");
        ours.Metadata.Labels = new Dictionary<string, string> { [IstioApi.ManagedByLabel] = IstioApi.ManagedByValue };
        ServiceView view = View([SplitService("4", ("v1", 100)), shared], [ours]);

        DeletePlan plan = RoutingResources.PlanDelete(view);

        Assert.Equal(["VirtualService bookinfo/reviews", "DestinationRule bookinfo/reviews"], plan.Delete.Select(static r => r.ToString()));
        Assert.Equal([false, true], plan.Delete.Select(static r => r.ManagedByTrafficConsole));
        Assert.True(plan.DeletesForeignResources);
        Assert.Equal(["4", "7"], plan.Delete.Select(static r => r.ResourceVersion!));
        Assert.Equal(["virtualservices", "destinationrules"], plan.Delete.Select(static r => r.Plural));
        KeptResource kept = Assert.Single(plan.Keep);
        Assert.Equal("front", kept.Resource.Name);
        Assert.Contains("ratings", kept.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Plans_name_their_service_and_write_the_DestinationRule_first()
    {
        RoutingPlan plan = RoutingIntentPlanner.PlanSplit(View(), TrafficSplit.Of(("v1", 100), ("v2", 0), ("v3", 0)), IstioApi.V1);
        RoutingPlan refused = RoutingIntentPlanner.PlanSplit(View(), TrafficSplit.Of(("v1", 10)), IstioApi.V1);

        Assert.Equal(("bookinfo", "reviews"), (plan.Namespace, plan.ServiceName));
        Assert.Equal(("bookinfo", "reviews"), (refused.Namespace, refused.ServiceName));
        Assert.Equal(["DestinationRule bookinfo/reviews", "VirtualService bookinfo/reviews"], plan.Writes.Select(static w => w.ToString()));
        Assert.Empty(refused.Writes);
        Assert.Equal(("bookinfo", "reviews"), (RoutingResources.PlanDelete(View()).Namespace, RoutingResources.PlanDelete(View()).ServiceName));
    }

    [Fact]
    public void Delete_of_a_service_without_routing_is_empty()
    {
        Assert.True(RoutingResources.PlanDelete(View()).IsEmpty);
    }

    [Fact]
    public void Warnings_accompany_an_applicable_plan()
    {
        ServiceView view = View(workloads: [ReviewsVersion("v1"), ReviewsVersion("v2", ready: 0)]);

        RoutingPlan plan = RoutingIntentPlanner.PlanSplit(view, TrafficSplit.Of(("v1", 90), ("v2", 10)), IstioApi.V1);

        Assert.False(plan.IsRefused);
        ValidationIssue warning = Assert.Single(plan.Issues);
        Assert.Equal((ValidationCodes.NoReadyReplicas, Severity.Warning), (warning.Code, warning.Severity));
    }

    [Fact]
    public void Updating_a_resource_another_tool_manages_warns_that_it_may_be_reverted()
    {
        RoutingPlan helm = RoutingIntentPlanner.PlanSplit(ExistingView(), TrafficSplit.Of(("v1", 10), ("v2", 90), ("v3", 0)), IstioApi.V1);
        VirtualService argo = SplitService("1", ("v1", 100));
        argo.Metadata.Annotations = new Dictionary<string, string> { ["argocd.argoproj.io/tracking-id"] = "app:networking.istio.io/VirtualService:bookinfo/reviews" };
        RoutingPlan argoPlan = RoutingIntentPlanner.PlanSplit(View([argo], [SubsetRule()]), TrafficSplit.Of(("v1", 50), ("v2", 50), ("v3", 0)), IstioApi.V1);

        ValidationIssue issue = Assert.Single(helm.Issues);
        Assert.Equal((ValidationCodes.ManagedElsewhere, Severity.Warning, "VirtualService/reviews"), (issue.Code, issue.Severity, issue.Path));
        Assert.Contains("managed by Helm", issue.Message, StringComparison.Ordinal);
        Assert.Contains("Argo CD", Assert.Single(argoPlan.Issues).Message, StringComparison.Ordinal);
        Assert.False(helm.IsRefused);
    }

    [Fact]
    public void Json_of_a_created_plan_has_no_nulls()
    {
        RoutingPlan plan = RoutingIntentPlanner.PlanSplit(View(), TrafficSplit.Of(("v1", 100), ("v2", 0), ("v3", 0)), IstioApi.V1);

        string json = JsonSerializer.Serialize(plan.VirtualService, MeshJson.Options);

        Assert.DoesNotContain("null", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"match\"", json, StringComparison.Ordinal);
    }
}
