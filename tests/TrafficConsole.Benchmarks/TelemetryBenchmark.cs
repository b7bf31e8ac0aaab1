using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using TrafficConsole.Cluster.Telemetry;
using TrafficConsole.TestSupport.Telemetry;
using TrafficConsole.Mesh.Telemetry;
using TrafficConsole.Sandbox;

namespace TrafficConsole.Benchmarks;

/// <summary>
/// Issue 14's figures on the real host, a real Prometheus and real Chromium: the queries Prometheus answers per minute
/// with 1 vs 50 open service pages (the shared monitor should make them equal), and the time from an apply to the
/// service page saying the change "reached the proxies", with the sandbox's istiod reporting after a fixed delay.
/// </summary>
internal static partial class TelemetryBenchmark
{
    private const string Namespace = "bookinfo";
    private const string Service = "reviews";

    public static async Task<IReadOnlyList<Result>> RunAsync(int viewers, int applies, TimeSpan refreshInterval, int rounds, TimeSpan proxySyncDelay)
    {
        var dataDir = Directory.CreateTempSubdirectory("tc-bench-telemetry-");
        var total = Stopwatch.StartNew();
        try
        {
            await using var sandbox = await SandboxServer.StartAsync(new SandboxOptions
            {
                DataDirectory = dataDir.FullName,
                Seed = SandboxSeed.Bookinfo,
                ProxySyncDelay = proxySyncDelay,
            });
            await using var prometheus = await PrometheusServer.StartAsync([sandbox.Url.Authority]);
            var (app, baseUrl) = await BenchmarkHosts.StartConsoleAsync(sandbox, new Dictionary<string, string?>
            {
                ["Telemetry:Prometheus:Url"] = prometheus.Url.ToString(),
                ["Telemetry:RefreshInterval"] = refreshInterval.ToString("c", CultureInfo.InvariantCulture),
            });
            await using var _ = app;
            using var http = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromMinutes(1) };
            using var promHttp = new HttpClient { BaseAddress = prometheus.Url, Timeout = TimeSpan.FromSeconds(10) };
            var source = app.Services.GetRequiredService<PrometheusTelemetrySource>();

            using var playwright = await Playwright.CreateAsync();
            await using var browser = await BenchmarkHosts.LaunchChromiumAsync(playwright);
            var pages = new List<IPage>();
            var first = await OpenServicePageAsync(browser, baseUrl, TimeSpan.FromSeconds(60));
            pages.Add(first);
            Console.Error.WriteLine($"  sandbox, Prometheus, console and the first service page with figures ready in {total.Elapsed.TotalSeconds:F1} s");

            var phase = Stopwatch.StartNew();
            var one = await CountQueriesAsync(promHttp, source, refreshInterval, rounds);
            Console.Error.WriteLine($"  counted Prometheus queries with 1 viewer in {phase.Elapsed.TotalSeconds:F1} s");
            phase.Restart();
            var sync = await MeasureProxySyncAsync(first, http, applies, proxySyncDelay);
            Console.Error.WriteLine($"  timed {applies} applies to the proxies in {phase.Elapsed.TotalSeconds:F1} s");

            var opening = Stopwatch.StartNew();
            var more = new IPage[viewers - 1];
            await Parallel.ForEachAsync(Enumerable.Range(0, viewers - 1), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
                more[i] = await OpenServicePageAsync(browser, baseUrl, TimeSpan.FromSeconds(60)));
            pages.AddRange(more);
            Console.Error.WriteLine($"  opened {viewers - 1} more service pages in {opening.Elapsed.TotalSeconds:F1} s");
            var many = await CountQueriesAsync(promHttp, source, refreshInterval, rounds);
            var polls = app.Services.GetRequiredService<TelemetryMonitor>().ActivePolls;

            foreach (var page in pages)
            {
                await page.CloseAsync();
            }

            await app.StopAsync();
            Console.Error.WriteLine($"  telemetry suite took {total.Elapsed.TotalSeconds:F0} s");

            // A round is one reading (its instant queries) and, at most, one chart of the page (its range queries).
            var promQl = new PromQl();
            int round = promQl.Figures(Namespace, TelemetryWindow.Default).Length + promQl.Series(Namespace, Service, TelemetryWindow.Default).Length;
            double minutes = rounds * refreshInterval.TotalMinutes;
            var queries = new Result(
                $"telemetry: Prometheus queries per minute, 1 vs {viewers} open service pages (refresh {refreshInterval.TotalSeconds:F0} s, {rounds} rounds each, {polls} poll loop)",
                $"1 viewer: {one.Prometheus / minutes:F0}/min, {viewers} viewers: {many.Prometheus / minutes:F0}/min (console sent {one.Console} vs {many.Console})",
                $"no growth (±{round})",
                Math.Abs(many.Prometheus - one.Prometheus) <= round && one.Prometheus > 0);
            return [queries, .. sync];
        }
        finally
        {
            dataDir.Delete(recursive: true);
        }
    }

    /// <summary>A new Chromium page on the service, once its live traffic panel shows Prometheus' figures.</summary>
    private static async Task<IPage> OpenServicePageAsync(IBrowser browser, Uri baseUrl, TimeSpan timeout)
    {
        // A small window paints less: 50 pages share 2 cores with the console.
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1024, Height = 700 } });
        await page.GotoAsync(new Uri(baseUrl, $"namespaces/{Namespace}/services/{Service}").ToString(), new() { WaitUntil = WaitUntilState.Commit });
        try
        {
            await page.Locator("[data-testid=live-traffic-table]").WaitForAsync(new() { Timeout = (float)timeout.TotalMilliseconds });
        }
        catch (TimeoutException)
        {
            await page.ScreenshotAsync(new() { Path = "artifacts/benchmark-telemetry-timeout.png" });
            throw;
        }

        return page;
    }

    /// <summary>
    /// The queries Prometheus answered (its own <c>prometheus_http_requests_total</c> of the query handlers) and the console
    /// sent (<see cref="PrometheusTelemetrySource.QueriesSent"/>) over <paramref name="rounds"/> refresh intervals, counted
    /// from half an interval after a poll so that each period holds exactly that many polls.
    /// </summary>
    private static async Task<(long Prometheus, long Console)> CountQueriesAsync(HttpClient prometheus, PrometheusTelemetrySource source, TimeSpan interval, int rounds)
    {
        var start = await QueriesAnsweredAsync(prometheus);
        var wait = Stopwatch.StartNew();
        while (await QueriesAnsweredAsync(prometheus) == start)
        {
            if (wait.Elapsed > 3 * interval)
            {
                throw new TimeoutException($"Prometheus answered no query in {3 * interval.TotalSeconds} s: the console is not polling it.");
            }

            await Task.Delay(50);
        }

        await Task.Delay(interval / 2);
        var prometheusBefore = await QueriesAnsweredAsync(prometheus);
        var consoleBefore = source.QueriesSent;
        await Task.Delay(interval * rounds);
        var prometheusAfter = await QueriesAnsweredAsync(prometheus);
        return (prometheusAfter - prometheusBefore, source.QueriesSent - consoleBefore);
    }

    /// <summary>Prometheus' own count of the requests its query APIs (<c>/api/v1/query</c>, <c>/api/v1/query_range</c>) answered.</summary>
    private static async Task<long> QueriesAnsweredAsync(HttpClient prometheus)
    {
        var metrics = await prometheus.GetStringAsync("metrics");
        long total = 0;
        foreach (Match match in QueryHandlerCounter().Matches(metrics))
        {
            total += (long)double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
        }

        return total;
    }

    [GeneratedRegex("""^prometheus_http_requests_total\{[^}]*handler="/api/v1/query[^"]*"[^}]*\} (?<value>\S+)$""", RegexOptions.Multiline)]
    private static partial Regex QueryHandlerCounter();

    /// <summary>
    /// From the start of an apply (REST PUT) until the open service page shows "reached the proxies" for the generation the
    /// apply wrote, and the console's own timing of that write (write accepted -> cache shows istiod's Reconciled status).
    /// </summary>
    private static async Task<IReadOnlyList<Result>> MeasureProxySyncAsync(IPage page, HttpClient http, int applies, TimeSpan delay)
    {
        var onPage = new Stats();
        var answered = new Stats();
        var added = new Stats();
        var console = new Stats();

        // The page notes every change of the proxy-sync line with the wall clock (ms since the epoch, the clock DateTimeOffset reads),
        // so the time it showed a generation as reached is read from the page, not from how often Playwright polls.
        await page.EvaluateAsync("""
            () => {
                window.__proxySync = [];
                const note = () => {
                    const e = document.querySelector('[data-testid=proxy-sync]');
                    const seen = e ? `${e.getAttribute('data-state')}|${e.title}|${e.textContent}` : 'none';
                    const log = window.__proxySync;
                    if (log.length === 0 || log[log.length - 1].seen !== seen) {
                        log.push({ at: performance.timeOrigin + performance.now(), seen });
                    }
                };
                note();
                new MutationObserver(note).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
            }
            """);
        for (var i = 0; i < applies; i++)
        {
            var v1 = i % 2 == 0 ? 30 : 70;
            var started = DateTimeOffset.UtcNow;
            var sw = Stopwatch.StartNew();
            using var response = await http.PutAsJsonAsync($"api/v1/namespaces/{Namespace}/services/{Service}/traffic",
                new { weights = new Dictionary<string, int> { ["v1"] = v1, ["v2"] = 100 - v1, ["v3"] = 0 } });
            response.EnsureSuccessStatusCode();
            answered.Add(sw.Elapsed.TotalMilliseconds);
            using var applied = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var generation = applied.RootElement.GetProperty("proxySync").GetProperty("generation").GetInt64();
            var prefix = $"Reconciled|Routing generation {generation};";
            var reached = page.Locator($"[data-testid=proxy-sync][data-state=Reconciled][title^='Routing generation {generation};']")
                .Filter(new() { HasText = "reached the proxies" });
            try
            {
                await reached.WaitForAsync(new() { Timeout = 15_000 });
            }
            catch (TimeoutException)
            {
                var shown = await page.Locator("[data-testid=proxy-sync]").AllInnerTextsAsync();
                await page.ScreenshotAsync(new() { Path = "artifacts/benchmark-proxy-sync-timeout.png" });
                throw new TimeoutException($"The service page did not show generation {generation} reaching the proxies in 15 s; it shows: {string.Join(" | ", shown)}");
            }

            var shownAt = await page.EvaluateAsync<double>(
                "prefix => window.__proxySync.find(e => e.seen.startsWith(prefix) && e.seen.includes('reached the proxies')).at", prefix);
            var elapsed = shownAt - (started - DateTimeOffset.UnixEpoch).TotalMilliseconds;
            onPage.Add(elapsed);
            added.Add(elapsed - delay.TotalMilliseconds);

            using var read = JsonDocument.Parse(await http.GetStringAsync($"api/v1/namespaces/{Namespace}/services/{Service}/traffic"));
            var sync = read.RootElement.GetProperty("proxySync");
            if (sync.GetProperty("generation").GetInt64() == generation && sync.GetProperty("reconciledAfterMs") is { ValueKind: JsonValueKind.Number } after)
            {
                console.Add(after.GetInt64());
            }
        }

        var ms = delay.TotalMilliseconds;
        return
        [
            new Result($"telemetry: apply (REST PUT) -> service page shows 'reached the proxies' (Chromium), sandbox istiod reports after {ms:F0} ms", onPage, "report", true),
            new Result($"telemetry: the same minus the {ms:F0} ms istiod delay: what the console, API server and browser add", added, "report", true),
            new Result("telemetry: within that, the apply's own answer (REST PUT: the write, its revision ConfigMap, the prune)", answered, "report", true),
            new Result($"telemetry: the console's own sync time (write accepted -> cache shows Reconciled), as the page states it ({console.Count} of {applies} timed)",
                console, "report", console.Count == applies),
        ];
    }
}
