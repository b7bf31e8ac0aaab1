using System.Globalization;
using System.Text.Json;

using Microsoft.Playwright;

using static Microsoft.Playwright.Assertions;

namespace TrafficConsole.Web.Tests.Playwright;

/// <summary>The request-routing editor in a real browser: the gmail.com rule of the issue, simulated, applied and read back from the cluster.</summary>
public sealed class RequestRoutingTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
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

    // MudSelect puts unmatched attributes on its combobox element, which opens the list when clicked.
    private static ILocator Select(ILocator scope, string testId) => scope.Locator($"[role=combobox][data-testid={testId}]").First;

    private static async Task PickAsync(IPage page, ILocator select, string option)
    {
        await select.ClickAsync();
        try
        {
            await page.Locator(".mud-popover-open .mud-list-item").First.WaitForAsync(new() { Timeout = 5000 });
        }
        catch (TimeoutException)
        {
            await BrowserFixture.ScreenshotAsync(page, "debug-pick");
            await File.WriteAllTextAsync(Path.Combine(BrowserFixture.ScreenshotDirectory, "debug-pick.html"), await page.ContentAsync());
            throw;
        }

        await page.Locator(".mud-popover-open .mud-list-item").Filter(new() { HasTextRegex = new System.Text.RegularExpressions.Regex($"^\\s*{System.Text.RegularExpressions.Regex.Escape(option)}\\s*$") }).First.ClickAsync();
        await Expect(page.Locator(".mud-popover-open .mud-list-item")).ToHaveCountAsync(0);
    }

    private static async Task TypeWeightAsync(ILocator scope, string version, int value)
    {
        ILocator input = scope.Locator($"[data-testid=weight-row][data-version={version}] input[data-testid=weight-input]");
        await input.FillAsync(value.ToString(CultureInfo.InvariantCulture));
        await input.PressAsync("Tab");
    }

    // The editor on its own, for the README: the page around it is the traffic-shifting one's.
    private static async Task ShootAsync(ILocator element, string name)
    {
        Directory.CreateDirectory(BrowserFixture.ScreenshotDirectory);
        await element.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, name + ".png"), Animations = ScreenshotAnimations.Disabled });
    }

    private static async Task SimulateAsync(IPage page, string headers)
    {
        await page.Locator("textarea[data-testid=sim-headers]").FillAsync(headers);
        await page.Locator("[data-testid=simulate]").ClickAsync();
    }

    [Fact]
    public async Task Gmail_users_go_to_v3_everyone_else_splits_v1_10_v2_90_simulated_applied_and_in_the_cluster()
    {
        await using IBrowserContext context = await browser.NewContextAsync();
        IPage page = await context.NewPageAsync();
        // Tall enough that each editor part fits on screen whole for its screenshot (the app bar is sticky).
        await page.SetViewportSizeAsync(1440, 2000);
        await page.GotoAsync(new Uri(Host.BaseUrl, "namespaces/bookinfo/services/reviews").ToString());
        await page.Locator("[data-testid=edit-tabs] .mud-tab").Filter(new() { HasText = "Request routing" }).ClickAsync();
        ILocator editor = page.Locator("[data-testid=routing-editor]");
        await Expect(editor).ToBeVisibleAsync();
        await Expect(editor.Locator("[data-testid=routing-apply]")).ToBeDisabledAsync();
        await Expect(editor.Locator("[data-testid=routing-apply-blocked]")).ToHaveTextAsync("No changes to apply.");

        // Rule 1: header end-user matches regex .*@gmail\.com$ -> v3.
        await editor.Locator("[data-testid=add-rule]").ClickAsync();
        ILocator rule = editor.Locator("[data-testid=rule-card]").First;
        await Expect(rule).ToHaveAttributeAsync("data-expanded", "true");
        await rule.Locator("input[data-testid=condition-key]").FillAsync("end-user");
        await PickAsync(page, Select(rule, "condition-operator"), "matches regex");
        await rule.Locator("input[data-testid=condition-value]").FillAsync(@".*@gmail\.com$");
        await PickAsync(page, Select(rule, "destination-version"), "v3");
        await Expect(rule.Locator("[data-testid=rule-match]")).ToHaveTextAsync(@"header end-user matches regex .*@gmail\.com$");
        await Expect(rule.Locator("[data-testid=rule-bar]")).ToHaveAttributeAsync("data-weights", "v3 100");
        await ShootAsync(rule, "request-routing-expanded");

        // A bad regex is named at the field and blocks Apply; fixing it unblocks.
        await rule.Locator("input[data-testid=condition-value]").FillAsync(@"(?<=x)gmail");
        await Expect(rule.Locator("[data-testid=condition]").First).ToContainTextAsync("RE2");
        await Expect(editor.Locator("[data-testid=routing-apply]")).ToBeDisabledAsync();
        await Expect(editor.Locator("[data-testid=routing-apply-blocked]")).ToContainTextAsync("rules[0].matches[0].conditions[0].value");
        await rule.Locator("input[data-testid=condition-value]").FillAsync(@".*@gmail\.com$");
        await Expect(editor.Locator("[data-testid=routing-apply]")).ToBeEnabledAsync();
        await rule.Locator("[data-testid=rule-edit]").ClickAsync();
        await Expect(rule).ToHaveAttributeAsync("data-expanded", "false");

        // Default route: v1 10 / v2 90.
        ILocator fallback = editor.Locator("[data-testid=default-route]");
        await fallback.Locator("[data-testid=rule-edit]").ClickAsync();
        await fallback.Locator("[data-testid=destination-mode] >> text=Weighted split").ClickAsync();
        await TypeWeightAsync(fallback, "v3", 0);
        await Expect(fallback.Locator("[data-testid=rule-bar]")).ToHaveAttributeAsync("data-weights", "v1 50 · v2 50");
        await TypeWeightAsync(fallback, "v1", 10);
        await Expect(fallback.Locator("[data-testid=rule-bar]")).ToHaveAttributeAsync("data-weights", "v1 10 · v2 90");
        await fallback.Locator("[data-testid=rule-edit]").ClickAsync();
        await ShootAsync(editor, "request-routing");

        // Try a gmail user: rule 1, v3 100%.
        await SimulateAsync(page, "end-user: jason@gmail.com");
        await Expect(page.Locator("[data-testid=sim-rule]")).ToContainTextAsync("Rule 1");
        await Expect(page.Locator("[data-testid=sim-destination]")).ToHaveCountAsync(1);
        await Expect(page.Locator("[data-testid=sim-destination][data-version=v3]")).ToContainTextAsync("100%");

        // Anyone else: the default route, v1 10% / v2 90%, and why rule 1 did not take it.
        await SimulateAsync(page, "end-user: bob@example.com");
        await Expect(page.Locator("[data-testid=sim-rule]")).ToContainTextAsync("Default route");
        await Expect(page.Locator("[data-testid=sim-destination][data-version=v1]")).ToContainTextAsync("10%");
        await Expect(page.Locator("[data-testid=sim-destination][data-version=v2]")).ToContainTextAsync("90%");
        await Expect(page.Locator("[data-testid=sim-skipped]")).ToContainTextAsync("Rule 1");
        await ShootAsync(page.Locator("[data-testid=simulator]"), "request-routing-simulator");

        // Apply, then read the VirtualService back from the cluster.
        await editor.Locator("[data-testid=routing-apply]").ClickAsync();
        await Expect(page.Locator(".mud-snackbar").Filter(new() { HasText = "Applied request routing to reviews" })).ToBeVisibleAsync();
        await Expect(editor.Locator("[data-testid=routing-apply-blocked]")).ToHaveTextAsync("No changes to apply.");

        JsonElement vs = (await IstioObjects.VirtualServiceAsync(Host.Kubernetes, "bookinfo", "reviews"))
            ?? throw new Xunit.Sdk.XunitException("No VirtualService reviews in the cluster after Apply.");
        JsonElement http = vs.GetProperty("spec").GetProperty("http");
        Assert.Equal(2, http.GetArrayLength());
        JsonElement gmail = http[0];
        Assert.Equal(@".*@gmail\.com$", gmail.GetProperty("match")[0].GetProperty("headers").GetProperty("end-user").GetProperty("regex").GetString());
        Assert.Equal("v3", gmail.GetProperty("route")[0].GetProperty("destination").GetProperty("subset").GetString());
        Assert.False(http[1].TryGetProperty("match", out _));
        Dictionary<string, int> weights = IstioObjects.CatchAllWeights(vs);
        Assert.Equal(10, weights["v1"]);
        Assert.Equal(90, weights["v2"]);
        Assert.Equal(0, weights.GetValueOrDefault("v3"));
        Assert.Contains("v3", IstioObjects.Subsets((await IstioObjects.DestinationRuleAsync(Host.Kubernetes, "bookinfo", "reviews"))!.Value));

        // Reloaded, the editor reads the rule it wrote, in words.
        await page.ReloadAsync();
        await page.Locator("[data-testid=edit-tabs] .mud-tab").Filter(new() { HasText = "Request routing" }).ClickAsync();
        await Expect(page.Locator("[data-testid=rule-card] [data-testid=rule-match]")).ToHaveTextAsync(@"header end-user matches regex .*@gmail\.com$");
        await Expect(page.Locator("[data-testid=default-route] [data-testid=rule-bar]")).ToHaveAttributeAsync("data-weights", "v1 10 · v2 90");

        // YAML mode shows the same VirtualService and checks what is typed.
        await page.Locator("[data-testid=routing-tabs] .mud-tab").Filter(new() { HasText = "YAML" }).ClickAsync();
        await Expect(page.Locator("textarea[data-testid=yaml-vs]")).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("gmail"));
        await page.Locator("textarea[data-testid=yaml-vs]").FillAsync("kind: VirtualService\nspec: [unclosed");
        await Expect(page.Locator("[data-testid=yaml-validation]")).ToContainTextAsync("TC0002");
        await Expect(page.Locator("[data-testid=yaml-apply]")).ToBeDisabledAsync();
        await ShootAsync(editor, "request-routing-yaml");
    }
}
