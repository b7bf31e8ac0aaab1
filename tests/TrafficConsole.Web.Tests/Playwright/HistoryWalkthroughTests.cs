using System.Globalization;
using System.Text.RegularExpressions;

using Microsoft.Playwright;

using TrafficConsole.Web.Model;
using TrafficConsole.Web.Services;

using static Microsoft.Playwright.Assertions;

namespace TrafficConsole.Web.Tests.Playwright;

/// <summary>
/// Issue 5 in a real browser against the real host and the sandbox: history, diff and rollback of reviews, the
/// emergency rollback from the overview in two clicks, the namespace rollback, the conflict view and the audit list.
/// </summary>
public sealed class HistoryWalkthroughTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private const string Split3070 = "v1 30 · v2 70 · v3 0";
    private const string Split5050 = "v1 50 · v2 50 · v3 0";
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

    private string ReviewsUrl => new Uri(Host.BaseUrl, "namespaces/bookinfo/services/reviews").ToString();

    private static async Task TypeWeightAsync(IPage page, string version, int value)
    {
        ILocator input = page.Locator($"[data-testid=weight-row][data-version={version}] input[data-testid=weight-input]");
        await input.FillAsync(value.ToString(CultureInfo.InvariantCulture));
        await input.PressAsync("Tab");
    }

    private async Task<Dictionary<string, int>> ClusterWeightsAsync() =>
        IstioObjects.CatchAllWeights((await IstioObjects.VirtualServiceAsync(Host.Kubernetes, "bookinfo", "reviews"))
            ?? throw new Xunit.Sdk.XunitException("No VirtualService reviews in the cluster."));

    private async Task SplitReviewsAsync(int v1, int v2, string actor)
    {
        ChangeOutcome outcome = await Host.Traffic.ApplyAsync("bookinfo", "reviews",
            new TrafficDraft([new WeightShare("v1", v1), new WeightShare("v2", v2), new WeightShare("v3", 0)], null), null, new ChangeContext(actor));
        Assert.IsType<ChangeOutcome.Applied>(outcome);
    }

    private static ILocator RevisionWith(IPage page, string weights) =>
        page.Locator("[data-testid=revision-row]").Filter(new() { Has = page.Locator($"[data-testid=weight-bar][data-weights='{weights}']") });

    [Fact]
    public async Task Operator_sets_30_70_then_50_50_diffs_the_two_in_the_history_and_rolls_back_to_30_70()
    {
        await using IBrowserContext context = await browser.NewContextAsync();
        IPage page = await context.NewPageAsync();
        await page.GotoAsync(ReviewsUrl);

        // 30/70 through the preview, with a reason.
        await TypeWeightAsync(page, "v3", 0);
        await Expect(page.Locator("[data-testid=draft-bar]")).ToHaveAttributeAsync("data-weights", Split5050);
        await TypeWeightAsync(page, "v1", 30);
        await Expect(page.Locator("[data-testid=draft-bar]")).ToHaveAttributeAsync("data-weights", Split3070);
        await page.Locator("[data-testid=preview]").ClickAsync();
        await page.Locator("[data-testid=preview-reason] textarea, textarea[data-testid=preview-reason], input[data-testid=preview-reason], [data-testid=preview-reason] input").First
            .FillAsync("canary step 1");
        await page.Locator("[data-testid=preview-apply]").ClickAsync();
        await Expect(page.Locator("[data-testid=cluster-bar]")).ToHaveAttributeAsync("data-weights", Split3070);

        // Then 50/50 straight from the sliders.
        await TypeWeightAsync(page, "v1", 50);
        await Expect(page.Locator("[data-testid=draft-bar]")).ToHaveAttributeAsync("data-weights", Split5050);
        await page.Locator("[data-testid=apply]").ClickAsync();
        await Expect(page.Locator("[data-testid=cluster-bar]")).ToHaveAttributeAsync("data-weights", Split5050);

        // The emergency button sits in the header, with the stable version next to it.
        await Expect(page.Locator("[data-testid=to-stable]")).ToBeEnabledAsync();
        await Expect(page.Locator("[data-testid=stable-note]")).ToContainTextAsync("v1");
        await page.Locator("[data-testid=service-title]").ScrollIntoViewIfNeededAsync();
        await page.EvaluateAsync("() => window.scrollTo(0, 0)");
        await BrowserFixture.ScreenshotAsync(page, "service-emergency");

        // The history tab has both, the newest current, with who and why.
        await page.Locator(".mud-tab").Filter(new() { HasText = "History" }).ClickAsync();
        await Expect(RevisionWith(page, Split5050).First).ToHaveAttributeAsync("data-current", "true");
        ILocator first = RevisionWith(page, Split3070).First;
        await Expect(first.Locator("[data-testid=revision-reason]")).ToHaveTextAsync("canary step 1");
        await Expect(first.Locator("[data-testid=revision-actor]")).ToHaveTextAsync("anonymous@127.0.0.1");
        await Expect(page.Locator("[data-testid=history-chart] svg").First).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotAsync(page, "history-tab");

        // Diff the two.
        await first.Locator("[data-testid=revision-pick] input, input[data-testid=revision-pick]").First.CheckAsync();
        await RevisionWith(page, Split5050).First.Locator("[data-testid=revision-pick] input, input[data-testid=revision-pick]").First.CheckAsync();
        await page.Locator("[data-testid=compare]").ClickAsync();
        ILocator changed = page.Locator("[data-testid=sbs-row]:not([data-left=unchanged])");
        await Expect(changed.Filter(new() { Has = page.Locator("[data-testid=sbs-left]", new() { HasText = "weight: 30" }) }).First).ToBeVisibleAsync();
        await Expect(changed.Filter(new() { Has = page.Locator("[data-testid=sbs-right]", new() { HasText = "weight: 50" }) }).First).ToBeVisibleAsync();
        await page.Locator("[data-testid=comparison]").ScrollIntoViewIfNeededAsync();
        await BrowserFixture.ScreenshotAsync(page, "history-diff");

        // Roll back to 30/70: preview, then confirm.
        await first.Locator("[data-testid=rollback-to]").ClickAsync();
        await Expect(page.Locator("[data-testid=preview-after]")).ToHaveAttributeAsync("data-weights", new Regex("^v1 30 · v2 70"));
        await page.Locator("[data-testid=preview-apply]").ClickAsync();
        await Expect(page.Locator("[data-testid=cluster-bar]")).ToHaveAttributeAsync("data-weights", Split3070);
        Dictionary<string, int> weights = await ClusterWeightsAsync();
        Assert.Equal([30, 70, 0], [weights["v1"], weights["v2"], weights.GetValueOrDefault("v3")]);

        // The rollback is itself a revision, now current, without a reload.
        ILocator newest = page.Locator("[data-testid=revision-row]").First;
        await Expect(newest).ToHaveAttributeAsync("data-current", "true");
        await Expect(newest.Locator("[data-testid=revision-action]")).ToHaveTextAsync("rolled back");

        // A kubectl change shows up in the open history as an external revision, with its field manager.
        KubectlRunner.Result patch = await Host.KubectlAsync("patch", "virtualservice", "reviews", "-n", "bookinfo", "--type=json", "-p",
            """[{"op":"replace","path":"/spec/http/0/route/0/weight","value":40},{"op":"replace","path":"/spec/http/0/route/1/weight","value":60}]""");
        Assert.True(patch.ExitCode == 0, patch.ToString());
        ILocator external = page.Locator("[data-testid=revision-row][data-current=true]");
        await Expect(external.Locator("[data-testid=revision-origin]")).ToHaveTextAsync("external", new() { Timeout = 15_000 });
        await Expect(external.Locator("[data-testid=revision-manager]")).ToContainTextAsync("kubectl");

        // The audit list has the four changes, newest first, each linking to the history.
        await page.GotoAsync(new Uri(Host.BaseUrl, "namespaces/bookinfo/audit").ToString());
        await Expect(page.Locator("[data-testid=audit-action]").First).ToHaveTextAsync("changed outside");
        await Expect(page.Locator("[data-testid=audit-action]").Filter(new() { HasText = "rolled back" })).ToHaveCountAsync(1);
        await Expect(page.Locator("[data-testid=audit-reason]").Filter(new() { HasText = "canary step 1" })).ToHaveCountAsync(1);
        await BrowserFixture.ScreenshotAsync(page, "audit");
        await page.Locator("[data-testid=audit-service-link]").First.ClickAsync();
        await Expect(page.Locator("[data-testid=revisions]")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Emergency_rollback_from_the_overview_takes_two_clicks_and_the_namespace_rollback_lists_first()
    {
        await SplitReviewsAsync(30, 70, "alice@example.com");
        await using IBrowserContext context = await browser.NewContextAsync();
        IPage page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(Host.BaseUrl, "rollouts").ToString());
        ILocator row = page.Locator("tr").Filter(new() { Has = page.Locator("[data-testid=rollout-link][data-service=reviews]") });
        await Expect(row.Locator("[data-testid=weight-bar]")).ToHaveAttributeAsync("data-weights", new Regex("^v1 30 · v2 70"));
        await Expect(row.Locator("[data-testid=rollout-last-change]")).ToContainTextAsync("alice@example.com");
        await BrowserFixture.ScreenshotAsync(page, "rollouts-overview");

        // Click 1: the confirm names the stable version and why.
        await row.Locator("[data-testid=row-to-stable]").ClickAsync();
        ILocator stableVersion = page.Locator("[data-testid=preview-stable-version]");
        await Expect(stableVersion).ToBeVisibleAsync();
        string stable = (await stableVersion.TextContentAsync())!.Trim();
        await Expect(page.Locator("[data-testid=preview-stable-why]")).Not.ToBeEmptyAsync();
        await BrowserFixture.ScreenshotAsync(page, "emergency-confirm");

        // Click 2: confirm. The cluster holds 100% on stable, and reviews is no longer in flight.
        await page.Locator("[data-testid=preview-apply]").ClickAsync();
        await Expect(page.Locator(".mud-snackbar").Filter(new() { HasText = "bookinfo/reviews" })).ToBeVisibleAsync();
        await Expect(page.Locator("[data-testid=rollout-link][data-service=reviews]")).ToHaveCountAsync(0);
        Dictionary<string, int> weights = await ClusterWeightsAsync();
        Assert.Equal(100, weights[stable]);
        Assert.Equal(100, weights.Values.Sum());

        // A new split arrives live; the namespace-wide rollback lists what it will do before doing it.
        await SplitReviewsAsync(20, 80, "bob@example.com");
        await page.GotoAsync(new Uri(Host.BaseUrl, "rollouts?namespace=bookinfo").ToString());
        await Expect(row.Locator("[data-testid=weight-bar]")).ToHaveAttributeAsync("data-weights", new Regex("^v1 20 · v2 80"));
        await page.Locator("[data-testid=namespace-rollback]").ClickAsync();
        ILocator item = page.Locator("[data-testid=namespace-rollback-item][data-service=reviews]");
        await Expect(item.Locator("[data-testid=namespace-rollback-after]")).ToContainTextAsync($"100% {stable}");
        await BrowserFixture.ScreenshotAsync(page, "namespace-rollback");
        Assert.Equal(20, (await ClusterWeightsAsync())["v1"]);
        await page.Locator("[data-testid=namespace-rollback-confirm]").ClickAsync();
        await Expect(item).ToHaveAttributeAsync("data-outcome", "applied");
        await BrowserFixture.ScreenshotAsync(page, "namespace-rollback-done");
        Assert.Equal(100, (await ClusterWeightsAsync())[stable]);
    }

    [Fact]
    public async Task A_conflicting_apply_shows_three_columns_and_re_applies_the_draft_on_top()
    {
        await using IBrowserContext aliceContext = await browser.NewContextAsync();
        IPage alice = await aliceContext.NewPageAsync();
        await alice.GotoAsync(ReviewsUrl);
        await TypeWeightAsync(alice, "v3", 0);
        await Expect(alice.Locator("[data-testid=draft-bar]")).ToHaveAttributeAsync("data-weights", Split5050);
        await TypeWeightAsync(alice, "v1", 10);
        await Expect(alice.Locator("[data-testid=draft-bar]")).ToHaveAttributeAsync("data-weights", "v1 10 · v2 90 · v3 0");

        // Bob (through the API) changes reviews under Alice's draft; she keeps hers and applies it anyway.
        await SplitReviewsAsync(60, 40, "bob@example.com");
        await Expect(alice.Locator("[data-testid=stale-draft]")).ToBeVisibleAsync();
        await alice.Locator("[data-testid=apply]").ClickAsync();

        ILocator dialog = alice.Locator("[data-testid=conflict-dialog]");
        await Expect(dialog).ToBeVisibleAsync();
        await Expect(dialog.Locator("[data-testid=conflict-who]")).ToHaveTextAsync("bob@example.com");
        await Expect(dialog.Locator("[data-testid=conflict-started-yaml]")).ToBeVisibleAsync();
        await Expect(dialog.Locator("[data-testid=conflict-now-diff] .tc-diff__line--added").Filter(new() { HasText = "weight: 60" }).First).ToBeVisibleAsync();
        await Expect(dialog.Locator("[data-testid=conflict-draft-diff] .tc-diff__line--added").Filter(new() { HasText = "weight: 10" }).First).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotAsync(alice, "conflict-view");
        Assert.Equal(60, (await ClusterWeightsAsync())["v1"]);

        await alice.Locator("[data-testid=conflict-reapply]").ClickAsync();

        await Expect(alice.Locator("[data-testid=cluster-bar]")).ToHaveAttributeAsync("data-weights", "v1 10 · v2 90 · v3 0");
        Dictionary<string, int> weights = await ClusterWeightsAsync();
        Assert.Equal([10, 90], [weights["v1"], weights["v2"]]);
    }
}
