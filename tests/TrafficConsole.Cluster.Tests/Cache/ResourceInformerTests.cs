using System.Runtime.CompilerServices;

using k8s;
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

    [Fact]
    public async Task A_paged_list_is_watched_from_its_first_page_so_changes_between_pages_are_replayed()
    {
        string? watchedFrom = null;
        var source = new ResourceSource<V1Namespace>(
            MeshResourceKind.Namespace,
            "namespaces",
            (next, ct) => Task.FromResult<(IReadOnlyList<V1Namespace>, string?, string?)>(next is null
                ? ([Namespace("a", "5")], "10", "page-2")
                : ([Namespace("b", "12")], "12", null)),
            (rv, timeout, onError, ct) =>
            {
                watchedFrom = rv;
                return Replay(ct);
            },
            _ => Task.CompletedTask);
        var sink = new RecordingSink();
        var informer = new ResourceInformer(
            source, sink, TimeProvider.System, new InformerTiming(TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5)),
            new CacheRequestCounters(), NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        Task running = informer.RunAsync(stop.Token);

        // "a" changed (rv 11) after page 1 was read: only a watch from page 1's version (10) shows it.
        await Eventually.TrueAsync(() => sink.Applied.Count == 2, "the list and the replayed change were applied");
        Assert.Equal("10", watchedFrom);
        Assert.Equal(["a", "b"], sink.Applied[0].Select(d => d.Object.Metadata.Name));
        ResourceDelta replayed = Assert.Single(sink.Applied[1]);
        Assert.Equal((DeltaType.Modified, "a", "11"), (replayed.Type, replayed.Object.Metadata.Name, replayed.Object.Metadata.ResourceVersion));

        await stop.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(5));

        static async IAsyncEnumerable<(WatchEventType, V1Namespace)> Replay([EnumeratorCancellation] CancellationToken ct)
        {
            yield return (WatchEventType.Modified, Namespace("a", "11"));
            yield return (WatchEventType.Added, Namespace("b", "12")); // already listed at this version: not a change
            await Task.Delay(Timeout.Infinite, ct);
        }
    }

    private static V1Namespace Namespace(string name, string resourceVersion) =>
        new() { Metadata = new V1ObjectMeta { Name = name, ResourceVersion = resourceVersion } };

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

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_404_on_an_optional_kind_lists_as_empty_without_failing_and_looks_again_later(bool optional)
    {
        var time = new FakeTimeProvider();
        int lists = 0;
        int watches = 0;
        var source = new ResourceSource<V1Namespace>(
            MeshResourceKind.Gateway,
            "gateways",
            (next, ct) => Interlocked.Increment(ref lists) == 1
                ? throw new k8s.Autorest.HttpOperationException("Operation returned an invalid status code 'NotFound'")
                {
                    Response = new k8s.Autorest.HttpResponseMessageWrapper(new HttpResponseMessage(System.Net.HttpStatusCode.NotFound), "404 page not found"),
                }
                : Task.FromResult<(IReadOnlyList<V1Namespace>, string?, string?)>(([Namespace("bookinfo-gateway", "7")], "8", null)),
            (rv, timeout, onError, ct) =>
            {
                Interlocked.Increment(ref watches);
                return Quiet(ct);
            },
            _ => Task.CompletedTask)
        {
            IsOptional = optional,
        };
        var sink = new RecordingSink();
        var informer = new ResourceInformer(
            source, sink, time, new InformerTiming(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5)),
            new CacheRequestCounters(), NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        Task running = informer.RunAsync(stop.Token);

        if (optional)
        {
            // Not served: synced as empty, healthy, no watch; the next look is after the longest back-off.
            await Eventually.TrueAsync(() => sink.Applied.Count == 1 && sink.Connected == 1, "the missing kind listed as empty");
            Assert.Empty(sink.Applied[0]);
            Assert.Empty(sink.Failures);
            Assert.Equal(0, Volatile.Read(ref watches));
            time.Advance(TimeSpan.FromSeconds(1));
        }
        else
        {
            await Eventually.TrueAsync(() => sink.Failures.Count == 1, "a required kind's 404 is a failure");
            Assert.Empty(sink.Applied);
            time.Advance(TimeSpan.FromMilliseconds(100));
        }

        // The CRD got installed: the next list finds its objects and the informer watches.
        await Eventually.TrueAsync(() => sink.Applied.Any(a => a.Count == 1) && Volatile.Read(ref watches) == 1, "the kind, once served, is listed and watched");
        Assert.Equal(2, Volatile.Read(ref lists));

        await stop.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(5));

        static async IAsyncEnumerable<(WatchEventType, V1Namespace)> Quiet([EnumeratorCancellation] CancellationToken ct)
        {
            await Task.Delay(Timeout.Infinite, ct);
            yield break;
        }
    }

    private sealed class RecordingSink : IInformerSink
    {
        private readonly Lock _gate = new();

        public List<IReadOnlyList<ResourceDelta>> Applied { get; } = [];

        public List<int> Failures { get; } = [];

        public int Connected { get; private set; }

        public void Apply(SourceKey source, IReadOnlyList<ResourceDelta> deltas, bool listed)
        {
            lock (_gate)
            {
                Applied.Add(deltas);
            }
        }

        public void ReportConnected(SourceKey source)
        {
            lock (_gate)
            {
                Connected++;
            }
        }

        public void ReportForbidden(SourceKey source, string? message)
        {
        }

        public void ReportFailure(SourceKey source, Exception error, int consecutiveFailures)
        {
            lock (_gate)
            {
                Failures.Add(consecutiveFailures);
            }
        }
    }
}
