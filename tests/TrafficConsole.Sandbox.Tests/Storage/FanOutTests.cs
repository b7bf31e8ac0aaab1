using TrafficConsole.Sandbox.Tests.Infrastructure;

namespace TrafficConsole.Sandbox.Tests.Storage;

public sealed class FanOutTests
{
    /// <summary>
    /// Every one of 100 watchers gets every write, in order. How fast is the benchmark's business
    /// (tests/TrafficConsole.Benchmarks, "a write to its watch event at 100 concurrent watchers"): a timed
    /// assertion here failed on a loaded 2-core machine while nothing was wrong.
    /// </summary>
    [Fact]
    public async Task Every_write_reaches_all_100_watchers_in_order()
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
            for (var round = 0; round < 5; round++)
            {
                var name = $"cm{round}";
                var arrivals = watchers.Select(async w =>
                {
                    var e = await w.NextAsync(TimeSpan.FromSeconds(30));
                    return (Name: e.Str("object.metadata.name"), Type: e.Str("type"));
                }).ToList();
                var written = await cluster.PostAsync("/api/v1/namespaces/default/configmaps", $$$"""{"metadata":{"name":"{{{name}}}"}}""");

                Assert.Equal(System.Net.HttpStatusCode.Created, written.Status);
                Assert.All(await Task.WhenAll(arrivals), seen => Assert.Equal((name, "ADDED"), seen));
            }
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
