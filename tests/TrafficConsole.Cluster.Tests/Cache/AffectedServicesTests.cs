using System.Collections.Immutable;

using TrafficConsole.Cluster.Cache;
using TrafficConsole.Cluster.Tests.Infrastructure;
using TrafficConsole.Mesh.Services;

namespace TrafficConsole.Cluster.Tests.Cache;

/// <summary>Which services a change touches decides which pages re-render: wrong here means a stale page.</summary>
public sealed class AffectedServicesTests
{
    [Theory]
    [InlineData("reviews", "bookinfo", "bookinfo", "reviews")]
    [InlineData("reviews.shop", "bookinfo", "shop", "reviews")]
    [InlineData("reviews.shop.svc", "bookinfo", "shop", "reviews")]
    [InlineData("Reviews.Bookinfo.svc.cluster.local.", "default", "bookinfo", "reviews")]
    public void Service_hosts_resolve_relative_to_the_resource_namespace(string host, string resourceNamespace, string ns, string name)
    {
        Assert.Equal(new ServiceRef(ns, name), AffectedServices.ToService(host, resourceNamespace));
    }

    [Theory]
    [InlineData("*.bookinfo.svc.cluster.local")]
    [InlineData("www.example.com")]
    [InlineData("")]
    public void External_and_wildcard_hosts_name_no_service(string host)
    {
        Assert.Null(AffectedServices.ToService(host, "bookinfo"));
    }

    [Fact]
    public void A_virtual_service_affects_its_hosts_and_destinations_before_and_after_a_change()
    {
        var before = TestResources.VirtualService("bookinfo", "vs", "reviews", ("v1", 100));
        var after = TestResources.VirtualService("bookinfo", "vs", "ratings", ("v1", 100));

        ImmutableArray<ServiceRef> affected = AffectedServices.OfVirtualService(after, before);

        Assert.Equal([new ServiceRef("bookinfo", "ratings"), new ServiceRef("bookinfo", "reviews")], affected.ToArray());
    }

    [Fact]
    public void A_deployment_affects_services_whose_selector_matched_its_pods_before_or_after()
    {
        KubeService reviews = Service("reviews", ("app", "reviews"));
        KubeService ratings = Service("ratings", ("app", "ratings"));
        KubeService manual = Service("manual");
        var old = new Workload { Namespace = "bookinfo", Name = "d", PodLabels = ImmutableDictionary<string, string>.Empty.Add("app", "reviews").Add("version", "v1") };
        Workload relabelled = old with { PodLabels = ImmutableDictionary<string, string>.Empty.Add("app", "ratings").Add("version", "v1") };

        Assert.Equal([new ServiceRef("bookinfo", "ratings"), new ServiceRef("bookinfo", "reviews")], AffectedServices.OfWorkload([reviews, ratings, manual], relabelled, old).ToArray());
        Assert.Equal([new ServiceRef("bookinfo", "reviews")], AffectedServices.OfWorkload([reviews, ratings, manual], old, null).ToArray());
    }

    private static KubeService Service(string name, params (string Key, string Value)[] selector) => new()
    {
        Namespace = "bookinfo",
        Name = name,
        Selector = selector.ToImmutableDictionary(s => s.Key, s => s.Value),
    };
}
