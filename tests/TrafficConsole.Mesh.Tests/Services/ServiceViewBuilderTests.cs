using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Services;

using static TrafficConsole.Mesh.Tests.TestData.Samples;

namespace TrafficConsole.Mesh.Tests.Services;

public class ServiceViewBuilderTests
{
    [Fact]
    public void Workloads_belong_to_the_service_when_its_selector_matches_their_pod_labels()
    {
        Workload details = Deployment("details-v1", Labels(("app", "details"), ("version", "v1")));
        Workload otherNamespace = Deployment("reviews-v9", Labels(("app", "reviews"), ("version", "v9")), ns: "other");

        ServiceView view = ServiceViewBuilder.Build(Reviews, [.. ReviewsV1V2V3, details, otherNamespace], [], []);

        Assert.Equal(["v1", "v2", "v3"], view.Versions.Select(static v => v.Name));
        Assert.All(view.Versions, static v => Assert.Equal("version", v.LabelKey));
        Assert.Equal("reviews.bookinfo.svc.cluster.local", view.Host);
    }

    [Fact]
    public void A_service_without_selector_has_no_versions()
    {
        KubeService external = Reviews with { Selector = Labels() };

        ServiceView view = ServiceViewBuilder.Build(external, ReviewsV1V2V3, [], []);

        Assert.Empty(view.Versions);
    }

    [Fact]
    public void Versions_are_told_apart_by_the_first_label_pair_present_like_Kiali()
    {
        Workload canonical = Deployment("reviews-a", Labels(("app", "reviews"), ("version", "ignored"), ("service.istio.io/canonical-revision", "c1")));
        Workload recommended = Deployment("reviews-b", Labels(("app", "reviews"), ("app.kubernetes.io/version", "1.0")));
        Workload plain = Deployment("reviews-c", Labels(("app", "reviews"), ("version", "v2")));

        ServiceView view = ServiceViewBuilder.Build(Reviews, [canonical, recommended, plain], [], []);

        Assert.Equal(
            [("1.0", "app.kubernetes.io/version", "v1-0"), ("c1", "service.istio.io/canonical-revision", "c1"), ("v2", "version", "v2")],
            view.Versions.Select(static v => (v.Name, v.LabelKey!, v.SubsetName)));
    }

    [Fact]
    public void Workloads_sharing_a_version_are_one_version_with_summed_replicas()
    {
        Workload a = Deployment("reviews-v1-blue", Labels(("app", "reviews"), ("version", "v1")), ready: 2, desired: 3);
        Workload b = Deployment("reviews-v1-green", Labels(("app", "reviews"), ("version", "v1")), ready: 1, desired: 1);

        ServiceVersion v1 = Assert.Single(ServiceViewBuilder.Build(Reviews, [a, b], [], []).Versions);

        Assert.Equal((3, 4), (v1.ReadyReplicas, v1.DesiredReplicas));
        Assert.Equal(["reviews-v1-blue", "reviews-v1-green"], v1.Workloads.Select(static w => w.Name));
    }

    [Fact]
    public void Workloads_without_version_label_form_one_unversioned_group_listed_last()
    {
        Workload bare1 = Deployment("reviews-legacy", Labels(("app", "reviews")));
        Workload bare2 = Deployment("reviews-hotfix", Labels(("app", "reviews")));

        ServiceView view = ServiceViewBuilder.Build(Reviews, [bare1, ReviewsVersion("v1"), bare2], [], []);

        Assert.Equal(2, view.Versions.Length);
        ServiceVersion unversioned = view.Versions[^1];
        Assert.False(unversioned.IsVersioned);
        Assert.Equal(ServiceVersion.UnversionedName, unversioned.Name);
        Assert.Equal("(no version label)", unversioned.DisplayName);
        Assert.Equal(2, unversioned.Workloads.Length);
        Assert.Empty(unversioned.SubsetLabels);
    }

    [Fact]
    public void Versions_are_ordered_numerically()
    {
        ServiceView view = ServiceViewBuilder.Build(Reviews, [ReviewsVersion("v10"), ReviewsVersion("v2"), ReviewsVersion("v1")], [], []);

        Assert.Equal(["v1", "v2", "v10"], view.Versions.Select(static v => v.Name));
    }

    [Theory]
    [InlineData("reviews", "bookinfo", true)]
    [InlineData("reviews.bookinfo", "other", true)]
    [InlineData("reviews.bookinfo.svc.cluster.local", "other", true)]
    [InlineData("reviews.bookinfo.svc", "other", true)]
    [InlineData("REVIEWS.bookinfo.svc.cluster.local.", "other", true)]
    [InlineData("reviews", "other", false)]
    [InlineData("ratings", "bookinfo", false)]
    [InlineData("*.bookinfo.svc.cluster.local", "bookinfo", false)]
    public void Hosts_resolve_relative_to_the_resource_namespace(string host, string resourceNamespace, bool targets)
    {
        var vs = new VirtualService { Metadata = Meta("vs", resourceNamespace), Spec = new VirtualServiceSpec { Hosts = ["unrelated.example.com", host] } };
        var dr = new DestinationRule { Metadata = Meta("dr", resourceNamespace), Spec = new DestinationRuleSpec { Host = host } };

        ServiceView view = ServiceViewBuilder.Build(Reviews, ReviewsV1V2V3, [vs], [dr]);

        Assert.Equal(targets, view.VirtualServices.Length == 1);
        Assert.Equal(targets, view.DestinationRules.Length == 1);
    }

    [Fact]
    public void Routing_is_read_into_the_view()
    {
        ServiceView view = View([SplitService("100", ("v1", 90), ("v2", 10))], [SubsetRule()]);

        Assert.Equal(RoutingKind.Split, view.Routing.Kind);
        Assert.Equal(TrafficSplit.Of(("v1", 90), ("v2", 10), ("v3", 0)), view.Routing.EffectiveSplit);
        Assert.Equal("vs:100,dr:200", view.Routing.Revision);
    }

    [Fact]
    public void The_view_lists_what_the_validators_find_in_its_resources()
    {
        VirtualService vs = SplitService("1", ("v1", 90), ("v9", 10));
        vs.Spec = vs.Spec! with
        {
            Http = [new HttpRouteRule { Match = [new HttpMatchRequest { Uri = StringMatch.ForPrefix("/r") }], Route = [Dest("ratings", "v1")] }, .. vs.Spec.Http!],
        };

        ServiceView view = View([vs], [SubsetRule(versions: ["v1", "v2", "v3", "v4"])]);

        Assert.Equal(
            [
                "VirtualService bookinfo/reviews: TC2004 Error spec.http[1].route[1].destination.subset",
                "DestinationRule bookinfo/reviews: TC3003 Warning spec.subsets[3].labels",
            ],
            view.Issues.Select(static i => $"{i.Kind} {i.Namespace}/{i.Name}: {i.Issue.Code} {i.Issue.Severity} {i.Issue.Path}"));
    }

    [Fact]
    public void HttpRoutes_attached_to_the_service_are_kept_in_the_view()
    {
        var route = new HttpRoute
        {
            Metadata = Meta("reviews-canary"),
            Spec = new HttpRouteSpec { ParentRefs = [new ParentReference { Kind = "Service", Name = "reviews" }] },
        };
        var unrelated = new HttpRoute { Metadata = Meta("ratings"), Spec = new HttpRouteSpec { ParentRefs = [new ParentReference { Kind = "Service", Name = "ratings" }] } };

        ServiceView view = ServiceViewBuilder.Build(Reviews, ReviewsV1V2V3, [], [], [route, unrelated]);

        Assert.Equal(["reviews-canary"], view.HttpRoutes.Select(static r => r.Name));
        // A route without rules has no default route yet: the sliders add it (as the rule editor can), so it is editable.
        Assert.Equal("bookinfo/reviews-canary", view.Routing.HttpRouteName);
        Assert.True(view.Routing.IsEditable);
        Assert.Null(view.Intent!.Intent!.DefaultRoute);
    }
}
