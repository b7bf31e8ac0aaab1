using AngleSharp.Dom;

using Bunit;

using MudBlazor;

using TrafficConsole.Mesh.Telemetry;
using TrafficConsole.Web.Components.Controls;
using TrafficConsole.Web.Model;
using TrafficConsole.Web.Tests.Components.Infrastructure;

using static TrafficConsole.Web.Tests.Components.Infrastructure.FakeTelemetryMonitor;
using static TrafficConsole.Web.Tests.Components.Infrastructure.TestServices;

namespace TrafficConsole.Web.Tests.Components.Controls;

/// <summary>The service page's live traffic: figures next to the weights, health, windows, the charts, and what it says without figures.</summary>
public sealed class LiveTrafficPanelTests : ConsoleTestContext
{
    private readonly FakeTelemetryMonitor _monitor = new();

    public LiveTrafficPanelTests()
    {
        Traffic.Put(Service("bookinfo", "reviews", [Version("v1", app: "reviews"), Version("v2", app: "reviews"), Version("v3", app: "reviews")],
            RoutingKind.Split, Weights(("v1", 70), ("v2", 30), ("v3", 0))));
        Traffic.Monitor = _monitor;
    }

    private IRenderedComponent<LiveTrafficPanel> Open() => Render<LiveTrafficPanel>(p => p
        .Add(c => c.Namespace, "bookinfo")
        .Add(c => c.Service, "reviews")
        .Add(c => c.VersionNames, ["v1", "v2", "v3"]));

    private static IElement Row(IRenderedComponent<LiveTrafficPanel> cut, string version) =>
        cut.Find($"[data-testid=live-version][data-version={version}]");

    private static string Text(IElement row, string testId) =>
        string.Join(' ', row.QuerySelector($"[data-testid={testId}]")!.TextContent.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    [Fact]
    public void Each_version_shows_rate_observed_next_to_configured_share_success_latency_and_health()
    {
        _monitor.Publish(TelemetryWindow.FiveMinutes, Figures("bookinfo", "reviews",
            Measured("v1", 69, p50: 12, p90: 40, p99: 95),
            Measured("v2", 31, serverErrors: 6.2, p50: 30, p90: 250, p99: 1250)));

        IRenderedComponent<LiveTrafficPanel> cut = Open();

        cut.WaitForAssertion(() => Assert.Equal("69 req/s", Text(Row(cut, "v1"), "live-rps")));
        Assert.Equal("69% observed · 70% configured · \u22121", Text(Row(cut, "v1"), "live-share"));
        Assert.Equal("31% observed · 30% configured · +1", Text(Row(cut, "v2"), "live-share"));
        Assert.Equal("100%", Text(Row(cut, "v1"), "live-success"));
        Assert.Equal("80%", Text(Row(cut, "v2"), "live-success"));
        Assert.Equal("12 ms · 40 ms · 95 ms", Text(Row(cut, "v1"), "live-latency"));
        Assert.Equal("30 ms · 250 ms · 1.25 s", Text(Row(cut, "v2"), "live-latency"));

        // Colour and the word: a badge reads without colour.
        Assert.Equal("Healthy", Row(cut, "v1").QuerySelector("[data-testid=health-badge]")!.TextContent.Trim());
        Assert.Equal("Failure", Row(cut, "v2").QuerySelector("[data-testid=health-badge]")!.TextContent.Trim());
        Assert.Contains("tc-health--failure", Row(cut, "v2").QuerySelector("[data-testid=health-badge]")!.ClassName, StringComparison.Ordinal);
        // A version that served nothing is listed with its weight and "No traffic".
        Assert.Equal("No traffic", Row(cut, "v3").QuerySelector("[data-testid=health-badge]")!.TextContent.Trim());
        Assert.Equal("0% observed · 0% configured · \u00b10", Text(Row(cut, "v3"), "live-share"));

        Assert.StartsWith("Source: Prometheus · last 5m", cut.Find("[data-testid=telemetry-source]").TextContent, StringComparison.Ordinal);
        Assert.Equal([("bookinfo", TelemetryWindow.FiveMinutes)], _monitor.Watches);
    }

    [Fact]
    public void Choosing_another_window_watches_that_window_and_shows_its_figures()
    {
        _monitor.Publish(TelemetryWindow.FiveMinutes, Figures("bookinfo", "reviews", Measured("v1", 70), Measured("v2", 30)));
        _monitor.Publish(TelemetryWindow.OneMinute, Figures("bookinfo", "reviews", Measured("v1", 50), Measured("v2", 50, clientErrors: 15)));
        IRenderedComponent<LiveTrafficPanel> cut = Open();
        cut.WaitForAssertion(() => Assert.Equal("70 req/s", Text(Row(cut, "v1"), "live-rps")));

        cut.Find("[data-testid=window-1m]").Click();

        cut.WaitForAssertion(() => Assert.Equal("50 req/s", Text(Row(cut, "v1"), "live-rps")));
        Assert.Equal("1m", cut.Find("[data-testid=live-traffic]").GetAttribute("data-window"));
        Assert.Equal("50% observed · 30% configured · +20", Text(Row(cut, "v2"), "live-share"));
        // 30% 4xx is a failure by Kiali's 4xx thresholds.
        Assert.Equal("Failure", Row(cut, "v2").QuerySelector("[data-testid=health-badge]")!.TextContent.Trim());
        Assert.Equal([("bookinfo", TelemetryWindow.FiveMinutes), ("bookinfo", TelemetryWindow.OneMinute)], _monitor.Watches);
        // The old window's watch was closed: one open watch per viewer.
        cut.WaitForAssertion(() => Assert.Equal(1, _monitor.OpenWatches));
    }

    [Fact]
    public void A_new_reading_of_the_shared_monitor_and_a_weight_change_update_the_panel_live()
    {
        _monitor.Publish(TelemetryWindow.FiveMinutes, Figures("bookinfo", "reviews", Measured("v1", 70), Measured("v2", 30)));
        IRenderedComponent<LiveTrafficPanel> cut = Open();
        cut.WaitForAssertion(() => Assert.Equal("Healthy", Row(cut, "v2").QuerySelector("[data-testid=health-badge]")!.TextContent.Trim()));

        _monitor.Publish(TelemetryWindow.FiveMinutes, Figures("bookinfo", "reviews", Measured("v1", 70), Measured("v2", 30, serverErrors: 0.3)));
        cut.WaitForAssertion(() => Assert.Equal("Degraded", Row(cut, "v2").QuerySelector("[data-testid=health-badge]")!.TextContent.Trim()));
        Assert.Equal("99%", Text(Row(cut, "v2"), "live-success"));

        // Someone moves the weights: the configured share follows before the next reading.
        Traffic.Change(WithRouting(Traffic.GetService("bookinfo", "reviews")!, RoutingKind.Split, Weights(("v1", 50), ("v2", 50), ("v3", 0)), "rv-9", "bob", null));
        cut.WaitForAssertion(() => Assert.Equal("30% observed · 50% configured · \u221220", Text(Row(cut, "v2"), "live-share")));
    }

    [Fact]
    public void Without_telemetry_it_says_so_in_one_line()
    {
        Traffic.Monitor = null;

        IRenderedComponent<LiveTrafficPanel> cut = Open();

        IElement line = cut.Find("[data-testid=telemetry-line]");
        Assert.Equal(TelemetryStatus.NotConfiguredLine, line.TextContent.Trim());
        Assert.Equal("NotConfigured", line.GetAttribute("data-state"));
        Assert.Empty(cut.FindAll("[data-testid=live-traffic-table]"));
        Assert.Equal("No telemetry source", cut.Find("[data-testid=telemetry-source]").TextContent.Trim());
    }

    [Fact]
    public void A_source_that_does_not_answer_is_one_line_with_its_reason_until_it_answers_again()
    {
        const string reason = "Prometheus at http://prometheus.istio-system:9090 is not reachable: Connection refused";
        _monitor.PublishUnavailable(TelemetryWindow.FiveMinutes, reason);

        IRenderedComponent<LiveTrafficPanel> cut = Open();

        cut.WaitForAssertion(() => Assert.Equal(reason, cut.Find("[data-testid=telemetry-line]").TextContent.Trim()));
        Assert.Equal("Unavailable", cut.Find("[data-testid=telemetry-line]").GetAttribute("data-state"));
        Assert.Empty(cut.FindAll("[data-testid=live-traffic-table]"));

        _monitor.Publish(TelemetryWindow.FiveMinutes, Figures("bookinfo", "reviews", Measured("v1", 70), Measured("v2", 30)));
        cut.WaitForAssertion(() => Assert.Equal("70 req/s", Text(Row(cut, "v1"), "live-rps")));
        Assert.Empty(cut.FindAll("[data-testid=telemetry-line]"));
    }

    [Fact]
    public void The_charts_draw_requests_and_error_rate_per_version_in_the_version_colours()
    {
        _monitor.Series = ConstantSeries(60, ("v1", 70, 0), ("v2", 30, 0.25));
        _monitor.Publish(TelemetryWindow.FiveMinutes, Figures("bookinfo", "reviews", Measured("v1", 70), Measured("v2", 30, serverErrors: 6)));

        IRenderedComponent<LiveTrafficPanel> cut = Open();

        cut.WaitForElement("[data-testid=chart-rps] svg");
        Assert.NotEmpty(cut.FindAll("[data-testid=chart-errors] svg"));
        // Last 30 minutes in about 60 points, each a rate over 1m: the same question for every viewer in the same step.
        (string ns, string service, TelemetryRange range, TelemetryWindow window) = Assert.Single(_monitor.SeriesReads);
        Assert.Equal(("bookinfo", "reviews", TimeSpan.FromMinutes(30), TimeSpan.FromSeconds(30), TelemetryWindow.OneMinute),
            (ns, service, range.End - range.Start, range.Resolution, window));
        IRenderedComponent<MudChart<double>>[] charts = [.. cut.FindComponents<MudChart<double>>()];
        Assert.Equal(2, charts.Length);
        Assert.All(charts, c => Assert.Equal(["v1", "v2"], c.Instance.ChartSeries.Select(static s => s.Name)));
        Assert.Equal([VersionPalette.CssAt(0), VersionPalette.CssAt(1)], charts[0].Instance.ChartOptions!.ChartPalette);
        Assert.Equal(25d, charts[1].Instance.ChartSeries[1].Data.GetValue(0));
    }

    [Fact]
    public void Synthetic_traffic_is_labelled_as_the_sandbox()
    {
        Traffic.Monitor = new FakeTelemetryMonitor(TelemetrySourceKind.Sandbox);
        Traffic.Monitor.Publish(TelemetryWindow.FiveMinutes, Figures("bookinfo", "reviews", Measured("v1", 7)));

        IRenderedComponent<LiveTrafficPanel> cut = Open();

        cut.WaitForAssertion(() => Assert.StartsWith("Source: synthetic traffic (sandbox)", cut.Find("[data-testid=telemetry-source]").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Leaving_the_page_closes_its_watch()
    {
        _monitor.Publish(TelemetryWindow.FiveMinutes, Figures("bookinfo", "reviews", Measured("v1", 70)));
        IRenderedComponent<LiveTrafficPanel> cut = Open();
        cut.WaitForAssertion(() => Assert.Equal(1, _monitor.OpenWatches));

        await cut.Instance.DisposeAsync();

        cut.WaitForAssertion(() => Assert.Equal(0, _monitor.OpenWatches));
    }
}
