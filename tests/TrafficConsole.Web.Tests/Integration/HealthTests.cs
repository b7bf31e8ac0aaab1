using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using TrafficConsole.Sandbox;
using TrafficConsole.Web.Hosting;

namespace TrafficConsole.Web.Tests.Integration;

/// <summary>/healthz and /readyz as an orchestrator sees them, including API server outages.</summary>
public sealed class HealthTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Healthz_and_readyz_answer_200_once_synced()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        using HttpClient client = host.CreateClient();

        (HttpResponseMessage health, _) = await HttpJson.GetAsync(client, "healthz");
        (HttpResponseMessage ready, JsonElement body) = await HttpJson.GetAsync(client, "readyz");

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", body.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Readyz_is_503_while_the_api_server_is_down_and_recovers_when_it_is_back()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        using HttpClient client = host.CreateClient();

        await host.StopSandboxAsync();

        JsonElement down = await WaitForReadyzAsync(client, HttpStatusCode.ServiceUnavailable);
        string reason = down.GetProperty("checks").GetProperty("cluster").GetProperty("reason").GetString()!;
        Assert.Contains("API server", reason, StringComparison.Ordinal);
        (HttpResponseMessage alive, _) = await HttpJson.GetAsync(client, "healthz");
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);

        // A write while the API server is down: 503 problem, nothing pretends to have worked.
        (HttpResponseMessage put, JsonElement problem) = await HttpJson.PutAsync(client, "api/v1/namespaces/bookinfo/services/reviews/traffic",
            """{ "weights": { "v1": 50, "v2": 50 } }""");
        Assert.True(put.StatusCode == HttpStatusCode.ServiceUnavailable, problem.ToString());
        Assert.Equal(503, problem.GetProperty("status").GetInt32());

        await host.StartSandboxAsync();

        await WaitForReadyzAsync(client, HttpStatusCode.OK);
        (HttpResponseMessage retry, JsonElement retried) = await HttpJson.PutAsync(client, "api/v1/namespaces/bookinfo/services/reviews/traffic",
            """{ "weights": { "v1": 50, "v2": 50 } }""");
        Assert.True(retry.StatusCode == HttpStatusCode.OK, retried.ToString());
    }

    [Fact]
    public async Task Readyz_is_503_within_10_s_of_the_api_server_freezing_writes_are_refused_at_once_and_both_recover()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync(new ConsoleTestHostOptions { ThroughFreezableProxy = true });
        using HttpClient client = host.CreateClient();
        FreezableProxy proxy = host.Proxy!;
        string before = host.Traffic.GetService("bookinfo", "reviews")!.Summary.Routing.Revision;

        // As kill -STOP: the API server's connections stay open and nothing answers, so the cache's watches just go quiet.
        proxy.Freeze();
        Stopwatch frozen = Stopwatch.StartNew();
        JsonElement down = await WaitForReadyzAsync(client, HttpStatusCode.ServiceUnavailable);
        TimeSpan noticed = frozen.Elapsed;
        Assert.True(noticed < TimeSpan.FromSeconds(10), $"/readyz turned 503 only after {noticed.TotalSeconds:0.0} s");
        string reason = down.GetProperty("checks").GetProperty("cluster").GetProperty("reason").GetString()!;
        Assert.Contains($"The Kubernetes API server at {host.Traffic.Cluster.ServerUrl}", reason, StringComparison.Ordinal);
        Assert.Contains("did not answer", reason, StringComparison.Ordinal);

        // A write during the freeze is refused at once with 503, instead of hanging until the client gives up.
        Stopwatch writing = Stopwatch.StartNew();
        (HttpResponseMessage put, JsonElement problem) = await HttpJson.PutAsync(client, "api/v1/namespaces/bookinfo/services/reviews/traffic",
            """{ "weights": { "v1": 50, "v2": 50 } }""");
        Assert.True(put.StatusCode == HttpStatusCode.ServiceUnavailable, problem.ToString());
        Assert.Contains("Nothing was written", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.True(writing.Elapsed < TimeSpan.FromSeconds(10), $"the refused write took {writing.Elapsed.TotalSeconds:0.0} s");

        proxy.Thaw();

        await WaitForReadyzAsync(client, HttpStatusCode.OK);
        Assert.Equal(before, host.Traffic.GetService("bookinfo", "reviews")!.Summary.Routing.Revision);
        (HttpResponseMessage retry, JsonElement retried) = await HttpJson.PutAsync(client, "api/v1/namespaces/bookinfo/services/reviews/traffic",
            """{ "weights": { "v1": 50, "v2": 50 } }""");
        Assert.True(retry.StatusCode == HttpStatusCode.OK, retried.ToString());
    }

    [Fact]
    public async Task Readyz_is_503_before_the_first_sync_and_200_after()
    {
        int port = ConsoleTestHost.FreePort();
        string dataDir = Path.Combine(Path.GetTempPath(), "trafficconsole-tests", Guid.NewGuid().ToString("N"));
        // The sandbox's token is kept in its data directory: start it once to learn it, then stop it.
        string token;
        await using (SandboxServer first = await ConsoleTestHost.StartSandboxAsync(port, dataDir, SandboxSeed.Bookinfo, CancellationToken.None))
        {
            token = first.AdminToken;
        }

        await using WebApplication app = ConsoleApp.Build(["--urls", "http://127.0.0.1:0"], builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cluster:Mode"] = "Sandbox",
            ["Cluster:ServerUrl"] = $"http://127.0.0.1:{port}",
            ["Cluster:Token"] = token,
            ["Cluster:Cache:InitialBackoff"] = "00:00:00.200",
            ["Cluster:Cache:MaxBackoff"] = "00:00:01",
        }));
        await app.StartAsync();
        using HttpClient client = new() { BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()) };

        // Let the cache fail a few times first: "reconnecting" before any sync is still not ready.
        await Task.Delay(700);
        (HttpResponseMessage before, JsonElement body) = await HttpJson.GetAsync(client, "readyz");
        Assert.True(before.StatusCode == HttpStatusCode.ServiceUnavailable, body.ToString());
        Assert.Equal("Unhealthy", body.GetProperty("status").GetString());
        (HttpResponseMessage api, JsonElement problem) = await HttpJson.GetAsync(client, "api/v1/namespaces/bookinfo/services");
        Assert.True(api.StatusCode == HttpStatusCode.ServiceUnavailable, problem.ToString());

        await using SandboxServer sandbox = await ConsoleTestHost.StartSandboxAsync(port, dataDir, SandboxSeed.Bookinfo, CancellationToken.None);

        await WaitForReadyzAsync(client, HttpStatusCode.OK);
        (HttpResponseMessage services, JsonElement listed) = await HttpJson.GetAsync(client, "api/v1/namespaces/bookinfo/services");
        Assert.True(services.StatusCode == HttpStatusCode.OK, listed.ToString());
        Assert.Contains(listed.EnumerateArray(), s => s.GetProperty("name").GetString() == "reviews");
        await app.StopAsync();
    }

    private static async Task<JsonElement> WaitForReadyzAsync(HttpClient client, HttpStatusCode expected)
    {
        DateTime deadline = DateTime.UtcNow + Bound;
        string last = string.Empty;
        while (DateTime.UtcNow < deadline)
        {
            (HttpResponseMessage response, JsonElement body) = await HttpJson.GetAsync(client, "readyz");
            if (response.StatusCode == expected)
            {
                return body;
            }

            last = $"{(int)response.StatusCode} {body}";
            await Task.Delay(100);
        }

        throw new TimeoutException($"/readyz did not answer {(int)expected} within {Bound.TotalSeconds} s; last: {last}");
    }
}
