using System.Net;
using System.Text;
using TrafficConsole.Sandbox.Tests.Infrastructure;

namespace TrafficConsole.Sandbox.Tests.Storage;

public sealed class PersistenceTests
{
    private const string CmPath = "/api/v1/namespaces/default/configmaps";

    [Fact]
    public async Task State_resourceVersion_and_token_survive_a_restart()
    {
        using var dir = new TempDirectory();
        string token;
        long rv;
        await using (var first = await TestCluster.StartAsync(dataDirectory: dir.Path))
        {
            token = first.Server.AdminToken;
            Assert.Equal(Path.Combine(dir.Path, "kubeconfig"), first.Server.KubeconfigPath);
            Assert.Contains(token, await File.ReadAllTextAsync(first.Server.KubeconfigPath!), StringComparison.Ordinal);
            await first.PostAsync(CmPath, """{"metadata":{"name":"kept"},"data":{"a":"1"}}""");
            await first.SendAsync(HttpMethod.Delete, "/apis/networking.istio.io/v1/namespaces/shop/virtualservices/cart");
            rv = first.Server.Store.ResourceVersion;
        }

        await using var second = await TestCluster.StartAsync(dataDirectory: dir.Path);
        Assert.Equal(token, second.Server.AdminToken);
        Assert.Equal(rv, second.Server.Store.ResourceVersion);
        Assert.Equal("1", (await second.GetAsync($"{CmPath}/kept")).Body.Str("data.a"));
        Assert.Equal(HttpStatusCode.NotFound, (await second.GetAsync("/apis/networking.istio.io/v1/namespaces/shop/virtualservices/cart")).Status);

        // The seed is for first starts only, and versions keep increasing.
        var created = (await second.PostAsync(CmPath, """{"metadata":{"name":"next"}}""")).Body;
        Assert.True(long.Parse(created.Str("metadata.resourceVersion")!) > rv);
    }

    [Fact]
    public async Task A_torn_final_log_record_is_ignored_and_everything_acknowledged_is_kept()
    {
        using var dir = new TempDirectory();
        await using (var first = await TestCluster.StartAsync(SandboxSeed.None, dataDirectory: dir.Path))
        {
            for (var i = 0; i < 3; i++)
            {
                Assert.Equal(HttpStatusCode.Created, (await first.PostAsync(CmPath, $$$"""{"metadata":{"name":"cm{{{i}}}"}}""")).Status);
            }
        }

        // Simulate kill -9 in the middle of an append: half a record, no newline.
        var log = Path.Combine(dir.Path, "changes.log");
        var lines = (await File.ReadAllLinesAsync(log)).Where(l => l.Length > 0).ToList();
        Assert.Equal(3, lines.Count);
        await File.AppendAllTextAsync(log, lines[^1][..(lines[^1].Length / 2)]);

        await using (var second = await TestCluster.StartAsync(SandboxSeed.None, dataDirectory: dir.Path))
        {
            var names = (await second.GetAsync(CmPath)).Body["items"]!.AsArray().Select(i => i.Str("metadata.name"));
            Assert.Equal(["cm0", "cm1", "cm2"], names);
            Assert.Equal(HttpStatusCode.Created, (await second.PostAsync(CmPath, """{"metadata":{"name":"cm3"}}""")).Status);
        }

        await using var third = await TestCluster.StartAsync(SandboxSeed.None, dataDirectory: dir.Path);
        Assert.Equal(4, (await third.GetAsync(CmPath)).Body["items"]!.AsArray().Count);
    }

    [Fact]
    public async Task A_damaged_record_followed_by_others_stops_start_up_naming_the_file()
    {
        using var dir = new TempDirectory();
        await using (var first = await TestCluster.StartAsync(SandboxSeed.None, dataDirectory: dir.Path))
        {
            for (var i = 0; i < 3; i++)
            {
                await first.PostAsync(CmPath, $$$"""{"metadata":{"name":"cm{{{i}}}"}}""");
            }
        }

        var log = Path.Combine(dir.Path, "changes.log");
        var lines = await File.ReadAllLinesAsync(log);
        lines[0] = lines[0].Replace("cm0", "cmX", StringComparison.Ordinal);
        await File.WriteAllLinesAsync(log, lines);
        var before = await File.ReadAllBytesAsync(log);

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => SandboxServer.StartAsync(
            new SandboxOptions { DataDirectory = dir.Path, Seed = SandboxSeed.None }));
        Assert.Contains(log, ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllBytesAsync(log));
    }

    [Fact]
    public async Task An_unreadable_state_file_stops_start_up_naming_the_file_and_is_not_replaced()
    {
        using var dir = new TempDirectory();
        await using (await TestCluster.StartAsync(dataDirectory: dir.Path))
        {
        }

        var state = Path.Combine(dir.Path, "state.json");
        Assert.True(File.Exists(state));
        await File.WriteAllTextAsync(state, "{\"format\":1,\"resourceVersion\":12,\"objects\":[{\"resou", Encoding.UTF8);
        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => SandboxServer.StartAsync(
            new SandboxOptions { DataDirectory = dir.Path }));
        Assert.Contains(state, ex.Message, StringComparison.Ordinal);
        Assert.StartsWith("{\"format\":1,\"resourceVersion\":12", await File.ReadAllTextAsync(state), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Compaction_folds_the_log_into_the_snapshot_without_losing_writes()
    {
        using var dir = new TempDirectory();
        await using (var server = await SandboxServer.StartAsync(new SandboxOptions
        {
            DataDirectory = dir.Path, Seed = SandboxSeed.None, CompactAfterWrites = 5,
        }))
        {
            using var http = new HttpClient { BaseAddress = server.Url };
            for (var i = 0; i < 12; i++)
            {
                using var content = new StringContent($$$"""{"metadata":{"name":"cm{{{i}}}"}}""", Encoding.UTF8, "application/json");
                Assert.Equal(HttpStatusCode.Created, (await http.PostAsync(new Uri(CmPath, UriKind.Relative), content)).StatusCode);
            }

            Assert.True((await File.ReadAllLinesAsync(Path.Combine(dir.Path, "changes.log"))).Length < 5);
        }

        await using var again = await TestCluster.StartAsync(SandboxSeed.None, dataDirectory: dir.Path);
        Assert.Equal(12, (await again.GetAsync(CmPath)).Body["items"]!.AsArray().Count);
    }

    [Fact]
    public async Task A_second_sandbox_on_the_same_data_directory_is_refused()
    {
        using var dir = new TempDirectory();
        await using (var first = await TestCluster.StartAsync(SandboxSeed.None, dataDirectory: dir.Path))
        {
            var ex = await Assert.ThrowsAsync<IOException>(() => SandboxServer.StartAsync(new SandboxOptions { DataDirectory = dir.Path }));
            Assert.Contains("in use by another sandbox", ex.Message, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.Created, (await first.PostAsync(CmPath, """{"metadata":{"name":"still-mine"}}""")).Status);
        }

        // Once the first one stops, the directory can be opened again.
        await using var again = await TestCluster.StartAsync(SandboxSeed.None, dataDirectory: dir.Path);
        Assert.Equal(HttpStatusCode.OK, (await again.GetAsync($"{CmPath}/still-mine")).Status);
    }
}
