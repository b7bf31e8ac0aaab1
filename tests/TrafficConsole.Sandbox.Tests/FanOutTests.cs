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

    [Fact]
    public async Task A_watcher_that_stops_reading_is_cut_off_and_others_keep_going()
    {
        await using var server = await SandboxServer.StartAsync(new SandboxOptions { Seed = SandboxSeed.None, WatcherBufferLimit = 50 });
        using var stuck = new System.Net.Sockets.TcpClient();
        await stuck.ConnectAsync(server.Url.Host, server.Url.Port);
        var stream = stuck.GetStream();
        var request = $"GET /api/v1/namespaces/default/configmaps?watch=true&resourceVersion={server.Store.ResourceVersion} HTTP/1.1\r\nHost: {server.Url.Authority}\r\n\r\n";
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(request));
        for (var i = 0; i < 50 && server.Store.WatcherCount == 0; i++)
        {
            await Task.Delay(20);
        }

        Assert.Equal(1, server.Store.WatcherCount);
        using var http = new HttpClient { BaseAddress = server.Url };
        var payload = new string('x', 16 * 1024);
        using (var content = new StringContent($$$"""{"metadata":{"name":"big"},"data":{"v":"{{{payload}}}"}}""", System.Text.Encoding.UTF8, "application/json"))
        {
            Assert.Equal(System.Net.HttpStatusCode.Created, (await http.PostAsync(new Uri("/api/v1/namespaces/default/configmaps", UriKind.Relative), content)).StatusCode);
        }

        // Nobody reads the stuck stream: once the socket and the 50-change buffer are full, it is dropped.
        var writes = 0;
        for (; writes < 3000 && server.Store.WatcherCount > 0; writes++)
        {
            using var patch = new StringContent($$$"""{"data":{"n":"{{{writes}}}"}}""", System.Text.Encoding.UTF8, "application/merge-patch+json");
            var response = await http.PatchAsync(new Uri("/api/v1/namespaces/default/configmaps/big", UriKind.Relative), patch);
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(0, server.Store.WatcherCount);
        Assert.True(writes < 3000);

        // Writes and new watches still work.
        var watchClient = new HttpClient { BaseAddress = server.Url, Timeout = Timeout.InfiniteTimeSpan };
        var watchResponse = await watchClient.SendAsync(new HttpRequestMessage(HttpMethod.Get,
            $"/api/v1/namespaces/default/configmaps?watch=true&resourceVersion={server.Store.ResourceVersion}"), HttpCompletionOption.ResponseHeadersRead);
        await using var fresh = new WatchFeed(watchClient, watchResponse);
        using (var after = new StringContent("""{"metadata":{"name":"after"}}""", System.Text.Encoding.UTF8, "application/json"))
        {
            await http.PostAsync(new Uri("/api/v1/namespaces/default/configmaps", UriKind.Relative), after);
        }

        Assert.Equal("after", (await fresh.NextAsync()).Str("object.metadata.name"));
    }
}
