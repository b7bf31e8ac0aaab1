using System.Collections.Immutable;

using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

using TrafficConsole.Cluster.Telemetry;
using TrafficConsole.Mesh.Telemetry;
using TrafficConsole.Web.Tests.Components.Infrastructure;

using static Microsoft.Playwright.Assertions;
using static TrafficConsole.Web.Tests.Components.Infrastructure.FakeTelemetryMonitor;

namespace TrafficConsole.Web.Tests.Playwright;

/// <summary>
/// Live traffic in a real browser over the real console (sandbox cluster) with a telemetry monitor a test feeds: the
/// service page's panel and charts, the services list's Health column, live updates; screenshots at 1440 and 800 px in
/// light and dark, and axe-core finds nothing serious or critical.
/// </summary>
public sealed class LiveTrafficTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private readonly FakeTelemetryMonitor _monitor = new();
    private ConsoleTestHost? _host;

    private ConsoleTestHost Host => _host!;

    public async Task InitializeAsync()
    {
        _monitor.Series = Wavy(60, ("v1", 42, 0.001), ("v2", 14, 0.02), ("v3", 4, 0.2));
        PublishReading(v3Errors: 0.8);
        _host = await ConsoleTestHost.StartAsync(new ConsoleTestHostOptions
        {
            Configure = builder => builder.Services.AddSingleton<ITelemetryMonitor>(_monitor),
        });
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    private void PublishReading(double v3Errors) => _monitor.Publish(TelemetryWindow.FiveMinutes,
        Figures("bookinfo", "reviews", Measured("v1", 42.3, p50: 11, p90: 38, p99: 92), Measured("v2", 14.1, serverErrors: 0.2, p50: 18, p90: 70, p99: 310),
            Measured("v3", 4.2, serverErrors: v3Errors, p50: 25, p90: 400, p99: 1800)),
        Figures("bookinfo", "productpage", Measured("v1", 60.2)),
        Figures("bookinfo", "details", Measured("v1", 60.1, clientErrors: 0.3)),
        Figures("bookinfo", "ratings", Measured("v1", 40, serverErrors: 0.1)));

    [Theory]
    [InlineData("light")]
    [InlineData("dark")]
    public async Task The_service_page_and_the_list_show_live_traffic_and_pass_axe(string theme)
    {
        await using IBrowserContext context = await browser.NewContextAsync();
        IPage page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(Host.BaseUrl, "namespaces/bookinfo/services").ToString());
        ILocator reviewsHealth = page.Locator("[data-testid=health-cell][data-service=reviews]");
        await Expect(reviewsHealth).ToHaveTextAsync("Failure · v3 19% errors");
        if (theme == "dark")
        {
            string light = await page.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor");
            await page.Locator("[data-testid=dark-mode-toggle]").ClickAsync();
            await page.WaitForFunctionAsync("light => getComputedStyle(document.body).backgroundColor !== light", light);
        }

        var found = new List<string>();
        found.AddRange(await LookAsync(page, null, $"live-services-{theme}"));

        // Live: v3 recovers; the list follows the shared monitor's next reading.
        PublishReading(v3Errors: 0);
        await Expect(reviewsHealth).ToHaveTextAsync("Degraded · v2 1.4% errors");

        await page.Locator("[data-testid=service-link][data-service=reviews]").ClickAsync();
        ILocator panel = page.Locator("[data-testid=live-traffic]");
        await Expect(panel.Locator("[data-testid=live-version][data-version=v1] [data-testid=live-rps]")).ToHaveTextAsync("42.3 req/s");
        // Bookinfo's reviews has no routing: the configured shares are its replicas'.
        await Expect(panel.Locator("[data-testid=live-version][data-version=v2] [data-testid=live-share]"))
            .ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^23% observed · \\d+% configured · [+\u2212\u00b1]\\d+$"));
        await Expect(panel.Locator("[data-testid=chart-rps] svg")).ToBeVisibleAsync();
        found.AddRange(await LookAsync(page, panel, $"live-service-page-{theme}"));

        PublishReading(v3Errors: 2.1);
        await Expect(panel.Locator("[data-testid=live-version][data-version=v3] [data-testid=health-badge]")).ToHaveTextAsync("Failure");

        // The 3 a.m. confirm: each version's error rate and p99 next to the weights now and after.
        await page.Locator("[data-testid=to-stable]").ClickAsync();
        ILocator v3 = page.Locator("[data-testid=version-figures-row][data-version=v3]");
        await Expect(v3.Locator("[data-testid=figures-errors]")).ToHaveTextAsync("50%");
        await Expect(v3.Locator("[data-testid=figures-p99]")).ToHaveTextAsync("1.8 s");
        await Expect(v3.Locator("[data-testid=figures-after]")).ToHaveTextAsync("0%");
        found.AddRange(await LookAsync(page, null, $"live-emergency-confirm-{theme}"));
        await page.Locator("[data-testid=preview-close]").ClickAsync();

        // The rollouts overview with its Health column and filter (in-app navigation keeps the theme).
        await page.Locator("a[href='rollouts']").First.ClickAsync();
        await Expect(page.Locator("[data-testid=health-cell]").First).ToBeVisibleAsync();
        found.AddRange(await LookAsync(page, null, $"live-rollouts-{theme}"));

        Assert.True(found.Count == 0, string.Join("\n", found));
    }

    // Screenshots at both widths (the panel scrolled into view), and axe at each: what it finds serious or critical, with where.
    private static async Task<List<string>> LookAsync(IPage page, ILocator? focus, string name)
    {
        var found = new List<string>();
        foreach (int width in new[] { 1440, 800 })
        {
            await page.SetViewportSizeAsync(width, 1100);
            if (focus is not null)
            {
                await focus.ScrollIntoViewIfNeededAsync();
            }

            await BrowserFixture.ScreenshotAsync(page, $"{name}-{width}");
            AxeResult result = await page.RunAxe();
            found.AddRange(result.Violations
                .Where(static v => v.Impact is "serious" or "critical")
                .Select(v => $"{name} at {width} px: {v.Id} ({v.Impact}) {v.Help} — {string.Join(", ", v.Nodes.Take(3).Select(static n => n.Target.ToString()))}"));
        }

        await page.SetViewportSizeAsync(1440, 1100);
        return found;
    }

    // A series that moves a little, so the charts look like traffic rather than flat lines.
    private static TelemetryResult<TelemetrySeries> Wavy(int points, params (string Version, double Rps, double ErrorRate)[] versions)
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        ImmutableArray<DateTimeOffset> times = [.. Enumerable.Range(0, points).Select(i => now.AddSeconds(30 * (i - points + 1)))];
        return new TelemetryResult<TelemetrySeries>.Ok(new TelemetrySeries(TelemetrySourceKind.Prometheus, times,
        [
            .. versions.Select((v, k) => new VersionSeries(v.Version,
                [.. Enumerable.Range(0, points).Select(i => v.Rps * (1 + (0.15 * Math.Sin((i + (7 * k)) / 5.0))))],
                [.. Enumerable.Range(0, points).Select(i => v.ErrorRate * (1 + (0.5 * Math.Cos((i + (3 * k)) / 4.0))))])),
        ]));
    }
}
