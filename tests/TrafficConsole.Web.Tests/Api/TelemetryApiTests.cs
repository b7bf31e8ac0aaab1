using System.Net;
using System.Text.Json;

using TrafficConsole.Web.Tests.Infrastructure;

namespace TrafficConsole.Web.Tests.Api;

/// <summary><c>GET .../telemetry</c> over real HTTP: figures from the sandbox's simulated traffic, and every way there are none.</summary>
public sealed class TelemetryApiTests
{
    private const string Reviews = "api/v1/namespaces/bookinfo/services/reviews/telemetry";

    [Fact]
    public async Task Answers_every_version_with_its_observed_and_configured_share_and_refuses_a_window_it_does_not_know()
    {
        var options = new ConsoleTestHostOptions { SandboxTelemetry = true, SandboxTrafficRequestsPerSecond = 50 };
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync(options);
        using HttpClient client = host.CreateClient();

        JsonElement body = default;
        await Eventually.TrueAsync(
            async () =>
            {
                (HttpResponseMessage response, body) = await HttpJson.GetAsync(client, Reviews + "?window=1m");
                return response.StatusCode == HttpStatusCode.OK && body.GetProperty("versions").GetProperty("v1").GetProperty("requestsPerSecond").GetDouble() > 0;
            },
            "the simulated traffic is measured");

        Assert.Equal(("bookinfo", "reviews", "sandbox", "1m"), (body.GetProperty("namespace").GetString(), body.GetProperty("service").GetString(), body.GetProperty("source").GetString(), body.GetProperty("window").GetString()));
        JsonElement versions = body.GetProperty("versions");
        Assert.Equal(["v1", "v2", "v3"], versions.EnumerateObject().Select(static v => v.Name));
        Assert.Equal(1.0, versions.EnumerateObject().Sum(static v => v.Value.GetProperty("observedShare").GetDouble()), 2);
        foreach (JsonProperty version in versions.EnumerateObject())
        {
            // No routing: one replica each, a third each by replicas.
            Assert.InRange(version.Value.GetProperty("configuredShare").GetDouble(), 0.32, 0.35);
            Assert.Equal(1.0, version.Value.GetProperty("successRate").GetDouble());
            Assert.True(version.Value.GetProperty("latencyMs").GetProperty("p99").GetDouble() > 0);
            Assert.Equal("Healthy", version.Value.GetProperty("health").GetString());
        }

        (HttpResponseMessage byDefault, JsonElement defaultBody) = await HttpJson.GetAsync(client, Reviews);
        Assert.Equal((HttpStatusCode.OK, "5m"), (byDefault.StatusCode, defaultBody.GetProperty("window").GetString()));

        (HttpResponseMessage badWindow, JsonElement problem) = await HttpJson.GetAsync(client, Reviews + "?window=2m");
        Assert.Equal(HttpStatusCode.BadRequest, badWindow.StatusCode);
        Assert.Contains("use 1m, 5m, 15m or 1h", problem.GetProperty("errors").GetProperty("window")[0].GetString(), StringComparison.Ordinal);

        // The rollouts overview's rows carry the same figures (catalog in shop is split 90/10 by the seed).
        (HttpResponseMessage rollouts, JsonElement list) = await HttpJson.GetAsync(client, "api/v1/rollouts?namespace=shop&window=1m");
        Assert.Equal(HttpStatusCode.OK, rollouts.StatusCode);
        JsonElement catalog = list.GetProperty("items").EnumerateArray().Single(static i => i.GetProperty("service").GetString() == "catalog");
        await Eventually.TrueAsync(
            async () =>
            {
                (_, list) = await HttpJson.GetAsync(client, "api/v1/rollouts?namespace=shop&window=1m");
                catalog = list.GetProperty("items").EnumerateArray().Single(static i => i.GetProperty("service").GetString() == "catalog");
                return catalog.GetProperty("telemetry").ValueKind == JsonValueKind.Object;
            },
            "the overview row carries catalog's traffic");
        Assert.Equal(("sandbox", "1m"), (catalog.GetProperty("telemetry").GetProperty("source").GetString(), catalog.GetProperty("telemetry").GetProperty("window").GetString()));
        Assert.Equal(0.9, catalog.GetProperty("telemetry").GetProperty("versions").GetProperty("v1").GetProperty("configuredShare").GetDouble());
        (HttpResponseMessage badRolloutsWindow, _) = await HttpJson.GetAsync(client, "api/v1/rollouts?window=7m");
        Assert.Equal(HttpStatusCode.BadRequest, badRolloutsWindow.StatusCode);

        (HttpResponseMessage missing, _) = await HttpJson.GetAsync(client, "api/v1/namespaces/bookinfo/services/nope/telemetry");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        (HttpResponseMessage noNamespace, _) = await HttpJson.GetAsync(client, "api/v1/namespaces/nope/services/reviews/telemetry");
        Assert.Equal(HttpStatusCode.NotFound, noNamespace.StatusCode);
    }

    [Fact]
    public async Task Without_a_source_it_is_503_saying_telemetry_is_not_configured()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        using HttpClient client = host.CreateClient();

        (HttpResponseMessage response, JsonElement problem) = await HttpJson.GetAsync(client, Reviews);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("Telemetry is not configured", problem.GetProperty("title").GetString());
        Assert.Contains("Telemetry:Prometheus:Url", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        (HttpResponseMessage rollouts, JsonElement list) = await HttpJson.GetAsync(client, "api/v1/rollouts");
        Assert.Equal(HttpStatusCode.OK, rollouts.StatusCode);
        Assert.All(list.GetProperty("items").EnumerateArray(), static i => Assert.Equal(JsonValueKind.Null, i.GetProperty("telemetry").ValueKind));
    }

    [Fact]
    public async Task With_a_Prometheus_that_is_down_it_is_503_naming_it_and_routing_still_answers()
    {
        int nothing = PrometheusServer.FreePort();
        var options = new ConsoleTestHostOptions { Settings = { ["Telemetry:Prometheus:Url"] = $"http://127.0.0.1:{nothing}" } };
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync(options);
        using HttpClient client = host.CreateClient();

        (HttpResponseMessage response, JsonElement problem) = await HttpJson.GetAsync(client, Reviews);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("Telemetry is unavailable", problem.GetProperty("title").GetString());
        Assert.Contains($"127.0.0.1:{nothing}", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        (HttpResponseMessage traffic, _) = await HttpJson.GetAsync(client, "api/v1/namespaces/bookinfo/services/reviews/traffic");
        Assert.Equal(HttpStatusCode.OK, traffic.StatusCode);
    }
}
