using k8s.Models;

using TrafficConsole.Cluster.Discovery;

namespace TrafficConsole.Cluster.Tests.Discovery;

public sealed class ApiDiscoveryTests
{
    [Fact]
    public async Task Sandbox_serves_istio_v1_and_v1beta1_and_the_gateway_api()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();

        ServedApis apis = await ApiDiscovery.DiscoverAsync(cluster.Client);

        Assert.Equal("v1", apis.IstioNetworkingVersion);
        Assert.Contains("v1", apis.IstioNetworkingVersions);
        Assert.Contains("v1beta1", apis.IstioNetworkingVersions);
        Assert.True(apis.GatewayApi);
        Assert.Equal("networking.istio.io/v1", apis.IstioApiVersion);
    }

    [Fact]
    public void An_older_istio_serving_only_v1beta1_is_used_at_v1beta1()
    {
        ServedApis apis = ApiDiscovery.FromGroups(Groups(("networking.istio.io", ["v1beta1", "v1alpha3"])));

        Assert.Equal("v1beta1", apis.IstioNetworkingVersion);
        Assert.False(apis.GatewayApi);
    }

    [Fact]
    public void A_cluster_without_istio_has_no_networking_version()
    {
        ServedApis apis = ApiDiscovery.FromGroups(Groups(("apps", ["v1"]), ("gateway.networking.k8s.io", ["v1", "v1beta1"])));

        Assert.Null(apis.IstioNetworkingVersion);
        Assert.False(apis.HasIstio);
        Assert.True(apis.GatewayApi);
    }

    private static V1APIGroupList Groups(params (string Name, string[] Versions)[] groups) => new()
    {
        Groups = [.. groups.Select(g => new V1APIGroup
        {
            Name = g.Name,
            Versions = [.. g.Versions.Select(v => new V1GroupVersionForDiscovery { GroupVersion = $"{g.Name}/{v}", Version = v })],
        })],
    };
}
