using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using TrafficConsole.Sandbox;

namespace TrafficConsole.Benchmarks;

/// <summary>
/// Issue 5's speed targets on the real host and real Chromium: the rollouts overview with 500 rollouts in flight
/// across 50 namespaces, and an emergency rollback from the overview, timed from the confirm click until the
/// API server holds 100% on the stable version.
/// </summary>
internal static class RolloutBenchmark
{
    private const int ServicesPerNamespace = 10;

    public static async Task<IReadOnlyList<Result>> RunAsync(int namespaces, int rollbacks)
    {
        var dataDir = Directory.CreateTempSubdirectory("tc-bench-rollouts-");
        try
        {
            await using var sandbox = await SandboxServer.StartAsync(new SandboxOptions { DataDirectory = dataDir.FullName, Seed = SandboxSeed.Bookinfo });
            using var cluster = new HttpClient { BaseAddress = sandbox.Url, Timeout = TimeSpan.FromMinutes(2) };
            cluster.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", sandbox.AdminToken);
            await SeedRolloutsAsync(cluster, namespaces);
            int rollouts = namespaces * ServicesPerNamespace;

            var (app, baseUrl) = await BenchmarkHosts.StartConsoleAsync(sandbox);
            await using var _ = app;
            using var http = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromMinutes(2) };
            await WaitForRolloutsAsync(http, rollouts);
            await WaitForHistoryAsync(http, namespaces);

            using var playwright = await Playwright.CreateAsync();
            await using var browser = await BenchmarkHosts.LaunchChromiumAsync(playwright);
            var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1600, Height = 1000 } });
            var results = new List<Result>();
            results.AddRange(await MeasureOverviewAsync(page, baseUrl, rollouts, namespaces));
            results.Add(await MeasureEmergencyRollbackAsync(page, baseUrl, cluster, rollbacks));
            await page.CloseAsync();
            await app.StopAsync();
            return results;
        }
        finally
        {
            dataDir.Delete(recursive: true);
        }
    }

    private static string Namespace(int n) => $"team-{n:D2}";

    private static string Service(int s) => $"app-{s:D2}";

    // Each service: v1 and v2 Deployments, a DestinationRule with both subsets and a VirtualService at 80/20.
    private static async Task SeedRolloutsAsync(HttpClient http, int namespaces)
    {
        var sw = Stopwatch.StartNew();
        for (var n = 0; n < namespaces; n++)
        {
            await BenchmarkHosts.PostAsync(http, "/api/v1/namespaces", new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = Namespace(n) } });
        }

        await Parallel.ForEachAsync(
            Enumerable.Range(0, namespaces).SelectMany(n => Enumerable.Range(0, ServicesPerNamespace).Select(s => (Namespace: Namespace(n), Service: Service(s)))),
            new ParallelOptions { MaxDegreeOfParallelism = 16 },
            async (item, _) =>
            {
                var (ns, name) = item;
                await BenchmarkHosts.CreateVersionedServiceAsync(http, ns, name, new[] { "v1", "v2" });

                await BenchmarkHosts.PostAsync(http, $"/apis/networking.istio.io/v1/namespaces/{ns}/destinationrules", new JsonObject
                {
                    ["apiVersion"] = "networking.istio.io/v1",
                    ["kind"] = "DestinationRule",
                    ["metadata"] = new JsonObject { ["name"] = name },
                    ["spec"] = new JsonObject
                    {
                        ["host"] = name,
                        ["subsets"] = new JsonArray(
                            new JsonObject { ["name"] = "v1", ["labels"] = new JsonObject { ["version"] = "v1" } },
                            new JsonObject { ["name"] = "v2", ["labels"] = new JsonObject { ["version"] = "v2" } }),
                    },
                });
                await BenchmarkHosts.PostAsync(http, $"/apis/networking.istio.io/v1/namespaces/{ns}/virtualservices", new JsonObject
                {
                    ["apiVersion"] = "networking.istio.io/v1",
                    ["kind"] = "VirtualService",
                    ["metadata"] = new JsonObject { ["name"] = name },
                    ["spec"] = new JsonObject
                    {
                        ["hosts"] = new JsonArray(name),
                        ["http"] = new JsonArray(new JsonObject
                        {
                            ["route"] = new JsonArray(
                                new JsonObject { ["destination"] = new JsonObject { ["host"] = name, ["subset"] = "v1" }, ["weight"] = 80 },
                                new JsonObject { ["destination"] = new JsonObject { ["host"] = name, ["subset"] = "v2" }, ["weight"] = 20 }),
                        }),
                    },
                });
            });
        Console.Error.WriteLine($"  seeded {namespaces * ServicesPerNamespace} rollouts across {namespaces} namespaces in {sw.Elapsed.TotalSeconds:F1} s");
    }


    private static async Task WaitForRolloutsAsync(HttpClient http, int count)
    {
        var deadline = Stopwatch.StartNew();
        var seen = 0;
        while (deadline.Elapsed < TimeSpan.FromMinutes(2))
        {
            using var response = await http.GetAsync("api/v1/rollouts");
            if (response.IsSuccessStatusCode)
            {
                using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                seen = doc.RootElement.GetProperty("items").GetArrayLength();
                if (seen >= count)
                {
                    return;
                }
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"the console listed {seen} rollouts, not {count}");
    }

    // On its first start the console records the routing it finds (500 external revisions here): measure the steady
    // state after that, as an operator would meet it, not the one-off recording burst.
    private static async Task WaitForHistoryAsync(HttpClient http, int namespaces)
    {
        var sw = Stopwatch.StartNew();
        for (var n = 0; n < namespaces; n++)
        {
            while (true)
            {
                using var response = await http.GetAsync($"api/v1/namespaces/{Namespace(n)}/audit");
                if (response.IsSuccessStatusCode)
                {
                    using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                    if (doc.RootElement.GetProperty("items").GetArrayLength() >= ServicesPerNamespace)
                    {
                        break;
                    }
                }

                if (sw.Elapsed > TimeSpan.FromMinutes(3))
                {
                    throw new TimeoutException($"the console did not record the history of {Namespace(n)} in 3 minutes");
                }

                await Task.Delay(200);
            }
        }

        Console.Error.WriteLine($"  the console recorded the first revision of every rollout in {sw.Elapsed.TotalSeconds:F1} s");
    }

    // Render = what a team lead waits for: from navigation until the grid's rows are on screen.
    private static async Task<IReadOnlyList<Result>> MeasureOverviewAsync(IPage page, Uri baseUrl, int rollouts, int namespaces)
    {
        var fullLoad = new Stats();
        for (var run = 0; run < 15; run++)
        {
            var sw = Stopwatch.StartNew();
            await page.GotoAsync(new Uri(baseUrl, "rollouts").ToString());
            await FirstRowAsync(page);
            sw.Stop();
            if (run >= 3)
            {
                fullLoad.Add(sw.Elapsed.TotalMilliseconds);
            }
        }

        var inCircuit = new Stats();
        for (var run = 0; run < 45; run++)
        {
            await page.EvaluateAsync("Blazor.navigateTo('/namespaces/bookinfo/services')");
            await page.Locator("[data-testid=service-link][data-service=reviews]").WaitForAsync();
            var sw = Stopwatch.StartNew();
            await page.EvaluateAsync("Blazor.navigateTo('/rollouts')");
            await FirstRowAsync(page);
            sw.Stop();
            if (run >= 5)
            {
                inCircuit.Add(sw.Elapsed.TotalMilliseconds);
            }
        }

        return
        [
            new Result($"console: rollouts overview with {rollouts} rollouts across {namespaces} namespaces, full page load -> rows on screen (Chromium)", fullLoad, "report", true),
            new Result($"console: rollouts overview with {rollouts} rollouts, in-circuit navigation -> rows on screen", inCircuit, "p99 < 500 ms", inCircuit.Percentile(99) < 500),
        ];
    }

    private static async Task FirstRowAsync(IPage page)
    {
        try
        {
            await page.Locator($"[data-testid=rollout-link][data-service={Service(0)}]").First.WaitForAsync(new() { Timeout = 30_000 });
        }
        catch (TimeoutException)
        {
            await page.ScreenshotAsync(new() { Path = "artifacts/benchmark-overview-timeout.png" });
            throw;
        }
    }

    // Click 1 (To stable) opens the confirm naming the stable version; the clock starts at click 2 (Confirm) and stops
    // when a read from the API server shows 100% on stable.
    private static async Task<Result> MeasureEmergencyRollbackAsync(IPage page, Uri baseUrl, HttpClient cluster, int rollbacks)
    {
        var stats = new Stats();
        for (var i = 0; i < rollbacks; i++)
        {
            var ns = Namespace(i);
            // The rows rolled back before have left the overview; the grid is virtualized, so search for the one wanted.
            await page.GotoAsync(new Uri(baseUrl, "rollouts").ToString());
            await page.Locator("[data-testid=rollout-link]").First.WaitForAsync(new() { Timeout = 30_000 });
            await page.Locator("input[data-testid=rollout-search]").FillAsync(ns);
            // Click only once the filtered grid is on screen: a click during its re-render would miss.
            await Microsoft.Playwright.Assertions.Expect(page.Locator("[data-testid=rollout-count]")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex($"^{ServicesPerNamespace} of "));
            var row = page.Locator("tr").Filter(new() { Has = page.Locator($"[data-testid=rollout-link][data-namespace={ns}][data-service={Service(0)}]") });
            await row.First.WaitForAsync(new() { Timeout = 30_000 });

            var toStable = row.First.Locator("[data-testid=row-to-stable]");
            if (!await toStable.IsEnabledAsync(new() { Timeout = 10_000 }))
            {
                await page.ScreenshotAsync(new() { Path = "artifacts/benchmark-rollback-disabled.png" });
                throw new InvalidOperationException($"To stable of {ns}/{Service(0)} is disabled: {await row.First.Locator("[data-testid=row-to-stable-wrap]").GetAttributeAsync("title")}");
            }

            await toStable.ClickAsync();
            var confirm = page.Locator("[data-testid=preview-apply]");
            try
            {
                await confirm.WaitForAsync(new() { Timeout = 10_000 });
            }
            catch (TimeoutException)
            {
                await page.ScreenshotAsync(new() { Path = "artifacts/benchmark-rollback-no-confirm.png" });
                throw;
            }

            await Microsoft.Playwright.Assertions.Expect(confirm).ToBeEnabledAsync();
            var sw = Stopwatch.StartNew();
            await confirm.ClickAsync();
            while (!await AllOnV1Async(cluster, ns, Service(0)))
            {
                if (sw.Elapsed > TimeSpan.FromSeconds(30))
                {
                    await page.ScreenshotAsync(new() { Path = "artifacts/benchmark-rollback-timeout.png" });
                    throw new TimeoutException($"{ns}/{Service(0)} did not reach 100% v1 in 30 s");
                }

                await Task.Delay(1);
            }

            sw.Stop();
            stats.Add(sw.Elapsed.TotalMilliseconds);
        }

        return new Result("console: emergency rollback from the overview, confirm click -> API server holds 100% on stable", stats, "p99 < 500 ms", stats.Percentile(99) < 500);
    }

    private static async Task<bool> AllOnV1Async(HttpClient cluster, string ns, string name)
    {
        using var response = await cluster.GetAsync($"/apis/networking.istio.io/v1/namespaces/{ns}/virtualservices/{name}");
        response.EnsureSuccessStatusCode();
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var total = 0;
        var v1 = 0;
        foreach (var rule in doc.RootElement.GetProperty("spec").GetProperty("http").EnumerateArray())
        {
            foreach (var route in rule.GetProperty("route").EnumerateArray())
            {
                var weight = route.TryGetProperty("weight", out var w) ? w.GetInt32() : 100;
                total += weight;
                if (route.GetProperty("destination").TryGetProperty("subset", out var subset) && subset.GetString() == "v1")
                {
                    v1 += weight;
                }
            }
        }

        return total > 0 && v1 == total;
    }
}
