using System.Runtime.CompilerServices;
using System.Threading.Channels;

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

using TrafficConsole.Mesh.Telemetry;

namespace TrafficConsole.Cluster.Telemetry;

/// <summary>
/// The shared poller in front of the telemetry source. Per (namespace or all, window) one loop reads the source every
/// <see cref="TelemetryOptions.RefreshInterval"/> while at least one watcher is subscribed, and fans each reading out to
/// every watcher (one channel each, holding only the newest). Reads and series share an in-flight query and reuse an
/// answer for the refresh interval, so the source sees the same queries per minute for one viewer or fifty.
/// </summary>
public sealed partial class TelemetryMonitor : ITelemetryMonitor, IDisposable
{
    public const string NotConfigured = "Telemetry is not configured: set Telemetry:Prometheus:Url to read Istio's metrics from Prometheus.";

    private readonly ITelemetrySource? _source;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private readonly Dictionary<(string? Namespace, TelemetryWindow Window), Shared<TelemetryReading>> _readings = [];
    private readonly Dictionary<SeriesKey, Shared<TelemetrySeries>> _series = [];
    private long _queriesSent;

    /// <param name="source">The registered source, or null when telemetry is not configured.</param>
    /// <param name="options">The refresh interval.</param>
    /// <param name="time">The clock the loops wait on.</param>
    /// <param name="logger">Where a failing source is reported.</param>
    public TelemetryMonitor(ITelemetrySource? source, IOptions<TelemetryOptions> options, TimeProvider time, ILogger<TelemetryMonitor> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _source = source;
        _interval = options.Value.RefreshInterval;
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    /// <inheritdoc />
    public TelemetrySourceKind? Source => _source?.Kind;

    /// <summary>Calls made to the source (readings and series) since start: what viewers cost it, whatever their number.</summary>
    public long QueriesSent => Interlocked.Read(ref _queriesSent);

    /// <summary>Polling loops running now (one per watched namespace and window).</summary>
    public int ActivePolls
    {
        get
        {
            lock (_gate)
            {
                return _readings.Values.Count(static e => e.Poll is not null);
            }
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<TelemetryResult<TelemetryReading>> WatchAsync(
        string? namespaceName, TelemetryWindow window, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(window);
        if (_source is null)
        {
            yield return new TelemetryResult<TelemetryReading>.Unavailable(NotConfigured);
            yield break;
        }

        var key = (namespaceName, window);
        var channel = Channel.CreateBounded<TelemetryResult<TelemetryReading>>(new BoundedChannelOptions(1)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });

        Shared<TelemetryReading> entry;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
            entry = Entry(_readings, key);
            entry.Watchers.Add(channel);
            if (entry.Latest is { } latest)
            {
                channel.Writer.TryWrite(latest);
            }

            if (entry.Poll is null)
            {
                entry.Poll = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
                _ = PollAsync(key, entry, entry.Poll.Token);
            }
        }

        try
        {
            while (await channel.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (channel.Reader.TryRead(out TelemetryResult<TelemetryReading>? reading))
                {
                    yield return reading;
                }
            }
        }
        finally
        {
            lock (_gate)
            {
                entry.Watchers.Remove(channel);
                if (entry.Watchers.Count == 0 && entry.Poll is { } poll)
                {
                    entry.Poll = null;
                    poll.Cancel();
                    poll.Dispose();
                }
            }
        }
    }

    /// <inheritdoc />
    public Task<TelemetryResult<TelemetryReading>> ReadAsync(string? namespaceName, TelemetryWindow window, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(window);
        if (_source is null)
        {
            return Task.FromResult<TelemetryResult<TelemetryReading>>(new TelemetryResult<TelemetryReading>.Unavailable(NotConfigured));
        }

        var key = (namespaceName, window);
        ITelemetrySource source = _source;
        return ShareAsync(_readings, key, stop => source.ReadAsync(namespaceName, window, stop), cancellationToken);
    }

    /// <inheritdoc />
    public Task<TelemetryResult<TelemetrySeries>> ReadSeriesAsync(
        string namespaceName, string service, TelemetryRange range, TelemetryWindow window, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(namespaceName);
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(range);
        ArgumentNullException.ThrowIfNull(window);
        if (_source is null)
        {
            return Task.FromResult<TelemetryResult<TelemetrySeries>>(new TelemetryResult<TelemetrySeries>.Unavailable(NotConfigured));
        }

        // Viewers ask for "the last 30 minutes" a moment apart: the same chart, so the key is the span, not its end.
        var key = new SeriesKey(namespaceName, service, window, range.End - range.Start, range.Resolution);
        ITelemetrySource source = _source;
        lock (_gate)
        {
            DateTimeOffset now = _time.GetUtcNow();
            foreach (var stale in _series.Where(e => e.Value.Running is null && now - e.Value.FetchedAt > 2 * _interval).Select(e => e.Key).ToList())
            {
                _series.Remove(stale);
            }
        }

        return ShareAsync(_series, key, stop => source.ReadSeriesAsync(namespaceName, service, range, window, stop), cancellationToken);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_stopping.IsCancellationRequested)
            {
                return;
            }

            _stopping.Cancel();
            foreach (var entry in _readings.Values)
            {
                entry.Poll?.Dispose();
                entry.Poll = null;
                foreach (var watcher in entry.Watchers)
                {
                    watcher.Writer.TryComplete();
                }
            }
        }

        _stopping.Dispose();
    }

    private static Shared<T> Entry<TKey, T>(Dictionary<TKey, Shared<T>> entries, TKey key)
        where TKey : notnull
    {
        if (!entries.TryGetValue(key, out Shared<T>? entry))
        {
            entries[key] = entry = new Shared<T>();
        }

        return entry;
    }

    /// <summary>The fresh answer of <paramref name="key"/>, else the one in flight, else a new query (under the monitor's lifetime, never a caller's).</summary>
    private Task<TelemetryResult<T>> ShareAsync<TKey, T>(
        Dictionary<TKey, Shared<T>> entries, TKey key, Func<CancellationToken, Task<TelemetryResult<T>>> query, CancellationToken cancellationToken)
        where TKey : notnull
    {
        Task<TelemetryResult<T>> running;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
            Shared<T> entry = Entry(entries, key);
            if (entry.Latest is { } latest && _time.GetUtcNow() - entry.FetchedAt < _interval)
            {
                return Task.FromResult(latest);
            }

            running = entry.Running ??= FetchAsync(entry, query, _stopping.Token);
        }

        return running.WaitAsync(cancellationToken);
    }

    private async Task<TelemetryResult<T>> FetchAsync<T>(Shared<T> entry, Func<CancellationToken, Task<TelemetryResult<T>>> query, CancellationToken stopping)
    {
        await Task.Yield();
        Interlocked.Increment(ref _queriesSent);
        TelemetryResult<T> result;
        try
        {
            result = await query(stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            result = new TelemetryResult<T>.Unavailable("The console is shutting down.");
        }
        catch (Exception ex)
        {
            // A source's bug must not end the loop every viewer depends on.
            LogSourceFailed(ex);
            result = new TelemetryResult<T>.Unavailable($"Reading telemetry failed unexpectedly: {ex.Message}");
        }

        Channel<TelemetryResult<T>>[] watchers;
        lock (_gate)
        {
            entry.Latest = result;
            entry.FetchedAt = _time.GetUtcNow();
            entry.Running = null;
            watchers = [.. entry.Watchers];
        }

        foreach (var watcher in watchers)
        {
            watcher.Writer.TryWrite(result);
        }

        return result;
    }

    private async Task PollAsync((string? Namespace, TelemetryWindow Window) key, Shared<TelemetryReading> entry, CancellationToken stop)
    {
        await Task.Yield();
        ITelemetrySource source = _source!;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                Task<TelemetryResult<TelemetryReading>>? running = null;
                TimeSpan wait = TimeSpan.Zero;
                lock (_gate)
                {
                    TimeSpan age = _time.GetUtcNow() - entry.FetchedAt;
                    if (entry.Latest is null || age >= _interval)
                    {
                        running = entry.Running ??= FetchAsync(entry, s => source.ReadAsync(key.Namespace, key.Window, s), stop);
                    }
                    else
                    {
                        wait = _interval - age;
                    }
                }

                if (running is not null)
                {
                    await running.WaitAsync(stop).ConfigureAwait(false);
                }
                else
                {
                    await Task.Delay(wait, _time, stop).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
        }
    }

    [LoggerMessage(EventId = 1410, Level = LogLevel.Error, Message = "The telemetry source failed unexpectedly")]
    private partial void LogSourceFailed(Exception exception);

    private sealed record SeriesKey(string Namespace, string Service, TelemetryWindow Window, TimeSpan Span, TimeSpan Resolution);

    /// <summary>One key's latest answer, the query in flight, and (for readings) its watchers and polling loop.</summary>
    private sealed class Shared<T>
    {
        public TelemetryResult<T>? Latest { get; set; }

        public DateTimeOffset FetchedAt { get; set; }

        public Task<TelemetryResult<T>>? Running { get; set; }

        public List<Channel<TelemetryResult<T>>> Watchers { get; } = [];

        public CancellationTokenSource? Poll { get; set; }
    }
}
