using Microsoft.Playwright;

using static Microsoft.Playwright.Assertions;

namespace TrafficConsole.Web.Tests.Playwright;

/// <summary>The shell in a real browser: dark mode that survives a reload, and the API-server banner.</summary>
public sealed class ConsoleShellTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private ConsoleTestHost? _host;

    private ConsoleTestHost Host => _host!;

    public async Task InitializeAsync() => _host = await ConsoleTestHost.StartAsync();

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    [Fact]
    public async Task Dark_mode_is_remembered_across_reloads()
    {
        await using IBrowserContext context = await browser.NewContextAsync();
        IPage page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(Host.BaseUrl, "namespaces/bookinfo/services/reviews").ToString());
        await Expect(page.Locator("[data-testid=weight-row][data-version=v1]")).ToBeVisibleAsync();
        string lightBackground = await BodyBackgroundAsync(page);

        await page.Locator("[data-testid=dark-mode-toggle]").ClickAsync();
        await Expect(page.Locator("[data-testid=dark-mode-toggle]")).ToHaveAttributeAsync("aria-label", "Toggle dark mode");
        await WaitForBackgroundChangeAsync(page, lightBackground);
        await BrowserFixture.ScreenshotAsync(page, "service-detail-dark");

        await page.ReloadAsync();
        await Expect(page.Locator("[data-testid=weight-row][data-version=v1]")).ToBeVisibleAsync();

        await WaitForBackgroundChangeAsync(page, lightBackground);
    }

    [Fact]
    public async Task The_banner_shows_while_the_api_server_is_down_and_leaves_when_it_is_back()
    {
        await using IBrowserContext context = await browser.NewContextAsync();
        IPage page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(Host.BaseUrl, "namespaces/bookinfo/services").ToString());
        await Expect(page.Locator("[data-testid=service-link][data-service=reviews]")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-testid=connection-banner]")).ToHaveCountAsync(0);

        await Host.StopSandboxAsync();

        await Expect(page.Locator("[data-testid=connection-banner]")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Expect(page.Locator("[data-testid=connection-banner]")).ToContainTextAsync("API server");
        await BrowserFixture.ScreenshotAsync(page, "connection-banner");

        await Host.StartSandboxAsync();

        await Expect(page.Locator("[data-testid=connection-banner]")).ToHaveCountAsync(0, new() { Timeout = 30_000 });
        await Expect(page.Locator("[data-testid=service-link][data-service=reviews]")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Picking_a_namespace_puts_it_in_the_url_and_lists_its_routing()
    {
        await using IBrowserContext context = await browser.NewContextAsync();
        IPage page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(Host.BaseUrl, "namespaces/bookinfo/services").ToString());
        await Expect(page.Locator("[data-testid=service-link][data-service=reviews]")).ToBeVisibleAsync();

        await page.Locator("[data-testid=namespace-picker] .mud-select").First.ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item").Filter(new() { HasText = "shop" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/namespaces/shop/services$"));
        ILocator catalog = page.Locator("tr").Filter(new() { Has = page.Locator("[data-testid=service-link][data-service=catalog]") });
        await Expect(catalog.Locator("[data-testid=weight-bar]")).ToHaveAttributeAsync("data-weights", "v1 90 · v2 10 · v3 0");
        ILocator cart = page.Locator("tr").Filter(new() { Has = page.Locator("[data-testid=service-link][data-service=cart]") });
        await Expect(cart.Locator("[data-testid=routing-tag]")).ToHaveAttributeAsync("data-routing", "rules");
        await BrowserFixture.ScreenshotAsync(page, "services-list-shop");

        // Match rules stay; the sliders edit the split behind them.
        await cart.Locator("[data-testid=service-link]").ClickAsync();
        await Expect(page.Locator("[data-testid=rules-note]")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-testid=weight-row]")).ToHaveCountAsync(2);
        await BrowserFixture.ScreenshotAsync(page, "service-detail-rules");
    }

    private static Task<string> BodyBackgroundAsync(IPage page) =>
        page.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor");

    private static async Task WaitForBackgroundChangeAsync(IPage page, string from)
    {
        await page.WaitForFunctionAsync(
            "from => getComputedStyle(document.body).backgroundColor !== from",
            from,
            new PageWaitForFunctionOptions { Timeout = 10_000 });
    }
}
