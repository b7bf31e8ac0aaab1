using System.Collections.Immutable;
using System.Text.Json;

using CsCheck;

using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Services;
using TrafficConsole.Mesh.Validation;

using static TrafficConsole.Mesh.Tests.TestData.Samples;

namespace TrafficConsole.Mesh.Tests.Routing;

/// <summary>
/// The weight sliders edit the intent's default route (<see cref="RoutingIntent.WithDefaultSplit"/>). Before the split-only
/// planner was deleted, this property compared both planners on these generated routings (as kubectl, Kiali or Argo leave
/// them) and found the differences decided in the commits that merged them; now it holds the one path to its promise.
/// </summary>
public class SliderSplitRoundTripProperties
{
    private static readonly string[] VersionPool = ["v1", "v2", "v3"];

    internal sealed record Case(VirtualService? Vs, DestinationRule? Dr, int Versions, TrafficSplit Split)
    {
        public override string ToString() =>
            $"vs={(Vs is null ? "-" : JsonSerializer.Serialize(Vs.Spec, MeshJson.Options))} dr={(Dr is null ? "-" : JsonSerializer.Serialize(Dr.Spec, MeshJson.Options))} versions={Versions} split={Split}";
    }

    private static readonly Gen<HttpRouteDestination> GenDestination =
        from subset in Gen.OneOf<string?>("v1", "v2", "v3", null)
        from host in Gen.OneOf("reviews", "reviews.bookinfo.svc.cluster.local", "reviews", "ratings")
        from weight in Gen.OneOf<int?>(null, 0, 10, 30, 50, 70, 100)
        select new HttpRouteDestination { Destination = new Destination { Host = host, Subset = subset }, Weight = weight };

    private static readonly Gen<HttpRouteRule> GenMatchRule =
        from user in Gen.OneOf("jason", "ana")
        from dest in GenDestination
        select new HttpRouteRule
        {
            Name = "by-user-" + user,
            Match = [new HttpMatchRequest { Headers = ImmutableDictionary<string, StringMatch>.Empty.Add("end-user", new StringMatch { Exact = user }) }],
            Route = [dest with { Weight = null }],
        };

    private static readonly Gen<HttpRouteRule> GenCatchAll =
        from route in GenDestination.Array[1, 3]
        from timeout in Gen.OneOf<string?>(null, "10s")
        from mirror in Gen.OneOf<string?>(null, null, "v1", "v3")
        from mirrorPercent in Gen.OneOf<double?>(null, 25.0)
        select new HttpRouteRule
        {
            Route = [.. route],
            Timeout = timeout,
            Mirror = mirror is null ? null : new Destination { Host = "reviews", Subset = mirror },
            MirrorPercentage = mirror is null || mirrorPercent is null ? null : new Percent { Value = mirrorPercent.Value },
        };

    private static readonly Gen<VirtualService?> GenVs =
        from present in Gen.Int[0, 4]
        from rules in GenMatchRule.Array[0, 2]
        from catchAll in GenCatchAll
        from withCatchAll in Gen.Int[0, 5]
        from after in GenMatchRule.Array[0, 1]
        select present == 0 ? null : new VirtualService
        {
            Metadata = Meta("reviews", resourceVersion: "100"),
            Spec = new VirtualServiceSpec { Hosts = ["reviews"], Http = withCatchAll == 0 ? [.. rules] : [.. rules, catchAll, .. withCatchAll == 1 ? after : []] },
        };

    private static readonly Gen<DestinationRule?> GenDr =
        from present in Gen.Int[0, 3]
        from subsets in Gen.OneOf(VersionPool).ArrayUnique[0, 3]
        from lb in Gen.Bool
        select present == 0 ? null : new DestinationRule
        {
            Metadata = Meta("reviews", resourceVersion: "200"),
            Spec = new DestinationRuleSpec
            {
                Host = "reviews",
                TrafficPolicy = lb ? new TrafficPolicy { LoadBalancer = new LoadBalancerSettings { Simple = "LEAST_REQUEST" } } : null,
                Subsets = [.. subsets.Order(StringComparer.Ordinal).Select(static v => new Subset { Name = v, Labels = Labels(("version", v)) })],
            },
        };

    private static Gen<TrafficSplit> GenSliderSplit(int versions) =>
        from cut1 in Gen.Int[0, 100]
        from cut2 in Gen.Int[0, 100]
        from mirror in Gen.OneOf<string?>(null, null, "v1", "v2", "v3")
        let cuts = new[] { Math.Min(cut1, cut2), Math.Max(cut1, cut2) }
        let weights = versions switch
        {
            1 => new[] { 100 },
            2 => new[] { cut1, 100 - cut1 },
            _ => new[] { cuts[0], cuts[1] - cuts[0], 100 - cuts[1] },
        }
        select new TrafficSplit(
            [.. VersionPool[..versions].Zip(weights, static (v, w) => new VersionWeight(v, w))],
            mirror is null || Array.IndexOf(VersionPool, mirror) >= versions ? null : new MirrorTarget(mirror, 10));

    internal static readonly Gen<Case> GenCase =
        from vs in GenVs
        from dr in GenDr
        from versions in Gen.Int[2, 3]
        from split in GenSliderSplit(versions)
        select new Case(vs, dr, versions, split);

    [Fact]
    public void A_slider_split_the_sliders_may_apply_is_written_so_that_it_reads_back_exactly()
    {
        int applied = 0;
        GenCase.Sample(
            sample =>
            {
                ServiceView view = View(
                    vss: sample.Vs is null ? [] : [sample.Vs],
                    drs: sample.Dr is null ? [] : [sample.Dr],
                    workloads: [.. VersionPool[..sample.Versions].Select(static v => ReviewsVersion(v))]);
                RoutingPlan plan = RoutingIntentPlanner.PlanSplit(view, sample.Split, IstioApi.V1);

                // The sliders and the planner agree on editability: the projection's reason is the refusal.
                Assert.Equal(view.Routing.IsEditable, !plan.IsRefused || plan.Issues.HasErrors() || plan.RefusalReason!.Contains("mirrors to", StringComparison.Ordinal));
                if (plan.IsRefused)
                {
                    return;
                }

                applied++;
                ServiceView after = TestData.BookinfoRouting.After(view, plan);
                Assert.True(after.Routing.IsEditable, after.Routing.ReadOnlyReason);
                Assert.Equal([.. sample.Split.Weights], after.Routing.EffectiveSplit.Weights.ToArray());
                Assert.Equal(sample.Split.Mirror, after.Routing.Mirror);
                Assert.False(RoutingIntentPlanner.PlanSplit(after, sample.Split, IstioApi.V1).HasChanges, "applying the same split again writes nothing");
            },
            iter: 1000,
            print: static c => c.ToString());
        Assert.True(applied > 100, $"only {applied} generated routings were editable");
    }
}
