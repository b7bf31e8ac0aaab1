using TrafficConsole.Mesh.History;
using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Services;

using static TrafficConsole.Mesh.Tests.History.HistoryTestData;
using static TrafficConsole.Mesh.Tests.TestData.Samples;

namespace TrafficConsole.Mesh.Tests.History;

public class StableVersionsTests
{
    private static ServiceView SplitView(string? marked = null)
    {
        VirtualService vs = SplitService("10", ("v2", 50), ("v3", 50));
        if (marked is not null)
        {
            vs.Metadata.Annotations = new Dictionary<string, string> { [StableVersions.Annotation] = marked };
        }

        Workload[] workloads =
        [
            ReviewsVersion("v1") with { CreatedAt = T0.AddDays(-3) },
            ReviewsVersion("v2") with { CreatedAt = T0.AddDays(-10) },
            ReviewsVersion("v3") with { CreatedAt = T0.AddDays(-1) },
        ];
        return View([vs], [SubsetRule()], workloads);
    }

    [Fact]
    public void A_marked_version_wins()
    {
        StableChoice choice = StableVersions.Resolve(SplitView(marked: "v3"), [Revision("vs:1", TrafficSplit.Of(("v1", 100)), 0)]);
        Assert.Equal(("v3", StableSource.Marked), (choice.Version, choice.Source));
    }

    [Fact]
    public void A_mark_naming_no_version_is_ignored()
    {
        StableChoice choice = StableVersions.Resolve(SplitView(marked: "v9"), []);
        Assert.Equal(("v2", StableSource.Oldest), (choice.Version, choice.Source));
    }

    [Fact]
    public void Else_the_version_that_held_100_in_the_first_revision_the_history_holds()
    {
        RoutingRevision first = Revision("vs:0", TrafficSplit.Of(("v3", 100)), -10);
        RoutingRevision[] history =
        [
            first,
            Revision("vs:1", TrafficSplit.Of(("v1", 100), ("v2", 0)), 0),
            Revision("vs:2", TrafficSplit.Of(("v1", 90), ("v2", 10)), 5),
            Revision("vs:3", TrafficSplit.Of(("v1", 50), ("v2", 50)), 10),
        ];

        StableChoice choice = StableVersions.Resolve(SplitView(), history);

        Assert.Equal(("v3", StableSource.FirstSeen, first.Id, first.At), (choice.Version, choice.Source, choice.RevisionId, choice.At));
        Assert.Equal("first seen at 100% on 2026-12-01 08:50 UTC", choice.Explanation);
    }

    // Issue 12, "stable drifts": 30/70 -> v2 100 (an accident) -> 30/70 made v2 stable, so "All traffic to stable"
    // sent everything to the canary. Failed before the fix (Resolve gave v2 "held 100% before the rollout began").
    [Fact]
    public void A_moment_at_100_on_the_canary_does_not_make_it_stable_and_to_stable_sends_all_traffic_back_to_v1()
    {
        Workload[] workloads =
        [
            ReviewsVersion("v1") with { CreatedAt = T0.AddDays(-1) },
            ReviewsVersion("v2") with { CreatedAt = T0.AddDays(-9) }, // older: "oldest" would be wrong too
        ];
        ServiceView now = View([SplitService("40", ("v1", 30), ("v2", 70))], [SubsetRule()], workloads);
        RoutingRevision[] history =
        [
            Revision("vs:10", TrafficSplit.Of(("v1", 100), ("v2", 0)), 0),
            Revision("vs:20", TrafficSplit.Of(("v1", 30), ("v2", 70)), 5),
            Revision("vs:30", TrafficSplit.Of(("v1", 0), ("v2", 100)), 10),
            Revision("vs:40", TrafficSplit.Of(("v1", 30), ("v2", 70)), 15),
        ];

        StableChoice stable = StableVersions.Resolve(now, history);
        RoutingPlan plan = RollbackPlanner.ToStable(now, stable.Version!, IstioApi.V1);

        Assert.Equal(("v1", StableSource.FirstSeen), (stable.Version, stable.Source));
        Assert.False(plan.IsRefused, plan.RefusalReason);
        Assert.Equal([("v1", 100), ("v2", 0)], plan.VirtualService!.Spec!.Http![0].Route!.Select(static d => (d.Destination!.Subset!, d.Weight ?? 0)));
    }

    [Fact]
    public void A_canary_holding_100_that_nobody_promoted_is_off_stable_since_traffic_left_v1()
    {
        ServiceView now = View([SplitService("30", ("v1", 0), ("v2", 100))], [SubsetRule()]);
        RoutingRevision[] history =
        [
            Revision("vs:10", TrafficSplit.Of(("v1", 100), ("v2", 0)), 0),
            Revision("vs:20", TrafficSplit.Of(("v1", 30), ("v2", 70)), 5),
            Revision("vs:30", TrafficSplit.Of(("v1", 0), ("v2", 100)), 10),
        ];

        StableChoice stable = StableVersions.Resolve(now, history);

        Assert.Equal("v1", stable.Version);
        Assert.False(Rollouts.IsInFlight(now));
        Assert.True(Rollouts.IsOffStable(now, stable));
        Assert.Equal(T0.AddMinutes(5), Rollouts.Describe(now, history).InFlightSince);
        Assert.False(Rollouts.IsOffStable(View([SplitService("10", ("v1", 100), ("v2", 0))], [SubsetRule()]), stable));
    }

    [Fact]
    public void Without_a_version_at_100_in_the_first_revision_it_is_the_oldest_even_after_one_held_100_later()
    {
        RoutingRevision[] history =
        [
            Revision("vs:1", TrafficSplit.Of(("v2", 50), ("v3", 50)), 0),
            Revision("vs:2", TrafficSplit.Of(("v3", 100)), 5),
            Revision("vs:3", TrafficSplit.Of(("v2", 50), ("v3", 50)), 10),
        ];

        StableChoice choice = StableVersions.Resolve(SplitView(), history);

        Assert.Equal(("v2", StableSource.Oldest, "oldest version"), (choice.Version, choice.Source, choice.Explanation));
    }

    [Fact]
    public void A_mark_says_who_set_it_and_when_and_a_promotion_says_promoted()
    {
        RoutingRevision marking = Revision("vs:2", TrafficSplit.Of(("v2", 50), ("v3", 50)), 5) with { Action = RevisionAction.MarkStable, Actor = "bob", StableVersion = "v3" };
        RoutingRevision[] history =
        [
            Revision("vs:1", TrafficSplit.Of(("v2", 100)), 0),
            marking,
            Revision("vs:3", TrafficSplit.Of(("v2", 40), ("v3", 60)), 10) with { StableVersion = "v3" },
        ];

        StableChoice marked = StableVersions.Resolve(SplitView(marked: "v3"), history);
        history[1] = marking with { Action = RevisionAction.Promote };
        StableChoice promoted = StableVersions.Resolve(SplitView(marked: "v3"), history);

        Assert.Equal(("v3", StableSource.Marked, "bob", marking.At, marking.Id), (marked.Version, marked.Source, marked.By, marked.At, marked.RevisionId));
        Assert.Equal("marked by bob on 2026-12-01 09:05 UTC", marked.Explanation);
        Assert.Equal(("v3", StableSource.Promoted, "promoted by bob on 2026-12-01 09:05 UTC"), (promoted.Version, promoted.Source, promoted.Explanation));
    }

    [Fact]
    public void A_mark_older_than_the_revisions_kept_does_not_name_who_set_it()
    {
        // The oldest revision kept carries the mark, but it replaced one that was pruned: whoever set it is not known.
        RoutingRevision kept = Revision("vs:7", TrafficSplit.Of(("v2", 50), ("v3", 50)), 0) with { StableVersion = "v3", Replaces = "0123456789" };

        StableChoice choice = StableVersions.Resolve(SplitView(marked: "v3"), [kept]);

        Assert.Equal(("v3", StableSource.Marked, null, "marked as stable"), (choice.Version, choice.Source, choice.By, choice.Explanation));
    }

    [Fact]
    public void Else_the_oldest_version_by_creation_time()
    {
        // The history only knows the rollout itself.
        StableChoice choice = StableVersions.Resolve(SplitView(), [Revision("vs:2", TrafficSplit.Of(("v2", 50), ("v3", 50)), 5)]);
        Assert.Equal(("v2", StableSource.Oldest), (choice.Version, choice.Source));
    }

    [Fact]
    public void A_service_without_labelled_versions_has_none()
    {
        ServiceView view = View(workloads: [Deployment("reviews", Labels(("app", "reviews")))]);
        StableChoice choice = StableVersions.Resolve(view, []);
        Assert.Equal((null, StableSource.None), (choice.Version, choice.Source));
    }

    [Fact]
    public void In_flight_since_is_the_first_revision_of_the_current_run()
    {
        RoutingRevision[] history =
        [
            Revision("vs:1", TrafficSplit.Of(("v1", 100)), 0),
            Revision("vs:2", TrafficSplit.Of(("v1", 90), ("v2", 10)), 5),
            Revision("vs:3", TrafficSplit.Of(("v1", 50), ("v2", 50)), 10),
        ];

        RolloutState state = Rollouts.Describe(SplitView(), history);

        Assert.True(Rollouts.IsInFlight(SplitView()));
        Assert.Equal(T0.AddMinutes(5), state.InFlightSince);
        Assert.Same(history[^1], state.Last);
        Assert.False(Rollouts.IsInFlight(View([SplitService("1", ("v1", 100), ("v2", 0))], [SubsetRule()])));
        Assert.False(Rollouts.IsInFlight(View()));
    }
}
