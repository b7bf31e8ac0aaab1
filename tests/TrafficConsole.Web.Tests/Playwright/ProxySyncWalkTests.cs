using System.Globalization;
using System.Text.RegularExpressions;

using k8s;
using k8s.Models;

using Microsoft.Playwright;

using TrafficConsole.Web.Model;
using TrafficConsole.Web.Services;

using static Microsoft.Playwright.Assertions;

namespace TrafficConsole.Web.Tests.Playwright;

/// <summary>Issue 14, "did the change reach the mesh?", in a real browser: an apply waits for the proxies, then istiod's status says they have it.</summary>
public sealed class ProxySyncWalkTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private ConsoleTestHost? _host;

    private ConsoleTestHost Host => _host!;

    public async Task InitializeAsync()
    {
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

    // Plays istiod with PILOT_ENABLE_STATUS: Reconciled at the current generation, through the status subresource.
    private async Task ReconcileAsync(string plural)
    {
        var found = (System.Text.Json.JsonElement)await Host.Kubernetes.CustomObjects.GetNamespacedCustomObjectAsync("networking.istio.io", "v1", "bookinfo", plural, "reviews");
        long generation = found.GetProperty("metadata").GetProperty("generation").GetInt64();
        string now = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        string body = "{\"status\":{\"conditions\":[{\"type\":\"Reconciled\",\"status\":\"True\",\"lastTransitionTime\":\"" + now
            + "\",\"reason\":\"Reconciled\",\"message\":\"all proxies\"}],\"observedGeneration\":" + generation.ToString(CultureInfo.InvariantCulture) + "}}";
        await Host.Kubernetes.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch(body, V1Patch.PatchType.MergePatch), "networking.istio.io", "v1", "bookinfo", plural, "reviews", fieldManager: "pilot-discovery");
    }

    [Fact]
    public async Task After_an_apply_the_page_waits_for_the_proxies_then_says_they_have_it_once_istiod_reports()
    {
        await using IBrowserContext context = await browser.NewContextAsync();
        IPage page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(Host.BaseUrl, "namespaces/bookinfo/services/reviews").ToString());
        await Expect(page.Locator("[data-testid=service-title]")).ToHaveTextAsync("reviews");

        ChangeOutcome outcome = await Host.Traffic.ApplyAsync("bookinfo", "reviews",
            new TrafficDraft([new WeightShare("v1", 30), new WeightShare("v2", 70), new WeightShare("v3", 0)], null), null, new ChangeContext("alice@example.com"));
        Assert.IsType<ChangeOutcome.Applied>(outcome);
        await Expect(page.Locator("[data-testid=proxy-sync]")).ToHaveTextAsync(new Regex(@"^Applied · waiting for the proxies \(\d+ s\)$"));

        await ReconcileAsync("destinationrules");
        await ReconcileAsync("virtualservices");

        await Expect(page.Locator("[data-testid=proxy-sync]")).ToHaveTextAsync(new Regex(@"^Applied · reached the proxies in \d+(\.\d)? s$"));
        await Expect(page.Locator("[data-testid=proxy-sync]")).ToHaveAttributeAsync("data-state", "Reconciled");
        await BrowserFixture.ScreenshotAsync(page, "proxy-sync-reached");
    }
}
