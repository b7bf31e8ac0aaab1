using k8s;
using k8s.Models;

using TrafficConsole.Cluster.Cache;
using TrafficConsole.Cluster.Resources;
using TrafficConsole.Cluster.Tests.Infrastructure;
using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Services;

namespace TrafficConsole.Cluster.Tests.Cache;

public sealed class MeshCacheTests
{
    [Fact]
    public async Task Lists_bookinfo_and_builds_the_reviews_view_with_three_versions()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        MeshCache cache = await cluster.StartCacheAsync();

        MeshSnapshot snapshot = cache.Current;
        Assert.True(snapshot.IsSynced);
        Assert.Equal(CacheHealthState.Connected, snapshot.Health.State);
        Assert.Contains("bookinfo", snapshot.Namespaces);
        Assert.Equal(["details", "productpage", "ratings", "reviews"], snapshot.In("bookinfo").Services.Keys.Order(StringComparer.Ordinal));
        ServiceView reviews = Assert.IsType<ServiceView>(snapshot.GetServiceView("bookinfo", "reviews"));
        Assert.Equal(["v1", "v2", "v3"], reviews.Versions.Select(v => v.Name));
        Assert.All(reviews.Versions, v => Assert.Equal(1, v.DesiredReplicas));
        Assert.Equal(4, snapshot.GetServiceViews("bookinfo").Length);
        Assert.Null(snapshot.GetServiceView("bookinfo", "no-such-service"));
    }

    [Fact]
    public async Task A_virtual_service_created_elsewhere_reaches_the_snapshot_and_a_subscriber()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        MeshCache cache = await cluster.StartCacheAsync();
        using MeshSubscription subscription = cache.Subscribe("bookinfo");
        await using IAsyncEnumerator<MeshChangeBatch> batches = subscription.GetAsyncEnumerator();
        long versionBefore = subscription.Snapshot.Version;

        MeshResourceClients resources = await cluster.ResourcesAsync();
        VirtualService created = await resources.VirtualServices!.CreateAsync(
            TestResources.VirtualService("bookinfo", "reviews", "reviews", ("v1", 100)));

        List<MeshChangeBatch> seen = await Eventually.BatchAsync(
            batches, b => b.Changes.Any(c => c.ResourceKind == MeshResourceKind.VirtualService), "the VirtualService was added", TimeSpan.FromSeconds(5));
        MeshChange change = seen[^1].Changes.Single(c => c.ResourceKind == MeshResourceKind.VirtualService);
        Assert.Equal(MeshChangeType.Added, change.Type);
        Assert.Equal(("bookinfo", "reviews", created.ResourceVersion), (change.Namespace, change.Name, change.ResourceVersion));
        Assert.Equal(new ServiceRef("bookinfo", "reviews"), Assert.Single(change.AffectedServices));
        Assert.True(seen[^1].Affects("bookinfo", "reviews"));
        Assert.True(seen[^1].Snapshot.Version > versionBefore);
        ServiceView view = seen[^1].Snapshot.GetServiceView("bookinfo", "reviews")!;
        Assert.Equal("reviews", Assert.Single(view.VirtualServices).Name);
        Assert.Equal(created.ResourceVersion, cache.Current.FindVirtualService("bookinfo", "reviews")!.ResourceVersion);
    }

    [Fact]
    public async Task Unknown_fields_written_by_others_survive_in_the_cached_object()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        MeshCache cache = await cluster.StartCacheAsync();
        var body = new Dictionary<string, object>
        {
            ["apiVersion"] = "networking.istio.io/v1",
            ["kind"] = "VirtualService",
            ["metadata"] = new Dictionary<string, object> { ["name"] = "ratings", ["namespace"] = "bookinfo" },
            ["spec"] = new Dictionary<string, object>
            {
                ["hosts"] = new[] { "ratings" },
                ["futureField"] = new Dictionary<string, object> { ["keep"] = "me" },
                ["http"] = new[] { new Dictionary<string, object> { ["route"] = new[] { new Dictionary<string, object> { ["destination"] = new Dictionary<string, object> { ["host"] = "ratings" } } } } },
            },
        };
        await cluster.Client.CustomObjects.CreateNamespacedCustomObjectAsync(body, "networking.istio.io", "v1", "bookinfo", "virtualservices");

        await Eventually.TrueAsync(() => cache.Current.FindVirtualService("bookinfo", "ratings") is not null, "the cache has the VirtualService");
        string json = MeshJson.Serialize(cache.Current.FindVirtualService("bookinfo", "ratings")!);
        Assert.Contains("\"futureField\":{\"keep\":\"me\"}", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scaling_a_deployment_changes_replicas_in_the_view_and_names_the_service()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        MeshCache cache = await cluster.StartCacheAsync();
        using MeshSubscription subscription = cache.Subscribe("bookinfo");
        await using IAsyncEnumerator<MeshChangeBatch> batches = subscription.GetAsyncEnumerator();

        V1Deployment deployment = await cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("reviews-v2", "bookinfo");
        deployment.Spec.Replicas = 3;
        await cluster.Client.AppsV1.ReplaceNamespacedDeploymentAsync(deployment, "reviews-v2", "bookinfo");

        await Eventually.TrueAsync(
            () => cache.Current.GetServiceView("bookinfo", "reviews")?.FindVersion("v2")?.DesiredReplicas == 3,
            "reviews v2 shows 3 desired replicas");
        List<MeshChangeBatch> seen = await Eventually.BatchAsync(
            batches, b => b.Changes.Any(c => c.ResourceKind == MeshResourceKind.Deployment && c.Name == "reviews-v2"), "the deployment change");
        MeshChange change = seen[^1].Changes.Last(c => c.ResourceKind == MeshResourceKind.Deployment && c.Name == "reviews-v2");
        Assert.Equal(MeshChangeType.Modified, change.Type);
        Assert.Contains(new ServiceRef("bookinfo", "reviews"), change.AffectedServices);
        Assert.DoesNotContain(new ServiceRef("bookinfo", "ratings"), change.AffectedServices);

        // The sandbox's deployment controller makes the new pods ready: the view follows status.readyReplicas too.
        await Eventually.TrueAsync(
            () => cache.Current.GetServiceView("bookinfo", "reviews")?.FindVersion("v2")?.ReadyReplicas == 3,
            "reviews v2 shows 3 ready replicas");
    }

    [Fact]
    public async Task A_namespace_subscription_gets_only_its_namespace()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        MeshCache cache = await cluster.StartCacheAsync();
        using MeshSubscription defaultOnly = cache.Subscribe("default");
        using MeshSubscription bookinfo = cache.Subscribe("bookinfo");
        await using IAsyncEnumerator<MeshChangeBatch> defaultBatches = defaultOnly.GetAsyncEnumerator();
        await using IAsyncEnumerator<MeshChangeBatch> bookinfoBatches = bookinfo.GetAsyncEnumerator();
        MeshResourceClients resources = await cluster.ResourcesAsync();

        await resources.DestinationRules!.CreateAsync(TestResources.DestinationRule("bookinfo", "reviews", "reviews", "v1", "v2"));
        await Eventually.BatchAsync(bookinfoBatches, b => b.Changes.Any(c => c.ResourceKind == MeshResourceKind.DestinationRule), "the bookinfo DestinationRule");
        await resources.DestinationRules!.CreateAsync(TestResources.DestinationRule("default", "web", "web", "v1"));

        // The first batch the default-namespace subscriber sees is its own DestinationRule, not bookinfo's.
        List<MeshChangeBatch> seen = await Eventually.BatchAsync(defaultBatches, b => b.Changes.Length > 0, "a change in default");
        Assert.All(seen.SelectMany(b => b.Changes), c => Assert.Equal("default", c.Namespace));
    }

    [Fact]
    public async Task A_burst_of_changes_arrives_in_few_batches_with_nothing_lost()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        MeshCache cache = await cluster.StartCacheAsync(o => o.BatchWindow = TimeSpan.FromMilliseconds(300));
        using MeshSubscription subscription = cache.Subscribe("bookinfo");
        await using IAsyncEnumerator<MeshChangeBatch> batches = subscription.GetAsyncEnumerator();
        MeshResourceClients resources = await cluster.ResourcesAsync();

        await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            resources.VirtualServices!.CreateAsync(TestResources.VirtualService("bookinfo", $"burst-{i}", $"burst-{i}", ("v1", 100)))));

        var names = new HashSet<string>(StringComparer.Ordinal);
        List<MeshChangeBatch> seen = await Eventually.BatchAsync(
            batches,
            b =>
            {
                names.UnionWith(b.Changes.Where(c => c.ResourceKind == MeshResourceKind.VirtualService).Select(c => c.Name));
                return names.Count == 20;
            },
            "all 20 VirtualServices");
        Assert.True(seen.Count < 20, $"expected the burst to be batched, got {seen.Count} batches");
        Assert.Equal(20, seen.SelectMany(b => b.Changes).Count(c => c.ResourceKind == MeshResourceKind.VirtualService));
        Assert.Equal(20, seen[^1].Snapshot.In("bookinfo").VirtualServices.Count);
    }

    [Fact]
    public async Task Disposing_a_subscription_removes_it_and_ends_its_stream()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        MeshCache cache = await cluster.StartCacheAsync();
        MeshSubscription first = cache.Subscribe();
        using var cancel = new CancellationTokenSource();
        MeshSubscription second = cache.Subscribe("bookinfo", cancel.Token);
        Assert.Equal(2, cache.SubscriberCount);

        IAsyncEnumerator<MeshChangeBatch> reader = first.GetAsyncEnumerator();
        ValueTask<bool> pending = reader.MoveNextAsync();
        first.Dispose();
        Assert.False(await pending.AsTask().WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(1, cache.SubscriberCount);

        await cancel.CancelAsync();
        Assert.True(second.IsDisposed);
        Assert.Equal(0, cache.SubscriberCount);
        await reader.DisposeAsync();
    }

    [Fact]
    public async Task Viewers_add_no_requests_to_the_api_server()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        MeshCache cache = await cluster.StartCacheAsync();

        // Synced means listed; each informer then opens its watch: that is the steady state.
        await Eventually.TrueAsync(() => cache.Requests.Watches >= 7, "every informer is watching");
        long cacheRequests = cache.Requests.Total;
        long serverLists = cluster.Server.Requests["list"];

        var subscriptions = Enumerable.Range(0, 50).Select(_ => cache.Subscribe("bookinfo")).ToList();
        foreach (MeshSubscription s in subscriptions)
        {
            Assert.Equal(3, s.Snapshot.GetServiceView("bookinfo", "reviews")!.Versions.Length);
        }

        MeshResourceClients resources = await cluster.ResourcesAsync();
        await resources.VirtualServices!.CreateAsync(TestResources.VirtualService("bookinfo", "reviews", "reviews", ("v1", 100)));
        await Eventually.TrueAsync(() => cache.Current.FindVirtualService("bookinfo", "reviews") is not null, "the cache sees the VirtualService");

        Assert.Equal(cacheRequests, cache.Requests.Total);
        Assert.Equal(serverLists, cluster.Server.Requests["list"]);
        Assert.Equal(9, cache.Requests.Lists); // discovery + one list per kind (namespaces, services, deployments, revision ConfigMaps, VS, DR, HTTPRoutes, gateways)
        subscriptions.ForEach(s => s.Dispose());
        Assert.Equal(0, cache.SubscriberCount);
    }

    [Fact]
    public async Task A_subscriber_that_falls_behind_gets_a_resync_with_the_latest_snapshot_instead_of_blocking_the_cache()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        MeshCache cache = await cluster.StartCacheAsync(o => o.SubscriberCapacity = 2);
        using MeshSubscription slow = cache.Subscribe("bookinfo");
        using MeshSubscription reader = cache.Subscribe("bookinfo");
        await using IAsyncEnumerator<MeshChangeBatch> readerBatches = reader.GetAsyncEnumerator();
        MeshResourceClients resources = await cluster.ResourcesAsync();

        for (int i = 0; i < 6; i++)
        {
            await resources.VirtualServices!.CreateAsync(TestResources.VirtualService("bookinfo", $"slow-{i}", $"slow-{i}", ("v1", 100)));
        }

        // The cache and other subscribers keep going while "slow" reads nothing.
        await Eventually.TrueAsync(() => cache.Current.In("bookinfo").VirtualServices.Count == 6, "the cache has all six");
        await Eventually.BatchAsync(readerBatches, b => b.Snapshot.In("bookinfo").VirtualServices.Count == 6, "the reading subscriber caught up");

        await using IAsyncEnumerator<MeshChangeBatch> slowBatches = slow.GetAsyncEnumerator();
        List<MeshChangeBatch> seen = await Eventually.BatchAsync(slowBatches, b => b.IsResync, "a resync");
        Assert.Equal(6, seen[^1].Snapshot.In("bookinfo").VirtualServices.Count);
        Assert.True(seen[^1].Affects("bookinfo", "anything"), "a resync affects every service");
    }

    [Fact]
    public async Task A_subscription_has_one_reader()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        MeshCache cache = await cluster.StartCacheAsync();
        using MeshSubscription subscription = cache.Subscribe();
        await using IAsyncEnumerator<MeshChangeBatch> first = subscription.GetAsyncEnumerator();

        Assert.Throws<InvalidOperationException>(() => subscription.GetAsyncEnumerator());
    }

    [Fact]
    public async Task An_http_route_is_cached_and_names_the_services_it_attaches_to_and_sends_to()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        MeshCache cache = await cluster.StartCacheAsync();
        using MeshSubscription subscription = cache.Subscribe("bookinfo");
        await using IAsyncEnumerator<MeshChangeBatch> batches = subscription.GetAsyncEnumerator();
        MeshResourceClients resources = await cluster.ResourcesAsync();
        var route = new HttpRoute
        {
            Metadata = new V1ObjectMeta { Name = "reviews", NamespaceProperty = "bookinfo" },
            Spec = new HttpRouteSpec
            {
                ParentRefs = [new ParentReference { Group = "", Kind = "Service", Name = "reviews", Port = 9080 }],
                Rules = [new HttpRouteRuleSpec { BackendRefs = [new HttpBackendRef { Name = "reviews-v1", Port = 9080 }, new HttpBackendRef { Name = "ratings", Port = 9080 }] }],
            },
        };

        await resources.HttpRoutes!.CreateAsync(route);

        List<MeshChangeBatch> seen = await Eventually.BatchAsync(batches, b => b.Changes.Any(c => c.ResourceKind == MeshResourceKind.HttpRoute), "the HTTPRoute");
        MeshChange change = seen[^1].Changes.Single(c => c.ResourceKind == MeshResourceKind.HttpRoute);
        Assert.Equal(
            [new ServiceRef("bookinfo", "ratings"), new ServiceRef("bookinfo", "reviews"), new ServiceRef("bookinfo", "reviews-v1")],
            change.AffectedServices.ToArray());
        ServiceView reviews = cache.Current.GetServiceView("bookinfo", "reviews")!;
        Assert.Single(reviews.HttpRoutes);
        Assert.False(reviews.Routing.IsEditable);
    }

    [Fact]
    public async Task A_backend_service_appearing_names_the_service_whose_http_route_sends_to_it_and_makes_it_editable()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        MeshCache cache = await cluster.StartCacheAsync();
        MeshResourceClients resources = await cluster.ResourcesAsync();
        await resources.HttpRoutes!.CreateAsync(new HttpRoute
        {
            Metadata = new V1ObjectMeta { Name = "reviews", NamespaceProperty = "bookinfo" },
            Spec = new HttpRouteSpec
            {
                ParentRefs = [new ParentReference { Kind = "Service", Name = "reviews", Port = 9080 }],
                Rules = [new HttpRouteRuleSpec { BackendRefs = [new HttpBackendRef { Name = "reviews-v3", Port = 9080 }] }],
            },
        });
        await Eventually.TrueAsync(() => cache.Current.GetServiceView("bookinfo", "reviews")!.Routing.HttpRouteName is not null, "the cache reads the HTTPRoute");
        Assert.False(cache.Current.GetServiceView("bookinfo", "reviews")!.Routing.IsEditable, "reviews-v3 does not exist yet: not a version");
        using MeshSubscription subscription = cache.Subscribe("bookinfo");
        await using IAsyncEnumerator<MeshChangeBatch> batches = subscription.GetAsyncEnumerator();

        await cluster.Client.CoreV1.CreateNamespacedServiceAsync(
            new V1Service
            {
                Metadata = new V1ObjectMeta { Name = "reviews-v3" },
                Spec = new V1ServiceSpec
                {
                    Ports = [new V1ServicePort { Port = 9080, Name = "http" }],
                    Selector = new Dictionary<string, string> { ["app"] = "reviews", ["version"] = "v3" },
                },
            },
            "bookinfo");

        List<MeshChangeBatch> seen = await Eventually.BatchAsync(batches, static b => b.Changes.Any(static c => c.ResourceKind == MeshResourceKind.Service), "the Service");
        Assert.True(seen[^1].Affects("bookinfo", "reviews"), "the page of reviews re-renders");
        ServiceView reviews = seen[^1].Snapshot.GetServiceView("bookinfo", "reviews")!;
        Assert.True(reviews.Routing.IsEditable, reviews.Routing.ReadOnlyReason);
        Assert.Equal(100, reviews.Routing.EffectiveSplit.WeightOf("v3"));
    }

    [Fact]
    public async Task The_typed_client_keeps_fields_it_does_not_model_through_a_read_modify_write()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        var body = new Dictionary<string, object>
        {
            ["apiVersion"] = "networking.istio.io/v1",
            ["kind"] = "DestinationRule",
            ["metadata"] = new Dictionary<string, object> { ["name"] = "details", ["namespace"] = "bookinfo" },
            ["spec"] = new Dictionary<string, object>
            {
                ["host"] = "details",
                ["subsets"] = new[] { new Dictionary<string, object> { ["name"] = "v1", ["labels"] = new Dictionary<string, string> { ["version"] = "v1" }, ["futureSubsetField"] = 7 } },
            },
        };
        await cluster.Client.CustomObjects.CreateNamespacedCustomObjectAsync(body, "networking.istio.io", "v1", "bookinfo", "destinationrules");
        MeshResourceClients resources = await cluster.ResourcesAsync();

        DestinationRule read = (await resources.DestinationRules!.GetAsync("bookinfo", "details"))!;
        read.Metadata.Labels = new Dictionary<string, string> { ["edited"] = "true" };
        DestinationRule written = await resources.DestinationRules.ReplaceAsync(read);
        ResourceList<DestinationRule> listed = await resources.DestinationRules.ListAsync("bookinfo");

        Assert.NotEqual(read.ResourceVersion, written.ResourceVersion);
        System.Text.Json.JsonElement raw = await cluster.Client.CustomObjects.GetNamespacedCustomObjectAsync<System.Text.Json.JsonElement>(
            "networking.istio.io", "v1", "bookinfo", "destinationrules", "details");
        Assert.Equal(7, raw.GetProperty("spec").GetProperty("subsets")[0].GetProperty("futureSubsetField").GetInt32());
        Assert.Equal("true", raw.GetProperty("metadata").GetProperty("labels").GetProperty("edited").GetString());
        DestinationRule fromList = Assert.Single(listed.Items);
        Assert.Equal("DestinationRule", fromList.Kind);
        Assert.Equal(written.ResourceVersion, fromList.ResourceVersion);
        Assert.Null(await resources.DestinationRules.GetAsync("bookinfo", "no-such-rule"));
    }

    [Fact]
    public async Task Listing_in_small_pages_gives_the_same_cache_and_counts_one_list_per_kind()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        MeshResourceClients resources = await cluster.ResourcesAsync();
        await resources.VirtualServices!.CreateAsync(TestResources.VirtualService("bookinfo", "a", "reviews", ("v1", 100)));
        await resources.VirtualServices!.CreateAsync(TestResources.VirtualService("bookinfo", "b", "ratings", ("v1", 100)));
        long serverListsBefore = cluster.Server.Requests["list"];

        MeshCache cache = await cluster.StartCacheAsync(o => o.ListPageSize = 1);

        Assert.Equal(["details", "productpage", "ratings", "reviews"], cache.Current.In("bookinfo").Services.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["a", "b"], cache.Current.In("bookinfo").VirtualServices.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(3, cache.Current.GetServiceView("bookinfo", "reviews")!.Versions.Length);
        Assert.Equal(9, cache.Requests.Lists);
        Assert.True(cluster.Server.Requests["list"] - serverListsBefore > 9, "the server saw one request per page");
    }
}
