using System.Collections.Immutable;
using System.Text.Json;

using k8s;
using k8s.Models;

using TrafficConsole.Cluster.Cache;
using TrafficConsole.Cluster.Discovery;
using TrafficConsole.Cluster.Resources;
using TrafficConsole.Cluster.Tests.Infrastructure;
using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Services;

namespace TrafficConsole.Cluster.Tests.Cache;

/// <summary>
/// A snapshot builds each view from the routing resources indexed under the service's host; the views must be exactly
/// what the builder makes from every resource of the cluster, for every way a resource can name a service.
/// </summary>
public sealed class RoutingCandidatesTests
{
    [Fact]
    public void Views_from_the_index_equal_views_built_from_every_resource_of_the_cluster()
    {
        ImmutableDictionary<string, NamespaceResources> resources = ImmutableDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, NamespaceResources>
        {
            ["bookinfo"] = new()
            {
                Services = Services("bookinfo", "reviews", "ratings", "details"),
                Workloads = Workloads("bookinfo", ("reviews", "v1"), ("reviews", "v2"), ("ratings", "v1"), ("details", "v1")),
                VirtualServices = Named(
                    Vs("bookinfo", "short", "reviews"),
                    Vs("bookinfo", "twice", "reviews", "reviews.bookinfo"),
                    Vs("bookinfo", "upper", "Ratings."),
                    Vs("bookinfo", "wildcard", "*.bookinfo.svc.cluster.local"),
                    Vs("bookinfo", "external", "www.example.com"),
                    Vs("bookinfo", "two-services", "details", "ratings")),
                DestinationRules = Named(Dr("bookinfo", "reviews", "reviews"), Dr("bookinfo", "svc-suffix", "ratings.bookinfo.svc")),
            },
            ["shop"] = new()
            {
                Services = Services("shop", "reviews", "cart"),
                Workloads = Workloads("shop", ("reviews", "v1"), ("cart", "v1")),
                VirtualServices = Named(
                    Vs("shop", "fqdn", "reviews.bookinfo.svc.cluster.local"),
                    Vs("shop", "dotted", "reviews.bookinfo"),
                    Vs("shop", "own", "reviews")),
                DestinationRules = Named(Dr("shop", "other-ns", "reviews.bookinfo.svc.cluster.local"), Dr("shop", "own", "reviews")),
                HttpRoutes = Named(
                    Route("shop", "gamma", """{"parentRefs":[{"group":"","kind":"Service","name":"reviews","namespace":"bookinfo"}],"rules":[{"backendRefs":[{"name":"reviews","namespace":"bookinfo","port":9080}]}]}"""),
                    Route("shop", "backend-only", """{"parentRefs":[{"name":"gw"}],"rules":[{"backendRefs":[{"name":"cart","port":80},{"name":"ratings","namespace":"bookinfo","port":9080}]}]}"""),
                    Route("shop", "own-parent", """{"parentRefs":[{"kind":"Service","name":"cart"}],"rules":[{"backendRefs":[{"name":"cart","port":80}]}]}""")),
            },
        });
        var snapshot = new MeshSnapshot(1, ImmutableSortedSet.Create(StringComparer.Ordinal, "bookinfo", "shop"), resources, isSynced: true,
            new CacheHealth(CacheHealthState.Connected, DateTimeOffset.UnixEpoch), ServedApis.None);

        foreach ((string ns, NamespaceResources inNamespace) in resources)
        {
            foreach (KubeService service in inNamespace.Services.Values)
            {
                ServiceView expected = ServiceViewBuilder.Build(
                    service,
                    inNamespace.Workloads.Values,
                    resources.Values.SelectMany(static r => r.VirtualServices.Values),
                    resources.Values.SelectMany(static r => r.DestinationRules.Values),
                    resources.Values.SelectMany(static r => r.HttpRoutes.Values),
                    inNamespace.Services.Values);

                ServiceView actual = snapshot.GetServiceView(ns, service.Name)!;

                string at = $"{ns}/{service.Name}";
                Assert.True(expected.VirtualServices.SequenceEqual(actual.VirtualServices), at);
                Assert.True(expected.DestinationRules.SequenceEqual(actual.DestinationRules), at);
                Assert.True(expected.HttpRoutes.SequenceEqual(actual.HttpRoutes), at);
                Assert.Equal(expected.Routing.Revision, actual.Routing.Revision);
                Assert.Equal(expected.Issues.Length, actual.Issues.Length);
            }
        }

        // The fixture does reach every case: cross-namespace hosts, a duplicate host, case, GAMMA and backend references.
        Assert.Equal(["bookinfo/short", "bookinfo/twice", "shop/dotted", "shop/fqdn"], Names(snapshot.GetServiceView("bookinfo", "reviews")!.VirtualServices));
        Assert.Equal(["bookinfo/two-services", "bookinfo/upper"], Names(snapshot.GetServiceView("bookinfo", "ratings")!.VirtualServices));
        Assert.Equal(["bookinfo/reviews", "shop/other-ns"], Names(snapshot.GetServiceView("bookinfo", "reviews")!.DestinationRules));
        Assert.Equal(["bookinfo/svc-suffix"], Names(snapshot.GetServiceView("bookinfo", "ratings")!.DestinationRules));
        Assert.Equal(["shop/gamma"], Names(snapshot.GetServiceView("bookinfo", "reviews")!.HttpRoutes));
        Assert.Equal(["shop/backend-only"], Names(snapshot.GetServiceView("bookinfo", "ratings")!.HttpRoutes));
        Assert.Equal(["shop/backend-only", "shop/own-parent"], Names(snapshot.GetServiceView("shop", "cart")!.HttpRoutes).Order(StringComparer.Ordinal));
        Assert.Equal(["shop/own"], Names(snapshot.GetServiceView("shop", "reviews")!.VirtualServices));
    }

    private static IEnumerable<string> Names<T>(IEnumerable<T> items)
        where T : IKubernetesObject<V1ObjectMeta> => items.Select(static i => $"{i.Metadata.NamespaceProperty}/{i.Metadata.Name}");

    private static ImmutableDictionary<string, KubeService> Services(string ns, params string[] names) =>
        names.ToImmutableDictionary(static n => n, n => new KubeService
        {
            Namespace = ns,
            Name = n,
            Selector = ImmutableDictionary<string, string>.Empty.Add("app", n),
        }, StringComparer.Ordinal);

    private static ImmutableDictionary<string, Workload> Workloads(string ns, params (string App, string Version)[] workloads) =>
        workloads.ToImmutableDictionary(static w => $"{w.App}-{w.Version}", w => new Workload
        {
            Namespace = ns,
            Name = $"{w.App}-{w.Version}",
            PodLabels = ImmutableDictionary<string, string>.Empty.Add("app", w.App).Add("version", w.Version),
        }, StringComparer.Ordinal);

    private static ImmutableDictionary<string, T> Named<T>(params T[] items)
        where T : IKubernetesObject<V1ObjectMeta> => items.ToImmutableDictionary(static i => i.Metadata.Name, StringComparer.Ordinal);

    private static VirtualService Vs(string ns, string name, params string[] hosts) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new VirtualServiceSpec
        {
            Hosts = [.. hosts],
            Http = [new HttpRouteRule { Route = [new HttpRouteDestination { Destination = new Destination { Host = hosts[0], Subset = "v1" }, Weight = 100 }] }],
        },
    };

    private static DestinationRule Dr(string ns, string name, string host) => TestResources.DestinationRule(ns, name, host, "v1", "v2");

    private static HttpRoute Route(string ns, string name, string spec) => MeshResourceJson.Decode<HttpRoute>(JsonDocument.Parse(
        $$"""{"apiVersion":"gateway.networking.k8s.io/v1","kind":"HTTPRoute","metadata":{"name":"{{name}}","namespace":"{{ns}}"},"spec":{{spec}}}""").RootElement);
}
