using System.Globalization;
using TrafficConsole.Mesh.Telemetry;
using TrafficConsole.Sandbox.Auth;
using TrafficConsole.Sandbox.Traffic;

namespace TrafficConsole.Sandbox.Tests.Traffic;

/// <summary>/stats/prometheus as a sidecar serves it, and the in-process reading computed from the same counters.</summary>
public class StatsExpositionTests
{
    private static readonly string[] LabelNames =
    [
        "reporter", "source_workload", "source_workload_namespace", "source_app", "destination_service", "destination_service_name",
        "destination_service_namespace", "destination_workload", "destination_workload_namespace", "destination_app", "destination_version",
        "destination_canonical_service", "destination_canonical_revision", "request_protocol", "response_code", "grpc_response_status",
        "response_flags",
    ];

    private static readonly string[] IstioBuckets =
        ["0.5", "1", "5", "10", "25", "50", "100", "250", "500", "1000", "2500", "5000", "10000", "30000", "60000", "300000", "600000",
         "1800000", "3600000", "+Inf"];

    [Fact]
    public async Task The_stats_page_is_open_and_carries_Istio_s_metrics_with_its_labels_and_cumulative_buckets()
    {
        // A sandbox that refuses every request without a token still serves the stats page, as a sidecar does.
        await using var cluster = await TrafficCluster.StartAsync(configure: o => o.Anonymous = AnonymousAccess.Refused);
        cluster.Run(TimeSpan.FromSeconds(30));
        var (contentType, samples, text) = await cluster.ScrapeAsync();

        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", contentType);
        Assert.Contains("# TYPE istio_requests_total counter\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE istio_request_duration_milliseconds histogram\n", text, StringComparison.Ordinal);

        var requests = samples.Where(s => s.Name == "istio_requests_total").ToList();
        Assert.NotEmpty(requests);
        Assert.All(requests, s => Assert.Equal(LabelNames, s.Labels.Keys));
        var productpage = requests.First(s => s["destination_service_name"] == "productpage" && s["reporter"] == "destination");
        Assert.Equal(
            ["destination", "sandbox-traffic", "bookinfo", "sandbox-traffic", "productpage.bookinfo.svc.cluster.local", "productpage", "bookinfo",
             "productpage-v1", "bookinfo", "productpage", "v1", "productpage", "v1", "http", "200", "", "-"],
            LabelNames.Select(n => productpage[n]));
        Assert.Contains(requests, s => s["reporter"] == "source" && s["destination_service_name"] == "productpage");
        Assert.Contains(requests, s => s["destination_service_namespace"] == "shop" && s["destination_version"] == "2.0");

        foreach (var series in requests)
        {
            bool Same(Sample s) => LabelNames.All(n => s[n] == series[n]);
            var buckets = samples.Where(s => s.Name == "istio_request_duration_milliseconds_bucket" && Same(s)).ToList();
            Assert.Equal(IstioBuckets, buckets.Select(b => b["le"]));
            Assert.All(buckets.Zip(buckets.Skip(1)), pair => Assert.True(pair.First.Value <= pair.Second.Value, "buckets are cumulative"));
            var count = Assert.Single(samples, s => s.Name == "istio_request_duration_milliseconds_count" && Same(s)).Value;
            Assert.Equal(series.Value, count);
            Assert.Equal(count, buckets[^1].Value);
            Assert.Single(samples, s => s.Name == "istio_request_duration_milliseconds_sum" && Same(s));
        }
    }

    [Fact]
    public void Label_values_are_escaped_as_the_text_format_asks()
    {
        Assert.Equal("""a\\b\"c\nd""", IstioMetrics.Escape("a\\b\"c\nd"));
    }

    [Fact]
    public async Task The_reading_agrees_with_the_counters()
    {
        await using var cluster = await TrafficCluster.StartAsync();
        await cluster.AnnotateAsync("reviews-v2", TrafficSimulator.ErrorRateAnnotation, "0.3");
        await cluster.AnnotateAsync("reviews-v3", TrafficSimulator.LatencyAnnotation, "180");
        cluster.Run(TimeSpan.FromMinutes(1));

        // Every counter started a minute ago, so its value is its increase over a 1m window.
        var (_, samples, _) = await cluster.ScrapeAsync();
        var reading = cluster.Traffic.Read("bookinfo", TelemetryWindow.OneMinute);
        Assert.Equal(cluster.Time.GetUtcNow(), reading.At);
        Assert.Equal(TelemetrySourceKind.Sandbox, reading.Source);
        foreach (var service in reading.Services)
        {
            foreach (var version in service.Versions)
            {
                bool Mine(Sample s) => s["reporter"] == "destination" && s["destination_service_namespace"] == "bookinfo"
                    && s["destination_service_name"] == service.Service && s["destination_version"] == version.Version;
                var requests = samples.Where(s => s.Name == "istio_requests_total" && Mine(s)).ToList();
                Assert.Equal(requests.Sum(s => s.Value) / 60, version.RequestsPerSecond, 9);
                Assert.Equal(requests.Where(s => s["response_code"].StartsWith('5')).Sum(s => s.Value) / 60, version.ServerErrorsPerSecond, 9);

                // histogram_quantile(0.9, sum by (le) (rate(..._bucket[1m]))), worked out here from the scraped buckets.
                var buckets = samples.Where(s => s.Name == "istio_request_duration_milliseconds_bucket" && Mine(s))
                    .GroupBy(s => s["le"]).Select(g => (Le: g.Key == "+Inf" ? double.PositiveInfinity : double.Parse(g.Key, NumberStyles.Float, CultureInfo.InvariantCulture), Count: g.Sum(s => s.Value)))
                    .OrderBy(b => b.Le).ToList();
                Assert.Equal(Quantile(0.9, buckets), version.LatencyP90Ms!.Value, 9);
                Assert.Equal(Quantile(0.5, buckets), version.LatencyP50Ms!.Value, 9);
            }
        }

        var reviews = reading.Find("bookinfo", "reviews")!;
        Assert.True(reviews.Versions.Single(v => v.Version == "v2").ServerErrorsPerSecond > 0);
        Assert.True(reviews.Versions.Single(v => v.Version == "v3").LatencyP50Ms > 100);
    }

    [Fact]
    public async Task The_series_gives_each_point_the_rate_over_the_window_ending_there()
    {
        await using var cluster = await TrafficCluster.StartAsync();
        cluster.Run(TimeSpan.FromMinutes(3));
        await cluster.AnnotateAsync("reviews-v1", TrafficSimulator.ErrorRateAnnotation, "0.5");
        cluster.Run(TimeSpan.FromMinutes(2));

        var end = cluster.Time.GetUtcNow();
        var series = cluster.Traffic.ReadSeries("bookinfo", "reviews", TelemetryRange.Last(TimeSpan.FromMinutes(10), end, points: 10),
            TelemetryWindow.OneMinute);
        Assert.Equal(11, series.Times.Length);
        Assert.Equal(end, series.Times[^1]);
        Assert.Equal(["v1", "v2", "v3"], series.Versions.Select(v => v.Version));

        var v1 = series.Versions[0];
        var now = cluster.Traffic.Read("bookinfo", TelemetryWindow.OneMinute).Find("bookinfo", "reviews")!.Versions[0];
        Assert.Equal(now.RequestsPerSecond, v1.RequestsPerSecond[^1], 9);
        Assert.Equal(now.ServerErrorsPerSecond / now.RequestsPerSecond, v1.ErrorRate[^1], 9);
        Assert.InRange(v1.ErrorRate[^1], 0.35, 0.65);

        // Before the traffic started: no requests, no error rate; before the annotation: no errors.
        Assert.Equal(0, v1.RequestsPerSecond[0]);
        Assert.True(double.IsNaN(v1.ErrorRate[0]));
        Assert.Equal(0, v1.ErrorRate[^3]);
    }

    [Fact]
    public async Task The_history_holds_a_1h_window_at_every_point_of_a_30_minute_chart()
    {
        await using var cluster = await TrafficCluster.StartAsync(requestsPerSecond: 1);
        cluster.Run(TimeSpan.FromMinutes(100));

        var end = cluster.Time.GetUtcNow();
        var series = cluster.Traffic.ReadSeries("bookinfo", "productpage", TelemetryRange.Last(TimeSpan.FromMinutes(30), end, points: 30),
            TelemetryWindow.OneHour);
        var v1 = Assert.Single(series.Versions);
        Assert.All(v1.RequestsPerSecond, rate => Assert.Equal(1.0, rate, 9));
        Assert.Equal(1.0, cluster.Traffic.Read("bookinfo", TelemetryWindow.OneHour).Find("bookinfo", "productpage")!.RequestsPerSecond, 9);
    }

    // Prometheus's bucketQuantile over cumulative (le, count) pairs ending with +Inf.
    private static double Quantile(double q, List<(double Le, double Count)> buckets)
    {
        var rank = q * buckets[^1].Count;
        var b = buckets.Select((x, i) => (x, i)).First(p => p.i == buckets.Count - 1 || p.x.Count >= rank).i;
        if (b == buckets.Count - 1)
        {
            return buckets[^2].Le;
        }

        var start = b == 0 ? 0 : buckets[b - 1].Le;
        var below = b == 0 ? 0 : buckets[b - 1].Count;
        return start + ((buckets[b].Le - start) * ((rank - below) / (buckets[b].Count - below)));
    }
}
