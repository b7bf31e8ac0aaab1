using System.Globalization;
using System.Net;
using System.Text.Json;

using k8s;
using k8s.Models;

namespace TrafficConsole.Web.Tests.Api;

/// <summary>proxySync in the REST documents: an apply answers pending, istiod's status write turns GET to reconciled with the time it took.</summary>
public sealed class ProxySyncApiTests
{
    private const string Traffic = "api/v1/namespaces/bookinfo/services/reviews/traffic";

    // Plays istiod (PILOT_ENABLE_STATUS): Reconciled at the resource's current generation, through the status subresource.
    private static async Task ReconcileAsync(IKubernetes client, string plural)
    {
        JsonElement found = (JsonElement)await client.CustomObjects.GetNamespacedCustomObjectAsync("networking.istio.io", "v1", "bookinfo", plural, "reviews");
        long generation = found.GetProperty("metadata").GetProperty("generation").GetInt64();
        string body = $$$"""
            {"status":{"conditions":[{"type":"Reconciled","status":"True","lastTransitionTime":"{{{DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}}}",
              "reason":"Reconciled","message":"all proxies"}],"observedGeneration":"{{{generation}}}"}}
            """;
        await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch(body, V1Patch.PatchType.MergePatch), "networking.istio.io", "v1", "bookinfo", plural, "reviews", fieldManager: "pilot-discovery");
    }

    [Fact]
    public async Task An_apply_answers_pending_and_after_istiods_status_GET_says_reconciled_with_the_time_and_the_same_revision()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        using HttpClient client = host.CreateClient();

        (HttpResponseMessage put, JsonElement applied) = await HttpJson.PutAsync(client, Traffic, """{ "weights": { "v1": 70, "v2": 20, "v3": 10 } }""");
        Assert.True(put.StatusCode == HttpStatusCode.OK, applied.ToString());
        JsonElement pending = applied.GetProperty("proxySync");
        Assert.Equal("Pending", pending.GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, pending.GetProperty("reconciledAfterMs").ValueKind);
        string revision = applied.GetProperty("revision").GetString()!;

        await Task.Delay(TimeSpan.FromMilliseconds(300));
        await ReconcileAsync(host.Kubernetes, "destinationrules");
        await ReconcileAsync(host.Kubernetes, "virtualservices");

        JsonElement reconciled = default;
        DateTime deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            (HttpResponseMessage get, JsonElement body) = await HttpJson.GetAsync(client, Traffic);
            Assert.Equal(HttpStatusCode.OK, get.StatusCode);
            if (body.GetProperty("proxySync").GetProperty("state").GetString() == "Reconciled")
            {
                reconciled = body;
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, "GET never said Reconciled: " + body);
            await Task.Delay(50);
        }

        JsonElement sync = reconciled.GetProperty("proxySync");
        Assert.InRange(sync.GetProperty("reconciledAfterMs").GetInt64(), 300, 10_000);
        Assert.Equal(sync.GetProperty("generation").GetInt64(), sync.GetProperty("observedGeneration").GetInt64());

        // istiod's status writes moved the resourceVersions, not the routing revision: a client holding it is not stale.
        Assert.Equal(revision, reconciled.GetProperty("revision").GetString());
        (HttpResponseMessage again, JsonElement next) = await HttpJson.PutAsync(client, Traffic, $$"""{ "revision": "{{revision}}", "weights": { "v1": 60, "v2": 30, "v3": 10 } }""");
        Assert.True(again.StatusCode == HttpStatusCode.OK, next.ToString());
    }
}
