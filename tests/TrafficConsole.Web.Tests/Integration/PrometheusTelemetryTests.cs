using System.Globalization;
using System.Net;
using System.Text.Json;

using TrafficConsole.Cluster.Telemetry;
using TrafficConsole.Mesh.Telemetry;
using TrafficConsole.Sandbox.Traffic;
using TrafficConsole.Web.Hosting;
using TrafficConsole.Web.Tests.Infrastructure;

namespace TrafficConsole.Web.Tests.Integration;

/// <summary>
/// The real path end to end: the sandbox's simulated mesh traffic, scraped by a real Prometheus at <c>/stats/prometheus</c>,
/// read by the console through <c>Telemetry:Prometheus:Url</c> and answered on its REST API. Each phase starts a fresh
/// Prometheus (same port, empty storage) after its change, so its window holds only traffic that saw the change.
/// </summary>
public sealed class PrometheusTelemetryTests
{
    private const string Telemetry = "api/v1/namespaces/bookinfo/services/reviews/telemetry?window=1m";

    [Fact]
    public async Task Observed_shares_follow_the_weights_not_the_replicas_a_failing_canary_reads_Failure_and_a_header_rule_takes_its_users()
    {
        int prometheusPort = PrometheusServer.FreePort();
        var options = new ConsoleTestHostOptions
        {
            // 100 requests/s per service: 1,500 in 15 s, so a share's standard deviation is about 1.2 points.
            SandboxTrafficRequestsPerSecond = 100,
            Settings =
            {
                ["Telemetry:Prometheus:Url"] = $"http://127.0.0.1:{prometheusPort}",
                ["Telemetry:RefreshInterval"] = "00:00:01",
            },
        };
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync(options);
        using HttpClient client = host.CreateClient();
        var simulator = new SandboxTelemetrySource(() => host.Sandbox);

        // reviews v1 30 / v2 70, and v2 fails one request in five; both in force before Prometheus scrapes at all.
        (HttpResponseMessage applied, JsonElement answer) = await HttpJson.PutAsync(
            client, "api/v1/namespaces/bookinfo/services/reviews/traffic", """{ "weights": { "v1": 30, "v2": 70, "v3": 0 } }""");
        Assert.True(applied.StatusCode == HttpStatusCode.OK, answer.ToString());
        KubectlRunner.Result annotated = await host.KubectlAsync("annotate", "deploy", "reviews-v2", "-n", "bookinfo", $"{TrafficSimulator.ErrorRateAnnotation}=0.2", "--overwrite");
        Assert.True(annotated.ExitCode == 0, annotated.ToString());
        await Eventually.TrueAsync(
            async () => (await ReadSimulatorAsync(simulator))?.Versions.FirstOrDefault(static v => v.Version == "v2")?.ServerErrorsPerSecond > 0,
            "the simulator answers with v2's errors");

        await using (PrometheusServer prometheus = await PrometheusServer.StartAsync([host.SandboxUrl.Authority], port: prometheusPort))
        {
            await CountedAsync(prometheus, 1500);
            JsonElement versions = await ReadVersionsAsync(client);
            Assert.Equal("prometheus", (await HttpJson.GetAsync(client, Telemetry)).Body.GetProperty("source").GetString());
            AssertShare(versions, "v1", 0.30);
            AssertShare(versions, "v2", 0.70);
            Assert.Equal((0.3, 0.7), (versions.GetProperty("v1").GetProperty("configuredShare").GetDouble(), versions.GetProperty("v2").GetProperty("configuredShare").GetDouble()));
            Assert.InRange(versions.GetProperty("v2").GetProperty("successRate").GetDouble(), 0.75, 0.85);
            Assert.Equal("Failure", versions.GetProperty("v2").GetProperty("health").GetString());
            Assert.Equal(1.0, versions.GetProperty("v1").GetProperty("successRate").GetDouble());
            Assert.Equal("Healthy", versions.GetProperty("v1").GetProperty("health").GetString());

            // Four replicas of v1 change nothing: the weights, not the replicas, split the traffic.
            KubectlRunner.Result scaled = await host.KubectlAsync("scale", "deploy", "reviews-v1", "--replicas=4", "-n", "bookinfo");
            Assert.True(scaled.ExitCode == 0, scaled.ToString());
            await CountedAsync(prometheus, 3000);
            versions = await ReadVersionsAsync(client);
            AssertShare(versions, "v1", 0.30);
            AssertShare(versions, "v2", 0.70);
        }

        // Users whose email is at gmail.com always see v3; everyone else is split 30/70.
        KubectlRunner.Result routed = await host.KubectlAsync("patch", "virtualservice.networking.istio.io", "reviews", "-n", "bookinfo", "--type=merge", "-p", """
            {"spec":{"http":[
              {"match":[{"headers":{"email":{"regex":".*@gmail\\.com"}}}],"route":[{"destination":{"host":"reviews","subset":"v3"}}]},
              {"route":[{"destination":{"host":"reviews","subset":"v1"},"weight":30},{"destination":{"host":"reviews","subset":"v2"},"weight":70}]}]}}
            """);
        Assert.True(routed.ExitCode == 0, routed.ToString());
        await Eventually.TrueAsync(
            async () => (await ReadSimulatorAsync(simulator))?.Versions.FirstOrDefault(static v => v.Version == "v3")?.RequestsPerSecond > 0,
            "the simulator routes by the rule");
        double gmail = TrafficSimulator.Users.Count(static u => u.Email.EndsWith("@gmail.com", StringComparison.Ordinal)) / (double)TrafficSimulator.Users.Length;
        await using (PrometheusServer prometheus = await PrometheusServer.StartAsync([host.SandboxUrl.Authority], port: prometheusPort))
        {
            await CountedAsync(prometheus, 1500);
            JsonElement versions = await ReadVersionsAsync(client);
            AssertShare(versions, "v3", gmail);
            double v1 = versions.GetProperty("v1").GetProperty("observedShare").GetDouble();
            double v2 = versions.GetProperty("v2").GetProperty("observedShare").GetDouble();
            Assert.InRange(v1 / (v1 + v2), 0.25, 0.35);
        }
    }

    [Fact]
    public async Task The_sandbox_and_a_Prometheus_scraping_it_give_the_same_shares_success_rates_and_latencies()
    {
        // Rates agree only over traffic both have counted: Prometheus never sees what came before its first scrape, and
        // rate() divides by the whole window, so this compares what does not depend on when counting began.
        int prometheusPort = PrometheusServer.FreePort();
        var options = new ConsoleTestHostOptions
        {
            SandboxTrafficRequestsPerSecond = 100,
            Settings = { ["Telemetry:Prometheus:Url"] = $"http://127.0.0.1:{prometheusPort}", ["Telemetry:RefreshInterval"] = "00:00:01" },
        };
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync(options);
        using HttpClient client = host.CreateClient();
        var simulator = new SandboxTelemetrySource(() => host.Sandbox);
        KubectlRunner.Result annotated = await host.KubectlAsync("annotate", "deploy", "reviews-v3", "-n", "bookinfo", $"{TrafficSimulator.ErrorRateAnnotation}=0.05", $"{TrafficSimulator.LatencyAnnotation}=120", "--overwrite");
        Assert.True(annotated.ExitCode == 0, annotated.ToString());
        await Eventually.TrueAsync(
            async () => (await ReadSimulatorAsync(simulator))?.Versions.FirstOrDefault(static v => v.Version == "v3")?.ServerErrorsPerSecond > 0,
            "the simulator answers with v3's errors");

        // A minute of the simulator's window, and the same traffic in Prometheus' from its first scrape on.
        await using PrometheusServer prometheus = await PrometheusServer.StartAsync([host.SandboxUrl.Authority], port: prometheusPort);
        await CountedAsync(prometheus, 2000);
        JsonElement viaPrometheus = await ReadVersionsAsync(client);
        ServiceFigures simulated = (await ReadSimulatorAsync(simulator))!;

        foreach (VersionFigures version in simulated.Versions)
        {
            JsonElement measured = viaPrometheus.GetProperty(version.Version);
            string what = $"{version.Version}: sandbox {version} ({version.RequestsPerSecond / simulated.RequestsPerSecond:P1}), Prometheus {measured}";
            Assert.True(Math.Abs(measured.GetProperty("observedShare").GetDouble() - (version.RequestsPerSecond / simulated.RequestsPerSecond)) <= 0.04, what);
            Assert.True(Math.Abs(measured.GetProperty("successRate").GetDouble() - (1 - (version.ServerErrorsPerSecond / version.RequestsPerSecond))) <= 0.04, what);
            Assert.True(Math.Abs(measured.GetProperty("latencyMs").GetProperty("p50").GetDouble() - version.LatencyP50Ms!.Value) <= version.LatencyP50Ms.Value * 0.2, what);
            Assert.True(Math.Abs(measured.GetProperty("latencyMs").GetProperty("p90").GetDouble() - version.LatencyP90Ms!.Value) <= version.LatencyP90Ms.Value * 0.2, what);
        }

        // 5% failing: past 0.1% (degraded), short of 10% (failure).
        Assert.Equal("Degraded", viaPrometheus.GetProperty("v3").GetProperty("health").GetString());
    }

    private static void AssertShare(JsonElement versions, string version, double expected)
    {
        double observed = versions.GetProperty(version).GetProperty("observedShare").GetDouble();
        Assert.True(Math.Abs(observed - expected) <= 0.05, $"{version}: observed {observed:P1}, expected {expected:P1} ± 5 points; all: {versions}");
    }

    private static async Task<JsonElement> ReadVersionsAsync(HttpClient client)
    {
        // The console polls Prometheus every second; read until its answer is fresh enough to include the latest counts.
        JsonElement versions = default;
        await Eventually.TrueAsync(
            async () =>
            {
                (HttpResponseMessage response, JsonElement body) = await HttpJson.GetAsync(client, Telemetry);
                versions = response.StatusCode == HttpStatusCode.OK ? body.GetProperty("versions") : default;
                return response.StatusCode == HttpStatusCode.OK && versions.EnumerateObject().Sum(static v => v.Value.GetProperty("requestsPerSecond").GetDouble()) > 0;
            },
            "the console reads reviews' traffic from Prometheus");
        return versions;
    }

    /// <summary>Waits until Prometheus has counted at least <paramref name="requests"/> requests to reviews in its storage.</summary>
    private static async Task CountedAsync(PrometheusServer prometheus, double requests)
    {
        using var http = new HttpClient { BaseAddress = prometheus.Url };
        const string query = "sum(increase(istio_requests_total{reporter=\"destination\",destination_service_name=\"reviews\"}[10m]))";
        await Eventually.TrueAsync(
            async () =>
            {
                using JsonDocument answer = JsonDocument.Parse(await http.GetStringAsync("api/v1/query?query=" + Uri.EscapeDataString(query)));
                JsonElement result = answer.RootElement.GetProperty("data").GetProperty("result");
                return result.GetArrayLength() > 0
                    && double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture) >= requests;
            },
            $"Prometheus counted {requests} requests to reviews",
            TimeSpan.FromSeconds(90));
    }

    private static async Task<TelemetryReading?> ReadSimulatorReadingAsync(SandboxTelemetrySource simulator) =>
        await simulator.ReadAsync("bookinfo", TelemetryWindow.OneMinute, CancellationToken.None) is TelemetryResult<TelemetryReading>.Ok ok ? ok.Value : null;

    private static async Task<ServiceFigures?> ReadSimulatorAsync(SandboxTelemetrySource simulator) =>
        (await ReadSimulatorReadingAsync(simulator))?.Find("bookinfo", "reviews");
}
