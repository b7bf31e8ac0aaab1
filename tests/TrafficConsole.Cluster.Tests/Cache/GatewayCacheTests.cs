using TrafficConsole.Cluster.Cache;
using TrafficConsole.Cluster.Tests.Infrastructure;
using TrafficConsole.Mesh.Analysis;
using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Validation;

namespace TrafficConsole.Cluster.Tests.Cache;

/// <summary>Istio Gateways in the shared cache, written with the real kubectl against the sandbox.</summary>
public sealed class GatewayCacheTests
{
    private const string ShopGateway = """
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata:
          name: shop-gateway
          namespace: shop
        spec:
          selector:
            istio: ingressgateway
          servers:
          - port:
              number: 443
              name: https
              protocol: HTTPS
            hosts:
            - shop.example.com
            tls:
              mode: SIMPLE
              credentialName: shop-cert
        """;

    private const string FrontendOnGateway = """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: frontend-ingress
          namespace: shop
        spec:
          hosts:
          - frontend
          gateways:
          - shop-gateway
          http:
          - route:
            - destination:
                host: frontend
        """;

    [Fact]
    public async Task The_seeded_bookinfo_gateway_is_in_the_snapshot()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        MeshCache cache = await cluster.StartCacheAsync();

        IstioGateway gateway = Assert.Single(cache.Current.Gateways);
        Assert.Same(gateway, cache.Current.FindGateway("bookinfo", "bookinfo-gateway"));
        GatewayServer server = Assert.Single(gateway.Spec!.Servers!);
        Assert.Equal((8080, "HTTP", "*"), (server.Port!.Number!.Value, server.Port.Protocol, Assert.Single(server.Hosts!)));
        Assert.Equal("ingressgateway", gateway.Spec.Selector!["istio"]);
    }

    [Fact]
    public async Task A_gateway_applied_with_kubectl_arrives_names_the_services_attached_to_it_and_goes_when_deleted()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        MeshCache cache = await cluster.StartCacheAsync();
        KubectlRunner kubectl = cluster.Kubectl();
        await ApplyAsync(kubectl, FrontendOnGateway);
        await Eventually.TrueAsync(() => cache.Current.FindVirtualService("shop", "frontend-ingress") is not null, "the cache has the VirtualService");
        using MeshSubscription subscription = cache.Subscribe("shop");
        await using IAsyncEnumerator<MeshChangeBatch> batches = subscription.GetAsyncEnumerator();

        await ApplyAsync(kubectl, ShopGateway);

        List<MeshChangeBatch> seen = await Eventually.BatchAsync(batches, static b => b.Changes.Any(static c => c.ResourceKind == MeshResourceKind.Gateway), "the Gateway");
        MeshChange change = seen[^1].Changes.Single(static c => c.ResourceKind == MeshResourceKind.Gateway);
        Assert.Equal((MeshChangeType.Added, "shop", "shop-gateway"), (change.Type, change.Namespace, change.Name));
        Assert.Equal([new ServiceRef("shop", "frontend")], change.AffectedServices.ToArray());
        IstioGateway cached = cache.Current.FindGateway("shop", "shop-gateway")!;
        Assert.Equal("shop-cert", cached.Spec!.Servers![0].Tls!.Value.GetProperty("credentialName").GetString());
        Assert.Equal(["bookinfo/bookinfo-gateway", "shop/shop-gateway"], cache.Current.Gateways.Select(static g => $"{g.Namespace}/{g.Name}"));

        KubectlRunner.Result deleted = await kubectl.RunAsync("delete", "gateway.networking.istio.io", "shop-gateway", "-n", "shop");
        Assert.True(deleted.ExitCode == 0, deleted.ToString());
        await Eventually.TrueAsync(() => cache.Current.FindGateway("shop", "shop-gateway") is null, "the deletion reaches the cache");
    }

    [Fact]
    public async Task Cluster_resources_for_a_namespace_hold_its_routing_services_and_workloads_and_every_gateway()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        MeshCache cache = await cluster.StartCacheAsync();
        KubectlRunner kubectl = cluster.Kubectl();
        await ApplyAsync(kubectl, ShopGateway + "\n---\n" + FrontendOnGateway);
        await Eventually.TrueAsync(() => cache.Current.FindGateway("shop", "shop-gateway") is not null && cache.Current.FindVirtualService("shop", "frontend-ingress") is not null, "both are cached");

        ClusterResources bookinfo = cache.Current.ToClusterResources("bookinfo");
        ClusterResources all = cache.Current.ToClusterResources();

        Assert.Equal(["bookinfo-gateway", "shop-gateway"], bookinfo.Gateways.Select(static g => g.Name));
        Assert.Empty(bookinfo.VirtualServices);
        Assert.Equal(["details", "productpage", "ratings", "reviews"], bookinfo.Services.Select(static s => s.Name));
        Assert.Equal(6, bookinfo.Workloads.Length);
        Assert.True(bookinfo.KnowsWorkloads);
        Assert.Equal(["cart", "catalog", "frontend-ingress"], all.VirtualServices.Select(static v => v.Name).Order(StringComparer.Ordinal));
        Assert.Equal(all.Services.Length, cache.Current.Resources.Values.Sum(static r => r.Services.Count));
    }

    [Fact]
    public async Task The_analyzer_over_the_snapshot_flags_a_gateway_that_does_not_exist_until_kubectl_creates_it()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        MeshCache cache = await cluster.StartCacheAsync();
        KubectlRunner kubectl = cluster.Kubectl();
        await ApplyAsync(kubectl, FrontendOnGateway);
        await Eventually.TrueAsync(() => cache.Current.FindVirtualService("shop", "frontend-ingress") is not null, "the cache has the VirtualService");

        ResourceIssue missing = Assert.Single(MeshAnalyzer.Analyze(cache.Current.ToClusterResources("shop")), static i => i.Issue.Code == "TC5007");
        Assert.Equal(("VirtualService", "shop", "frontend-ingress"), (missing.Kind, missing.Namespace, missing.Name));
        Assert.Contains("shop-gateway", missing.Issue.Message, StringComparison.Ordinal);

        await ApplyAsync(kubectl, ShopGateway);
        await Eventually.TrueAsync(() => cache.Current.FindGateway("shop", "shop-gateway") is not null, "the cache has the Gateway");

        Assert.DoesNotContain(MeshAnalyzer.Analyze(cache.Current.ToClusterResources("shop")), static i => i.Issue.Code == "TC5007");
    }

    private static async Task ApplyAsync(KubectlRunner kubectl, string yaml)
    {
        KubectlRunner.Result result = await kubectl.RunWithInputAsync(yaml, ["apply", "-f", "-"]);
        Assert.True(result.ExitCode == 0, result.ToString());
    }
}
