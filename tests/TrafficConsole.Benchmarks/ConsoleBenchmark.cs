using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Playwright;
using TrafficConsole.Sandbox;

namespace TrafficConsole.Benchmarks;

/// <summary>
/// The dashboard's speed targets, measured on the real host (ConsoleApp.Build, as Program.cs runs it)
/// against a sandbox on loopback: apply -> ServiceChanged at 50 hub clients, server render of a
/// 2,000-service page, memory per open dashboard circuit, and API-server requests with 1 vs 50 viewers.
/// </summary>
internal static class ConsoleBenchmark
{
    private const string BigNamespace = "big";

    public static async Task<IReadOnlyList<Result>> RunAsync(int hubClients, int bigServices, int viewers)
    {
        var dataDir = Directory.CreateTempSubdirectory("tc-bench-console-");
        try
        {
            await using var sandbox = await SandboxServer.StartAsync(new SandboxOptions { DataDirectory = dataDir.FullName, Seed = SandboxSeed.Bookinfo });
            await SeedBigNamespaceAsync(sandbox, bigServices);
            var (app, baseUrl) = await BenchmarkHosts.StartConsoleAsync(sandbox);
            await using var _ = app;
            using var http = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromMinutes(2) };
            await WaitForServicesAsync(http, BigNamespace, bigServices);

            var results = new List<Result>
            {
                await MeasureHubPropagationAsync(baseUrl, http, hubClients),
            };
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await BenchmarkHosts.LaunchChromiumAsync(playwright);
            results.AddRange(await MeasureRenderAsync(browser, baseUrl, bigServices));
            results.AddRange(await MeasureViewersAsync(browser, baseUrl, http, sandbox, viewers));
            await app.StopAsync();
            return results;
        }
        finally
        {
            dataDir.Delete(recursive: true);
        }
    }

    private static async Task SeedBigNamespaceAsync(SandboxServer sandbox, int count)
    {
        using var http = new HttpClient { BaseAddress = sandbox.Url, Timeout = TimeSpan.FromMinutes(2) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", sandbox.AdminToken);
        await BenchmarkHosts.PostAsync(http, "/api/v1/namespaces", new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = BigNamespace } });
        var sw = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
        {
            var name = $"svc-{i:D4}";
            await BenchmarkHosts.CreateVersionedServiceAsync(http, BigNamespace, name, i % 3 == 0 ? new[] { "v1", "v2" } : ["v1"]);
        });
        Console.Error.WriteLine($"  seeded {count} services with their deployments in {sw.Elapsed.TotalSeconds:F1} s");
    }


    private static async Task WaitForServicesAsync(HttpClient http, string ns, int count)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromMinutes(2))
        {
            using var response = await http.GetAsync($"api/v1/namespaces/{ns}/services");
            if (response.IsSuccessStatusCode)
            {
                using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                var items = doc.RootElement.ValueKind == JsonValueKind.Array ? doc.RootElement : doc.RootElement.GetProperty("services");
                if (items.GetArrayLength() >= count)
                {
                    return;
                }
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"the console did not show {count} services in {ns}");
    }

    private static async Task<Result> MeasureHubPropagationAsync(Uri baseUrl, HttpClient http, int clients)
    {
        var expected = new ConcurrentDictionary<int, long>(); // v1 weight -> when the apply started
        var stats = new ConcurrentBag<double>();
        var seen = new ConcurrentDictionary<(int Client, int Round), bool>();
        var round = 0;
        var connections = new List<HubConnection>();
        for (var c = 0; c < clients; c++)
        {
            var client = c;
            var connection = new HubConnectionBuilder().WithUrl(new Uri(baseUrl, "hubs/traffic")).Build();
            connection.On<JsonElement>("ServiceChanged", change =>
            {
                var at = Stopwatch.GetTimestamp();
                if (change.GetProperty("service").GetString() != "reviews")
                {
                    return;
                }

                var v1 = change.GetProperty("weights").EnumerateArray()
                    .Where(w => w.GetProperty("version").GetString() == "v1")
                    .Select(w => w.GetProperty("percent").GetInt32()).FirstOrDefault(-1);
                var current = Volatile.Read(ref round);
                if (expected.TryGetValue(v1, out var start) && v1 == WeightFor(current) && seen.TryAdd((client, current), true))
                {
                    stats.Add(Stopwatch.GetElapsedTime(start, at).TotalMilliseconds);
                }
            });
            await connection.StartAsync();
            await connection.InvokeAsync<JsonElement>("JoinNamespace", "bookinfo");
            connections.Add(connection);
        }

        const int rounds = 40;
        for (var r = 1; r <= rounds; r++)
        {
            Volatile.Write(ref round, r);
            var v1 = WeightFor(r);
            expected[v1] = Stopwatch.GetTimestamp();
            using var response = await http.PutAsJsonAsync("api/v1/namespaces/bookinfo/services/reviews/traffic",
                new { weights = new Dictionary<string, int> { ["v1"] = v1, ["v2"] = 100 - v1, ["v3"] = 0 } });
            response.EnsureSuccessStatusCode();
            var wait = Stopwatch.StartNew();
            while (seen.Count < r * clients && wait.Elapsed < TimeSpan.FromSeconds(10))
            {
                await Task.Delay(2);
            }
        }

        foreach (var connection in connections)
        {
            await connection.DisposeAsync();
        }

        var result = new Stats();
        result.AddRange(stats);
        var missing = rounds * clients - result.Count;
        return new Result($"console: apply -> ServiceChanged at {clients} hub clients ({rounds} applies, {missing} events missing)", result, "p99 < 250 ms",
            missing == 0 && result.Percentile(99) < 250);
    }

    // Alternate between two splits so every apply is a real change.
    private static int WeightFor(int round) => round % 2 == 0 ? 30 : 70;

    // The page renders interactively (no prerender), so "render" is what the operator waits for:
    // from navigation until the first rows of the virtualized grid are on screen, in real Chromium.
    private static async Task<IReadOnlyList<Result>> MeasureRenderAsync(IBrowser browser, Uri baseUrl, int services)
    {
        var stats = new Stats();
        var page = await browser.NewPageAsync();
        for (var run = 0; run < 25; run++)
        {
            var sw = Stopwatch.StartNew();
            await page.GotoAsync(new Uri(baseUrl, $"namespaces/{BigNamespace}/services").ToString());
            try
            {
                await page.Locator("[data-testid=service-link][data-service=svc-0000]").WaitForAsync(new() { Timeout = 30_000 });
            }
            catch (TimeoutException)
            {
                await page.ScreenshotAsync(new() { Path = "artifacts/benchmark-render-timeout.png" });
                throw;
            }

            sw.Stop();
            if (run >= 5)
            {
                stats.Add(sw.Elapsed.TotalMilliseconds);
            }
        }

        // Within an open circuit (the usual case: picking the namespace in the app bar), a switch
        // is the server render plus the DOM update, without page load and circuit start.
        var inCircuit = new Stats();
        for (var run = 0; run < 25; run++)
        {
            await page.EvaluateAsync("Blazor.navigateTo('/namespaces/bookinfo/services')");
            await page.Locator("[data-testid=service-link][data-service=reviews]").WaitForAsync();
            var sw = Stopwatch.StartNew();
            await page.EvaluateAsync($"Blazor.navigateTo('/namespaces/{BigNamespace}/services')");
            await page.Locator("[data-testid=service-link][data-service=svc-0000]").WaitForAsync(new() { Timeout = 30_000 });
            sw.Stop();
            if (run >= 5)
            {
                inCircuit.Add(sw.Elapsed.TotalMilliseconds);
            }
        }

        await page.CloseAsync();
        return
        [
            new Result($"console: services page with {services} services, full page load -> rows on screen (Chromium)", stats, "report", true),
            new Result($"console: services page with {services} services, in-circuit navigation -> rows on screen", inCircuit, "p99 < 300 ms", inCircuit.Percentile(99) < 300),
        ];
    }

    private static async Task<IReadOnlyList<Result>> MeasureViewersAsync(IBrowser browser, Uri baseUrl, HttpClient http, SandboxServer sandbox, int viewers)
    {
        var pages = new List<IPage>();
        async Task OpenAsync(int count)
        {
            for (var i = 0; i < count; i++)
            {
                var page = await browser.NewPageAsync();
                await page.GotoAsync(new Uri(baseUrl, "namespaces/bookinfo/services/reviews").ToString());
                await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
                pages.Add(page);
            }
        }

        async Task<long> RequestsDuringChangesAsync()
        {
            await Task.Delay(1000);
            var before = sandbox.RequestCount;
            for (var i = 0; i < 10; i++)
            {
                var v1 = i % 2 == 0 ? 40 : 60;
                using var response = await http.PutAsJsonAsync("api/v1/namespaces/bookinfo/services/reviews/traffic",
                    new { weights = new Dictionary<string, int> { ["v1"] = v1, ["v2"] = 100 - v1, ["v3"] = 0 } });
                response.EnsureSuccessStatusCode();
            }

            await Task.Delay(2000); // let every open page re-render
            return sandbox.RequestCount - before;
        }

        static long ManagedBytes()
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            return GC.GetTotalMemory(forceFullCollection: true);
        }

        await OpenAsync(1);
        var requestsOne = await RequestsDuringChangesAsync();
        var memoryOne = ManagedBytes();
        await OpenAsync(viewers - 1);
        var memoryMany = ManagedBytes();
        var requestsMany = await RequestsDuringChangesAsync();
        foreach (var page in pages)
        {
            await page.CloseAsync();
        }

        var perCircuitKiB = (memoryMany - memoryOne) / (double)(viewers - 1) / 1024;
        return
        [
            new Result($"console: managed memory per open service page (circuit), 1 vs {viewers} pages", $"{perCircuitKiB:F0} KiB per circuit", "report", true),
            new Result("console: API-server requests during 10 applies", $"1 viewer: {requestsOne}, {viewers} viewers: {requestsMany}", "no growth", requestsMany <= requestsOne),
        ];
    }
}
