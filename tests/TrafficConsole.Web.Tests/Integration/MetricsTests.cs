using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.SignalR.Client;
using TrafficConsole.Web.Tests.Infrastructure;

namespace TrafficConsole.Web.Tests.Integration;

/// <summary>/metrics as a Prometheus scraper sees it, over real HTTP against the real host.</summary>
/// <remarks>The tests of this class share one host and run one after another, so the deltas they read are their own.</remarks>
public sealed class MetricsTests(ConsoleHostFixture fixture) : IClassFixture<ConsoleHostFixture>
{
    private static readonly TimeSpan GaugeTimeout = TimeSpan.FromSeconds(10);

    private ConsoleTestHost Host => fixture.Host;

    [Fact]
    public async Task Metrics_endpoint_serves_prometheus_text_without_authentication()
    {
        using HttpClient client = Host.CreateClient();

        using HttpResponseMessage response = await client.GetAsync(new Uri("metrics", UriKind.Relative));
        string text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        foreach (string name in new[]
        {
            "trafficconsole_applies_total", "trafficconsole_signalr_connections", "trafficconsole_cache_synced",
            "trafficconsole_cache_state", "trafficconsole_apiserver_request_duration_seconds", "http_request_duration_seconds",
            "process_cpu_seconds_total",
        })
        {
            Assert.Contains("# TYPE " + name + " ", text, StringComparison.Ordinal);
        }

        // Bounded labels only: no namespace or service name may leak into a series.
        Assert.DoesNotContain("bookinfo", text, StringComparison.Ordinal);
        Assert.DoesNotContain(Host.AdminToken, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_successful_change_counts_as_applied_and_a_stale_one_as_conflict()
    {
        using HttpClient client = Host.CreateClient();
        const string appliedSeries = """trafficconsole_applies_total{operation="apply",outcome="applied"}""";
        const string conflictSeries = """trafficconsole_applies_total{operation="apply",outcome="conflict"}""";
        PrometheusText before = await ScrapeAsync(client);

        (HttpResponseMessage ok, System.Text.Json.JsonElement okBody) = await HttpJson.PutAsync(
            client, "api/v1/namespaces/bookinfo/services/reviews/traffic", """{"weights":{"v1":30,"v2":70,"v3":0}}""");
        Assert.True(ok.StatusCode == HttpStatusCode.OK, okBody.ToString());
        PrometheusText afterApply = await ScrapeAsync(client);
        Assert.Equal(before.Value(appliedSeries) + 1, afterApply.Value(appliedSeries));
        Assert.Equal(before.Value(conflictSeries), afterApply.Value(conflictSeries));

        (HttpResponseMessage stale, System.Text.Json.JsonElement staleBody) = await HttpJson.PutAsync(
            client, "api/v1/namespaces/bookinfo/services/reviews/traffic", """{"revision":"vs:1,dr:1","weights":{"v1":50,"v2":50,"v3":0}}""");
        Assert.True(stale.StatusCode == HttpStatusCode.Conflict, staleBody.ToString());
        PrometheusText afterConflict = await ScrapeAsync(client);
        Assert.Equal(afterApply.Value(conflictSeries) + 1, afterConflict.Value(conflictSeries));
        Assert.Equal(afterApply.Value(appliedSeries), afterConflict.Value(appliedSeries));
    }

    [Fact]
    public async Task Hub_connections_gauge_follows_clients_connecting_and_leaving()
    {
        using HttpClient client = Host.CreateClient();
        const string gauge = "trafficconsole_signalr_connections";
        double before = (await ScrapeAsync(client)).Value(gauge);

        HubConnection connection = Host.CreateHubConnection();
        try
        {
            await connection.StartAsync();
            await WaitForAsync(client, gauge, before + 1);
        }
        finally
        {
            await connection.DisposeAsync();
        }

        await WaitForAsync(client, gauge, before);
    }

    [Fact]
    public async Task Cache_is_reported_synced_and_connected_once_ready()
    {
        using HttpClient client = Host.CreateClient();

        PrometheusText metrics = await ScrapeAsync(client);

        Assert.Equal(1, metrics.Value("trafficconsole_cache_synced"));
        Assert.Equal(1, metrics.Value("""trafficconsole_cache_state{state="connected"}"""));
        Assert.Equal(0, metrics.Value("""trafficconsole_cache_state{state="unreachable"}"""));
    }

    [Fact]
    public async Task Api_server_requests_are_timed_by_verb_and_resource()
    {
        using HttpClient client = Host.CreateClient();

        PrometheusText metrics = await ScrapeAsync(client);

        // The cache listed and watched virtualservices to become ready; both went through the timing handler.
        Assert.True(metrics.Value("""trafficconsole_apiserver_request_duration_seconds_count{verb="list",resource="virtualservices",code="200"}""") >= 1, metrics.Text);
        Assert.True(metrics.Value("""trafficconsole_apiserver_request_duration_seconds_count{verb="watch",resource="virtualservices",code="200"}""") >= 1, metrics.Text);
        Assert.True(metrics.Sum("trafficconsole_apiserver_request_duration_seconds_sum") > 0, metrics.Text);
    }

    [Theory]
    [InlineData("GET", "/api/v1/namespaces?watch=true&resourceVersion=12", "watch", "namespaces")]
    [InlineData("GET", "/api/v1/services?limit=500", "list", "services")]
    [InlineData("GET", "/api/v1/namespaces/bookinfo", "get", "namespaces")]
    [InlineData("GET", "/apis/apps/v1/namespaces/bookinfo/deployments", "list", "deployments")]
    [InlineData("GET", "/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices/reviews", "get", "virtualservices")]
    [InlineData("POST", "/apis/networking.istio.io/v1/namespaces/bookinfo/destinationrules", "create", "destinationrules")]
    [InlineData("PUT", "/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices/reviews", "update", "virtualservices")]
    [InlineData("PATCH", "/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices/reviews", "patch", "virtualservices")]
    [InlineData("DELETE", "/apis/networking.istio.io/v1/namespaces/bookinfo/destinationrules/reviews", "delete", "destinationrules")]
    [InlineData("GET", "/apis/networking.istio.io/v1", "get", "discovery")]
    [InlineData("GET", "/version", "get", "other")]
    [InlineData("GET", "/api/v1/namespaces/bookinfo/secrets/db-password", "get", "other")]
    public void Api_requests_are_labelled_by_kubernetes_verb_and_kind_never_by_object_name(string method, string path, string verb, string resource)
    {
        (string Verb, string Resource) described = TrafficConsole.Cluster.Diagnostics.ApiRequestTimingHandler.Describe(
            new HttpMethod(method), new Uri(new Uri("https://10.0.0.1:6443"), path));

        Assert.Equal((verb, resource), described);
    }

    private static async Task<PrometheusText> ScrapeAsync(HttpClient client) =>
        new(await client.GetStringAsync(new Uri("metrics", UriKind.Relative)));

    private static async Task WaitForAsync(HttpClient client, string series, double expected)
    {
        DateTime deadline = DateTime.UtcNow + GaugeTimeout;
        double last;
        do
        {
            last = (await ScrapeAsync(client)).Value(series);
            if (last == expected)
            {
                return;
            }

            await Task.Delay(50);
        }
        while (DateTime.UtcNow < deadline);

        Assert.Fail($"{series} stayed at {last}, expected {expected}.");
    }

    /// <summary>Just enough of the exposition format: "name{labels} value" lines, comments skipped.</summary>
    private sealed class PrometheusText(string text)
    {
        public string Text { get; } = text;

        private IEnumerable<(string Series, double Value)> Samples =>
            Text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(static line => !line.StartsWith('#'))
                .Select(static line =>
                {
                    int space = line.LastIndexOf(' ');
                    return (line[..space], double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture));
                });

        /// <summary>The value of one exact series (name plus labels as printed); fails if it is missing.</summary>
        public double Value(string series)
        {
            foreach ((string name, double value) in Samples)
            {
                if (name == series)
                {
                    return value;
                }
            }

            Assert.Fail($"No series {series} in:\n{Text}");
            return double.NaN;
        }

        /// <summary>The sum over every series of a metric name, whatever its labels.</summary>
        public double Sum(string metric) =>
            Samples.Where(s => s.Series == metric || s.Series.StartsWith(metric + "{", StringComparison.Ordinal)).Sum(static s => s.Value);
    }
}
