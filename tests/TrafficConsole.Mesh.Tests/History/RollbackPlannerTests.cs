using TrafficConsole.Mesh.History;
using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Services;
using TrafficConsole.Mesh.Yaml;

using static TrafficConsole.Mesh.Tests.TestData.Samples;

namespace TrafficConsole.Mesh.Tests.History;

public class RollbackPlannerTests
{
    [Fact]
    public void Restore_writes_the_snapshot_over_the_current_resources_with_their_resourceVersions()
    {
        RevisionSnapshot recorded = RevisionSnapshot.Of(View([SplitService("5", ("v1", 30), ("v2", 70))], [SubsetRule(rv: "6")]));
        ServiceView now = View([SplitService("9", ("v1", 50), ("v2", 50))], [SubsetRule(rv: "6")]);

        RoutingPlan plan = RollbackPlanner.Restore(now, recorded, IstioApi.V1);

        Assert.False(plan.IsRefused, plan.RefusalReason);
        Assert.Equal((ResourceAction.Update, ResourceAction.Unchanged), (plan.VirtualServiceAction, plan.DestinationRuleAction));
        Assert.Equal("9", plan.VirtualService!.ResourceVersion);
        Assert.Equal(now.Routing.Revision, plan.ExpectedRevision);
        Assert.Equal([30, 70], plan.VirtualService.Spec!.Http![0].Route!.Select(static d => d.Weight!.Value));
        Assert.Empty(plan.Deletes);
    }

    [Fact]
    public void Restore_deletes_a_DestinationRule_the_revision_did_not_have()
    {
        VirtualService plain = SplitService("5", ("v1", 100));
        plain.Spec = plain.Spec! with { Http = [new HttpRouteRule { Route = [Dest("reviews", null)] }] };
        RevisionSnapshot recorded = RevisionSnapshot.Of(View([plain], []));
        ServiceView now = View([SplitService("9", ("v1", 50), ("v2", 50))], [SubsetRule(rv: "6")]);

        RoutingPlan plan = RollbackPlanner.Restore(now, recorded, IstioApi.V1);

        Assert.False(plan.IsRefused, plan.RefusalReason);
        ResourceRef deleted = Assert.Single(plan.Deletes);
        Assert.Equal((DestinationRule.KindName, "reviews", "6"), (deleted.Kind, deleted.Name, deleted.ResourceVersion));
        Assert.True(plan.HasChanges);
    }

    [Fact]
    public void Restore_of_an_unchanged_state_writes_nothing()
    {
        ServiceView now = View([SplitService("9", ("v1", 50), ("v2", 50))], [SubsetRule(rv: "6")]);
        RoutingPlan plan = RollbackPlanner.Restore(now, RevisionSnapshot.Of(now), IstioApi.V1);
        Assert.False(plan.HasChanges);
    }

    [Fact]
    public void To_stable_sends_every_route_to_the_stable_version_and_drops_the_mirror()
    {
        ServiceView now = View([SplitService("9", ("v1", 50), ("v2", 50))], [SubsetRule(rv: "6")]);

        RoutingPlan plan = RollbackPlanner.ToStable(now, "v1", IstioApi.V1);

        Assert.False(plan.IsRefused, plan.RefusalReason);
        ServiceView after = ServiceViewBuilder.Build(Reviews, ReviewsV1V2V3, [plan.VirtualService!], [plan.DestinationRule ?? plan.CurrentDestinationRule!]);
        Assert.Equal(100, after.Routing.EffectiveSplit.WeightOf("v1"));
        Assert.Null(after.Routing.Mirror);
    }

    [Fact]
    public void To_stable_refuses_a_version_the_service_does_not_have()
    {
        RoutingPlan plan = RollbackPlanner.ToStable(View([SplitService("9", ("v1", 50), ("v2", 50))], [SubsetRule()]), "v7", IstioApi.V1);
        Assert.True(plan.IsRefused);
        Assert.Contains("v7", plan.RefusalReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Mark_stable_only_sets_the_annotation()
    {
        ServiceView now = View([SplitService("9", ("v1", 50), ("v2", 50))], [SubsetRule(rv: "6")]);

        RoutingPlan plan = RollbackPlanner.MarkStable(now, "v1");

        Assert.Equal((ResourceAction.Update, ResourceAction.Unchanged), (plan.VirtualServiceAction, plan.DestinationRuleAction));
        Assert.Equal("v1", plan.VirtualService!.Metadata.Annotations[StableVersions.Annotation]);
        Assert.Equal(MeshJson.Serialize(now.VirtualServices[0].Spec), MeshJson.Serialize(plan.VirtualService.Spec));
        Assert.True(RollbackPlanner.MarkStable(now, "v9").IsRefused);
    }

    [Fact]
    public void Side_by_side_pairs_changed_lines_and_pads_the_shorter_side()
    {
        var rows = TextDiff.SideBySide("a\nweight: 30\nc\n", "a\nweight: 70\nc\nd\n");

        Assert.Equal(4, rows.Length);
        Assert.Equal((SideKind.Modified, "weight: 30", SideKind.Modified, "weight: 70"), (rows[1].OldKind, rows[1].OldText, rows[1].NewKind, rows[1].NewText));
        Assert.Equal((SideKind.Absent, (int?)null, SideKind.Added, (int?)4), (rows[3].OldKind, rows[3].OldLine, rows[3].NewKind, rows[3].NewLine));
        Assert.Equal(SideKind.Unchanged, rows[0].OldKind);
    }

    [Fact]
    public void Promote_sends_all_traffic_to_the_version_and_marks_it_stable_in_one_plan()
    {
        ServiceView now = View([SplitService("9", ("v1", 30), ("v2", 70))], [SubsetRule(rv: "6")]);

        RoutingPlan plan = RollbackPlanner.Promote(now, "v2", IstioApi.V1);

        Assert.False(plan.IsRefused, plan.RefusalReason);
        Assert.Equal(ResourceAction.Update, plan.VirtualServiceAction);
        Assert.Equal("v2", plan.VirtualService!.Metadata.Annotations[StableVersions.Annotation]);
        Assert.Equal([("v1", 0), ("v2", 100)], plan.VirtualService.Spec!.Http![0].Route!.Select(static d => (d.Destination!.Subset!, d.Weight ?? 0)));
    }

    [Fact]
    public void Promote_of_the_version_already_holding_all_traffic_only_marks_it()
    {
        ServiceView now = View([SplitService("9", ("v1", 0), ("v2", 100))], [SubsetRule(rv: "6")]);

        RoutingPlan plan = RollbackPlanner.Promote(now, "v2", IstioApi.V1);

        Assert.Equal(ResourceAction.Update, plan.VirtualServiceAction);
        Assert.Equal("v2", plan.VirtualService!.Metadata.Annotations[StableVersions.Annotation]);
        Assert.Equal(MeshJson.Serialize(now.VirtualServices[0].Spec), MeshJson.Serialize(plan.VirtualService.Spec));
        Assert.True(RollbackPlanner.Promote(now, "v9", IstioApi.V1).IsRefused);
    }
}
