using System.Net;
using System.Text.Json.Nodes;
using k8s;
using TrafficConsole.Sandbox.Tests.Infrastructure;

namespace TrafficConsole.Sandbox.Tests.Api;

public sealed class DiscoveryTests
{
    [Fact]
    public async Task Version_and_legacy_discovery_describe_the_served_kinds()
    {
        await using var cluster = await TestCluster.StartAsync();
        var version = (await cluster.GetAsync("/version")).Body;
        Assert.Equal("1", version.Str("major"));

        var core = (await cluster.GetAsync("/api/v1")).Body;
        Assert.Equal("APIResourceList", core.Str("kind"));
        var services = core["resources"]!.AsArray().Single(r => r.Str("name") == "services")!;
        Assert.Equal("svc", services.Str("shortNames[0]"));
        Assert.Equal("Service", services.Str("kind"));
        Assert.Equal("true", services.Str("namespaced"));
        Assert.Contains(services["verbs"]!.AsArray(), v => v.Str("") == "watch");
        var namespaces = core["resources"]!.AsArray().Single(r => r.Str("name") == "namespaces")!;
        Assert.Equal("false", namespaces.Str("namespaced"));

        var groups = (await cluster.GetAsync("/apis")).Body;
        var istio = groups["groups"]!.AsArray().Single(g => g.Str("name") == "networking.istio.io")!;
        Assert.Equal(["v1", "v1beta1"], istio["versions"]!.AsArray().Select(v => v.Str("version")));
        Assert.Equal("v1", istio.Str("preferredVersion.version"));

        var istioResources = (await cluster.GetAsync("/apis/networking.istio.io/v1beta1")).Body;
        var vs = istioResources["resources"]!.AsArray().Single(r => r.Str("name") == "virtualservices")!;
        Assert.Equal("vs", vs.Str("shortNames[0]"));
        Assert.Contains(vs["categories"]!.AsArray(), c => c.Str("") == "istio-io");

        var apps = (await cluster.GetAsync("/apis/apps/v1")).Body;
        var scale = apps["resources"]!.AsArray().Single(r => r.Str("name") == "deployments/scale")!;
        Assert.Equal("Scale", scale.Str("kind"));
        Assert.Equal("autoscaling", scale.Str("group"));
    }

    [Fact]
    public async Task Aggregated_discovery_is_served_with_its_content_type_when_asked()
    {
        await using var cluster = await TestCluster.StartAsync();
        const string accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";
        var (status, body, response) = await cluster.GetAsync("/apis", accept);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", response.Content.Headers.ContentType!.ToString().Replace(" ", "", StringComparison.Ordinal));
        Assert.Equal("APIGroupDiscoveryList", body.Str("kind"));
        var istio = body["items"]!.AsArray().Single(i => i.Str("metadata.name") == "networking.istio.io")!;
        var v1beta1 = istio["versions"]!.AsArray().Single(v => v.Str("version") == "v1beta1")!;
        var dr = v1beta1["resources"]!.AsArray().Single(r => r.Str("resource") == "destinationrules")!;
        Assert.Equal("Namespaced", dr.Str("scope"));
        Assert.Equal("DestinationRule", dr.Str("responseKind.kind"));
        Assert.Equal("dr", dr.Str("shortNames[0]"));

        var core = (await cluster.GetAsync("/api", accept)).Body;
        Assert.Contains(core["items"]![0]!["versions"]![0]!["resources"]!.AsArray(), r => r.Str("resource") == "pods");

        // Without the aggregated media type, the legacy document comes back.
        Assert.Equal("APIGroupList", (await cluster.GetAsync("/apis", "application/json")).Body.Str("kind"));
    }

    [Fact]
    public async Task OpenApi_v3_lists_every_group_version_and_declares_fieldValidation()
    {
        await using var cluster = await TestCluster.StartAsync();
        var index = (await cluster.GetAsync("/openapi/v3")).Body;
        var url = index["paths"]!["apis/networking.istio.io/v1"].Str("serverRelativeURL");
        Assert.NotNull(url);
        var doc = (await cluster.GetAsync(url!)).Body;
        var patch = doc["paths"]!["/apis/networking.istio.io/v1/namespaces/{namespace}/virtualservices/{name}"]!["patch"]!;
        Assert.Contains(patch["parameters"]!.AsArray(), p => p.Str("name") == "fieldValidation");
        Assert.Equal("VirtualService", patch.Str("x-kubernetes-group-version-kind.kind"));
        Assert.Equal(HttpStatusCode.NotFound, (await cluster.GetAsync("/openapi/v2")).Status);
    }

    [Fact]
    public async Task Tables_give_kubectl_the_columns_it_prints()
    {
        await using var cluster = await TestCluster.StartAsync();
        const string accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";
        var (_, vs, response) = await cluster.GetAsync("/apis/networking.istio.io/v1/namespaces/shop/virtualservices", accept);
        Assert.Contains("as=Table", response.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
        Assert.Equal("Table", vs.Str("kind"));
        Assert.Equal(["Name", "Gateways", "Hosts", "Age"], vs["columnDefinitions"]!.AsArray().Select(c => c.Str("name")));
        var catalog = vs["rows"]!.AsArray().Single(r => r.Str("cells[0]") == "catalog")!;
        Assert.Equal("[catalog.shop.svc.cluster.local]", catalog.Str("cells[2]"));
        Assert.Equal("PartialObjectMetadata", catalog.Str("object.kind"));
        Assert.Equal("shop", catalog.Str("object.metadata.namespace"));

        var deploy = (await cluster.GetAsync("/apis/apps/v1/namespaces/bookinfo/deployments/reviews-v2", accept)).Body;
        Assert.Equal(["Name", "Ready", "Up-to-date", "Available", "Age"], deploy["columnDefinitions"]!.AsArray().Take(5).Select(c => c.Str("name")));
        Assert.Equal("1/1", deploy.Str("rows[0].cells[1]"));

        var svc = (await cluster.GetAsync("/api/v1/namespaces/bookinfo/services", accept)).Body;
        Assert.Equal("9080/TCP", svc.Str("rows[0].cells[4]"));
        Assert.Equal("ClusterIP", svc.Str("rows[0].cells[1]"));

        var pods = (await cluster.GetAsync("/api/v1/namespaces/bookinfo/pods", accept)).Body;
        Assert.All(pods["rows"]!.AsArray(), r => Assert.Equal("Running", r.Str("cells[2]")));

        var full = (await cluster.GetAsync("/api/v1/namespaces/bookinfo/services?includeObject=Object", accept)).Body;
        Assert.Equal("Service", full.Str("rows[0].object.kind"));
    }

    [Theory]
    [InlineData(30, "30s")]
    [InlineData(150, "2m30s")]
    [InlineData(3600, "60m")]
    [InlineData(4 * 3600 + 120, "4h2m")]
    [InlineData(3 * 86400, "3d")]
    public void Ages_are_printed_the_way_kubectl_prints_them(int seconds, string expected) =>
        Assert.Equal(expected, TrafficConsole.Sandbox.Api.TableRenderer.HumanDuration(TimeSpan.FromSeconds(seconds)));
}

public sealed class SeedTests
{
    [Fact]
    public async Task Bookinfo_seed_has_deployments_services_and_accounts_but_no_routing()
    {
        await using var cluster = await TestCluster.StartAsync();
        var client = cluster.Client;
        var namespaces = (await client.CoreV1.ListNamespaceAsync()).Items.Select(n => n.Metadata.Name).ToList();
        Assert.Equal(["bookinfo", "default", "kube-system", "shop"], namespaces);

        var deployments = (await client.AppsV1.ListNamespacedDeploymentAsync("bookinfo")).Items;
        Assert.Equal(["details-v1", "productpage-v1", "ratings-v1", "reviews-v1", "reviews-v2", "reviews-v3"],
            deployments.Select(d => d.Metadata.Name));
        var reviews2 = deployments.Single(d => d.Metadata.Name == "reviews-v2")!;
        Assert.Equal("reviews", reviews2.Spec.Template.Metadata.Labels["app"]);
        Assert.Equal("v2", reviews2.Spec.Template.Metadata.Labels["version"]);
        Assert.Equal("docker.io/istio/examples-bookinfo-reviews-v2:1.17.0", reviews2.Spec.Template.Spec.Containers[0].Image);
        Assert.Equal(1, reviews2.Spec.Replicas);

        var services = (await client.CoreV1.ListNamespacedServiceAsync("bookinfo")).Items;
        Assert.Equal(["details", "productpage", "ratings", "reviews"], services.Select(s => s.Metadata.Name));
        Assert.All(services, s =>
        {
            Assert.Equal(9080, s.Spec.Ports[0].Port);
            Assert.Equal(s.Metadata.Name, s.Spec.Selector["app"]);
        });

        var accounts = (await client.CoreV1.ListNamespacedServiceAccountAsync("bookinfo")).Items.Select(a => a.Metadata.Name);
        Assert.Contains("bookinfo-reviews", accounts);
        Assert.Contains("bookinfo-productpage", accounts);
        Assert.Equal(6, (await client.CoreV1.ListNamespacedPodAsync("bookinfo")).Items.Count);

        var routing = (await cluster.GetAsync("/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices")).Body;
        Assert.Empty(routing["items"]!.AsArray());
    }

    [Fact]
    public async Task Shop_seed_has_versioned_services_and_routing_written_by_someone_else()
    {
        await using var cluster = await TestCluster.StartAsync();
        var services = (await cluster.Client.CoreV1.ListNamespacedServiceAsync("shop")).Items;
        Assert.Equal(12, services.Count);
        var versions = (await cluster.Client.AppsV1.ListNamespacedDeploymentAsync("shop", labelSelector: "app=checkout")).Items
            .Select(d => d.Spec.Template.Metadata.Labels["version"]).Order();
        Assert.Equal(["1.0", "2.0"], versions);

        var catalog = (await cluster.GetAsync("/apis/networking.istio.io/v1/namespaces/shop/virtualservices/catalog")).Body;
        Assert.Equal("90", catalog.Str("spec.http[0].route[0].weight"));
        Assert.Equal("10", catalog.Str("spec.http[0].route[1].weight"));
        Assert.DoesNotContain((catalog.At("metadata.labels") as JsonObject ?? []).Select(kv => kv.Key), k => k.Contains("managed-by", StringComparison.Ordinal));

        var cart = (await cluster.GetAsync("/apis/networking.istio.io/v1/namespaces/shop/virtualservices/cart")).Body;
        Assert.Equal("testers", cart.Str("spec.http[0].match[0].headers.x-user-group.exact"));
    }

    [Fact]
    public async Task Seed_none_has_only_the_system_namespaces()
    {
        await using var cluster = await TestCluster.StartAsync(SandboxSeed.None);
        Assert.Equal(["default", "kube-system"], (await cluster.Client.CoreV1.ListNamespaceAsync()).Items.Select(n => n.Metadata.Name));
    }
}
