using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Services;
using TrafficConsole.Mesh.Yaml;

using static TrafficConsole.Mesh.Tests.TestData.Samples;

namespace TrafficConsole.Mesh.Tests.Routing;

/// <summary>The Bookinfo request-routing task, from kubectl YAML to the preview diff.</summary>
public class BookinfoScenarioTests
{
    private const string JasonVirtualService = """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: reviews
          namespace: bookinfo
          resourceVersion: "812"
        spec:
          hosts:
          - reviews
          http:
          - match:
            - headers:
                end-user:
                  exact: jason
            route:
            - destination:
                host: reviews
                subset: v2
          - route:
            - destination:
                host: reviews
                subset: v3
        """;

    private const string AllDestinationRule = """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata:
          name: reviews
          namespace: bookinfo
          resourceVersion: "790"
        spec:
          host: reviews
          subsets:
          - name: v1
            labels:
              version: v1
          - name: v2
            labels:
              version: v2
          - name: v3
            labels:
              version: v3
        """;

    [Fact]
    public void Canary_from_v3_to_v1_keeps_jason_on_v2_and_previews_only_the_catch_all()
    {
        VirtualService vs = ResourceYaml.Deserialize<VirtualService>(JasonVirtualService);
        DestinationRule dr = ResourceYaml.Deserialize<DestinationRule>(AllDestinationRule);
        ServiceView view = ServiceViewBuilder.Build(Reviews, ReviewsV1V2V3, [vs], [dr]);

        Assert.Equal(RoutingKind.Rules, view.Routing.Kind);
        Assert.Equal(TrafficSplit.Of(("v1", 0), ("v2", 0), ("v3", 100)), view.Routing.EffectiveSplit);
        Assert.Equal("vs:812,dr:790", view.Routing.Revision);
        Assert.Empty(view.Issues);

        WeightEditor editor = WeightEditor.From(view.Routing.EffectiveSplit).Lock("v2").Set("v1", 20);
        Assert.Equal(TrafficSplit.Of(("v1", 20), ("v2", 0), ("v3", 80)), editor.ToSplit());

        RoutingPlan plan = RoutingIntentPlanner.PlanSplit(view, editor.ToSplit(), IstioApi.V1);
        var diff = TextDiff.Unified(ResourceYaml.Serialize(plan.CurrentVirtualService!), ResourceYaml.Serialize(plan.VirtualService!));

        Assert.Equal((ResourceAction.Update, ResourceAction.Unchanged), (plan.VirtualServiceAction, plan.DestinationRuleAction));
        Assert.Equal(
            [
                "+      weight: 80",
                "+    - destination:",
                "+        host: reviews",
                "+        subset: v1",
                "+      weight: 20",
            ],
            diff.Where(static l => l.Kind != DiffKind.Unchanged).Select(static l => (l.Kind == DiffKind.Added ? "+" : "-") + l.Text));

        ServiceView after = ServiceViewBuilder.Build(Reviews, ReviewsV1V2V3, [plan.VirtualService!], [plan.DestinationRule!]);
        Assert.Equal(editor.ToSplit(), after.Routing.EffectiveSplit);
        Assert.Equal("header end-user exact \"jason\"", Assert.Single(after.Routing.Rules[0].Conditions));
    }

    [Fact]
    public void Rolling_back_sends_everything_to_one_version()
    {
        ServiceView view = ServiceViewBuilder.Build(
            Reviews,
            ReviewsV1V2V3,
            [ResourceYaml.Deserialize<VirtualService>(JasonVirtualService)],
            [ResourceYaml.Deserialize<DestinationRule>(AllDestinationRule)]);

        RoutingPlan plan = RoutingIntentPlanner.PlanSplit(view, TrafficSplit.AllTo(view.Versions.Select(static v => v.Name), "v1"), IstioApi.V1);

        Assert.Equal(
            [("v3", 0), ("v1", 100)],
            plan.VirtualService!.Spec!.Http![1].Route!.Select(static d => (d.Destination!.Subset!, d.Weight!.Value)));
        Assert.Equal("v2", plan.VirtualService.Spec.Http[0].Route![0].Destination!.Subset);
    }
}
