using System.Text.Json;
using System.Text.RegularExpressions;

using Microsoft.Playwright;

using TrafficConsole.Web.Model;
using TrafficConsole.Web.Services;

using static Microsoft.Playwright.Assertions;

namespace TrafficConsole.Web.Tests.Playwright;

/// <summary>
/// Issue 12, "stable drifts", in a real browser against the real host and the sandbox, checked with kubectl: a moment
/// at 100% on the canary leaves v1 stable, so the emergency button and the overview still offer the way back to v1.
/// </summary>
public sealed class StableDriftWalkTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private ConsoleTestHost? _host;

    private ConsoleTestHost Host => _host!;

    public async Task InitializeAsync()
    {
        // Rollbacks wait until the cache shows the write; on a loaded 2-core machine that can take longer than Expect's 5 s default.
        SetDefaultExpectTimeout(15_000);
        _host = await ConsoleTestHost.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    private async Task SplitReviewsAsync(int v1, int v2)
    {
        ChangeOutcome outcome = await Host.Traffic.ApplyAsync("bookinfo", "reviews",
            new TrafficDraft([new WeightShare("v1", v1), new WeightShare("v2", v2), new WeightShare("v3", 0)], null), null, new ChangeContext("alice@example.com"));
        Assert.IsType<ChangeOutcome.Applied>(outcome);
    }

    // What kubectl says the catch-all route sends where.
    private async Task<Dictionary<string, int>> KubectlWeightsAsync()
    {
        KubectlRunner.Result get = (await Host.KubectlAsync("get", "virtualservice", "reviews", "-n", "bookinfo", "-o", "json")).EnsureSuccess();
        using JsonDocument vs = JsonDocument.Parse(get.Stdout);
        return IstioObjects.CatchAllWeights(vs.RootElement.Clone());
    }

    [Fact]
    public async Task After_30_70_then_v2_at_100_then_30_70_all_traffic_to_stable_sends_everything_to_v1()
    {
        await SplitReviewsAsync(100, 0); // what the console first sees: v1 holds everything
        await SplitReviewsAsync(30, 70);
        await SplitReviewsAsync(0, 100); // the accident
        Assert.Equal(100, (await KubectlWeightsAsync())["v2"]);

        await using IBrowserContext context = await browser.NewContextAsync();
        IPage page = await context.NewPageAsync();

        // v2 holds everything, yet nobody promoted it: reviews stays in the overview, its way back to v1 enabled.
        await page.GotoAsync(new Uri(Host.BaseUrl, "rollouts").ToString());
        ILocator row = page.Locator("tr").Filter(new() { Has = page.Locator("[data-testid=rollout-link][data-service=reviews]") });
        await Expect(row.Locator("[data-testid=rollout-stable] strong")).ToHaveTextAsync("v1");
        await Expect(row.Locator("[data-testid=rollout-stable-why]")).ToHaveTextAsync(new Regex("^first seen at 100% on \\d{4}-\\d{2}-\\d{2}$"));
        await Expect(row.Locator("[data-testid=row-to-stable]")).ToBeEnabledAsync();

        // The service page says the same, and its emergency button is enabled.
        await page.GotoAsync(new Uri(Host.BaseUrl, "namespaces/bookinfo/services/reviews").ToString());
        await Expect(page.Locator("[data-testid=stable-note]")).ToContainTextAsync("stable: v1 (first seen at 100% on ");
        await Expect(page.Locator("[data-testid=to-stable]")).ToBeEnabledAsync();

        // Back to 30/70, then the two clicks: everything goes to v1, the originally stable version.
        await SplitReviewsAsync(30, 70);
        await Expect(page.Locator("[data-testid=cluster-bar]")).ToHaveAttributeAsync("data-weights", "v1 30 · v2 70 · v3 0");
        await page.Locator("[data-testid=to-stable]").ClickAsync();
        await Expect(page.Locator("[data-testid=preview-stable-version]")).ToHaveTextAsync("v1");
        await page.Locator("[data-testid=preview-apply]").ClickAsync();
        await Expect(page.Locator("[data-testid=cluster-bar]")).ToHaveAttributeAsync("data-weights", "v1 100 · v2 0 · v3 0");

        Dictionary<string, int> weights = await KubectlWeightsAsync();
        Assert.Equal((100, 0), (weights["v1"], weights.GetValueOrDefault("v2") + weights.GetValueOrDefault("v3")));
    }
}
