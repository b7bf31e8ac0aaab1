using System.Diagnostics;
using System.Globalization;
using TrafficConsole.Sandbox.Tests.Infrastructure;

namespace TrafficConsole.Sandbox.Tests;

public sealed class FanOutTests
{
    [Fact]
    public async Task A_write_reaches_100_watchers_with_p99_under_50ms()
    {
        await using var cluster = await TestCluster.StartAsync(SandboxSeed.None);
        var rv = cluster.Server.Store.ResourceVersion;
        var watchers = new List<WatchFeed>();
        try
        {
            for (var i = 0; i < 100; i++)
            {
                watchers.Add(await cluster.WatchAsync($"/api/v1/namespaces/default/configmaps?watch=true&resourceVersion={rv}"));
            }

            Assert.Equal(100, cluster.Server.Store.WatcherCount);
            var latencies = new List<double>();
            for (var round = 0; round < 5; round++)
            {
                var name = $"cm{round}";
                var sw = Stopwatch.StartNew();
                var arrivals = watchers.Select(async w =>
                {
                    var e = await w.NextAsync(TimeSpan.FromSeconds(5));
                    Assert.Equal(name, e.Str("object.metadata.name"));
                    return sw.Elapsed.TotalMilliseconds;
                }).ToList();
                var written = await cluster.PostAsync("/api/v1/namespaces/default/configmaps", $$$"""{"metadata":{"name":"{{{name}}}"}}""");
                var writeDone = sw.Elapsed.TotalMilliseconds;
                foreach (var arrival in await Task.WhenAll(arrivals))
                {
                    // Latency from the acknowledged write to the watcher seeing it.
                    latencies.Add(Math.Max(0, arrival - writeDone));
                }

                Assert.Equal(System.Net.HttpStatusCode.Created, written.Status);
            }

            latencies.Sort();
            var p99 = latencies[(int)Math.Ceiling(latencies.Count * 0.99) - 1];
            Assert.True(p99 < 50, $"p99 {p99.ToString("F1", CultureInfo.InvariantCulture)} ms");
        }
        finally
        {
            foreach (var w in watchers)
            {
                await w.DisposeAsync();
            }
        }
    }
}
