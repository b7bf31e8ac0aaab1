using System.Net;
using System.Text.Json.Nodes;
using TrafficConsole.Sandbox.Api;
using TrafficConsole.Sandbox.Tests.Infrastructure;

namespace TrafficConsole.Sandbox.Tests.Traffic;

/// <summary>The sandbox's istiod: Reconciled status on routing resources once their spec is pushed, never without it.</summary>
public class ProxyStatusTests
{
    private const string Path = TrafficCluster.Reviews + "/virtualservices/reviews";

    [Fact]
    public async Task Reconciled_appears_after_the_delay_with_the_generation_it_saw_written_by_pilot_discovery()
    {
        await using var cluster = await TrafficCluster.StartAsync(configure: o => o.ProxySyncDelay = TimeSpan.FromMilliseconds(300));
        await cluster.RouteReviewsAsync("""[{"route":[{"destination":{"host":"reviews","subset":"v1"}}]}]""");
        await WaitPendingAsync(cluster);
        Assert.Null((await GetAsync(cluster))["status"]);

        cluster.Time.Advance(TimeSpan.FromMilliseconds(299));
        Assert.Null((await GetAsync(cluster))["status"]);
        cluster.Time.Advance(TimeSpan.FromMilliseconds(1));
        var vs = await WaitAsync(cluster, o => o.Int64Value("status.observedGeneration") == 1);

        Assert.Equal(1, vs.Int64Value("metadata.generation"));
        var condition = vs.At("status.conditions[0]")!;
        Assert.Equal(("Reconciled", "True", 1L), (condition.Str("type"), condition.Str("status"), condition.Int64Value("observedGeneration")));
        Assert.False(string.IsNullOrEmpty(condition.Str("reason")));
        Assert.False(string.IsNullOrEmpty(condition.Str("message")));
        Assert.Equal(Json.Timestamp(cluster.Time.GetUtcNow()), condition.Str("lastTransitionTime"));
        var entry = vs.At("metadata.managedFields")!.AsArray().Single(e => e.Str("manager") == "pilot-discovery");
        Assert.Equal(("status", "Update"), (entry.Str("subresource"), entry.Str("operation")));

        // The DestinationRule too.
        await WaitAsync(cluster, o => o.Int64Value("status.observedGeneration") == 1, TrafficCluster.Reviews + "/destinationrules/reviews");

        // A label changes no spec: no new generation, nothing to report.
        await cluster.PatchAsync(Path, """{"metadata":{"labels":{"team":"reviews"}}}""");
        Assert.Equal(1, (await GetAsync(cluster)).Int64Value("metadata.generation"));
        Assert.False(cluster.Cluster.Server.ProxyStatus!.IsPending(ResourceCatalog.VirtualServices, "bookinfo", "reviews"));

        // A spec change: generation 2, reported once the delay has passed again.
        await cluster.PatchAsync(Path, """{"spec":{"http":[{"route":[{"destination":{"host":"reviews","subset":"v2"}}]}]}}""");
        await WaitPendingAsync(cluster);
        var changed = await GetAsync(cluster);
        Assert.Equal((2L, 1L), (changed.Int64Value("metadata.generation"), changed.Int64Value("status.observedGeneration")));
        cluster.Time.Advance(TimeSpan.FromMilliseconds(300));
        vs = await WaitAsync(cluster, o => o.Int64Value("status.observedGeneration") == 2);
        Assert.Equal(2, vs.Int64Value("metadata.generation"));
        var conditions = vs.At("status.conditions")!.AsArray();
        Assert.Equal(2, Assert.Single(conditions)!.Int64Value("observedGeneration"));
    }

    [Fact]
    public async Task With_proxy_sync_off_no_status_is_ever_written()
    {
        await using var cluster = await TrafficCluster.StartAsync(configure: o => o.ProxySyncDelay = null);
        await cluster.RouteReviewsAsync("""[{"route":[{"destination":{"host":"reviews","subset":"v1"}}]}]""");
        cluster.Time.Advance(TimeSpan.FromMinutes(10));

        Assert.Null(cluster.Cluster.Server.ProxyStatus);
        var vs = await GetAsync(cluster);
        Assert.Null(vs["status"]);
        Assert.DoesNotContain(vs.At("metadata.managedFields")!.AsArray(), e => e.Str("manager") == "pilot-discovery");
        var seeded = (await cluster.Cluster.GetAsync("/apis/networking.istio.io/v1/namespaces/shop/virtualservices/catalog")).Body;
        Assert.Null(seeded["status"]);
    }

    [Fact]
    public async Task Status_writes_keep_the_generation_of_a_DestinationRule_and_spec_changes_bump_it()
    {
        await using var cluster = await TestCluster.StartAsync();
        const string path = "/apis/networking.istio.io/v1/namespaces/shop/destinationrules/cart";
        var status = await cluster.SendAsync(HttpMethod.Patch, path + "/status", """{"status":{"observedGeneration":1}}""", "application/merge-patch+json");
        Assert.Equal(HttpStatusCode.OK, status.Status);
        Assert.Equal((1L, 1L), (status.Body.Int64Value("metadata.generation"), status.Body.Int64Value("status.observedGeneration")));

        var spec = await cluster.SendAsync(HttpMethod.Patch, path, """{"spec":{"trafficPolicy":{"tls":{"mode":"ISTIO_MUTUAL"}}}}""", "application/merge-patch+json");
        Assert.Equal((2L, 1L), (spec.Body.Int64Value("metadata.generation"), spec.Body.Int64Value("status.observedGeneration")));
    }

    private static async Task<JsonObject> GetAsync(TrafficCluster cluster, string path = Path) => (await cluster.Cluster.GetAsync(path)).Body;

    private static async Task WaitPendingAsync(TrafficCluster cluster)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!cluster.Cluster.Server.ProxyStatus!.IsPending(ResourceCatalog.VirtualServices, "bookinfo", "reviews"))
        {
            Assert.True(DateTime.UtcNow < deadline, "the change was never picked up");
            await Task.Delay(10);
        }
    }

    private static async Task<JsonObject> WaitAsync(TrafficCluster cluster, Func<JsonObject, bool> condition, string path = Path)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var obj = await GetAsync(cluster, path);
            if (condition(obj))
            {
                return obj;
            }

            Assert.True(DateTime.UtcNow < deadline, $"never: {obj.ToJsonString()}");
            await Task.Delay(10);
        }
    }
}
