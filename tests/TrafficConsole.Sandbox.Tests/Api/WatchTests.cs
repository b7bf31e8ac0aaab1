using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using TrafficConsole.Sandbox.Tests.Infrastructure;

namespace TrafficConsole.Sandbox.Tests.Api;

public sealed class WatchTests
{
    private const string CmPath = "/api/v1/namespaces/default/configmaps";

    private static string Cm(string name, string value = "1", string? label = null) =>
        new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["labels"] = label is null ? null : new JsonObject { ["tier"] = label },
            },
            ["data"] = new JsonObject { ["v"] = value },
        }.ToJsonString();

    [Fact]
    public async Task Watch_without_resourceVersion_sends_current_objects_as_ADDED_then_changes()
    {
        await using var cluster = await TestCluster.StartAsync();
        await using var watch = await cluster.WatchAsync("/api/v1/namespaces/bookinfo/services?watch=true");
        Assert.Equal("application/json", watch.Response.Content.Headers.ContentType!.MediaType);
        var initial = new List<JsonObject>();
        for (var i = 0; i < 4; i++)
        {
            initial.Add((await watch.NextAsync())!);
        }

        Assert.All(initial, e => Assert.Equal("ADDED", e.Str("type")));
        Assert.Equal(["details", "productpage", "ratings", "reviews"], initial.Select(e => e.Str("object.metadata.name")));
        Assert.All(initial, e => Assert.Equal("Service", e.Str("object.kind")));

        await cluster.PostAsync("/api/v1/namespaces/bookinfo/services", """{"metadata":{"name":"extra"},"spec":{"ports":[{"port":80}]}}""");
        var added = await watch.NextAsync();
        Assert.Equal("ADDED", added.Str("type"));
        Assert.Equal("extra", added.Str("object.metadata.name"));
    }

    [Fact]
    public async Task Watch_resumes_after_a_resourceVersion_without_losing_or_repeating_events()
    {
        await using var cluster = await TestCluster.StartAsync(SandboxSeed.None);
        var start = cluster.Server.Store.ResourceVersion;
        var received = new List<JsonObject>();

        await using (var first = await cluster.WatchAsync($"{CmPath}?watch=true&resourceVersion={start}"))
        {
            for (var i = 0; i < 5; i++)
            {
                await cluster.PostAsync(CmPath, Cm($"a{i}"));
            }

            for (var i = 0; i < 5; i++)
            {
                received.Add((await first.NextAsync())!);
            }
        }

        // Changes while nobody watches...
        for (var i = 0; i < 5; i++)
        {
            await cluster.PostAsync(CmPath, Cm($"b{i}"));
        }

        await cluster.SendAsync(HttpMethod.Delete, $"{CmPath}/a0");
        var lastSeen = received[^1].Str("object.metadata.resourceVersion");

        // ...arrive after reconnecting from the last version seen, once each.
        await using (var second = await cluster.WatchAsync($"{CmPath}?watch=true&resourceVersion={lastSeen}"))
        {
            for (var i = 0; i < 6; i++)
            {
                received.Add((await second.NextAsync())!);
            }

            Assert.Empty(await second.DrainAsync(TimeSpan.FromMilliseconds(300)));
        }

        var versions = received.Select(e => long.Parse(e.Str("object.metadata.resourceVersion")!, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(versions.Distinct().Count(), versions.Count);
        Assert.Equal(versions.OrderBy(v => v), versions);
        Assert.Equal(Enumerable.Range(1, 11).Select(i => start + i), versions);
        Assert.Equal("DELETED", received[^1].Str("type"));
        Assert.Equal("a0", received[^1].Str("object.metadata.name"));
    }

    [Fact]
    public async Task A_resourceVersion_older_than_the_history_gets_a_410_Expired_error_event_and_a_relist_recovers()
    {
        await using var cluster = await TestCluster.StartAsync(SandboxSeed.None, watchHistoryLimit: 5);
        var start = cluster.Server.Store.ResourceVersion;
        for (var i = 0; i < 10; i++)
        {
            await cluster.PostAsync(CmPath, Cm($"c{i}"));
        }

        await using (var watch = await cluster.WatchAsync($"{CmPath}?watch=true&resourceVersion={start}"))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, watch.Response.StatusCode);
            var error = await watch.NextAsync();
            Assert.Equal("ERROR", error.Str("type"));
            Assert.Equal("Status", error.Str("object.kind"));
            Assert.Equal(410, error.Int64Value("object.code"));
            Assert.Equal("Expired", error.Str("object.reason"));
            Assert.StartsWith($"too old resource version: {start} (", error.Str("object.message"), StringComparison.Ordinal);
            Assert.Null(await watch.NextAsync());
        }

        // The client's recovery: list, then watch from the list's version.
        var list = (await cluster.GetAsync(CmPath)).Body;
        Assert.Equal(10, list["items"]!.AsArray().Count);
        await using var resumed = await cluster.WatchAsync($"{CmPath}?watch=true&resourceVersion={list.Str("metadata.resourceVersion")}");
        await cluster.PostAsync(CmPath, Cm("after"));
        var next = await resumed.NextAsync();
        Assert.Equal("ADDED", next.Str("type"));
        Assert.Equal("after", next.Str("object.metadata.name"));
    }

    [Fact]
    public async Task Bookmarks_carry_the_latest_resourceVersion_when_allowed()
    {
        await using var cluster = await TestCluster.StartAsync(SandboxSeed.None, bookmarkInterval: TimeSpan.FromMilliseconds(200));
        var start = cluster.Server.Store.ResourceVersion;
        await using var watch = await cluster.WatchAsync($"{CmPath}?watch=true&allowWatchBookmarks=true&resourceVersion={start}");

        // A change to another kind moves the cluster's version; the bookmark reports it.
        await cluster.PostAsync("/api/v1/namespaces", """{"metadata":{"name":"other"}}""");
        var latest = cluster.Server.Store.ResourceVersion.ToString(CultureInfo.InvariantCulture);
        Assert.NotEqual(start.ToString(CultureInfo.InvariantCulture), latest);
        JsonObject? bookmark = null;
        for (var i = 0; i < 5 && bookmark?.Str("object.metadata.resourceVersion") != latest; i++)
        {
            bookmark = await watch.NextAsync(TimeSpan.FromSeconds(3));
        }

        Assert.Equal("BOOKMARK", bookmark.Str("type"));
        Assert.Equal("ConfigMap", bookmark.Str("object.kind"));
        Assert.Equal(latest, bookmark.Str("object.metadata.resourceVersion"));

        await using var noBookmarks = await cluster.WatchAsync($"{CmPath}?watch=true&resourceVersion={start}");
        Assert.Empty(await noBookmarks.DrainAsync(TimeSpan.FromMilliseconds(600)));
    }

    [Fact]
    public async Task Label_selected_watch_sees_objects_enter_and_leave_the_selection()
    {
        await using var cluster = await TestCluster.StartAsync(SandboxSeed.None);
        await using var watch = await cluster.WatchAsync($"{CmPath}?watch=true&labelSelector=tier%3Dfront&resourceVersion={cluster.Server.Store.ResourceVersion}");
        await cluster.PostAsync(CmPath, Cm("other", label: "back"));
        await cluster.PostAsync(CmPath, Cm("mine", label: "front"));
        await cluster.SendAsync(HttpMethod.Patch, $"{CmPath}/other", """{"metadata":{"labels":{"tier":"front"}}}""", "application/merge-patch+json");
        await cluster.SendAsync(HttpMethod.Patch, $"{CmPath}/mine", """{"data":{"v":"2"}}""", "application/merge-patch+json");
        await cluster.SendAsync(HttpMethod.Patch, $"{CmPath}/mine", """{"metadata":{"labels":{"tier":"back"}}}""", "application/merge-patch+json");

        var events = await watch.DrainAsync(TimeSpan.FromMilliseconds(400));
        Assert.Equal(["ADDED mine", "ADDED other", "MODIFIED mine", "DELETED mine"],
            events.Select(e => $"{e.Str("type")} {e.Str("object.metadata.name")}"));
    }

    [Fact]
    public async Task Field_selected_and_legacy_watch_paths_filter_by_name()
    {
        await using var cluster = await TestCluster.StartAsync(SandboxSeed.None);
        await using var watch = await cluster.WatchAsync($"/api/v1/watch/namespaces/default/configmaps?fieldSelector=metadata.name%3Db&resourceVersion={cluster.Server.Store.ResourceVersion}");
        await cluster.PostAsync(CmPath, Cm("a"));
        await cluster.PostAsync(CmPath, Cm("b"));
        var events = await watch.DrainAsync(TimeSpan.FromMilliseconds(400));
        Assert.Equal(["b"], events.Select(e => e.Str("object.metadata.name")));
    }

    [Fact]
    public async Task Watch_on_an_object_path_follows_that_object_only()
    {
        await using var cluster = await TestCluster.StartAsync(SandboxSeed.None);
        await cluster.PostAsync(CmPath, Cm("a"));
        await cluster.PostAsync(CmPath, Cm("b"));
        await using var watch = await cluster.WatchAsync($"{CmPath}/b?watch=true&resourceVersion={cluster.Server.Store.ResourceVersion}");
        await cluster.SendAsync(HttpMethod.Patch, $"{CmPath}/a", """{"data":{"v":"9"}}""", "application/merge-patch+json");
        await cluster.SendAsync(HttpMethod.Patch, $"{CmPath}/b", """{"data":{"v":"9"}}""", "application/merge-patch+json");
        var events = await watch.DrainAsync(TimeSpan.FromMilliseconds(400));
        Assert.Equal(["MODIFIED b"], events.Select(e => $"{e.Str("type")} {e.Str("object.metadata.name")}"));
    }

    [Fact]
    public async Task TimeoutSeconds_ends_the_stream()
    {
        await using var cluster = await TestCluster.StartAsync(SandboxSeed.None);
        var started = DateTime.UtcNow;
        await using var watch = await cluster.WatchAsync($"{CmPath}?watch=true&timeoutSeconds=1&resourceVersion={cluster.Server.Store.ResourceVersion}");
        Assert.Null(await watch.NextAsync(TimeSpan.FromSeconds(5)));
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromMilliseconds(900), TimeSpan.FromSeconds(4));
    }

    [Fact]
    public async Task KubernetesClient_watch_of_custom_objects_sees_changes_in_the_asked_version()
    {
        await using var cluster = await TestCluster.StartAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var list = JsonSerializer.SerializeToNode(await cluster.Client.CustomObjects.ListNamespacedCustomObjectAsync(
            "networking.istio.io", "v1beta1", "shop", "virtualservices", cancellationToken: cts.Token))!;
        var seen = new List<(WatchEventType, JsonElement)>();
        var watching = Task.Run(async () =>
        {
            await foreach (var (type, obj) in cluster.Client.CustomObjects.WatchListNamespacedCustomObjectAsync(
                "networking.istio.io", "v1beta1", "shop", "virtualservices",
                resourceVersion: list.Str("metadata.resourceVersion"), cancellationToken: cts.Token))
            {
                seen.Add((type, (JsonElement)obj));
                if (seen.Count == 2)
                {
                    break;
                }
            }
        }, cts.Token);

        await Task.Delay(200, cts.Token);
        await cluster.SendAsync(HttpMethod.Patch, "/apis/networking.istio.io/v1/namespaces/shop/virtualservices/catalog",
            """{"spec":{"http":[{"route":[{"destination":{"host":"catalog","subset":"v1"},"weight":50},{"destination":{"host":"catalog","subset":"v2"},"weight":50}]}]}}""",
            "application/merge-patch+json");
        await cluster.Client.CustomObjects.DeleteNamespacedCustomObjectAsync("networking.istio.io", "v1", "shop", "virtualservices", "cart",
            cancellationToken: cts.Token);
        await watching;

        Assert.Equal(WatchEventType.Modified, seen[0].Item1);
        Assert.Equal("networking.istio.io/v1beta1", seen[0].Item2.GetProperty("apiVersion").GetString());
        Assert.Equal(50, seen[0].Item2.GetProperty("spec").GetProperty("http")[0].GetProperty("route")[0].GetProperty("weight").GetInt32());
        Assert.Equal(WatchEventType.Deleted, seen[1].Item1);
        Assert.Equal("cart", seen[1].Item2.GetProperty("metadata").GetProperty("name").GetString());
    }

    [Fact]
    public async Task KubernetesClient_typed_watch_of_core_objects_works()
    {
        await using var cluster = await TestCluster.StartAsync(SandboxSeed.None);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var first = Task.Run(async () =>
        {
            await foreach (var (type, cm) in cluster.Client.CoreV1.WatchListNamespacedConfigMapAsync("default",
                resourceVersion: cluster.Server.Store.ResourceVersion.ToString(CultureInfo.InvariantCulture), cancellationToken: cts.Token))
            {
                return (type, cm);
            }

            return default;
        }, cts.Token);
        await Task.Delay(200, cts.Token);
        await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "typed" } }, "default",
            cancellationToken: cts.Token);
        var (eventType, configMap) = await first;
        Assert.Equal(WatchEventType.Added, eventType);
        Assert.Equal("typed", configMap.Metadata.Name);
    }

    [Fact]
    public async Task Streaming_list_sends_current_objects_then_the_initial_events_end_bookmark()
    {
        await using var cluster = await TestCluster.StartAsync();
        await using var watch = await cluster.WatchAsync(
            "/apis/apps/v1/namespaces/bookinfo/deployments?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&labelSelector=app%3Dreviews");
        var events = new List<JsonObject>();
        for (var i = 0; i < 4; i++)
        {
            events.Add((await watch.NextAsync())!);
        }

        Assert.Equal(["ADDED reviews-v1", "ADDED reviews-v2", "ADDED reviews-v3"], events.Take(3).Select(e => $"{e.Str("type")} {e.Str("object.metadata.name")}"));
        Assert.Equal("BOOKMARK", events[3].Str("type"));
        Assert.Equal("true", events[3].At("object.metadata.annotations")!["k8s.io/initial-events-end"].Str(""));
        Assert.Equal(cluster.Server.Store.ResourceVersion.ToString(CultureInfo.InvariantCulture), events[3].Str("object.metadata.resourceVersion"));

        await cluster.SendAsync(HttpMethod.Patch, "/apis/apps/v1/namespaces/bookinfo/deployments/reviews-v2/scale",
            """{"spec":{"replicas":2}}""", "application/merge-patch+json");
        var modified = await watch.NextAsync();
        Assert.Equal("MODIFIED", modified.Str("type"));
        Assert.Equal(2, modified.Int64Value("object.status.readyReplicas"));
    }

    [Fact]
    public async Task Disposing_the_server_ends_open_watches()
    {
        var cluster = await TestCluster.StartAsync(SandboxSeed.None);
        var watch = await cluster.WatchAsync($"{CmPath}?watch=true&resourceVersion={cluster.Server.Store.ResourceVersion}");
        Assert.Equal(1, cluster.Server.Store.WatcherCount);
        var disposing = cluster.DisposeAsync().AsTask();
        Assert.Null(await watch.NextAsync(TimeSpan.FromSeconds(5)));
        await disposing.WaitAsync(TimeSpan.FromSeconds(10));
        await watch.DisposeAsync();
    }
}
