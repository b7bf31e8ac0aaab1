using System.Runtime.CompilerServices;

using k8s.Models;

using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

using TrafficConsole.Cluster.Cache;
using TrafficConsole.Cluster.Tests.Infrastructure;

namespace TrafficConsole.Cluster.Tests.Cache;

/// <summary>The informer's retry schedule, driven by a fake clock: nothing happens until time moves.</summary>
public sealed class ResourceInformerTests
{
    [Fact]
    public void Backoff_doubles_from_the_initial_delay_and_is_capped_at_fifteen_seconds_by_default()
    {
        var options = new MeshCacheOptions();
        var backoff = new Backoff(options.InitialBackoff, options.MaxBackoff);

        TimeSpan[] delays = [.. Enumerable.Range(0, 8).Select(_ => backoff.NextDelay())];

        Assert.Equal([0.5, 1, 2, 4, 8, 15, 15, 15], delays.Select(d => d.TotalSeconds));
        backoff.Reset();
        Assert.Equal(TimeSpan.FromSeconds(0.5), backoff.NextDelay());
    }

    [Fact]
    public async Task Failed_lists_are_retried_on_the_clock_with_capped_backoff_and_recover()
    {
        var time = new FakeTimeProvider();
        var source = new FlakySource(failures: 6);
        var sink = new RecordingSink();
        var informer = new ResourceInformer(
            source, sink, time, new InformerTiming(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5)),
            new CacheRequestCounters(), NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        Task running = informer.RunAsync(stop.Token);

        // 100, 200, 400, 800 ms, then capped at 1 s: advancing by exactly that much is always enough.
        TimeSpan[] schedule = [TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(400), TimeSpan.FromMilliseconds(800), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)];
        for (int attempt = 1; attempt <= schedule.Length; attempt++)
        {
            await Eventually.TrueAsync(() => source.Lists == attempt && sink.Failures.Count == attempt, $"list attempt {attempt} failed and was reported");
            Assert.Equal(attempt, sink.Failures[^1]);
            time.Advance(schedule[attempt - 1]);
        }

        await Eventually.TrueAsync(() => sink.Connected > 0 && sink.Applied.Count == 1, "the seventh list succeeded");
        Assert.Equal(7, source.Lists);
        Assert.Equal("pod-a", Assert.Single(sink.Applied[0]).Object.Metadata.Name);
        await Eventually.TrueAsync(() => source.Watches == 1 && source.WatchedFrom == "42", "the watch started from the list's resourceVersion");

        await stop.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(5));
    }

    private sealed class FlakySource(int failures) : IResourceSource
    {
        private int _lists;
        private int _watches;

        public MeshResourceKind Kind => MeshResourceKind.Namespace;

        public string Resource => "namespaces";

        public int Lists => Volatile.Read(ref _lists);

        public int Watches => Volatile.Read(ref _watches);

        public string? WatchedFrom { get; private set; }

        public Task<ResourceListing> ListAsync(CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _lists) <= failures)
            {
                throw new HttpRequestException("Connection refused (127.0.0.1:1)");
            }

            var item = new V1Namespace { Metadata = new V1ObjectMeta { Name = "pod-a", ResourceVersion = "41" } };
            return Task.FromResult(new ResourceListing([item], "42"));
        }

        public async IAsyncEnumerable<WatchNotice> WatchAsync(string resourceVersion, int timeoutSeconds, Action<Exception> onError, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            WatchedFrom = resourceVersion;
            Interlocked.Increment(ref _watches);
            await Task.Delay(Timeout.Infinite, cancellationToken);
            yield break;
        }

        public Task ProbeAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class RecordingSink : IInformerSink
    {
        private readonly Lock _gate = new();

        public List<IReadOnlyList<ResourceDelta>> Applied { get; } = [];

        public List<int> Failures { get; } = [];

        public int Connected { get; private set; }

        public void Apply(MeshResourceKind kind, IReadOnlyList<ResourceDelta> deltas, bool listed)
        {
            lock (_gate)
            {
                Applied.Add(deltas);
            }
        }

        public void ReportConnected(MeshResourceKind kind)
        {
            lock (_gate)
            {
                Connected++;
            }
        }

        public void ReportFailure(MeshResourceKind kind, Exception error, int consecutiveFailures)
        {
            lock (_gate)
            {
                Failures.Add(consecutiveFailures);
            }
        }
    }
}
