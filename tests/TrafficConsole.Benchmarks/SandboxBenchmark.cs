using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TrafficConsole.Sandbox;

namespace TrafficConsole.Benchmarks;

/// <summary>
/// The sandbox API server's speed targets: listing 5,000 VirtualServices, and the time from a write
/// to its watch event at 100 concurrent watchers. Everything goes over real HTTP on loopback.
/// </summary>
internal static class SandboxBenchmark
{
    private static string VirtualServices(string ns) => $"/apis/networking.istio.io/v1/namespaces/{ns}/virtualservices";

    public static async Task<IReadOnlyList<Result>> RunAsync(int virtualServiceCount, int watcherCount, int writeCount)
    {
        var dataDir = Directory.CreateTempSubdirectory("tc-bench-sandbox-");
        try
        {
            await using var sandbox = await SandboxServer.StartAsync(new SandboxOptions { Seed = SandboxSeed.None, DataDirectory = dataDir.FullName });
            using var http = CreateClient(sandbox);
            var results = new List<Result>();
            results.Add(await MeasureListAsync(http, virtualServiceCount));
            results.Add(await MeasureFanOutAsync(sandbox, http, watcherCount, writeCount));
            return results;
        }
        finally
        {
            dataDir.Delete(recursive: true);
        }
    }

    private static HttpClient CreateClient(SandboxServer sandbox)
    {
        var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 512, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
        var http = new HttpClient(handler) { BaseAddress = sandbox.Url, Timeout = TimeSpan.FromMinutes(5) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", sandbox.AdminToken);
        return http;
    }

    private static async Task MustAsync(Task<HttpResponseMessage> request)
    {
        using var response = await request;
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    private static Task CreateNamespaceAsync(HttpClient http, string name) =>
        MustAsync(http.PostAsync("/api/v1/namespaces", Json(new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = name } })));

    private static StringContent Json(JsonNode node) => new(node.ToJsonString(), Encoding.UTF8, "application/json");

    private static JsonObject VirtualService(string ns, string name, int v1Weight, string seq = "0") => new()
    {
        ["apiVersion"] = "networking.istio.io/v1",
        ["kind"] = "VirtualService",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["labels"] = new JsonObject { ["seq"] = seq } },
        ["spec"] = new JsonObject
        {
            ["hosts"] = new JsonArray(name),
            ["http"] = new JsonArray(new JsonObject
            {
                ["route"] = new JsonArray(
                    new JsonObject { ["destination"] = new JsonObject { ["host"] = name, ["subset"] = "v1" }, ["weight"] = v1Weight },
                    new JsonObject { ["destination"] = new JsonObject { ["host"] = name, ["subset"] = "v2" }, ["weight"] = 100 - v1Weight }),
            }),
        },
    };

    private static async Task<Result> MeasureListAsync(HttpClient http, int count)
    {
        const string ns = "bench-list";
        await CreateNamespaceAsync(http, ns);
        var path = VirtualServices(ns);
        var created = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
            await MustAsync(http.PostAsync(path, Json(VirtualService(ns, $"svc-{i:D5}", i % 101)), ct)));
        Console.Error.WriteLine($"  created {count} VirtualServices in {created.Elapsed.TotalSeconds:F1} s");

        var stats = new Stats();
        for (var run = 0; run < 40; run++)
        {
            var sw = Stopwatch.StartNew();
            using var response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
            await using var body = await response.Content.ReadAsStreamAsync();
            using var doc = await JsonDocument.ParseAsync(body);
            var items = doc.RootElement.GetProperty("items").GetArrayLength();
            sw.Stop();
            if (items != count)
            {
                throw new InvalidOperationException($"list returned {items} items, expected {count}");
            }

            if (run >= 5)
            {
                stats.Add(sw.Elapsed.TotalMilliseconds); // the first runs warm up the JIT
            }
        }

        return new Result($"sandbox: list {count} VirtualServices (HTTP GET + JSON parse)", stats, "p99 < 200 ms", stats.Percentile(99) < 200);
    }

    private static async Task<Result> MeasureFanOutAsync(SandboxServer sandbox, HttpClient http, int watchers, int writes)
    {
        const string ns = "bench-watch";
        await CreateNamespaceAsync(http, ns);
        var path = VirtualServices(ns);
        await MustAsync(http.PostAsync(path, Json(VirtualService(ns, "reviews", 50))));
        using var current = JsonDocument.Parse(await http.GetStringAsync($"{path}/reviews"));
        var resourceVersion = current.RootElement.GetProperty("metadata").GetProperty("resourceVersion").GetString();

        var sent = new ConcurrentDictionary<string, long>();
        var latencies = new ConcurrentBag<double>();
        var received = new CountdownEvent(watchers * (writes + 1));
        using var cts = new CancellationTokenSource();
        var watchTasks = Enumerable.Range(0, watchers).Select(_ => Task.Run(async () =>
        {
            using var client = CreateClient(sandbox);
            using var response = await client.GetAsync($"{path}?watch=true&resourceVersion={resourceVersion}", HttpCompletionOption.ResponseHeadersRead, cts.Token);
            response.EnsureSuccessStatusCode();
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
            while (await reader.ReadLineAsync(cts.Token) is { } line)
            {
                var at = Stopwatch.GetTimestamp();
                var node = JsonNode.Parse(line)!;
                var seq = node["object"]?["metadata"]?["labels"]?["seq"]?.GetValue<string>();
                if (seq is not null && sent.TryGetValue(seq, out var start))
                {
                    if (seq != "warmup")
                    {
                        latencies.Add(Stopwatch.GetElapsedTime(start, at).TotalMilliseconds);
                    }

                    received.Signal();
                }
            }
        }, cts.Token)).ToList();

        // A first write proves every watcher is connected before anything is timed.
        var warmupDeadline = Stopwatch.StartNew();
        while (true)
        {
            sent["warmup"] = Stopwatch.GetTimestamp();
            await MustAsync(http.PatchAsync($"{path}/reviews", MergePatch("warmup", 50)));
            await Task.Delay(500);
            if (received.CurrentCount <= watchers * writes || warmupDeadline.Elapsed > TimeSpan.FromSeconds(30))
            {
                break;
            }
        }

        if (received.CurrentCount != watchers * writes)
        {
            throw new InvalidOperationException($"only {watchers * (writes + 1) - received.CurrentCount} of {watchers} watchers saw the warm-up write");
        }

        for (var i = 0; i < writes; i++)
        {
            var seq = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            sent[seq] = Stopwatch.GetTimestamp();
            await MustAsync(http.PatchAsync($"{path}/reviews", MergePatch(seq, i % 101)));
            await Task.Delay(10);
        }

        var complete = received.Wait(TimeSpan.FromSeconds(30));
        await cts.CancelAsync();
        await Task.WhenAll(watchTasks.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
        var stats = new Stats();
        stats.AddRange(latencies);
        var lost = complete ? 0 : received.CurrentCount;
        return new Result(
            $"sandbox: write -> watch event at {watchers} watchers ({writes} writes, durable on disk, {lost} events missing)",
            stats,
            "p99 < 50 ms",
            complete && stats.Percentile(99) < 50);
    }

    private static StringContent MergePatch(string seq, int v1Weight)
    {
        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["seq"] = seq } },
            ["spec"] = new JsonObject
            {
                ["http"] = new JsonArray(new JsonObject
                {
                    ["route"] = new JsonArray(
                        new JsonObject { ["destination"] = new JsonObject { ["host"] = "reviews", ["subset"] = "v1" }, ["weight"] = v1Weight },
                        new JsonObject { ["destination"] = new JsonObject { ["host"] = "reviews", ["subset"] = "v2" }, ["weight"] = 100 - v1Weight }),
                }),
            },
        };
        return new StringContent(patch.ToJsonString(), Encoding.UTF8, "application/merge-patch+json");
    }
}

/// <summary>One measured figure with its target.</summary>
internal sealed record Result(string Name, string Value, string Target, bool Met)
{
    public Result(string name, Stats stats, string target, bool met)
        : this(name, stats.Summary(), target, met)
    {
    }
}
