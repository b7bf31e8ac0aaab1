using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using TrafficConsole.Sandbox.Tests.Infrastructure;

namespace TrafficConsole.Sandbox.Tests.Api;

public sealed class CrudTests
{
    private const string VsJson = """
        {"apiVersion":"networking.istio.io/v1","kind":"VirtualService",
         "metadata":{"name":"reviews","namespace":"bookinfo","labels":{"app":"reviews"}},
         "spec":{"hosts":["reviews"],"http":[{"route":[{"destination":{"host":"reviews","subset":"v1"},"weight":100}]}]}}
        """;

    [Fact]
    public async Task Core_objects_can_be_created_read_listed_updated_and_deleted_with_KubernetesClient()
    {
        await using var cluster = await TestCluster.StartAsync();
        var client = cluster.Client;
        var created = await client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "settings" }, Data = new Dictionary<string, string> { ["a"] = "1" } },
            "bookinfo");
        Assert.False(string.IsNullOrEmpty(created.Metadata.Uid));
        Assert.NotNull(created.Metadata.CreationTimestamp);
        Assert.Equal("bookinfo", created.Metadata.NamespaceProperty);

        var fetched = await client.CoreV1.ReadNamespacedConfigMapAsync("settings", "bookinfo");
        Assert.Equal("1", fetched.Data["a"]);

        fetched.Data["a"] = "2";
        var replaced = await client.CoreV1.ReplaceNamespacedConfigMapAsync(fetched, "settings", "bookinfo");
        Assert.Equal("2", replaced.Data["a"]);
        Assert.True(long.Parse(replaced.Metadata.ResourceVersion) > long.Parse(created.Metadata.ResourceVersion));

        var list = await client.CoreV1.ListNamespacedConfigMapAsync("bookinfo");
        Assert.Contains(list.Items, c => c.Metadata.Name == "settings");
        Assert.False(string.IsNullOrEmpty(list.Metadata.ResourceVersion));

        await client.CoreV1.DeleteNamespacedConfigMapAsync("settings", "bookinfo");
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ReadNamespacedConfigMapAsync("settings", "bookinfo"));
        Assert.Equal(HttpStatusCode.NotFound, ex.Response.StatusCode);
    }

    [Fact]
    public async Task Custom_objects_round_trip_through_KubernetesClient_and_keep_unknown_fields()
    {
        await using var cluster = await TestCluster.StartAsync();
        var co = cluster.Client.CustomObjects;
        var body = JsonNode.Parse(VsJson)!.AsObject();
        body["spec"]!["someFutureField"] = new JsonObject { ["x"] = 1 };
        await co.CreateNamespacedCustomObjectAsync(body, "networking.istio.io", "v1", "bookinfo", "virtualservices");

        var got = JsonSerializer.SerializeToNode(await co.GetNamespacedCustomObjectAsync("networking.istio.io", "v1", "bookinfo", "virtualservices", "reviews"))!;
        Assert.Equal("1", got.Str("spec.someFutureField.x"));
        Assert.Equal(1, got.Int64Value("metadata.generation"));

        got["spec"]!["hosts"] = new JsonArray("reviews", "reviews.bookinfo.svc.cluster.local");
        var replaced = JsonSerializer.SerializeToNode(await co.ReplaceNamespacedCustomObjectAsync(got, "networking.istio.io", "v1", "bookinfo", "virtualservices", "reviews"))!;
        Assert.Equal(2, replaced.At("spec.hosts")!.AsArray().Count);
        Assert.Equal(2, replaced.Int64Value("metadata.generation"));

        var all = JsonSerializer.SerializeToNode(await co.ListClusterCustomObjectAsync("networking.istio.io", "v1", "virtualservices"))!;
        Assert.Contains(all["items"]!.AsArray(), i => i.Str("metadata.name") == "reviews" && i.Str("metadata.namespace") == "bookinfo");
        Assert.Contains(all["items"]!.AsArray(), i => i.Str("metadata.namespace") == "shop");

        await co.DeleteNamespacedCustomObjectAsync("networking.istio.io", "v1", "bookinfo", "virtualservices", "reviews");
        var (status, _, _) = await cluster.GetAsync("/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices/reviews");
        Assert.Equal(HttpStatusCode.NotFound, status);
    }

    [Fact]
    public async Task Creating_twice_is_409_AlreadyExists_worded_like_the_api_server()
    {
        await using var cluster = await TestCluster.StartAsync();
        var path = "/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices";
        Assert.Equal(HttpStatusCode.Created, (await cluster.PostAsync(path, VsJson)).Status);
        var (status, body, _) = await cluster.PostAsync(path, VsJson);
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal("AlreadyExists", body.Str("reason"));
        Assert.Equal("virtualservices.networking.istio.io \"reviews\" already exists", body.Str("message"));
        Assert.Equal("reviews", body.Str("details.name"));
        Assert.Equal("networking.istio.io", body.Str("details.group"));
        Assert.Equal("virtualservices", body.Str("details.kind"));
    }

    [Fact]
    public async Task Missing_object_is_a_404_Status_object()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (status, body, response) = await cluster.GetAsync("/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices/nope");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("Status", body.Str("kind"));
        Assert.Equal("v1", body.Str("apiVersion"));
        Assert.Equal("Failure", body.Str("status"));
        Assert.Equal("NotFound", body.Str("reason"));
        Assert.Equal(404, body.Int64Value("code"));
        Assert.Equal("virtualservices.networking.istio.io \"nope\" not found", body.Str("message"));
        Assert.Equal("nope", body.Str("details.name"));

        var (svcStatus, svcBody, _) = await cluster.GetAsync("/api/v1/namespaces/bookinfo/services/nope");
        Assert.Equal(HttpStatusCode.NotFound, svcStatus);
        Assert.Equal("services \"nope\" not found", svcBody.Str("message"));
    }

    [Fact]
    public async Task Stale_update_is_409_Conflict_and_changes_nothing()
    {
        await using var cluster = await TestCluster.StartAsync();
        var path = "/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices";
        var created = (await cluster.PostAsync(path, VsJson)).Body;
        var first = created.DeepClone().AsObject();
        first["spec"]!["hosts"] = new JsonArray("first");
        Assert.Equal(HttpStatusCode.OK, (await cluster.SendAsync(HttpMethod.Put, path + "/reviews", first.ToJsonString())).Status);

        var stale = created.DeepClone().AsObject();
        stale["spec"]!["hosts"] = new JsonArray("second");
        var (status, body, _) = await cluster.SendAsync(HttpMethod.Put, path + "/reviews", stale.ToJsonString());
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal("Conflict", body.Str("reason"));
        Assert.Equal(
            "Operation cannot be fulfilled on virtualservices.networking.istio.io \"reviews\": the object has been modified; please apply your changes to the latest version and try again",
            body.Str("message"));
        var current = (await cluster.GetAsync(path + "/reviews")).Body;
        Assert.Equal("first", current.Str("spec.hosts[0]"));
    }

    [Fact]
    public async Task Creating_in_a_missing_namespace_is_404_namespace_not_found()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (status, body, _) = await cluster.PostAsync("/api/v1/namespaces/ghost/configmaps",
            """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}""");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("namespaces \"ghost\" not found", body.Str("message"));
    }

    [Fact]
    public async Task GenerateName_gets_a_random_suffix()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (status, body, _) = await cluster.PostAsync("/api/v1/namespaces/default/configmaps",
            """{"metadata":{"generateName":"cfg-"}}""");
        Assert.Equal(HttpStatusCode.Created, status);
        var name = body.Str("metadata.name")!;
        Assert.StartsWith("cfg-", name, StringComparison.Ordinal);
        Assert.Equal(9, name.Length);
        Assert.Equal("ConfigMap", body.Str("kind"));
    }

    [Fact]
    public async Task ResourceVersion_is_one_cluster_wide_increasing_counter()
    {
        await using var cluster = await TestCluster.StartAsync();
        var a = await cluster.PostAsync("/api/v1/namespaces/default/configmaps", """{"metadata":{"name":"a"}}""");
        var b = await cluster.PostAsync("/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices", VsJson);
        var c = await cluster.PostAsync("/api/v1/namespaces/shop/configmaps", """{"metadata":{"name":"c"}}""");
        var rvs = new[] { a, b, c }.Select(r => long.Parse(r.Body.Str("metadata.resourceVersion")!)).ToArray();
        Assert.True(rvs[0] < rvs[1] && rvs[1] < rvs[2], string.Join(",", rvs));
        var list = (await cluster.GetAsync("/api/v1/configmaps")).Body;
        Assert.Equal(rvs[2], long.Parse(list.Str("metadata.resourceVersion")!));
    }

    [Fact]
    public async Task One_object_is_served_as_v1_and_v1beta1_with_the_asked_apiVersion()
    {
        await using var cluster = await TestCluster.StartAsync();
        var beta = VsJson.Replace("networking.istio.io/v1\"", "networking.istio.io/v1beta1\"", StringComparison.Ordinal);
        var (status, created, _) = await cluster.PostAsync("/apis/networking.istio.io/v1beta1/namespaces/bookinfo/virtualservices", beta);
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("networking.istio.io/v1beta1", created.Str("apiVersion"));

        var v1 = (await cluster.GetAsync("/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices/reviews")).Body;
        Assert.Equal("networking.istio.io/v1", v1.Str("apiVersion"));
        Assert.Equal(created.Str("metadata.uid"), v1.Str("metadata.uid"));

        var list = (await cluster.GetAsync("/apis/networking.istio.io/v1beta1/namespaces/shop/virtualservices")).Body;
        Assert.Equal("networking.istio.io/v1beta1", list.Str("apiVersion"));
        Assert.All(list["items"]!.AsArray(), i => Assert.Equal("networking.istio.io/v1beta1", i.Str("apiVersion")));

        // An update through v1 is seen through v1beta1.
        v1["spec"]!["hosts"] = new JsonArray("changed");
        await cluster.SendAsync(HttpMethod.Put, "/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices/reviews", v1.ToJsonString());
        var viaBeta = (await cluster.GetAsync("/apis/networking.istio.io/v1beta1/namespaces/bookinfo/virtualservices/reviews")).Body;
        Assert.Equal("changed", viaBeta.Str("spec.hosts[0]"));
        Assert.Equal("networking.istio.io/v1beta1", viaBeta.Str("apiVersion"));
    }

    [Fact]
    public async Task Generation_bumps_on_spec_changes_only()
    {
        await using var cluster = await TestCluster.StartAsync();
        var path = "/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices";
        var obj = (await cluster.PostAsync(path, VsJson)).Body;
        Assert.Equal(1, obj.Int64Value("metadata.generation"));

        obj["metadata"]!["labels"]!["team"] = "a";
        obj = (await cluster.SendAsync(HttpMethod.Put, path + "/reviews", obj.ToJsonString())).Body;
        Assert.Equal(1, obj.Int64Value("metadata.generation"));

        obj = (await cluster.SendAsync(HttpMethod.Put, path + "/reviews/status",
            """{"status":{"observedGeneration":1}}""")).Body;
        Assert.Equal(1, obj.Int64Value("metadata.generation"));
        Assert.Equal(1, obj.Int64Value("status.observedGeneration"));

        // Status sent to the main resource is ignored; spec changes bump the generation.
        obj["spec"]!["hosts"] = new JsonArray("x");
        obj["status"] = new JsonObject { ["observedGeneration"] = 99 };
        obj = (await cluster.SendAsync(HttpMethod.Put, path + "/reviews", obj.ToJsonString())).Body;
        Assert.Equal(2, obj.Int64Value("metadata.generation"));
        Assert.Equal(1, obj.Int64Value("status.observedGeneration"));

        var merge = await cluster.SendAsync(HttpMethod.Patch, path + "/reviews", """{"spec":{"gateways":["mesh"]}}""", "application/merge-patch+json");
        Assert.Equal(3, merge.Body.Int64Value("metadata.generation"));
    }

    [Fact]
    public async Task An_update_that_changes_nothing_keeps_the_resourceVersion()
    {
        await using var cluster = await TestCluster.StartAsync();
        var path = "/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices";
        var obj = (await cluster.PostAsync(path, VsJson)).Body;
        var again = (await cluster.SendAsync(HttpMethod.Put, path + "/reviews", obj.ToJsonString())).Body;
        Assert.Equal(obj.Str("metadata.resourceVersion"), again.Str("metadata.resourceVersion"));
    }

    [Fact]
    public async Task A_service_keeps_its_cluster_IP_across_updates_and_refuses_a_new_one()
    {
        await using var cluster = await TestCluster.StartAsync();
        var service = await cluster.Client.CoreV1.ReadNamespacedServiceAsync("reviews", "bookinfo");
        var ip = service.Spec.ClusterIP;
        Assert.StartsWith("10.96.", ip, StringComparison.Ordinal);
        service.Spec.ClusterIP = null;
        service.Spec.ClusterIPs = null;
        service.Metadata.Labels["tier"] = "backend";
        var updated = await cluster.Client.CoreV1.ReplaceNamespacedServiceAsync(service, "reviews", "bookinfo");
        Assert.Equal(ip, updated.Spec.ClusterIP);

        var (status, body, _) = await cluster.SendAsync(HttpMethod.Patch, "/api/v1/namespaces/bookinfo/services/reviews",
            """{"spec":{"clusterIP":"10.96.0.99"}}""", "application/merge-patch+json");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Contains("field is immutable", body.Str("message"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_object_with_finalizers_is_marked_on_delete_and_goes_when_they_are_removed()
    {
        await using var cluster = await TestCluster.StartAsync();
        const string path = "/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices";
        await cluster.PostAsync(path, VsJson.Replace("\"labels\"", "\"finalizers\":[\"example.com/cleanup\"],\"labels\"", StringComparison.Ordinal));
        await using var watch = await cluster.WatchAsync($"{path}?watch=true&resourceVersion={cluster.Server.Store.ResourceVersion}");

        Assert.Equal(HttpStatusCode.OK, (await cluster.SendAsync(HttpMethod.Delete, path + "/reviews")).Status);
        var marked = (await cluster.GetAsync(path + "/reviews")).Body;
        Assert.NotNull(marked.At("metadata.deletionTimestamp"));
        Assert.Equal("MODIFIED", (await watch.NextAsync()).Str("type"));

        var (status, _, _) = await cluster.SendAsync(HttpMethod.Patch, path + "/reviews", """{"metadata":{"finalizers":null}}""", "application/merge-patch+json");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(HttpStatusCode.NotFound, (await cluster.GetAsync(path + "/reviews")).Status);
        Assert.Equal("DELETED", (await watch.NextAsync()).Str("type"));
    }

    [Fact]
    public async Task Requests_with_a_wrong_token_are_401_and_counted_requests_grow()
    {
        await using var cluster = await TestCluster.StartAsync();
        using var http = new HttpClient { BaseAddress = cluster.Server.Url };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "wrong");
        var response = await http.GetAsync(new Uri("/api/v1/namespaces", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);

        var before = cluster.Server.Requests["list"];
        using var anonymous = new HttpClient { BaseAddress = cluster.Server.Url };
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(new Uri("/api/v1/namespaces", UriKind.Relative))).StatusCode);
        Assert.Equal(before + 1, cluster.Server.Requests["list"]);
        Assert.True(cluster.Server.RequestCount >= 1);
    }

    [Fact]
    public async Task Deleting_a_namespace_makes_it_Terminating_then_deletes_everything_in_it_with_events()
    {
        await using var cluster = await TestCluster.StartAsync();
        await using var watch = await cluster.WatchAsync($"/api/v1/namespaces/shop/services?watch=true&resourceVersion={cluster.Server.Store.ResourceVersion}");
        var (status, deleted, _) = await cluster.SendAsync(HttpMethod.Delete, "/api/v1/namespaces/shop");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Terminating", deleted.Str("status.phase"));
        Assert.NotNull(deleted.At("metadata.deletionTimestamp"));

        // While terminating, nothing new may be created in it.
        var (forbidden, body, _) = await cluster.PostAsync("/api/v1/namespaces/shop/configmaps", """{"metadata":{"name":"late"}}""");
        Assert.Equal(HttpStatusCode.Forbidden, forbidden);
        Assert.Equal("configmaps \"late\" is forbidden: unable to create new content in namespace shop because it is being terminated", body.Str("message"));
        Assert.Equal("NamespaceTerminating", body.Str("details.causes[0].reason"));

        var events = new List<JsonObject>();
        for (var i = 0; i < 12; i++)
        {
            events.Add((await watch.NextAsync(TimeSpan.FromSeconds(5)))!);
        }

        Assert.All(events, e => Assert.Equal("DELETED", e.Str("type")));
        Assert.Empty((await cluster.Client.CoreV1.ListNamespacedServiceAsync("shop")).Items);
        Assert.Empty((await cluster.Client.AppsV1.ListNamespacedDeploymentAsync("shop")).Items);
        Assert.Empty((await cluster.Client.CoreV1.ListNamespacedPodAsync("shop")).Items);
        Assert.Empty(JsonSerializer.SerializeToNode(await cluster.Client.CustomObjects.ListNamespacedCustomObjectAsync(
            "networking.istio.io", "v1", "shop", "virtualservices"))!["items"]!.AsArray());
        Assert.DoesNotContain((await cluster.Client.CoreV1.ListNamespaceAsync()).Items, n => n.Metadata.Name == "shop");

        var (missing, missingBody, _) = await cluster.PostAsync("/api/v1/namespaces/shop/configmaps", """{"metadata":{"name":"a"}}""");
        Assert.Equal(HttpStatusCode.NotFound, missing);
        Assert.Equal("namespaces \"shop\" not found", missingBody.Str("message"));
    }

    [Fact]
    public async Task A_namespace_left_Terminating_by_a_stop_is_finished_on_the_next_start()
    {
        using var dir = new TempDirectory();
        await using (var first = await SandboxServer.StartAsync(new SandboxOptions
        {
            DataDirectory = dir.Path, NamespaceFinalizeDelay = TimeSpan.FromMinutes(10),
        }))
        {
            using var http = new HttpClient { BaseAddress = first.Url };
            Assert.Equal(HttpStatusCode.OK, (await http.DeleteAsync(new Uri("/api/v1/namespaces/shop", UriKind.Relative))).StatusCode);
        }

        await using var second = await TestCluster.StartAsync(dataDirectory: dir.Path);
        for (var i = 0; i < 50 && second.Server.Store.Get(TrafficConsole.Sandbox.Api.ResourceCatalog.Namespaces, null, "shop") is not null; i++)
        {
            await Task.Delay(100);
        }

        Assert.Null(second.Server.Store.Get(TrafficConsole.Sandbox.Api.ResourceCatalog.Namespaces, null, "shop"));
        Assert.Empty(second.Server.Store.List(TrafficConsole.Sandbox.Api.ResourceCatalog.Services, "shop"));
    }
}
