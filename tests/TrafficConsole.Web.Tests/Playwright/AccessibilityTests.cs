using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;

using Microsoft.Playwright;

using static Microsoft.Playwright.Assertions;

namespace TrafficConsole.Web.Tests.Playwright;

/// <summary>
/// The states this round added to the service page — an invalid weight with an unsaved draft, YAML mode refusing an
/// unknown field, the YAML confirmation with its bars — in light and dark, at 1440 and 800 px: a screenshot of each, and
/// axe-core finds nothing serious or critical.
/// </summary>
public sealed class AccessibilityTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
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

    private const string VirtualService = """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: reviews
          namespace: bookinfo
        spec:
          hosts: [reviews.bookinfo.svc.cluster.local]
          http:
          - route:
            - destination: { host: reviews.bookinfo.svc.cluster.local, subset: v1 }
              WEIGHT: 100
            - destination: { host: reviews.bookinfo.svc.cluster.local, subset: v2 }
              weight: 10
        """;

    private const string DestinationRule = """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata:
          name: reviews
          namespace: bookinfo
        spec:
          host: reviews.bookinfo.svc.cluster.local
          subsets:
          - name: v1
            labels: { version: v1 }
          - name: v2
            labels: { version: v2 }
        """;

    // Screenshots at both widths, and axe at each: what it finds serious or critical, with where.
    private static async Task<List<string>> LookAsync(IPage page, string name)
    {
        var found = new List<string>();
        foreach (int width in new[] { 1440, 800 })
        {
            await page.SetViewportSizeAsync(width, 1100);
            await BrowserFixture.ScreenshotAsync(page, $"{name}-{width}");
            AxeResult result = await page.RunAxe();
            found.AddRange(result.Violations
                .Where(static v => v.Impact is "serious" or "critical")
                .Select(v => $"{name} at {width} px: {v.Id} ({v.Impact}) {v.Help} — {string.Join(", ", v.Nodes.Take(3).Select(static n => n.Target.ToString()))}"));
        }

        await page.SetViewportSizeAsync(1440, 1100);
        return found;
    }

    [Theory]
    [InlineData("light")]
    [InlineData("dark")]
    public async Task The_new_entry_states_of_the_service_page_pass_axe(string theme)
    {
        await using IBrowserContext context = await browser.NewContextAsync();
        IPage page = await context.NewPageAsync();
        await page.SetViewportSizeAsync(1440, 1100);
        await page.GotoAsync(new Uri(Host.BaseUrl, "namespaces/bookinfo/services/reviews").ToString());
        ILocator v1 = page.Locator("[data-testid=weight-row][data-version=v1] input[data-testid=weight-input]");
        await Expect(v1).ToBeVisibleAsync();
        if (theme == "dark")
        {
            string light = await page.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor");
            await page.Locator("[data-testid=dark-mode-toggle]").ClickAsync();
            await page.WaitForFunctionAsync("light => getComputedStyle(document.body).backgroundColor !== light", light);
        }

        var found = new List<string>();
        await v1.FillAsync("12.5");
        await v1.PressAsync("Tab");
        await Expect(page.Locator("[data-testid=apply-blocked-reason]")).ToContainTextAsync("Fix v1 weight");
        found.AddRange(await LookAsync(page, $"a11y-invalid-weight-{theme}"));

        await page.Locator("[data-testid=reset]").ClickAsync();
        await page.Locator("[data-testid=edit-tabs] .mud-tab").Filter(new() { HasText = "Request routing" }).ClickAsync();
        await page.Locator("[data-testid=routing-tabs] .mud-tab").Filter(new() { HasText = "YAML" }).ClickAsync();
        await page.Locator("textarea[data-testid=yaml-dr]").FillAsync(DestinationRule);
        await page.Locator("textarea[data-testid=yaml-vs]").FillAsync(VirtualService.Replace("WEIGHT", "wieght", StringComparison.Ordinal));
        await Expect(page.Locator("[data-testid=yaml-validation]")).ToContainTextAsync("TC6021");
        found.AddRange(await LookAsync(page, $"a11y-yaml-unknown-field-{theme}"));

        await page.Locator("textarea[data-testid=yaml-vs]").FillAsync(VirtualService.Replace("WEIGHT", "weight", StringComparison.Ordinal));
        await Expect(page.Locator("[data-testid=yaml-apply]")).ToBeEnabledAsync();
        await page.Locator("[data-testid=yaml-apply]").ClickAsync();
        await Expect(page.Locator("[data-testid=preview-traffic-warnings]")).ToBeVisibleAsync();
        found.AddRange(await LookAsync(page, $"a11y-yaml-confirm-{theme}"));
        await page.Locator("[data-testid=preview-close]").ClickAsync();

        Assert.True(found.Count == 0, string.Join('\n', found));
    }
}
