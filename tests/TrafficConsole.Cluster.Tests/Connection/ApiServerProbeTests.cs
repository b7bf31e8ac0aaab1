using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

using TrafficConsole.Cluster.Connection;

namespace TrafficConsole.Cluster.Tests.Connection;

/// <summary>
/// The probe sits on the write path (every apply asks <see cref="ApiServerProbe.NotAnsweringAsync"/>) and behind readiness:
/// it must cost the API server nothing per write while it answers, and one <c>GET /version</c> per cache period however many
/// callers ask. The sandbox counts <c>/version</c> as a discovery request.
/// </summary>
public sealed class ApiServerProbeTests
{
    private static ApiServerProbe NewProbe(TestCluster cluster, TimeProvider time) =>
        new(cluster.NewClient(), cluster.Server.Url.ToString(),
            Microsoft.Extensions.Options.Options.Create(new ApiServerProbeOptions { Timeout = TimeSpan.FromSeconds(10), CacheDuration = TimeSpan.FromSeconds(1) }),
            time, NullLogger<ApiServerProbe>.Instance);

    [Fact]
    public async Task A_write_asking_whether_the_API_server_answers_sends_no_request_while_it_answers()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        ApiServerProbe probe = NewProbe(cluster, time);
        long before = cluster.Server.Requests["discovery"];

        // Before any probe, and after one that found it answering, even once that answer is old.
        Assert.Null(await probe.NotAnsweringAsync());
        Assert.IsType<ApiServerStatus.Answering>(await probe.CheckAsync());
        long afterCheck = cluster.Server.Requests["discovery"];
        time.Advance(TimeSpan.FromMinutes(5));
        for (int write = 0; write < 50; write++)
        {
            Assert.Null(await probe.NotAnsweringAsync());
        }

        Assert.Equal(before + 1, afterCheck);
        Assert.Equal(afterCheck, cluster.Server.Requests["discovery"]);
    }

    [Fact]
    public async Task A_fresh_answer_is_reused_and_concurrent_callers_share_one_request()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        ApiServerProbe probe = NewProbe(cluster, time);
        long before = cluster.Server.Requests["discovery"];

        ApiServerStatus[] concurrent = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => probe.CheckAsync()));
        Assert.All(concurrent, static s => Assert.IsType<ApiServerStatus.Answering>(s));
        Assert.Equal(before + 1, cluster.Server.Requests["discovery"]);

        // Within the cache period: the same answer, no request.
        time.Advance(TimeSpan.FromMilliseconds(900));
        Assert.Same(concurrent[0], await probe.CheckAsync());
        Assert.Equal(before + 1, cluster.Server.Requests["discovery"]);

        // Once it is older than the period: asked again, once.
        time.Advance(TimeSpan.FromMilliseconds(200));
        Assert.IsType<ApiServerStatus.Answering>(await probe.CheckAsync());
        Assert.IsType<ApiServerStatus.Answering>(await probe.CheckAsync());
        Assert.Equal(before + 2, cluster.Server.Requests["discovery"]);
    }
}
