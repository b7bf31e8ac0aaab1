using System.Collections.Immutable;

using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

using TrafficConsole.Cluster.Telemetry;
using TrafficConsole.Cluster.Tests.Infrastructure;
using TrafficConsole.Mesh.Telemetry;

namespace TrafficConsole.Cluster.Tests.Telemetry;

/// <summary>
/// The source against the real Prometheus scraping proxies that count known traffic: requests/s, shares, failures
/// and latency quantiles come out as the traffic was, over real HTTP and real PromQL.
/// </summary>
public sealed class PrometheusTelemetrySourceTests : IAsyncLifetime
{
    private const string Ns = "bookinfo";

    // Cumulative shares per bucket; each quantile falls inside a bucket (never on a bound, where float rounding picks
    // a side), and Prometheus interpolates linearly there: p50 = 10 + 15 * 0.1 / 0.2 = 17.5,
    // p90 = 50 + 50 * 0.1 / 0.15 = 83.3, p99 = 100 + 150 * 0.04 / 0.05 = 220.
    private static readonly (double, double)[] Durations =
        [(5, 0), (10, 0.4), (25, 0.6), (50, 0.8), (100, 0.95), (250, 1), (500, 1), (double.PositiveInfinity, 1)];

    private FakeMeshExporter _exporter = null!;
    private PrometheusServer _prometheus = null!;

    private static IstioCounter Counter(string reporter, string service, string version, double perSecond, string code = "200", string protocol = "http", string grpcStatus = "", bool durations = false) =>
        new(ImmutableDictionary<string, string>.Empty
                .Add("reporter", reporter)
                .Add("destination_service_namespace", Ns)
                .Add("destination_service_name", service)
                .Add("destination_workload", $"{service}-{version}")
                .Add("destination_version", version)
                .Add("request_protocol", protocol)
                .Add("response_code", code)
                .Add("grpc_response_status", grpcStatus)
                .Add("response_flags", "-"),
            perSecond,
            durations ? Durations : null);

    public async Task InitializeAsync()
    {
        _exporter = await FakeMeshExporter.StartAsync(
        [
            // reviews: 8/s on v1 (12% 4xx), 2/s on v2 (a quarter 503); its callers' view is ignored.
            Counter("destination", "reviews", "v1", 7.04, durations: true),
            Counter("destination", "reviews", "v1", 0.96, code: "404", durations: true),
            Counter("destination", "reviews", "v2", 1.5),
            Counter("destination", "reviews", "v2", 0.5, code: "503"),
            Counter("source", "reviews", "v1", 100),
            // ratings has no sidecar: only its callers report it.
            Counter("source", "ratings", "v1", 2),
            Counter("source", "ratings", "v1", 1, code: "500"),
            // catalog speaks gRPC: a status other than OK is a failure, and so is no response at all.
            Counter("destination", "catalog", "v1", 3, protocol: "grpc", grpcStatus: "0"),
            Counter("destination", "catalog", "v1", 0.5, protocol: "grpc", grpcStatus: "14"),
            Counter("destination", "catalog", "v1", 0.5, code: "0", protocol: "grpc", grpcStatus: "2"),
        ]);
        _prometheus = await PrometheusServer.StartAsync([_exporter.Target]);
    }

    public async Task DisposeAsync()
    {
        await _prometheus.DisposeAsync();
        await _exporter.DisposeAsync();
    }

    private PrometheusTelemetrySource Source() => new(
        Options.Create(new TelemetryOptions { Prometheus = { Url = _prometheus.Url.ToString() } }),
        TimeProvider.System,
        NullLogger<PrometheusTelemetrySource>.Instance);

    /// <summary>The first reading that has rates (two samples scraped), within the seconds the exporter's history stays exact.</summary>
    private async Task<TelemetryReading> FirstRatedReadingAsync(PrometheusTelemetrySource source)
    {
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var result = await source.ReadAsync(Ns, TelemetryWindow.OneMinute, CancellationToken.None);
            var ok = Assert.IsType<TelemetryResult<TelemetryReading>.Ok>(result);
            if (ok.Value.Services.Length == 3)
            {
                Assert.True(DateTimeOffset.UtcNow - _exporter.FirstScrape < TimeSpan.FromSeconds(9), "The reading came too late for the exporter's minute of history.");
                return ok.Value;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Prometheus had no rates after 20 s ({_exporter.Scrapes} scrapes). Its log:\n{_prometheus.Log}");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task A_reading_measures_the_traffic_as_it_was()
    {
        using PrometheusTelemetrySource source = Source();
        TelemetryReading reading = await FirstRatedReadingAsync(source);

        Assert.Equal(TelemetrySourceKind.Prometheus, reading.Source);
        Assert.Equal(["catalog", "ratings", "reviews"], reading.Services.Select(s => s.Service));

        ServiceFigures reviews = reading.Find(Ns, "reviews")!;
        Assert.Equal(["v1", "v2"], reviews.Versions.Select(v => v.Version));
        VersionFigures v1 = reviews.Versions[0];
        VersionFigures v2 = reviews.Versions[1];
        Assert.Equal(8, v1.RequestsPerSecond, 0.2);
        Assert.Equal(2, v2.RequestsPerSecond, 0.05);
        Assert.Equal(0.8, v1.RequestsPerSecond / reviews.RequestsPerSecond, 0.005);
        Assert.Equal(0, v1.ServerErrorsPerSecond);
        Assert.Equal(0.12, v1.ClientErrorsPerSecond / v1.RequestsPerSecond, 0.001);
        Assert.Equal(0.25, v2.ServerErrorsPerSecond / v2.RequestsPerSecond, 0.001);
        Assert.Equal(17.5, v1.LatencyP50Ms!.Value, 0.1);
        Assert.Equal(83.33, v1.LatencyP90Ms!.Value, 0.1);
        Assert.Equal(220, v1.LatencyP99Ms!.Value, 0.5);
        Assert.Null(v2.LatencyP50Ms);

        VersionFigures ratings = Assert.Single(reading.Find(Ns, "ratings")!.Versions);
        Assert.Equal(3, ratings.RequestsPerSecond, 0.08);
        Assert.Equal(1 / 3.0, ratings.ServerErrorsPerSecond / ratings.RequestsPerSecond, 0.001);

        VersionFigures catalog = Assert.Single(reading.Find(Ns, "catalog")!.Versions);
        Assert.Equal(4, catalog.RequestsPerSecond, 0.1);
        Assert.Equal(0.25, catalog.ServerErrorsPerSecond / catalog.RequestsPerSecond, 0.001);
        Assert.Equal(0, catalog.ClientErrorsPerSecond);

        // What the page shows: health against Kiali's thresholds (4xx degrade from 10%, 5xx fail from 10%).
        Assert.Equal(TrafficHealth.Failure, HealthRules.Evaluate(v2, HealthThresholds.Default));
        Assert.Equal(TrafficHealth.Degraded, HealthRules.Evaluate(v1, HealthThresholds.Default));

        // Another namespace has nothing; every namespace has the same three.
        var other = Assert.IsType<TelemetryResult<TelemetryReading>.Ok>(await source.ReadAsync("elsewhere", TelemetryWindow.OneMinute, CancellationToken.None));
        Assert.Empty(other.Value.Services);
        var all = Assert.IsType<TelemetryResult<TelemetryReading>.Ok>(await source.ReadAsync(null, TelemetryWindow.OneMinute, CancellationToken.None));
        Assert.Equal(3, all.Value.Services.Length);
        Assert.Equal(0, source.QueriesSent % 12);
    }

    [Fact]
    public async Task A_chart_has_each_versions_rate_and_error_rate_and_fifty_watchers_cost_what_one_does()
    {
        using PrometheusTelemetrySource source = Source();
        await FirstRatedReadingAsync(source);

        // A chart's points are on whole seconds: wait until the second scraped sample is a whole second old.
        await Eventually.TrueAsync(() => _exporter.Scrapes >= 3, "the exporter was scraped three times");
        DateTimeOffset now = DateTimeOffset.UtcNow;
        var range = new TelemetryRange(now - TimeSpan.FromSeconds(4), now, TimeSpan.FromSeconds(1));
        var series = Assert.IsType<TelemetryResult<TelemetrySeries>.Ok>(await source.ReadSeriesAsync(Ns, "reviews", range, TelemetryWindow.OneMinute, CancellationToken.None)).Value;

        Assert.Equal(5, series.Times.Length);
        Assert.Equal(["v1", "v2"], series.Versions.Select(v => v.Version));
        VersionSeries v2 = series.Versions[1];
        Assert.Equal(2, v2.RequestsPerSecond[^1], 0.05);
        Assert.Equal(0.25, v2.ErrorRate[^1], 0.001);

        // The shared poller: fifty watchers of one namespace send the source one reading per refresh.
        using var monitor = new TelemetryMonitor(
            source, Options.Create(new TelemetryOptions { RefreshInterval = TimeSpan.FromMinutes(1) }), TimeProvider.System, NullLogger<TelemetryMonitor>.Instance);
        long before = source.QueriesSent;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var firsts = await Task.WhenAll(Enumerable.Range(0, 50).Select(async _ =>
        {
            await using var watch = monitor.WatchAsync(Ns, TelemetryWindow.OneMinute, stop.Token).GetAsyncEnumerator(stop.Token);
            Assert.True(await watch.MoveNextAsync());
            return watch.Current;
        }));

        Assert.All(firsts, r => Assert.Equal(3, Assert.IsType<TelemetryResult<TelemetryReading>.Ok>(r).Value.Services.Length));
        Assert.Equal(12, source.QueriesSent - before);
        Assert.Equal(1, monitor.QueriesSent);
    }
}
