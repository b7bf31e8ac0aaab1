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
    public void Else_the_version_that_held_100_before_the_current_rollout_began()
    {
        RoutingRevision before = Revision("vs:1", TrafficSplit.Of(("v1", 100), ("v2", 0)), 0);
        RoutingRevision[] history =
        [
            Revision("vs:0", TrafficSplit.Of(("v3", 100)), -10),
            before,
            Revision("vs:2", TrafficSplit.Of(("v1", 90), ("v2", 10)), 5),
            Revision("vs:3", TrafficSplit.Of(("v1", 50), ("v2", 50)), 10),
        ];

        StableChoice choice = StableVersions.Resolve(SplitView(), history);

        Assert.Equal(("v1", StableSource.History, before.Id), (choice.Version, choice.Source, choice.RevisionId));
        Assert.Contains("100%", choice.Explanation, StringComparison.Ordinal);
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
