using Microsoft.Playwright;

using static Microsoft.Playwright.Assertions;

namespace TrafficConsole.Web.Tests.Playwright;

/// <summary>
/// Nothing the operator did not mean reaches the cluster: every weight the field cannot take, a misspelled YAML field,
/// and YAML that moves traffic unseen, typed in real Chromium; kubectl then shows the cluster unchanged.
/// </summary>
public sealed class SafeEntryTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
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

    private static string VirtualService(int v1, int v2, string weightField = "weight") => $$"""
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
              {{weightField}}: {{v1}}
            - destination: { host: reviews.bookinfo.svc.cluster.local, subset: v2 }
              weight: {{v2}}
        """;

    // What the cluster holds for reviews' routing, as kubectl prints it (the seed has none).
    private async Task<string> RoutingInClusterAsync()
    {
        KubectlRunner.Result result = await Host.KubectlAsync("get", "virtualservices,destinationrules", "-n", "bookinfo",
            "-o", "custom-columns=KIND:.kind,NAME:.metadata.name,RV:.metadata.resourceVersion", "--ignore-not-found");
        return result.EnsureSuccess().Stdout.Trim();
    }

    [Fact]
    public async Task Bad_weights_and_bad_yaml_are_refused_at_the_field_and_the_cluster_does_not_change()
    {
        string before = await RoutingInClusterAsync();
        await using IBrowserContext context = await browser.NewContextAsync();
        IPage page = await context.NewPageAsync();
        await page.SetViewportSizeAsync(1440, 1100);
        await page.GotoAsync(new Uri(Host.BaseUrl, "namespaces/bookinfo/services/reviews").ToString());
        ILocator v1 = page.Locator("[data-testid=weight-row][data-version=v1] input[data-testid=weight-input]");
        ILocator apply = page.Locator("[data-testid=apply]");
        await Expect(v1).ToBeVisibleAsync();

        foreach ((string typed, string because) in new[]
        {
            ("12.5", "is not a whole number from 0 to 100"),
            ("", "Enter a whole number from 0 to 100"),
            ("150", "150 is out of range"),
            ("12,5", "is not a whole number"),
            ("1e2", "is not a whole number"),
            ("-5", "is not a whole number"),
        })
        {
            await v1.FillAsync(typed);
            await v1.PressAsync("Tab");
            await Expect(apply).ToBeDisabledAsync();
            await Expect(page.Locator("[data-testid=apply-blocked-reason]")).ToContainTextAsync("Fix v1 weight:");
            await Expect(page.Locator("[data-testid=apply-blocked-reason]")).ToContainTextAsync(because);
            await Expect(v1).ToHaveAttributeAsync("aria-invalid", "true");
            await v1.PressAsync("Enter");
            if (typed == "12.5")
            {
                await BrowserFixture.ScreenshotAsync(page, "safe-entry-invalid-weight-1440");
                await page.SetViewportSizeAsync(800, 1100);
                await BrowserFixture.ScreenshotAsync(page, "safe-entry-invalid-weight-800");
                await page.SetViewportSizeAsync(1440, 1100);
            }
        }

        await Expect(page.Locator("[data-testid=shifting-draft-badge]")).ToBeVisibleAsync();
        Assert.Equal(before, await RoutingInClusterAsync());

        // YAML mode: a misspelled field is an error at its path, and Apply YAML stays off.
        await page.Locator("[data-testid=reset]").ClickAsync();
        await page.Locator("[data-testid=edit-tabs] .mud-tab").Filter(new() { HasText = "Request routing" }).ClickAsync();
        await page.Locator("[data-testid=routing-tabs] .mud-tab").Filter(new() { HasText = "YAML" }).ClickAsync();
        await page.Locator("textarea[data-testid=yaml-dr]").FillAsync(DestinationRule);
        await page.Locator("textarea[data-testid=yaml-vs]").FillAsync(VirtualService(30, 70, weightField: "wieght"));
        await Expect(page.Locator("[data-testid=yaml-validation]")).ToContainTextAsync("TC6021");
        await Expect(page.Locator("[data-testid=yaml-validation]")).ToContainTextAsync("Did you mean \"weight\"?");
        await Expect(page.Locator("[data-testid=yaml-apply]")).ToBeDisabledAsync();
        await BrowserFixture.ScreenshotAsync(page, "safe-entry-yaml-unknown-field-1440");

        // Weights of 100 and 10 are shares of 110: Apply asks first, with the bars; cancelling writes nothing.
        await page.Locator("textarea[data-testid=yaml-vs]").FillAsync(VirtualService(100, 10));
        await Expect(page.Locator("[data-testid=yaml-validation]")).ToContainTextAsync("add up to 110");
        await Expect(page.Locator("[data-testid=yaml-apply]")).ToBeEnabledAsync();
        await page.Locator("[data-testid=yaml-apply]").ClickAsync();
        ILocator dialog = page.Locator("[data-testid=preview-dialog]");
        await Expect(dialog.Locator("[data-testid=preview-traffic-warnings]")).ToContainTextAsync("Route 1: weights add up to 110");
        await Expect(dialog.Locator("[data-testid=preview-after]")).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotAsync(page, "safe-entry-yaml-confirm-1440");
        await page.SetViewportSizeAsync(800, 1100);
        await BrowserFixture.ScreenshotAsync(page, "safe-entry-yaml-confirm-800");
        await page.SetViewportSizeAsync(1440, 1100);
        await page.Locator("[data-testid=preview-close]").ClickAsync();
        await Expect(dialog).ToHaveCountAsync(0);

        Assert.Equal(before, await RoutingInClusterAsync());

        // Confirmed, the same YAML is written as typed.
        await page.Locator("[data-testid=yaml-apply]").ClickAsync();
        await page.Locator("[data-testid=preview-apply]").ClickAsync();
        await Expect(page.Locator("[data-testid=cluster-bar]")).ToHaveAttributeAsync("data-weights", new System.Text.RegularExpressions.Regex("^v1 91 · v2 9"));
        Assert.NotEqual(before, await RoutingInClusterAsync());
    }

    [Fact]
    public async Task Leaving_with_an_unsaved_draft_asks_in_the_page_and_on_closing_the_tab()
    {
        await using IBrowserContext context = await browser.NewContextAsync();
        IPage page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(Host.BaseUrl, "namespaces/bookinfo/services/reviews").ToString());
        ILocator v1 = page.Locator("[data-testid=weight-row][data-version=v1] input[data-testid=weight-input]");
        await v1.FillAsync("30");
        await v1.PressAsync("Tab");
        await Expect(page.Locator("[data-testid=edit-tabs] .mud-tab").First).ToContainTextAsync("unsaved");

        // A link inside the console: the page asks, and Stay keeps the draft.
        await page.Locator("[data-testid=nav-rollouts]").First.ClickAsync();
        await Expect(page.GetByText("Leave without applying?")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Stay" }).ClickAsync();
        await Expect(page.GetByText("Leave without applying?")).ToHaveCountAsync(0);
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/services/reviews$"));
        await Expect(v1).ToHaveValueAsync("30");

        // Closing the tab: the browser's own prompt (beforeunload) is raised.
        var prompted = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        page.Dialog += async (_, dialog) =>
        {
            prompted.TrySetResult(dialog.Type);
            await dialog.AcceptAsync();
        };
        await page.CloseAsync(new() { RunBeforeUnload = true });
        Assert.Equal("beforeunload", await prompted.Task.WaitAsync(TimeSpan.FromSeconds(15)));
    }
}
