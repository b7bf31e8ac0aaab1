using AngleSharp.Dom;

using Bunit;

using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

using MudBlazor;

using TrafficConsole.Mesh.Telemetry;
using TrafficConsole.Web.Components.Controls;
using TrafficConsole.Web.Components.Pages;
using TrafficConsole.Web.Model;
using TrafficConsole.Web.Tests.Components.Infrastructure;

using static TrafficConsole.Web.Tests.Components.Infrastructure.FakeTelemetryMonitor;
using static TrafficConsole.Web.Tests.Components.Infrastructure.TestServices;

namespace TrafficConsole.Web.Tests.Components.Pages;

/// <summary>
/// Observed health where operators decide: the Health column of the services list and the rollouts overview (worst
/// version, failing first, a failing-only filter, live), the emergency confirms' error rates and p99, and the history's
/// observed split.
/// </summary>
public sealed class TrafficHealthTests : ConsoleTestContext
{
    private readonly FakeTelemetryMonitor _monitor = new();

    public TrafficHealthTests()
    {
        Traffic = new FakeTrafficService { Monitor = _monitor };
        Traffic.Put(Service("bookinfo", "reviews", [Version("v1", app: "reviews"), Version("v2", app: "reviews")], RoutingKind.Split, Weights(("v1", 80), ("v2", 20))));
        Traffic.AddRevision("bookinfo", "reviews", Weights(("v1", 100), ("v2", 0)), "alice", DateTimeOffset.UtcNow.AddHours(-2));
        Traffic.AddRevision("bookinfo", "reviews", Weights(("v1", 80), ("v2", 20)), "alice", DateTimeOffset.UtcNow.AddMinutes(-40));
        Traffic.Put(Service("bookinfo", "ratings", [Version("v1", app: "ratings"), Version("v2", app: "ratings")], RoutingKind.Split, Weights(("v1", 50), ("v2", 50))));
        Traffic.AddRevision("bookinfo", "ratings", Weights(("v1", 50), ("v2", 50)), "bob", DateTimeOffset.UtcNow.AddMinutes(-30));
        Traffic.Put(Service("bookinfo", "details", [Version("v1", app: "details"), Version("v2", app: "details")], RoutingKind.Split, Weights(("v1", 90), ("v2", 10))));
        Traffic.AddRevision("bookinfo", "details", Weights(("v1", 90), ("v2", 10)), "carol", DateTimeOffset.UtcNow.AddMinutes(-10));
        Traffic.Put(Service("bookinfo", "productpage", [Version("v1", app: "productpage")]));
        // reviews v2 fails (20% 5xx), ratings v2 is degraded (1% 5xx), details is healthy, productpage served nothing.
        _monitor.Publish(TelemetryWindow.FiveMinutes,
            Figures("bookinfo", "reviews", Measured("v1", 80), Measured("v2", 20, serverErrors: 4, p99: 900)),
            Figures("bookinfo", "ratings", Measured("v1", 50), Measured("v2", 50, serverErrors: 0.5)),
            Figures("bookinfo", "details", Measured("v1", 90), Measured("v2", 10)));
    }

    private static string[] Listed(IRenderedComponent<ServicesPage> cut) =>
        [.. cut.FindAll("[data-testid=service-link]").Select(static a => a.TextContent)];

    private static string HealthText(IRenderedComponent<ServicesPage> cut, string service) =>
        Words(cut.Find($"[data-testid=health-cell][data-service={service}]").TextContent);

    private static string Words(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    [Fact]
    public void The_services_list_shows_each_services_worst_version_with_its_error_rate()
    {
        IRenderedComponent<ServicesPage> cut = Render<ServicesPage>(p => p.Add(s => s.Namespace, "bookinfo"));

        cut.WaitForAssertion(() => Assert.Equal("Failure · v2 20% errors", HealthText(cut, "reviews")));
        Assert.Equal("Degraded · v2 1% errors", HealthText(cut, "ratings"));
        Assert.Equal("Healthy · v1 0% errors", HealthText(cut, "details"));
        Assert.Equal("No traffic", HealthText(cut, "productpage"));
        Assert.Equal("Failure", cut.Find("[data-testid=health-cell][data-service=reviews] [data-testid=health-badge]").GetAttribute("data-health"));
        Assert.Equal([("bookinfo", TelemetryWindow.FiveMinutes)], _monitor.Watches);
    }

    [Fact]
    public async Task Sorting_by_health_puts_failures_first_and_the_filter_keeps_failing_and_degraded_only()
    {
        IRenderedComponent<ServicesPage> cut = Render<ServicesPage>(p => p.Add(s => s.Namespace, "bookinfo"));
        cut.WaitForAssertion(() => Assert.Equal("Failure · v2 20% errors", HealthText(cut, "reviews")));

        cut.FindAll(".sortable-column-header").Single(h => h.TextContent == "Health").Click();
        cut.WaitForAssertion(() => Assert.Equal(["reviews", "ratings", "details", "productpage"], Listed(cut)));

        IRenderedComponent<MudSwitch<bool>> failingOnly = cut.FindComponents<MudSwitch<bool>>()
            .Single(s => s.Markup.Contains("data-testid=\"failing-only\"", StringComparison.Ordinal));
        await cut.InvokeAsync(() => failingOnly.Instance.ValueChanged.InvokeAsync(true));
        cut.WaitForAssertion(() => Assert.Equal(["reviews", "ratings"], Listed(cut)));
        Assert.Equal("2 of 4 services", cut.Find("[data-testid=row-count]").TextContent);

        // Live: details starts failing; the filter and the sort follow the next reading.
        _monitor.Publish(TelemetryWindow.FiveMinutes,
            Figures("bookinfo", "reviews", Measured("v1", 80), Measured("v2", 20, serverErrors: 4)),
            Figures("bookinfo", "ratings", Measured("v1", 50), Measured("v2", 50, serverErrors: 0.5)),
            Figures("bookinfo", "details", Measured("v1", 90, serverErrors: 45), Measured("v2", 10)));
        cut.WaitForAssertion(() => Assert.Equal(["details", "reviews", "ratings"], Listed(cut)));
        Assert.Equal("Failure · v1 50% errors", HealthText(cut, "details"));
    }

    [Fact]
    public void Without_telemetry_the_list_has_no_health_column_and_a_source_that_fails_is_one_line()
    {
        Traffic.Monitor = null;
        IRenderedComponent<ServicesPage> plain = Render<ServicesPage>(p => p.Add(s => s.Namespace, "bookinfo"));
        Assert.DoesNotContain(plain.FindAll(".sortable-column-header"), h => h.TextContent == "Health");
        Assert.Empty(plain.FindAll("[data-testid=failing-only]"));

        Traffic.Monitor = _monitor;
        _monitor.PublishUnavailable(TelemetryWindow.FiveMinutes, "Prometheus at http://prom:9090 is not reachable: timed out after 5 s");
        IRenderedComponent<ServicesPage> cut = Render<ServicesPage>(p => p.Add(s => s.Namespace, "bookinfo"));
        cut.WaitForAssertion(() => Assert.Equal("Prometheus at http://prom:9090 is not reachable: timed out after 5 s",
            cut.Find("[data-testid=telemetry-line]").TextContent.Trim()));
        // Everything else keeps working: the rows are there, their health is unknown.
        Assert.Equal(["details", "productpage", "ratings", "reviews"], Listed(cut));
        Assert.Equal("—", HealthText(cut, "reviews"));
    }

    [Fact]
    public async Task The_rollouts_overview_sorts_failing_first_and_filters_by_health()
    {
        IRenderedComponent<ContainerFragmentHost> cut = RenderWithProviders<RolloutsPage>();
        string[] Rollouts() => [.. cut.FindAll("[data-testid=rollout-link]").Select(static a => a.GetAttribute("data-service")!)];
        cut.WaitForAssertion(() => Assert.Equal("Failure · v2 20% errors",
            Words(cut.Find("[data-testid=health-cell][data-service=reviews]").TextContent)));
        Assert.Equal([(null, TelemetryWindow.FiveMinutes)], _monitor.Watches);

        cut.FindAll(".sortable-column-header").Single(h => h.TextContent == "Health").Click();
        cut.WaitForAssertion(() => Assert.Equal(["reviews", "ratings", "details"], Rollouts()));

        IRenderedComponent<MudSelect<string>> filter = cut.FindComponents<MudSelect<string>>()
            .Single(s => s.Markup.Contains("data-testid=\"filter-health\"", StringComparison.Ordinal));
        await cut.InvokeAsync(() => filter.Instance.ValueChanged.InvokeAsync("failing"));
        cut.WaitForAssertion(() => Assert.Equal(["reviews", "ratings"], Rollouts()));
    }

    [Fact]
    public void The_emergency_confirm_shows_each_versions_error_rate_and_p99_next_to_the_weights_before_and_after()
    {
        IRenderedComponent<ContainerFragmentHost> cut = RenderWithProviders<RolloutsPage>();
        cut.WaitForElement("[data-testid=rollout-link][data-service=reviews]");

        cut.Find("[data-testid=rollout-link][data-service=reviews]").Closest("tr")!.QuerySelector("[data-testid=row-to-stable]")!.Click();

        cut.WaitForElement("[data-testid=version-figures]");
        IElement v1 = cut.Find("[data-testid=version-figures-row][data-version=v1]");
        IElement v2 = cut.Find("[data-testid=version-figures-row][data-version=v2]");
        Assert.Equal(("80%", "100%", "0%", "95 ms"), Cells(v1));
        Assert.Equal(("20%", "0%", "20%", "900 ms"), Cells(v2));
        Assert.Equal("Failure", v2.QuerySelector("[data-testid=health-badge]")!.GetAttribute("data-health"));
        Assert.Empty(Traffic.Rollbacks);

        static (string, string, string, string) Cells(IElement row) => (
            row.QuerySelector("[data-testid=figures-before]")!.TextContent.Trim(),
            row.QuerySelector("[data-testid=figures-after]")!.TextContent.Trim(),
            row.QuerySelector("[data-testid=figures-errors]")!.TextContent.Trim(),
            row.QuerySelector("[data-testid=figures-p99]")!.TextContent.Trim());
    }

    [Fact]
    public void The_namespace_rollback_confirm_shows_error_rate_and_p99_per_version()
    {
        Services.GetRequiredService<NavigationManager>().NavigateTo("http://localhost/rollouts?namespace=bookinfo");
        IRenderedComponent<ContainerFragmentHost> cut = RenderWithProviders<RolloutsPage>();
        cut.WaitForElement("[data-testid=rollout-link][data-service=reviews]");

        cut.Find("[data-testid=namespace-rollback]").Click();

        cut.WaitForElement("[data-testid=namespace-rollback-figures]");
        IElement reviews = cut.Find("[data-testid=namespace-rollback-item][data-service=reviews]");
        string[] figures = [.. reviews.QuerySelectorAll("[data-testid=namespace-rollback-version-figures]")
            .Select(static e => string.Join(' ', e.TextContent.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)))];
        Assert.Equal(["v1 0% errors · p99 95 ms", "v2 20% errors · p99 900 ms"], figures);
    }

    [Fact]
    public void The_history_chart_draws_the_observed_split_over_the_same_period_labelled_as_observed()
    {
        _monitor.Series = ConstantSeries(60, ("v1", 75, 0), ("v2", 25, 0));
        ServiceHistory history = Traffic.GetHistory("bookinfo", "reviews")!;

        IRenderedComponent<HistoryChart> cut = Render<HistoryChart>(p => p
            .Add(c => c.Revisions, history.Revisions)
            .Add(c => c.VersionNames, ["v1", "v2"])
            .Add(c => c.Namespace, "bookinfo")
            .Add(c => c.Service, "reviews"));

        cut.WaitForElement("[data-testid=history-observed] svg");
        Assert.StartsWith("Configured weights", cut.Find("[data-testid=history-configured-caption]").TextContent, StringComparison.Ordinal);
        Assert.StartsWith("Observed split % of requests · measured by Prometheus since", cut.Find("[data-testid=history-observed-caption]").TextContent, StringComparison.Ordinal);
        // The same period as the bars: from the oldest revision drawn (2 h ago) to now.
        (_, _, TelemetryRange range, _) = Assert.Single(_monitor.SeriesReads);
        Assert.InRange(range.End - range.Start, TimeSpan.FromMinutes(119), TimeSpan.FromMinutes(121));
        IRenderedComponent<MudChart<double>> observed = cut.FindComponents<MudChart<double>>().Single(c => c.Instance.ChartType == ChartType.Line);
        Assert.Equal(["v1 observed", "v2 observed"], observed.Instance.ChartSeries.Select(static s => s.Name));
        Assert.Equal(75d, observed.Instance.ChartSeries[0].Data.GetValue(0));
        Assert.Equal(25d, observed.Instance.ChartSeries[1].Data.GetValue(59));
    }
}
