using System.Diagnostics;
using System.Text.Json.Nodes;

using k8s;

using Microsoft.Playwright;

using TrafficConsole.Web.Model;

using Xunit.Abstractions;

using static Microsoft.Playwright.Assertions;

namespace TrafficConsole.Web.Tests.Playwright;

/// <summary>
/// A VirtualService with 5,000 routes in the sandbox: the service page opens in seconds in Chromium with a virtualized
/// read-only summary (it took 81 s and 369k DOM nodes when every route got a rule editor).
/// </summary>
public sealed class LargeRoutingTests(BrowserFixture browser, ITestOutputHelper output) : IClassFixture<BrowserFixture>
{
    private const int RouteCount = 5000;

    [Fact]
    public async Task A_service_with_5000_routes_opens_in_seconds_with_a_bounded_read_only_summary()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        await CreateRoutingAsync(host.Kubernetes);
        await WaitUntilAsync(() => host.Traffic.GetService("bookinfo", "reviews")?.Summary.Routing.Kind == RoutingKind.Rules);

        await using IBrowserContext context = await browser.NewContextAsync();
        IPage page = await context.NewPageAsync();
        long heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        Stopwatch opening = Stopwatch.StartNew();
        await page.GotoAsync(new Uri(host.BaseUrl, "namespaces/bookinfo/services/reviews").ToString(), new PageGotoOptions { Timeout = 180_000 });
        // Whichever the page builds: the summary, or (before the limit existed) the rule editor.
        // (Its tab is not the first one, so it is in the page but not shown yet.)
        await Expect(page.Locator("[data-testid=large-routing-notice], [data-testid=routing-editor]").First).ToBeAttachedAsync(new() { Timeout = 180_000 });
        TimeSpan opened = opening.Elapsed;
        int nodes = await page.EvaluateAsync<int>("document.getElementsByTagName('*').length");
        long heapAfter = GC.GetTotalMemory(forceFullCollection: true);
        string figures = $"{RouteCount} routes: page open in {opened.TotalSeconds:0.0} s, {nodes} DOM elements, managed heap +{(heapAfter - heapBefore) / (1024.0 * 1024.0):0.0} MiB";
        output.WriteLine(figures);

        await page.GetByRole(AriaRole.Tab, new() { Name = "Request routing" }).ClickAsync();
        await Expect(page.Locator("[data-testid=large-routing-notice]")).ToContainTextAsync("5,000 rules");
        Assert.True(opened < TimeSpan.FromSeconds(20), figures);
        Assert.True(nodes < 10_000, figures);
        await Expect(page.Locator("[data-testid=large-routing-rule]").First).ToBeVisibleAsync();
        int rows = await page.Locator("[data-testid=large-routing-rule]").CountAsync();
        int shown = await page.EvaluateAsync<int>("document.getElementsByTagName('*').length");
        output.WriteLine($"with the rules tab open: {rows} rule rows, {shown} DOM elements");
        Assert.InRange(rows, 1, 100);
        Assert.True(shown < 10_000, $"{shown} DOM elements with the rules tab open");

        // The list scrolls to the last route: it is all there, just not all in the DOM at once.
        await page.Locator("[data-testid=large-routing-rules]").EvaluateAsync("e => e.scrollTop = e.scrollHeight");
        await Expect(page.Locator("[data-testid=large-routing-rule]").Last).ToContainTextAsync($"route-{RouteCount - 1}:");
    }

    private static async Task CreateRoutingAsync(IKubernetes kubernetes)
    {
        JsonObject rule = new()
        {
            ["apiVersion"] = "networking.istio.io/v1",
            ["kind"] = "DestinationRule",
            ["metadata"] = new JsonObject { ["name"] = "reviews", ["namespace"] = "bookinfo" },
            ["spec"] = new JsonObject
            {
                ["host"] = "reviews",
                ["subsets"] = new JsonArray(
                    new JsonObject { ["name"] = "v1", ["labels"] = new JsonObject { ["version"] = "v1" } },
                    new JsonObject { ["name"] = "v2", ["labels"] = new JsonObject { ["version"] = "v2" } },
                    new JsonObject { ["name"] = "v3", ["labels"] = new JsonObject { ["version"] = "v3" } }),
            },
        };
        JsonArray http = [];
        for (int i = 0; i < RouteCount; i++)
        {
            http.Add(new JsonObject
            {
                ["name"] = $"route-{i}",
                ["match"] = new JsonArray(new JsonObject { ["headers"] = new JsonObject { ["end-user"] = new JsonObject { ["exact"] = $"user-{i}" } } }),
                ["route"] = new JsonArray(new JsonObject { ["destination"] = new JsonObject { ["host"] = "reviews", ["subset"] = i % 2 == 0 ? "v2" : "v3" } }),
            });
        }

        http.Add(new JsonObject { ["route"] = new JsonArray(new JsonObject { ["destination"] = new JsonObject { ["host"] = "reviews", ["subset"] = "v1" } }) });
        JsonObject service = new()
        {
            ["apiVersion"] = "networking.istio.io/v1",
            ["kind"] = "VirtualService",
            ["metadata"] = new JsonObject { ["name"] = "reviews", ["namespace"] = "bookinfo" },
            ["spec"] = new JsonObject { ["hosts"] = new JsonArray("reviews"), ["http"] = http },
        };
        await kubernetes.CustomObjects.CreateNamespacedCustomObjectAsync(rule, "networking.istio.io", "v1", "bookinfo", "destinationrules");
        await kubernetes.CustomObjects.CreateNamespacedCustomObjectAsync(service, "networking.istio.io", "v1", "bookinfo", "virtualservices");
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the console did not show the routing within 60 s");
            await Task.Delay(200);
        }
    }
}
