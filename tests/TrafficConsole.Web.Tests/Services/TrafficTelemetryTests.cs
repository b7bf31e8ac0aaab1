using System.Runtime.CompilerServices;
using System.Threading.Channels;

using Microsoft.Extensions.DependencyInjection;

using TrafficConsole.Cluster.Telemetry;
using TrafficConsole.Mesh.Services;
using TrafficConsole.Mesh.Telemetry;
using TrafficConsole.Web.Model;
using TrafficConsole.Web.Services;
using TrafficConsole.Web.Tests.Components.Infrastructure;

using static TrafficConsole.Web.Tests.Components.Infrastructure.FakeTelemetryMonitor;
using static TrafficConsole.Web.Tests.Components.Infrastructure.TestServices;

using RoutingKind = TrafficConsole.Web.Model.RoutingKind;

namespace TrafficConsole.Web.Tests.Services;

/// <summary>
/// The telemetry half of the service layer: the monitor's readings composed with services' routing (real
/// <see cref="ServiceView"/>s), thresholds per service, "not configured" and "unavailable" as values, the live stream.
/// </summary>
public sealed class TrafficTelemetryTests
{
    private static readonly ServiceView Reviews = FakeTrafficService.RoutedViewOf(Service("bookinfo", "reviews",
        [Version("v1", app: "reviews"), Version("v2", app: "reviews")], RoutingKind.Split, Weights(("v1", 70), ("v2", 30))));

    private static readonly ServiceView Ratings = FakeTrafficService.RoutedViewOf(Service("bookinfo", "ratings", [Version("v1", app: "ratings")]));

    private static ServiceView? Views(string ns, string service) => (ns, service) switch
    {
        ("bookinfo", "reviews") => Reviews,
        ("bookinfo", "ratings") => Ratings,
        _ => null,
    };

    private static TrafficTelemetry Over(FakeTelemetryMonitor? monitor, IHealthThresholdSource? thresholds = null) =>
        new(monitor, thresholds ?? new DefaultHealthThresholds(), TimeProvider.System);

    [Fact]
    public async Task A_service_reading_puts_observed_shares_next_to_the_weights_with_success_latency_and_health()
    {
        var monitor = new FakeTelemetryMonitor();
        monitor.Publish(TelemetryWindow.FiveMinutes, Figures("bookinfo", "reviews", Measured("v1", 62), Measured("v2", 38, serverErrors: 3.8, p99: 700)));

        ServiceTrafficReadout readout = await Over(monitor).ReadAsync("bookinfo", "reviews", TelemetryWindow.FiveMinutes, Views, CancellationToken.None);

        Assert.Equal(TelemetryStatus.From(TelemetrySourceKind.Prometheus), readout.Status);
        Assert.Equal("Prometheus", readout.Status.SourceLabel);
        ServiceTraffic traffic = Assert.IsType<ServiceTraffic>(readout.Traffic);
        VersionTraffic v1 = traffic.Versions.Single(v => v.Version == "v1");
        VersionTraffic v2 = traffic.Versions.Single(v => v.Version == "v2");
        Assert.Equal((0.62, 0.7, 1.0, TrafficHealth.Healthy), (v1.ObservedShare!.Value, v1.ConfiguredShare!.Value, v1.SuccessRate!.Value, v1.Health));
        Assert.Equal(0.38, v2.ObservedShare!.Value, 6);
        Assert.Equal(0.3, v2.ConfiguredShare!.Value, 6);
        Assert.Equal(0.9, v2.SuccessRate!.Value, 6);
        Assert.Equal((700d, TrafficHealth.Failure), (v2.Latency.P99!.Value, v2.Health));
        Assert.Equal("v2", traffic.Worst!.Version);
        Assert.Equal([("bookinfo", TelemetryWindow.FiveMinutes)], monitor.Reads);
    }

    [Fact]
    public async Task Health_is_judged_by_the_thresholds_the_source_gives_for_that_service()
    {
        var monitor = new FakeTelemetryMonitor();
        monitor.Publish(TelemetryWindow.FiveMinutes, Figures("bookinfo", "reviews", Measured("v1", 100, serverErrors: 2)));
        var strict = new PerService(("bookinfo", "reviews", HealthThresholds.Default with { ServerErrorFailurePercent = 1 }));

        ServiceTrafficReadout lenient = await Over(monitor).ReadAsync("bookinfo", "reviews", TelemetryWindow.FiveMinutes, Views, CancellationToken.None);
        ServiceTrafficReadout judged = await Over(monitor, strict).ReadAsync("bookinfo", "reviews", TelemetryWindow.FiveMinutes, Views, CancellationToken.None);

        Assert.Equal(TrafficHealth.Degraded, lenient.Traffic!.Versions.Single(v => v.Version == "v1").Health);
        Assert.Equal(TrafficHealth.Failure, judged.Traffic!.Versions.Single(v => v.Version == "v1").Health);
    }

    [Fact]
    public async Task Without_a_monitor_every_read_says_not_configured_and_the_stream_says_it_once()
    {
        TrafficTelemetry telemetry = Over(null);

        Assert.Equal(TelemetryState.NotConfigured, telemetry.Status.State);
        ServiceTrafficReadout readout = await telemetry.ReadAsync("bookinfo", "reviews", TelemetryWindow.Default, Views, CancellationToken.None);
        Assert.Equal((TelemetryState.NotConfigured, (ServiceTraffic?)null), (readout.Status.State, readout.Traffic));
        Assert.Equal(TelemetryStatus.NotConfiguredLine, readout.Status.Line);
        TrafficSeriesReadout series = await telemetry.ReadSeriesAsync("bookinfo", "reviews", null, CancellationToken.None);
        Assert.Null(series.Series);
        List<NamespaceTrafficReadout> stream = [];
        await foreach (NamespaceTrafficReadout r in telemetry.WatchAsync("bookinfo", TelemetryWindow.Default, Views, NoChanges, CancellationToken.None))
        {
            stream.Add(r);
        }

        Assert.Equal(TelemetryState.NotConfigured, Assert.Single(stream).Status.State);
    }

    [Fact]
    public async Task A_source_that_does_not_answer_is_a_status_with_its_reason_and_no_figures()
    {
        var monitor = new FakeTelemetryMonitor();
        monitor.PublishUnavailable(TelemetryWindow.FiveMinutes, "Prometheus at http://prom:9090 is not reachable: Connection refused");
        monitor.Series = new TelemetryResult<TelemetrySeries>.Unavailable("Prometheus at http://prom:9090 answered 503");

        NamespaceTrafficReadout readout = await Over(monitor).ReadNamespaceAsync("bookinfo", TelemetryWindow.FiveMinutes, Views, CancellationToken.None);
        TrafficSeriesReadout series = await Over(monitor).ReadSeriesAsync("bookinfo", "reviews", null, CancellationToken.None);

        Assert.Equal(TelemetryStatus.Down(TelemetrySourceKind.Prometheus, "Prometheus at http://prom:9090 is not reachable: Connection refused"), readout.Status);
        Assert.Equal("Prometheus at http://prom:9090 is not reachable: Connection refused", readout.Status.Line);
        Assert.Empty(readout.Services);
        Assert.Null(readout.HealthOf("bookinfo", "reviews"));
        Assert.Equal(("Prometheus at http://prom:9090 answered 503", (TelemetrySeries?)null), (series.Status.Reason, series.Series));
    }

    [Fact]
    public async Task A_namespace_reading_grades_every_service_with_figures_and_leaves_out_services_the_cluster_does_not_have()
    {
        var monitor = new FakeTelemetryMonitor();
        monitor.Publish(TelemetryWindow.FiveMinutes,
            Figures("bookinfo", "reviews", Measured("v1", 80), Measured("v2", 20, serverErrors: 4)),
            Figures("bookinfo", "gone", Measured("v1", 5)),
            Figures("shop", "cart", Measured("v1", 5)));

        NamespaceTrafficReadout readout = await Over(monitor).ReadNamespaceAsync("bookinfo", TelemetryWindow.FiveMinutes, Views, CancellationToken.None);

        Assert.Equal(["bookinfo/reviews"], readout.Services.Keys);
        ServiceHealth reviews = readout.HealthOf("bookinfo", "reviews")!;
        Assert.Equal((TrafficHealth.Failure, "v2", 0d), (reviews.Health, reviews.Version, reviews.ClientErrorRate));
        Assert.Equal(0.2, reviews.ServerErrorRate!.Value, 9);
        Assert.Equal("Failure · v2 20% errors", readout.HealthOf("bookinfo", "reviews")!.Text);
        Assert.Equal(ServiceHealth.NoTraffic, readout.HealthOf("bookinfo", "ratings"));
    }

    [Fact]
    public async Task The_live_stream_follows_the_monitors_readings_and_routing_changes()
    {
        var monitor = new FakeTelemetryMonitor();
        monitor.Publish(TelemetryWindow.OneMinute, Figures("bookinfo", "reviews", Measured("v1", 70), Measured("v2", 30)));
        Channel<TrafficUpdate> routing = Channel.CreateUnbounded<TrafficUpdate>();
        ServiceView current = Reviews;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using IAsyncEnumerator<NamespaceTrafficReadout> stream = Over(monitor)
            .WatchAsync("bookinfo", TelemetryWindow.OneMinute, (ns, svc) => svc == "reviews" ? current : null, ct => routing.Reader.ReadAllAsync(ct), cts.Token)
            .GetAsyncEnumerator(cts.Token);

        Assert.True(await stream.MoveNextAsync());
        Assert.Equal(0.3, Share(stream.Current, "v2").Configured, 6);
        Assert.Equal([("bookinfo", TelemetryWindow.OneMinute)], monitor.Watches);

        // The next reading of the shared monitor.
        monitor.Publish(TelemetryWindow.OneMinute, Figures("bookinfo", "reviews", Measured("v1", 50), Measured("v2", 50)));
        Assert.True(await stream.MoveNextAsync());
        Assert.Equal(0.5, Share(stream.Current, "v2").Observed, 6);

        // The weights change in the cluster: the same reading, composed with the new routing, without waiting for the next poll.
        current = FakeTrafficService.RoutedViewOf(Service("bookinfo", "reviews",
            [Version("v1", app: "reviews"), Version("v2", app: "reviews")], RoutingKind.Split, Weights(("v1", 50), ("v2", 50))));
        await routing.Writer.WriteAsync(new TrafficUpdate([new ServiceChangedEvent("bookinfo", "reviews", "rv-2", Weights(("v1", 50), ("v2", 50)), RoutingKind.Split)], null));
        Assert.True(await stream.MoveNextAsync());
        Assert.Equal((0.5, 0.5), Share(stream.Current, "v2"));

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await stream.MoveNextAsync());
        Assert.Equal(0, monitor.OpenWatches);
    }

    [Fact]
    public void Charts_ask_in_whole_steps_so_viewers_share_the_question_and_each_point_is_a_rate_over_a_window_covering_its_step()
    {
        DateTimeOffset now = new(2026, 12, 7, 19, 0, 47, TimeSpan.Zero);

        TelemetryRange range = TrafficTelemetry.RangeFor(TrafficTelemetry.ChartSpan, now);
        TelemetryRange week = TrafficTelemetry.RangeFor(TimeSpan.FromDays(30), now);

        Assert.Equal((new DateTimeOffset(2026, 12, 7, 19, 0, 30, TimeSpan.Zero), TimeSpan.FromMinutes(30), TimeSpan.FromSeconds(30)),
            (range.End, range.End - range.Start, range.Resolution));
        Assert.Equal(range, TrafficTelemetry.RangeFor(TrafficTelemetry.ChartSpan, now.AddSeconds(-10)));
        Assert.Equal(TelemetryWindow.OneMinute, TrafficTelemetry.WindowFor(range.Resolution));
        Assert.Equal(TimeSpan.FromDays(7), week.End - week.Start);
        Assert.Equal(TelemetryWindow.OneHour, TrafficTelemetry.WindowFor(week.Resolution));
        Assert.Equal(TelemetryWindow.FifteenMinutes, TrafficTelemetry.WindowFor(TimeSpan.FromMinutes(12)));
    }

    [Fact]
    public void Figures_are_worded_the_same_everywhere()
    {
        Assert.Equal(["31%", "1.4%", "0.5%", "0.05%", "<0.01%", "0%", "—"],
            new double?[] { 0.31, 0.0142, 0.005, 0.0005, 0.00001, 0, null }.Select(TrafficWords.Percent));
        Assert.Equal("+1", TrafficWords.Difference(0.31, 0.30));
        Assert.Equal("\u22123", TrafficWords.Difference(0.27, 0.30));
        Assert.Equal("\u00b10", TrafficWords.Difference(0.304, 0.30));
        Assert.Null(TrafficWords.Difference(null, 0.3));
        Assert.Equal(["12.3 req/s", "0.05 req/s", "250 req/s"], new[] { 12.34, 0.05, 250.4 }.Select(TrafficWords.Rate));
        Assert.Equal(["4.5 ms", "45 ms", "1.2 s", "—"], new double?[] { 4.5, 45.2, 1200, null }.Select(TrafficWords.Latency));
        // 4xx drive a health only when they outweigh the 5xx; the text says which errors it counts.
        Assert.Equal("Degraded · v2 12% 4xx", new ServiceHealth(TrafficHealth.Degraded, "v2", 0, 0.12).Text);
        ServiceHealth[] sorted = [.. new[]
        {
            ServiceHealth.NoTraffic,
            new ServiceHealth(TrafficHealth.Healthy, "v1", 0, 0),
            new ServiceHealth(TrafficHealth.Failure, "v2", 0.15, 0),
            new ServiceHealth(TrafficHealth.Degraded, "v1", 0.01, 0),
            new ServiceHealth(TrafficHealth.Failure, "v3", 0.5, 0),
        }.OrderBy(static h => h.SortKey)];
        Assert.Equal(["v3", "v2", "v1", "v1", null], sorted.Select(static h => h.Version));
        Assert.Equal(TrafficHealth.Degraded, sorted[2].Health);
    }

    [Fact]
    public async Task The_console_composes_through_a_registered_monitor_with_the_clusters_views_and_says_not_configured_without_one()
    {
        var monitor = new FakeTelemetryMonitor();
        monitor.Publish(TelemetryWindow.FiveMinutes, Figures("bookinfo", "reviews", Measured("v1", 50), Measured("v2", 30), Measured("v3", 20, serverErrors: 10)));
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync(new ConsoleTestHostOptions
        {
            Configure = builder => builder.Services.AddSingleton<ITelemetryMonitor>(monitor),
        });
        await using ConsoleTestHost plain = await ConsoleTestHost.StartAsync();

        ServiceTrafficReadout readout = await host.Traffic.ReadTrafficAsync("bookinfo", "reviews", TelemetryWindow.FiveMinutes);

        // Bookinfo's reviews has no routing: the configured shares are its replicas' (one each).
        Assert.Equal(["v1", "v2", "v3"], readout.Traffic!.Versions.Select(static v => v.Version));
        Assert.All(readout.Traffic.Versions, v => Assert.InRange(v.ConfiguredShare!.Value, 0.33, 0.34));
        Assert.Equal(1, readout.Traffic.Versions.Sum(static v => v.ConfiguredShare!.Value), 9);
        Assert.Equal(TrafficHealth.Failure, readout.Traffic.Worst!.Health);
        Assert.Equal(TelemetryState.NotConfigured, plain.Traffic.Telemetry.State);
        Assert.Null((await plain.Traffic.ReadTrafficAsync("bookinfo", "reviews", TelemetryWindow.FiveMinutes)).Traffic);
    }

    private static (double Observed, double Configured) Share(NamespaceTrafficReadout readout, string version)
    {
        VersionTraffic v = readout.Find("bookinfo", "reviews")!.Versions.Single(x => x.Version == version);
        return (v.ObservedShare ?? double.NaN, v.ConfiguredShare ?? double.NaN);
    }

    private static async IAsyncEnumerable<TrafficUpdate> NoChanges([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Delay(Timeout.Infinite, cancellationToken);
        yield break;
    }

    private sealed class PerService(params (string Namespace, string Service, HealthThresholds Thresholds)[] entries) : IHealthThresholdSource
    {
        public HealthThresholds ThresholdsFor(string namespaceName, string service) =>
            entries.FirstOrDefault(e => e.Namespace == namespaceName && e.Service == service).Thresholds ?? HealthThresholds.Default;
    }
}
