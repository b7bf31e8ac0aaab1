using k8s;

using TrafficConsole.Cluster.Cache;
using TrafficConsole.Cluster.Connection;
using TrafficConsole.Cluster.Resources;
using TrafficConsole.Cluster.Tests.Infrastructure;
using TrafficConsole.Cluster.Writing;
using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Services;

namespace TrafficConsole.Cluster.Tests.Writing;

public sealed class RoutingWriterTests
{
    private static readonly TrafficSplit EightyTwenty = TrafficSplit.Of(("v1", 80), ("v2", 20), ("v3", 0));

    [Fact]
    public async Task Apply_creates_the_destination_rule_then_the_virtual_service_and_returns_once_the_cache_shows_them()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        MeshCache cache = await cluster.StartCacheAsync();
        var writer = new RoutingWriter(cluster.NewClient(), cache);
        ServiceView before = cache.Current.GetServiceView("bookinfo", "reviews")!;
        RoutingPlan plan = RoutingIntentPlanner.PlanSplit(before, EightyTwenty, cache.Current.Apis.IstioApiVersion!);

        WriteResult result = await writer.ApplyAsync(plan, "alice@example.com");

        WriteResult.Applied applied = Assert.IsType<WriteResult.Applied>(result);
        Assert.True(applied.CacheCaughtUp);

        // Returned only after the cache showed both writes: no waiting needed here.
        ServiceView after = cache.Current.GetServiceView("bookinfo", "reviews")!;
        Assert.Equal(after.Routing.Revision, applied.Revision);
        Assert.NotEqual(before.Routing.Revision, applied.Revision);
        Assert.Equal(80, after.Routing.EffectiveSplit.WeightOf("v1"));
        Assert.Equal(20, after.Routing.EffectiveSplit.WeightOf("v2"));
        Assert.Equal(["DestinationRule", "VirtualService"], applied.Written.Select(w => w.Kind));
        Assert.All(applied.Written, w => Assert.Equal("created", w.Action));

        // In the cluster itself, with the actor recorded on the VirtualService.
        MeshResourceClients resources = await cluster.ResourcesAsync();
        VirtualService vs = (await resources.VirtualServices!.GetAsync("bookinfo", "reviews"))!;
        Assert.Equal("alice@example.com", vs.Metadata.Annotations[RoutingWriter.ChangedByAnnotation]);
        Assert.True(DateTimeOffset.TryParse(vs.Metadata.Annotations[RoutingWriter.ChangedAtAnnotation], out _));
        DestinationRule dr = (await resources.DestinationRules!.GetAsync("bookinfo", "reviews"))!;
        Assert.Equal(plan.DestinationRule!.Spec!.Subsets!.Select(s => s.Name), dr.Spec!.Subsets!.Select(s => s.Name));
        Assert.Contains("v2", dr.Spec.Subsets!.Select(s => s.Name));
        Assert.Equal("trafficconsole", (await cluster.Client.CustomObjects.GetNamespacedCustomObjectAsync<System.Text.Json.JsonElement>(
            "networking.istio.io", "v1", "bookinfo", "virtualservices", "reviews")).GetProperty("metadata").GetProperty("managedFields")[0].GetProperty("manager").GetString());
    }

    [Fact]
    public async Task A_second_apply_updates_in_place_with_the_revision_it_started_from()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        MeshCache cache = await cluster.StartCacheAsync();
        var writer = new RoutingWriter(cluster.NewClient(), cache);
        string api = cache.Current.Apis.IstioApiVersion!;
        Assert.IsType<WriteResult.Applied>(await writer.ApplyAsync(RoutingIntentPlanner.PlanSplit(cache.Current.GetServiceView("bookinfo", "reviews")!, EightyTwenty, api), "alice"));

        ServiceView view = cache.Current.GetServiceView("bookinfo", "reviews")!;
        WriteResult result = await writer.ApplyAsync(RoutingIntentPlanner.PlanSplit(view, TrafficSplit.Of(("v1", 0), ("v2", 50), ("v3", 50)), api), "bob");

        WriteResult.Applied applied = Assert.IsType<WriteResult.Applied>(result);
        ServiceView after = cache.Current.GetServiceView("bookinfo", "reviews")!;
        Assert.Equal(50, after.Routing.EffectiveSplit.WeightOf("v3"));
        Assert.Equal("bob", after.VirtualServices.Single().Metadata.Annotations[RoutingWriter.ChangedByAnnotation]);
        Assert.Contains(applied.Written, w => w.Kind == "VirtualService" && w.Action == "replaced");
    }

    [Fact]
    public async Task A_plan_from_a_stale_revision_is_a_conflict_that_carries_the_current_view()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        MeshCache cache = await cluster.StartCacheAsync();
        var alice = new RoutingWriter(cluster.NewClient(), cache);
        var bob = new RoutingWriter(cluster.NewClient(), cache);
        string api = cache.Current.Apis.IstioApiVersion!;
        Assert.IsType<WriteResult.Applied>(await alice.ApplyAsync(RoutingIntentPlanner.PlanSplit(cache.Current.GetServiceView("bookinfo", "reviews")!, EightyTwenty, api), "alice"));
        ServiceView bothSaw = cache.Current.GetServiceView("bookinfo", "reviews")!;
        RoutingPlan alicePlan = RoutingIntentPlanner.PlanSplit(bothSaw, TrafficSplit.Of(("v1", 100), ("v2", 0), ("v3", 0)), api);
        RoutingPlan bobPlan = RoutingIntentPlanner.PlanSplit(bothSaw, TrafficSplit.Of(("v1", 50), ("v2", 50), ("v3", 0)), api);
        Assert.IsType<WriteResult.Applied>(await bob.ApplyAsync(bobPlan, "bob"));

        WriteResult result = await alice.ApplyAsync(alicePlan, "alice");

        WriteResult.Conflict conflict = Assert.IsType<WriteResult.Conflict>(result);
        Assert.NotNull(conflict.Current);
        Assert.Equal(50, conflict.Current.Routing.EffectiveSplit.WeightOf("v2"));
        Assert.Equal(cache.Current.GetServiceView("bookinfo", "reviews")!.Routing.Revision, conflict.Current.Routing.Revision);
        Assert.Contains("changed since you started", conflict.Message, StringComparison.Ordinal);
        Assert.Empty(conflict.Written);

        // Bob's change stands.
        Assert.Equal(50, cache.Current.GetServiceView("bookinfo", "reviews")!.Routing.EffectiveSplit.WeightOf("v2"));
    }

    [Fact]
    public async Task When_the_cache_lags_the_api_server_still_refuses_a_stale_replace_with_409()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        MeshCache cache = await cluster.StartCacheAsync();
        string api = cache.Current.Apis.IstioApiVersion!;
        var writer = new RoutingWriter(cluster.NewClient(), cache);
        Assert.IsType<WriteResult.Applied>(await writer.ApplyAsync(RoutingIntentPlanner.PlanSplit(cache.Current.GetServiceView("bookinfo", "reviews")!, EightyTwenty, api), "alice"));
        ServiceView seen = cache.Current.GetServiceView("bookinfo", "reviews")!;
        RoutingPlan stale = RoutingIntentPlanner.PlanSplit(seen, TrafficSplit.Of(("v1", 100), ("v2", 0), ("v3", 0)), api);

        // Someone edits the VirtualService with kubectl-like access.
        MeshResourceClients resources = await cluster.ResourcesAsync();
        VirtualService current = (await resources.VirtualServices!.GetAsync("bookinfo", "reviews"))!;
        current.Metadata.Labels ??= new Dictionary<string, string>();
        current.Metadata.Labels["touched"] = "yes";
        await resources.VirtualServices.ReplaceAsync(current);

        var lagging = new RoutingWriter(cluster.NewClient(), new UnsyncedCache(cache));
        WriteResult result = await lagging.ApplyAsync(stale, "alice");

        WriteResult.Conflict conflict = Assert.IsType<WriteResult.Conflict>(result);
        Assert.NotNull(conflict.Current);
        Assert.Equal("yes", conflict.Current.VirtualServices.Single().Metadata.Labels["touched"]);
        Assert.Equal(80, (await resources.VirtualServices.GetAsync("bookinfo", "reviews"))!.Spec!.Http![0].Route![0].Weight);
    }

    [Fact]
    public async Task Creating_what_someone_else_created_meanwhile_is_a_conflict()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        MeshCache cache = await cluster.StartCacheAsync();
        RoutingPlan plan = RoutingIntentPlanner.PlanSplit(cache.Current.GetServiceView("bookinfo", "reviews")!, EightyTwenty, cache.Current.Apis.IstioApiVersion!);
        Assert.Equal(ResourceAction.Create, plan.VirtualServiceAction);
        MeshResourceClients resources = await cluster.ResourcesAsync();
        await resources.VirtualServices!.CreateAsync(TestResources.VirtualService("bookinfo", "reviews", "reviews", ("v1", 100)));

        var lagging = new RoutingWriter(cluster.NewClient(), new UnsyncedCache(cache));
        WriteResult result = await lagging.ApplyAsync(plan, "alice");

        WriteResult.Conflict conflict = Assert.IsType<WriteResult.Conflict>(result);
        Assert.Equal(100, conflict.Current!.Routing.EffectiveSplit.WeightOf("v1"));

        // The DestinationRule went in first (it adds subsets); the result says so instead of hiding it.
        Assert.True(conflict.IsPartial);
        Assert.Equal("DestinationRule", Assert.Single(conflict.Written).Kind);
        Assert.Contains("Already written before the failure: DestinationRule bookinfo/reviews created", conflict.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_conflict_shows_the_other_writers_change_even_when_the_cache_sees_this_writes_own_first_step_sooner()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        MeshCache cache = await cluster.StartCacheAsync();
        RoutingPlan plan = RoutingIntentPlanner.PlanSplit(cache.Current.GetServiceView("bookinfo", "reviews")!, EightyTwenty, cache.Current.Apis.IstioApiVersion!);
        MeshResourceClients resources = await cluster.ResourcesAsync();
        await resources.VirtualServices!.CreateAsync(TestResources.VirtualService("bookinfo", "reviews", "reviews", ("v1", 100)));

        // The other writer's VirtualService reaches this cache 600 ms late; this write's own DestinationRule at once.
        var lagging = new RoutingWriter(cluster.NewClient(), new LaggingCache(cache, "bookinfo", "reviews", TimeSpan.FromMilliseconds(600)));
        WriteResult result = await lagging.ApplyAsync(plan, "alice");

        WriteResult.Conflict conflict = Assert.IsType<WriteResult.Conflict>(result);
        Assert.Equal(100, conflict.Current!.Routing.EffectiveSplit.WeightOf("v1"));
        Assert.Single(conflict.Current.VirtualServices);
    }

    [Fact]
    public async Task Content_the_api_server_rejects_comes_back_as_invalid_with_its_causes()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        MeshCache cache = await cluster.StartCacheAsync();
        var writer = new RoutingWriter(cluster.NewClient(), cache);
        ServiceView view = cache.Current.GetServiceView("bookinfo", "ratings")!;
        var plan = new RoutingPlan
        {
            ExpectedRevision = view.Routing.Revision,
            VirtualService = TestResources.VirtualService("bookinfo", "ratings", "ratings", ("v1", -5)),
            VirtualServiceAction = ResourceAction.Create,
        };

        WriteResult result = await writer.ApplyAsync(plan, "alice");

        WriteResult.Invalid invalid = Assert.IsType<WriteResult.Invalid>(result);
        InvalidCause cause = Assert.Single(invalid.Causes);
        Assert.Equal("spec.http[0].route[0].weight", cause.Field);
        Assert.Contains("greater than or equal to 0", cause.Message, StringComparison.Ordinal);
        Assert.Null(cache.Current.FindVirtualService("bookinfo", "ratings"));
    }

    [Fact]
    public async Task A_refused_plan_is_invalid_and_writes_nothing()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        MeshCache cache = await cluster.StartCacheAsync();
        var writer = new RoutingWriter(cluster.NewClient(), cache);
        RoutingPlan plan = RoutingIntentPlanner.PlanSplit(cache.Current.GetServiceView("bookinfo", "reviews")!, TrafficSplit.Of(("v1", 70), ("v2", 20)), cache.Current.Apis.IstioApiVersion!);
        Assert.True(plan.IsRefused);
        long writesBefore = cluster.Server.Requests["create"] + cluster.Server.Requests["update"];

        WriteResult result = await writer.ApplyAsync(plan, "alice");

        WriteResult.Invalid invalid = Assert.IsType<WriteResult.Invalid>(result);
        Assert.NotEmpty(invalid.Causes);
        Assert.All(invalid.Causes, c => Assert.False(string.IsNullOrEmpty(c.Reason)));
        Assert.Equal(writesBefore, cluster.Server.Requests["create"] + cluster.Server.Requests["update"]);
    }

    [Fact]
    public async Task Delete_removes_the_routing_and_returns_once_the_cache_shows_it_gone()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        MeshCache cache = await cluster.StartCacheAsync();
        var writer = new RoutingWriter(cluster.NewClient(), cache);
        Assert.IsType<WriteResult.Applied>(await writer.ApplyAsync(RoutingIntentPlanner.PlanSplit(cache.Current.GetServiceView("bookinfo", "reviews")!, EightyTwenty, cache.Current.Apis.IstioApiVersion!), "alice"));
        DeletePlan plan = RoutingResources.PlanDelete(cache.Current.GetServiceView("bookinfo", "reviews")!);

        WriteResult result = await writer.DeleteAsync(plan, "alice");

        WriteResult.Applied applied = Assert.IsType<WriteResult.Applied>(result);
        Assert.Equal(["VirtualService", "DestinationRule"], applied.Written.Select(w => w.Kind));
        Assert.Null(cache.Current.FindVirtualService("bookinfo", "reviews"));
        Assert.Null(cache.Current.FindDestinationRule("bookinfo", "reviews"));
        Assert.Equal(RoutingState.NoRevision, applied.Revision);
    }

    [Fact]
    public async Task A_wrong_token_is_forbidden_and_an_unreachable_server_is_unavailable()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        MeshCache cache = await cluster.StartCacheAsync();
        RoutingPlan plan = RoutingIntentPlanner.PlanSplit(cache.Current.GetServiceView("bookinfo", "reviews")!, EightyTwenty, cache.Current.Apis.IstioApiVersion!);
        using IKubernetes intruder = KubernetesConnection.Create(new ClusterOptions { Mode = ClusterMode.Sandbox, ServerUrl = cluster.Server.Url.ToString(), Token = "nope" });
        using IKubernetes nowhere = KubernetesConnection.Create(new ClusterOptions { Mode = ClusterMode.Sandbox, ServerUrl = "http://127.0.0.1:1" });

        WriteResult forbidden = await new RoutingWriter(intruder, cache).ApplyAsync(plan, "mallory");
        WriteResult unavailable = await new RoutingWriter(nowhere, cache).ApplyAsync(plan, "alice");

        Assert.IsType<WriteResult.Forbidden>(forbidden);
        Assert.Contains("credentials", forbidden.Describe(), StringComparison.Ordinal);
        Assert.IsType<WriteResult.Unavailable>(unavailable);
        Assert.Contains("could not be reached", unavailable.Describe(), StringComparison.Ordinal);
        Assert.Null(cache.Current.FindDestinationRule("bookinfo", "reviews"));
    }

    [Fact]
    public async Task Deleting_what_someone_changed_meanwhile_is_a_conflict_and_deletes_nothing()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        MeshCache cache = await cluster.StartCacheAsync();
        var writer = new RoutingWriter(cluster.NewClient(), cache);
        Assert.IsType<WriteResult.Applied>(await writer.ApplyAsync(RoutingIntentPlanner.PlanSplit(cache.Current.GetServiceView("bookinfo", "reviews")!, EightyTwenty, cache.Current.Apis.IstioApiVersion!), "alice"));
        DeletePlan plan = RoutingResources.PlanDelete(cache.Current.GetServiceView("bookinfo", "reviews")!);
        MeshResourceClients resources = await cluster.ResourcesAsync();
        VirtualService vs = (await resources.VirtualServices!.GetAsync("bookinfo", "reviews"))!;
        vs.Metadata.Labels["touched"] = "yes";
        await resources.VirtualServices.ReplaceAsync(vs);

        WriteResult synced = await writer.DeleteAsync(plan, "alice");
        WriteResult lagging = await new RoutingWriter(cluster.NewClient(), new UnsyncedCache(cache)).DeleteAsync(plan, "alice");

        Assert.IsType<WriteResult.Conflict>(synced);
        WriteResult.Conflict fromServer = Assert.IsType<WriteResult.Conflict>(lagging);
        Assert.Empty(fromServer.Written);
        Assert.NotNull(await resources.VirtualServices.GetAsync("bookinfo", "reviews"));
        Assert.NotNull(await resources.DestinationRules!.GetAsync("bookinfo", "reviews"));
    }

    [Fact]
    public async Task Resources_planned_at_v1beta1_are_written_at_v1beta1()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        MeshCache cache = await cluster.StartCacheAsync();
        var writer = new RoutingWriter(cluster.NewClient(), cache);
        long writesBefore = cluster.Server.Requests["create"];
        RoutingPlan plan = RoutingIntentPlanner.PlanSplit(cache.Current.GetServiceView("bookinfo", "reviews")!, EightyTwenty, IstioApi.V1Beta1);

        WriteResult result = await writer.ApplyAsync(plan, "alice");

        Assert.IsType<WriteResult.Applied>(result);
        Assert.Equal(writesBefore + 2, cluster.Server.Requests["create"]);
        System.Text.Json.JsonElement raw = await cluster.Client.CustomObjects.GetNamespacedCustomObjectAsync<System.Text.Json.JsonElement>(
            "networking.istio.io", "v1beta1", "bookinfo", "virtualservices", "reviews");
        Assert.Equal("networking.istio.io/v1beta1", raw.GetProperty("apiVersion").GetString());
        Assert.Equal(80, cache.Current.GetServiceView("bookinfo", "reviews")!.Routing.EffectiveSplit.WeightOf("v1"));
    }
}
