using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

using TrafficConsole.Cluster.Telemetry;
using TrafficConsole.Mesh.Telemetry;

namespace TrafficConsole.Web.Tests.Components.Infrastructure;

/// <summary>
/// An <see cref="ITelemetryMonitor"/> that answers with readings a test constructs: <c>Publish</c> sets the reading
/// of a window and hands it to every open watch of that window (each sees its namespace's services only), as the shared
/// monitor's timer would. Records what was asked, so tests can check that a window change re-reads.
/// </summary>
public sealed class FakeTelemetryMonitor(TelemetrySourceKind? source = TelemetrySourceKind.Prometheus) : ITelemetryMonitor
{
    private readonly Lock _gate = new();
    private readonly Dictionary<TelemetryWindow, TelemetryResult<TelemetryReading>> _readings = [];
    private readonly List<(TelemetryWindow Window, Channel<TelemetryResult<TelemetryReading>> Channel)> _watchers = [];

    public TelemetrySourceKind? Source { get; set; } = source;

    /// <summary>The series every ReadSeriesAsync answers with (null: an empty series).</summary>
    public TelemetryResult<TelemetrySeries>? Series { get; set; }

    /// <summary>Every WatchAsync call: namespace and window.</summary>
    public List<(string? Namespace, TelemetryWindow Window)> Watches { get; } = [];

    /// <summary>Every ReadAsync call: namespace and window.</summary>
    public List<(string? Namespace, TelemetryWindow Window)> Reads { get; } = [];

    /// <summary>Every ReadSeriesAsync call.</summary>
    public List<(string Namespace, string Service, TelemetryRange Range, TelemetryWindow Window)> SeriesReads { get; } = [];

    /// <summary>Watches still open (to check that components stop watching).</summary>
    public int OpenWatches
    {
        get
        {
            lock (_gate)
            {
                return _watchers.Count;
            }
        }
    }

    /// <summary>Sets the reading of <paramref name="window"/> (every namespace) and sends it to every open watch of that window.</summary>
    public void Publish(TelemetryWindow window, TelemetryResult<TelemetryReading> result)
    {
        ArgumentNullException.ThrowIfNull(window);
        ArgumentNullException.ThrowIfNull(result);
        lock (_gate)
        {
            _readings[window] = result;
            foreach ((TelemetryWindow w, Channel<TelemetryResult<TelemetryReading>> channel) in _watchers)
            {
                if (w == window)
                {
                    channel.Writer.TryWrite(result);
                }
            }
        }
    }

    /// <summary>Publishes a reading of <paramref name="window"/> holding <paramref name="services"/>.</summary>
    public void Publish(TelemetryWindow window, params ServiceFigures[] services) =>
        Publish(window, new TelemetryResult<TelemetryReading>.Ok(Reading(window, services)));

    /// <summary>The source stops answering with <paramref name="reason"/> for <paramref name="window"/>.</summary>
    public void PublishUnavailable(TelemetryWindow window, string reason) =>
        Publish(window, new TelemetryResult<TelemetryReading>.Unavailable(reason));

    public async IAsyncEnumerable<TelemetryResult<TelemetryReading>> WatchAsync(
        string? namespaceName, TelemetryWindow window, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Channel<TelemetryResult<TelemetryReading>> channel = Channel.CreateUnbounded<TelemetryResult<TelemetryReading>>();
        lock (_gate)
        {
            Watches.Add((namespaceName, window));
            if (_readings.TryGetValue(window, out TelemetryResult<TelemetryReading>? latest))
            {
                channel.Writer.TryWrite(latest);
            }

            _watchers.Add((window, channel));
        }

        try
        {
            await foreach (TelemetryResult<TelemetryReading> result in channel.Reader.ReadAllAsync(cancellationToken))
            {
                yield return In(namespaceName, result);
            }
        }
        finally
        {
            lock (_gate)
            {
                _watchers.RemoveAll(w => w.Channel == channel);
            }
        }
    }

    public Task<TelemetryResult<TelemetryReading>> ReadAsync(string? namespaceName, TelemetryWindow window, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Reads.Add((namespaceName, window));
            TelemetryResult<TelemetryReading> result = _readings.TryGetValue(window, out TelemetryResult<TelemetryReading>? latest)
                ? In(namespaceName, latest)
                : new TelemetryResult<TelemetryReading>.Ok(Reading(window));
            return Task.FromResult(result);
        }
    }

    public Task<TelemetryResult<TelemetrySeries>> ReadSeriesAsync(
        string namespaceName, string service, TelemetryRange range, TelemetryWindow window, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(range);
        lock (_gate)
        {
            SeriesReads.Add((namespaceName, service, range, window));
        }

        return Task.FromResult(Series ?? new TelemetryResult<TelemetrySeries>.Ok(
            new TelemetrySeries(Source ?? TelemetrySourceKind.Prometheus, [], [])));
    }

    /// <summary>A reading of <paramref name="services"/> taken now by this monitor's source.</summary>
    public TelemetryReading Reading(TelemetryWindow window, params ServiceFigures[] services) =>
        new(Source ?? TelemetrySourceKind.Prometheus, window, DateTimeOffset.UtcNow, [.. services]);

    /// <summary>One service's figures.</summary>
    public static ServiceFigures Figures(string namespaceName, string service, params VersionFigures[] versions) =>
        new(namespaceName, service, [.. versions]);

    /// <summary>One version's figures: requests/s, of which <paramref name="serverErrors"/> 5xx and <paramref name="clientErrors"/> 4xx per second.</summary>
    public static VersionFigures Measured(string version, double rps, double serverErrors = 0, double clientErrors = 0,
        double? p50 = 12, double? p90 = 40, double? p99 = 95) =>
        new(version, rps, serverErrors, clientErrors, p50, p90, p99);

    /// <summary>A series at <paramref name="points"/> minutes up to now, each version with constant requests/s and error rate.</summary>
    public static TelemetryResult<TelemetrySeries> ConstantSeries(int points, params (string Version, double Rps, double ErrorRate)[] versions)
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        ImmutableArray<DateTimeOffset> times = [.. Enumerable.Range(0, points).Select(i => now.AddMinutes(i - points + 1))];
        return new TelemetryResult<TelemetrySeries>.Ok(new TelemetrySeries(TelemetrySourceKind.Prometheus, times,
            [.. versions.Select(v => new VersionSeries(v.Version, [.. Enumerable.Repeat(v.Rps, points)], [.. Enumerable.Repeat(v.ErrorRate, points)]))]));
    }

    private static TelemetryResult<TelemetryReading> In(string? namespaceName, TelemetryResult<TelemetryReading> result) =>
        namespaceName is not null && result is TelemetryResult<TelemetryReading>.Ok { Value: var reading }
            ? new TelemetryResult<TelemetryReading>.Ok(reading with { Services = [.. reading.Services.Where(s => s.Namespace == namespaceName)] })
            : result;
}
