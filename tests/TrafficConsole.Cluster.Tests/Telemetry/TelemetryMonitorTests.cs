using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

using TrafficConsole.Cluster.Telemetry;
using TrafficConsole.Cluster.Tests.Infrastructure;
using TrafficConsole.Mesh.Telemetry;

namespace TrafficConsole.Cluster.Tests.Telemetry;

/// <summary>The shared poller on a fake clock: one loop per watched key, refcounted, fan-out, single flight, answers reused for the interval.</summary>
public sealed class TelemetryMonitorTests : IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));
    private readonly CountingSource _source;
    private readonly TelemetryMonitor _monitor;

    public TelemetryMonitorTests()
    {
        _source = new CountingSource(_time);
        _monitor = new TelemetryMonitor(_source, Options.Create(new TelemetryOptions { RefreshInterval = Interval }), _time, NullLogger<TelemetryMonitor>.Instance);
    }

    public void Dispose() => _monitor.Dispose();

    /// <summary>A source that answers each reading with its sequence number as requests/s, optionally held until released.</summary>
    private sealed class CountingSource(TimeProvider time) : ITelemetrySource
    {
        private int _readings;
        private int _series;

        public TaskCompletionSource? Gate { get; set; }

        public int Readings => Volatile.Read(ref _readings);

        public int SeriesReads => Volatile.Read(ref _series);

        public TelemetrySourceKind Kind => TelemetrySourceKind.Sandbox;

        public async Task<TelemetryResult<TelemetryReading>> ReadAsync(string? namespaceName, TelemetryWindow window, CancellationToken cancellationToken)
        {
            int n = Interlocked.Increment(ref _readings);
            if (Gate is { } gate)
            {
                await gate.Task.WaitAsync(cancellationToken);
            }

            return new TelemetryResult<TelemetryReading>.Ok(new TelemetryReading(Kind, window, time.GetUtcNow(),
                [new ServiceFigures(namespaceName ?? "all", "reviews", [new VersionFigures("v1", n, 0, 0, null, null, null)])]));
        }

        public Task<TelemetryResult<TelemetrySeries>> ReadSeriesAsync(string namespaceName, string service, TelemetryRange range, TelemetryWindow window, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _series);
            return Task.FromResult<TelemetryResult<TelemetrySeries>>(new TelemetryResult<TelemetrySeries>.Ok(new TelemetrySeries(Kind, [range.End], [])));
        }
    }

    private static double Rps(TelemetryResult<TelemetryReading> result) =>
        Assert.IsType<TelemetryResult<TelemetryReading>.Ok>(result).Value.Services[0].Versions[0].RequestsPerSecond;

    private static async Task<TelemetryResult<TelemetryReading>> NextAsync(IAsyncEnumerator<TelemetryResult<TelemetryReading>> watch)
    {
        Assert.True(await watch.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        return watch.Current;
    }

    /// <summary>
    /// Advances the clock an interval and returns the watcher's next reading. The poll loop reads the clock and then
    /// starts its delay: an advance that lands between the two leaves the delay an interval in the future (a fake clock's
    /// race, not the product's), so advance again, an interval at a time, until the reading arrives; each such delay
    /// still ends in one read.
    /// </summary>
    private async Task<TelemetryResult<TelemetryReading>> AdvanceUntilNextAsync(IAsyncEnumerator<TelemetryResult<TelemetryReading>> watch)
    {
        Task<bool> next = watch.MoveNextAsync().AsTask();
        for (int attempt = 0; attempt < 20 && !next.IsCompleted; attempt++)
        {
            _time.Advance(Interval);
            await Task.WhenAny(next, Task.Delay(TimeSpan.FromMilliseconds(250)));
        }

        Assert.True(await next.WaitAsync(TimeSpan.FromSeconds(10)));
        return watch.Current;
    }

    [Fact]
    public async Task Watchers_share_one_loop_that_reads_once_per_interval_and_stops_with_the_last()
    {
        using var cancel = new CancellationTokenSource();
        await using var first = _monitor.WatchAsync("bookinfo", TelemetryWindow.OneMinute, cancel.Token).GetAsyncEnumerator();
        Assert.Equal(1, Rps(await NextAsync(first)));

        // A second watcher gets the latest at once, without a query.
        await using var second = _monitor.WatchAsync("bookinfo", TelemetryWindow.OneMinute, cancel.Token).GetAsyncEnumerator();
        Assert.Equal(1, Rps(await NextAsync(second)));
        Assert.Equal((1, 1), (_source.Readings, _monitor.ActivePolls));

        // One interval later both get the next reading, from one query.
        Assert.Equal(2, Rps(await AdvanceUntilNextAsync(first)));
        Assert.Equal(2, Rps(await NextAsync(second)));
        Assert.Equal(2, _source.Readings);

        // Another window is another key: its own loop.
        await using var hourly = _monitor.WatchAsync("bookinfo", TelemetryWindow.OneHour, cancel.Token).GetAsyncEnumerator();
        Assert.Equal(3, Rps(await NextAsync(hourly)));
        Assert.Equal(2, _monitor.ActivePolls);
        await hourly.DisposeAsync();
        await first.DisposeAsync();
        Assert.Equal(1, _monitor.ActivePolls);
        await second.DisposeAsync();
        Assert.Equal(0, _monitor.ActivePolls);

        // Nobody watches: time passes, nothing is read.
        _time.Advance(Interval * 5);
        await Task.Yield();
        Assert.Equal(3, _source.Readings);
        Assert.Equal(3, _monitor.QueriesSent);
    }

    [Fact]
    public async Task A_slow_watcher_gets_the_newest_reading_not_a_backlog()
    {
        await using var slow = _monitor.WatchAsync(null, TelemetryWindow.OneMinute, CancellationToken.None).GetAsyncEnumerator();
        await using var keeping = _monitor.WatchAsync(null, TelemetryWindow.OneMinute, CancellationToken.None).GetAsyncEnumerator();
        Assert.Equal(1, Rps(await NextAsync(keeping)));
        for (int i = 2; i <= 4; i++)
        {
            Assert.Equal(i, Rps(await AdvanceUntilNextAsync(keeping)));
        }

        Assert.Equal(4, Rps(await NextAsync(slow)));
    }

    [Fact]
    public async Task Concurrent_reads_share_one_query_and_reuse_it_for_the_interval()
    {
        _source.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reads = Enumerable.Range(0, 20).Select(_ => _monitor.ReadAsync("bookinfo", TelemetryWindow.FiveMinutes, CancellationToken.None)).ToList();
        await Eventually.TrueAsync(() => _source.Readings == 1, "the shared query started");
        _source.Gate.SetResult();
        _source.Gate = null;

        Assert.All(await Task.WhenAll(reads), r => Assert.Equal(1, Rps(r)));
        Assert.Equal(1, Rps(await _monitor.ReadAsync("bookinfo", TelemetryWindow.FiveMinutes, CancellationToken.None)));

        _time.Advance(Interval);
        Assert.Equal(2, Rps(await _monitor.ReadAsync("bookinfo", TelemetryWindow.FiveMinutes, CancellationToken.None)));
        Assert.Equal(2, _source.Readings);
    }

    [Fact]
    public async Task A_reader_that_gives_up_does_not_cancel_the_shared_query()
    {
        _source.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var impatient = new CancellationTokenSource();
        Task<TelemetryResult<TelemetryReading>> leaving = _monitor.ReadAsync(null, TelemetryWindow.OneMinute, impatient.Token);
        Task<TelemetryResult<TelemetryReading>> staying = _monitor.ReadAsync(null, TelemetryWindow.OneMinute, CancellationToken.None);
        await impatient.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => leaving);
        _source.Gate.SetResult();
        Assert.Equal(1, Rps(await staying));
    }

    [Fact]
    public async Task Charts_of_the_same_span_are_shared_a_moment_apart()
    {
        DateTimeOffset now = _time.GetUtcNow();
        var range = TelemetryRange.Last(TimeSpan.FromMinutes(30), now);
        await _monitor.ReadSeriesAsync("bookinfo", "reviews", range, TelemetryWindow.OneMinute, CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(3));
        await _monitor.ReadSeriesAsync("bookinfo", "reviews", TelemetryRange.Last(TimeSpan.FromMinutes(30), _time.GetUtcNow()), TelemetryWindow.OneMinute, CancellationToken.None);
        Assert.Equal(1, _source.SeriesReads);

        await _monitor.ReadSeriesAsync("bookinfo", "ratings", range, TelemetryWindow.OneMinute, CancellationToken.None);
        await _monitor.ReadSeriesAsync("bookinfo", "reviews", TelemetryRange.Last(TimeSpan.FromHours(1), now), TelemetryWindow.OneMinute, CancellationToken.None);
        Assert.Equal(3, _source.SeriesReads);

        _time.Advance(Interval);
        await _monitor.ReadSeriesAsync("bookinfo", "reviews", range, TelemetryWindow.OneMinute, CancellationToken.None);
        Assert.Equal(4, _source.SeriesReads);
    }

    [Fact]
    public async Task Without_a_source_every_answer_says_telemetry_is_not_configured()
    {
        using var monitor = new TelemetryMonitor(null, Options.Create(new TelemetryOptions()), _time, NullLogger<TelemetryMonitor>.Instance);

        Assert.Null(monitor.Source);
        Assert.Equal(TelemetryMonitor.NotConfigured, Assert.IsType<TelemetryResult<TelemetryReading>.Unavailable>(await monitor.ReadAsync(null, TelemetryWindow.Default, CancellationToken.None)).Reason);
        var watched = new List<TelemetryResult<TelemetryReading>>();
        await foreach (var result in monitor.WatchAsync("bookinfo", TelemetryWindow.Default, CancellationToken.None))
        {
            watched.Add(result);
        }

        Assert.Equal(TelemetryMonitor.NotConfigured, Assert.IsType<TelemetryResult<TelemetryReading>.Unavailable>(Assert.Single(watched)).Reason);
        Assert.IsType<TelemetryResult<TelemetrySeries>.Unavailable>(
            await monitor.ReadSeriesAsync("bookinfo", "reviews", TelemetryRange.Last(TimeSpan.FromMinutes(5), _time.GetUtcNow()), TelemetryWindow.Default, CancellationToken.None));
    }

    [Fact]
    public async Task Disposing_the_monitor_ends_every_watch()
    {
        await using var watch = _monitor.WatchAsync("bookinfo", TelemetryWindow.OneMinute, CancellationToken.None).GetAsyncEnumerator();
        await NextAsync(watch);

        _monitor.Dispose();

        Assert.False(await watch.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, _monitor.ActivePolls);
    }
}
