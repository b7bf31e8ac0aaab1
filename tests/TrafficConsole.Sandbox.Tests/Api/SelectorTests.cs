using System.Net;
using System.Text.Json.Nodes;
using TrafficConsole.Sandbox.Tests.Infrastructure;

namespace TrafficConsole.Sandbox.Tests.Api;

public sealed class SelectorTests
{
    private static async Task<List<string>> NamesAsync(TestCluster cluster, string query)
    {
        var (status, body, _) = await cluster.GetAsync("/apis/apps/v1/namespaces/shop/deployments?" + query);
        Assert.Equal(HttpStatusCode.OK, status);
        return [.. body["items"]!.AsArray().Select(i => i.Str("metadata.name")!)];
    }

    [Theory]
    [InlineData("labelSelector=app%3Dcart", "cart-v1,cart-v2")]
    [InlineData("labelSelector=app%3D%3Dcart,version%3Dv2", "cart-v2")]
    [InlineData("labelSelector=app%3Dcatalog,version!%3Dv1", "catalog-v2,catalog-v3")]
    [InlineData("labelSelector=app%20in%20(cart,checkout)", "cart-v1,cart-v2,checkout-v1-0,checkout-v2-0")]
    [InlineData("labelSelector=app%3Dsearch,version%20notin%20(v1,v3)", "search-v2")]
    [InlineData("labelSelector=version%3D2.0", "checkout-v2-0")]
    [InlineData("fieldSelector=metadata.name%3Dads-v1", "ads-v1")]
    [InlineData("fieldSelector=metadata.name!%3Dads-v1&labelSelector=app%3Dads", "")]
    public async Task Label_and_field_selectors_filter_lists(string query, string expected)
    {
        await using var cluster = await TestCluster.StartAsync();
        var names = await NamesAsync(cluster, query);
        Assert.Equal(expected, string.Join(",", names));
    }

    [Fact]
    public async Task Exists_and_not_exists_selectors_test_for_the_key()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.PostAsync("/api/v1/namespaces/default/configmaps", """{"metadata":{"name":"with","labels":{"tier":"x"}}}""");
        await cluster.PostAsync("/api/v1/namespaces/default/configmaps", """{"metadata":{"name":"without"}}""");
        var with = (await cluster.GetAsync("/api/v1/namespaces/default/configmaps?labelSelector=tier")).Body;
        var without = (await cluster.GetAsync("/api/v1/namespaces/default/configmaps?labelSelector=!tier")).Body;
        Assert.Equal(["with"], with["items"]!.AsArray().Select(i => i.Str("metadata.name")));
        Assert.Equal(["without"], without["items"]!.AsArray().Select(i => i.Str("metadata.name")));
    }

    [Fact]
    public async Task Field_selector_on_namespace_works_across_namespaces()
    {
        await using var cluster = await TestCluster.StartAsync();
        var body = (await cluster.GetAsync("/api/v1/services?fieldSelector=metadata.namespace%3Dbookinfo")).Body;
        Assert.Equal(["details", "productpage", "ratings", "reviews"], body["items"]!.AsArray().Select(i => i.Str("metadata.name")));
        Assert.Equal("ServiceList", body.Str("kind"));
    }

    [Fact]
    public async Task Unknown_field_selector_is_400()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (status, body, _) = await cluster.GetAsync("/api/v1/services?fieldSelector=spec.type%3DClusterIP");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("spec.type", body.Str("message"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Limit_and_continue_page_through_a_list_without_gaps()
    {
        await using var cluster = await TestCluster.StartAsync();
        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var query = "/apis/apps/v1/namespaces/shop/deployments?limit=5" + (token is null ? "" : "&continue=" + Uri.EscapeDataString(token));
            var body = (await cluster.GetAsync(query)).Body;
            seen.AddRange(body["items"]!.AsArray().Select(i => i.Str("metadata.name")!));
            token = body.Str("metadata.continue");
            pages++;
        }
        while (token is not null);

        var all = (await cluster.GetAsync("/apis/apps/v1/namespaces/shop/deployments")).Body["items"]!.AsArray()
            .Select(i => i.Str("metadata.name")!).ToList();
        Assert.Equal(all, seen);
        Assert.Equal((all.Count + 4) / 5, pages);
    }

    [Fact]
    public async Task Lists_across_namespaces_carry_a_resourceVersion()
    {
        await using var cluster = await TestCluster.StartAsync();
        var body = (await cluster.GetAsync("/apis/networking.istio.io/v1/virtualservices")).Body;
        Assert.Equal("VirtualServiceList", body.Str("kind"));
        Assert.Equal(cluster.Server.Store.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), body.Str("metadata.resourceVersion"));
        Assert.Equal(2, body["items"]!.AsArray().Count);
        Assert.All(body["items"]!.AsArray(), i => Assert.IsType<JsonObject>(i));
    }

    [Fact]
    public async Task Delete_collection_removes_only_the_selected_objects()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (status, body, _) = await cluster.SendAsync(HttpMethod.Delete, "/apis/apps/v1/namespaces/shop/deployments?labelSelector=app%3Dcatalog");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["catalog-v1", "catalog-v2", "catalog-v3"], body["items"]!.AsArray().Select(i => i.Str("metadata.name")));
        Assert.Empty(await NamesAsync(cluster, "labelSelector=app%3Dcatalog"));
        Assert.Equal("cart-v1,cart-v2", string.Join(",", await NamesAsync(cluster, "labelSelector=app%3Dcart")));
        var pods = (await cluster.GetAsync("/api/v1/namespaces/shop/pods?labelSelector=app%3Dcatalog")).Body;
        Assert.Empty(pods["items"]!.AsArray());
    }
}
