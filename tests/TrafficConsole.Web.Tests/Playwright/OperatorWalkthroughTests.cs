using System.Text.Json;

using k8s;
using k8s.Models;

using Microsoft.Playwright;

using static Microsoft.Playwright.Assertions;

namespace TrafficConsole.Web.Tests.Playwright;

/// <summary>The canary walk-through in a real browser against the real host and the sandbox cluster.</summary>
public sealed class OperatorWalkthroughTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
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

    private static ILocator WeightInput(IPage page, string version) =>
        page.Locator($"[data-testid=weight-row][data-version={version}] input[data-testid=weight-input]");

    private static async Task TypeWeightAsync(IPage page, string version, int value)
    {
        ILocator input = WeightInput(page, version);
        await input.FillAsync(value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await input.PressAsync("Tab");
    }

    [Fact]
    public async Task Operator_shifts_reviews_to_30_70_previews_applies_watches_it_live_and_deletes_it()
    {
        await using IBrowserContext operatorContext = await browser.NewContextAsync();
        await using IBrowserContext watcherContext = await browser.NewContextAsync();
        IPage page = await operatorContext.NewPageAsync();

        // Open bookinfo: the start page picks it.
        await page.GotoAsync(Host.BaseUrl.ToString());
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/namespaces/bookinfo/services$"));
        await Expect(page.Locator("[data-testid=service-link][data-service=reviews]")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-testid=sandbox-chip]")).ToHaveTextAsync("SANDBOX");

        // Open reviews.
        await page.Locator("[data-testid=service-link][data-service=reviews]").ClickAsync();
        await Expect(page.Locator("[data-testid=service-title]")).ToHaveTextAsync("reviews");
        await Expect(WeightInput(page, "v3")).ToBeVisibleAsync();

        // A second operator is already looking at the same page.
        IPage watcher = await watcherContext.NewPageAsync();
        await watcher.GotoAsync(page.Url);
        await Expect(WeightInput(watcher, "v1")).ToBeVisibleAsync();

        // v3 to 0 (v1 and v2 share the rest), then v1 to 30 (v2 makes up 70).
        await TypeWeightAsync(page, "v3", 0);
        await Expect(page.Locator("[data-testid=draft-bar]")).ToHaveAttributeAsync("data-weights", "v1 50 · v2 50 · v3 0");
        await TypeWeightAsync(page, "v1", 30);
        await Expect(page.Locator("[data-testid=draft-bar]")).ToHaveAttributeAsync("data-weights", "v1 30 · v2 70 · v3 0");
        await Expect(page.Locator("[data-testid=remaining]")).ToHaveTextAsync("Remaining: 0%");

        // Preview: the diff shows the new weights.
        await page.Locator("[data-testid=preview]").ClickAsync();
        await Expect(page.Locator("[data-testid=preview-dialog]")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-testid=vs-diff] .tc-diff__line--added").Filter(new() { HasText = "weight: 70" }).First).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotAsync(page, "preview-dialog");

        // Apply from the preview.
        await page.Locator("[data-testid=preview-apply]").ClickAsync();
        await Expect(page.Locator(".mud-snackbar").Filter(new() { HasText = "Applied to reviews" })).ToBeVisibleAsync();
        await Expect(page.Locator("[data-testid=cluster-bar]")).ToHaveAttributeAsync("data-weights", "v1 30 · v2 70 · v3 0");

        // The cluster holds those weights.
        JsonElement vs = (await IstioObjects.VirtualServiceAsync(Host.Kubernetes, "bookinfo", "reviews"))
            ?? throw new Xunit.Sdk.XunitException("No VirtualService reviews in the cluster after Apply.");
        Dictionary<string, int> weights = IstioObjects.CatchAllWeights(vs);
        Assert.Equal(30, weights["v1"]);
        Assert.Equal(70, weights["v2"]);
        Assert.Equal(0, weights.GetValueOrDefault("v3"));

        // The other browser shows it without a reload.
        await Expect(watcher.Locator("[data-testid=cluster-bar]")).ToHaveAttributeAsync("data-weights", "v1 30 · v2 70 · v3 0");
        await Expect(WeightInput(watcher, "v1")).ToHaveValueAsync("30");
        await Expect(WeightInput(watcher, "v2")).ToHaveValueAsync("70");

        // Scaling v1 changes its replicas, not its share.
        V1Scale scale = await Host.Kubernetes.AppsV1.ReadNamespacedDeploymentScaleAsync("reviews-v1", "bookinfo");
        scale.Spec.Replicas = 4;
        await Host.Kubernetes.AppsV1.ReplaceNamespacedDeploymentScaleAsync(scale, "reviews-v1", "bookinfo");
        await Expect(page.Locator("[data-testid=version-row][data-version=v1] [data-testid=replicas]")).ToHaveTextAsync("4/4");
        await Expect(watcher.Locator("[data-testid=version-row][data-version=v1] [data-testid=replicas]")).ToHaveTextAsync("4/4");
        await Expect(page.Locator("[data-testid=cluster-bar]")).ToHaveAttributeAsync("data-weights", "v1 30 · v2 70 · v3 0");
        await Expect(WeightInput(page, "v1")).ToHaveValueAsync("30");
        await BrowserFixture.ScreenshotAsync(page, "service-detail");

        // The list shows the split at a glance.
        await page.Locator(".tc-breadcrumbs a").Filter(new() { HasText = "services" }).ClickAsync();
        ILocator reviewsRow = page.Locator("tr").Filter(new() { Has = page.Locator("[data-testid=service-link][data-service=reviews]") });
        await Expect(reviewsRow.Locator("[data-testid=weight-bar]")).ToHaveAttributeAsync("data-weights", "v1 30 · v2 70 · v3 0");
        await Expect(reviewsRow.Locator("[data-testid=version-chip][data-version=v1]")).ToContainTextAsync("4/4");
        await BrowserFixture.ScreenshotAsync(page, "services-list");
        await page.Locator("[data-testid=service-link][data-service=reviews]").ClickAsync();
        await Expect(page.Locator("[data-testid=routing-kind]")).ToHaveTextAsync("weighted split");

        // Delete the routing: the dialog lists what goes, and then it is gone from the cluster.
        await page.Locator("[data-testid=delete-routing]").ClickAsync();
        await Expect(page.Locator("[data-testid=delete-resources]")).ToContainTextAsync("reviews");
        await page.Locator("[data-testid=delete-confirm]").ClickAsync();
        await Expect(page.Locator("[data-testid=routing-kind]")).ToHaveTextAsync("no routing");
        await Expect(watcher.Locator("[data-testid=routing-kind]")).ToHaveTextAsync("no routing");
        Assert.Null(await IstioObjects.VirtualServiceAsync(Host.Kubernetes, "bookinfo", "reviews"));
    }

    [Fact]
    public async Task A_draft_overtaken_by_another_operator_is_kept_marked_stale_and_can_be_applied_on_purpose()
    {
        await using IBrowserContext aliceContext = await browser.NewContextAsync();
        await using IBrowserContext bobContext = await browser.NewContextAsync();
        string url = new Uri(Host.BaseUrl, "namespaces/bookinfo/services/reviews").ToString();
        IPage alice = await aliceContext.NewPageAsync();
        IPage bob = await bobContext.NewPageAsync();
        await alice.GotoAsync(url);
        await bob.GotoAsync(url);
        await Expect(WeightInput(alice, "v1")).ToBeVisibleAsync();
        await Expect(WeightInput(bob, "v1")).ToBeVisibleAsync();

        // Alice starts a draft; Bob applies something else first.
        await TypeWeightAsync(alice, "v1", 10);
        await Expect(alice.Locator("[data-testid=draft-bar]")).ToHaveAttributeAsync("data-weights", "v1 10 · v2 44 · v3 46");
        await TypeWeightAsync(bob, "v3", 0);
        await Expect(bob.Locator("[data-testid=draft-bar]")).ToHaveAttributeAsync("data-weights", "v1 50 · v2 50 · v3 0");
        await bob.Locator("[data-testid=apply]").ClickAsync();
        await Expect(bob.Locator("[data-testid=cluster-bar]")).ToHaveAttributeAsync("data-weights", "v1 50 · v2 50 · v3 0");

        // Alice sees Bob's routing in the cluster card, keeps her draft, and is told it is stale.
        await Expect(alice.Locator("[data-testid=cluster-bar]")).ToHaveAttributeAsync("data-weights", "v1 50 · v2 50 · v3 0");
        await Expect(alice.Locator("[data-testid=stale-draft]")).ToContainTextAsync("older revision");
        // Changes carry who made them, by the REST API's rule: without sign-in, anonymous@<address>.
        await Expect(alice.Locator("[data-testid=stale-who]")).ToHaveTextAsync("anonymous@127.0.0.1");
        await Expect(alice.Locator("[data-testid=draft-bar]")).ToHaveAttributeAsync("data-weights", "v1 10 · v2 44 · v3 46");
        await BrowserFixture.ScreenshotAsync(alice, "stale-draft");

        // Applying the stale draft is refused as a conflict; nothing is lost.
        await alice.Locator("[data-testid=apply]").ClickAsync();
        await Expect(alice.Locator("[data-testid=conflict-dialog]")).ToBeVisibleAsync();
        await alice.Locator("[data-testid=conflict-keep]").ClickAsync();
        await Expect(alice.Locator("[data-testid=draft-bar]")).ToHaveAttributeAsync("data-weights", "v1 10 · v2 44 · v3 46");
        Assert.Equal(50, IstioObjects.CatchAllWeights((await IstioObjects.VirtualServiceAsync(Host.Kubernetes, "bookinfo", "reviews"))!.Value)["v1"]);

        // Alice decides her draft wins: rebase it on the latest revision and apply.
        await alice.Locator("[data-testid=keep-draft]").ClickAsync();
        await Expect(alice.Locator("[data-testid=stale-draft]")).ToHaveCountAsync(0);
        await alice.Locator("[data-testid=apply]").ClickAsync();
        await Expect(alice.Locator("[data-testid=cluster-bar]")).ToHaveAttributeAsync("data-weights", "v1 10 · v2 44 · v3 46");
        await Expect(bob.Locator("[data-testid=cluster-bar]")).ToHaveAttributeAsync("data-weights", "v1 10 · v2 44 · v3 46");
        Dictionary<string, int> weights = IstioObjects.CatchAllWeights((await IstioObjects.VirtualServiceAsync(Host.Kubernetes, "bookinfo", "reviews"))!.Value);
        Assert.Equal([10, 44, 46], [weights["v1"], weights["v2"], weights["v3"]]);
    }
}
