using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

using Microsoft.Extensions.DependencyInjection.Extensions;

using TrafficConsole.Cluster.Telemetry;
using TrafficConsole.Mesh.Services;
using TrafficConsole.Mesh.Telemetry;
using TrafficConsole.Web.Model;

namespace TrafficConsole.Web.Services;

/// <summary>
/// The telemetry half of the service layer: reads through the shared <see cref="ITelemetryMonitor"/> (never a poller per
/// viewer) and puts what it measured next to the routing of the cache's <see cref="ServiceView"/>s with
/// <see cref="TrafficComposer"/>. Without a monitor telemetry is "not configured"; a source that does not answer is a
/// <see cref="TelemetryState.Unavailable"/> status with its reason, never an exception.
/// </summary>
public sealed class TrafficTelemetry
{
    /// <summary>How far back the service page's chart looks.</summary>
    public static TimeSpan ChartSpan { get; } = TimeSpan.FromMinutes(30);

    /// <summary>How many points a chart asks for.</summary>
    public const int ChartPoints = 60;

    /// <summary>The longest period a chart asks for (Prometheus keeps 15 days by default).</summary>
    public static TimeSpan MaxSeriesSpan { get; } = TimeSpan.FromDays(7);

    private readonly ITelemetryMonitor? _monitor;
    private readonly IHealthThresholdSource _thresholds;
    private readonly TimeProvider _time;

    /// <summary>Reads through <paramref name="monitor"/> (null: not configured), judging health by <paramref name="thresholds"/>.</summary>
    /// <param name="monitor">The shared poller; null when no telemetry source is configured.</param>
    /// <param name="thresholds">Health thresholds per service.</param>
    /// <param name="time">The clock charts end at.</param>
    public TrafficTelemetry(ITelemetryMonitor? monitor, IHealthThresholdSource thresholds, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(thresholds);
        ArgumentNullException.ThrowIfNull(time);
        _monitor = monitor;
        _thresholds = thresholds;
        _time = time;
    }

    /// <summary>The source in use, or not configured (before any reading says whether it answers).</summary>
    public TelemetryStatus Status => _monitor?.Source is { } source ? TelemetryStatus.From(source) : TelemetryStatus.NotConfigured;

    /// <summary>One service's traffic over <paramref name="window"/>, composed with its view as it is after the reading.</summary>
    /// <param name="namespaceName">The service's namespace.</param>
    /// <param name="service">The service.</param>
    /// <param name="window">The window.</param>
    /// <param name="views">The service's current view by namespace and name (null when it does not exist).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    public async Task<ServiceTrafficReadout> ReadAsync(
        string namespaceName, string service, TelemetryWindow window, Func<string, string, ServiceView?> views, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(window);
        ArgumentNullException.ThrowIfNull(views);
        if (_monitor is not { Source: { } source } monitor)
        {
            return new ServiceTrafficReadout(namespaceName, service, window, TelemetryStatus.NotConfigured, null);
        }

        TelemetryResult<TelemetryReading> result = await monitor.ReadAsync(namespaceName, window, cancellationToken).ConfigureAwait(false);
        return result switch
        {
            TelemetryResult<TelemetryReading>.Ok { Value: var reading } => new ServiceTrafficReadout(namespaceName, service, window,
                TelemetryStatus.From(reading.Source), views(namespaceName, service) is { } view ? Compose(view, reading) : null),
            TelemetryResult<TelemetryReading>.Unavailable down => new ServiceTrafficReadout(namespaceName, service, window,
                TelemetryStatus.Down(source, down.Reason), null),
            _ => throw new InvalidOperationException($"Unknown telemetry result {result.GetType().Name}."),
        };
    }

    /// <summary>Every service with figures in <paramref name="namespaceName"/> (null: all) over <paramref name="window"/>.</summary>
    /// <param name="namespaceName">The namespace; null for all.</param>
    /// <param name="window">The window.</param>
    /// <param name="views">A service's current view by namespace and name (null when it does not exist).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    public async Task<NamespaceTrafficReadout> ReadNamespaceAsync(
        string? namespaceName, TelemetryWindow window, Func<string, string, ServiceView?> views, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(window);
        ArgumentNullException.ThrowIfNull(views);
        if (_monitor is not { Source: not null } monitor)
        {
            return NotConfigured(namespaceName, window);
        }

        TelemetryResult<TelemetryReading> result = await monitor.ReadAsync(namespaceName, window, cancellationToken).ConfigureAwait(false);
        return ToNamespace(namespaceName, window, result, views);
    }

    /// <summary>
    /// The namespace's traffic now, then again with every reading the shared monitor takes and every routing change
    /// (so configured shares follow the weights at once); bursts collapse into one update with the latest state.
    /// Without a monitor: one "not configured" readout, then the stream ends.
    /// </summary>
    /// <param name="namespaceName">The namespace; null for all.</param>
    /// <param name="window">The window.</param>
    /// <param name="views">A service's current view by namespace and name.</param>
    /// <param name="routingChanges">The cache's live changes of the same namespace.</param>
    /// <param name="cancellationToken">Ends the stream.</param>
    public async IAsyncEnumerable<NamespaceTrafficReadout> WatchAsync(
        string? namespaceName,
        TelemetryWindow window,
        Func<string, string, ServiceView?> views,
        Func<CancellationToken, IAsyncEnumerable<TrafficUpdate>> routingChanges,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(window);
        ArgumentNullException.ThrowIfNull(views);
        ArgumentNullException.ThrowIfNull(routingChanges);
        if (_monitor is not { Source: not null } monitor)
        {
            yield return NotConfigured(namespaceName, window);
            yield break;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // One pending wake-up at most: a burst of readings and routing changes renders once, with the latest of each.
        Channel<bool> wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
        var latest = new LatestReading();

        Task readings = ReadingsAsync();
        Task routing = RoutingAsync();
        try
        {
            await foreach (bool _ in wake.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                if (latest.Value is { } reading)
                {
                    yield return ToNamespace(namespaceName, window, reading, views);
                }
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await EndedAsync(readings).ConfigureAwait(false);
            await EndedAsync(routing).ConfigureAwait(false);
        }

        async Task ReadingsAsync()
        {
            Exception? failure = null;
            try
            {
                await foreach (TelemetryResult<TelemetryReading> reading in monitor.WatchAsync(namespaceName, window, stop.Token).ConfigureAwait(false))
                {
                    latest.Value = reading;
                    wake.Writer.TryWrite(true);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failure = e;
            }
            finally
            {
                wake.Writer.TryComplete(failure);
            }
        }

        async Task RoutingAsync()
        {
            await foreach (TrafficUpdate update in routingChanges(stop.Token).ConfigureAwait(false))
            {
                if ((update.Services.Count > 0 || update.Resync) && latest.Value is not null)
                {
                    wake.Writer.TryWrite(true);
                }
            }
        }
    }

    /// <summary>
    /// One service's per-version requests/s and error rate over the last <paramref name="span"/> (default
    /// <see cref="ChartSpan"/>, at most <see cref="MaxSeriesSpan"/>) in about <see cref="ChartPoints"/> points.
    /// </summary>
    /// <param name="namespaceName">The service's namespace.</param>
    /// <param name="service">The service.</param>
    /// <param name="span">How far back; null for the last 30 minutes.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    public async Task<TrafficSeriesReadout> ReadSeriesAsync(string namespaceName, string service, TimeSpan? span, CancellationToken cancellationToken)
    {
        TelemetryRange range = RangeFor(span ?? ChartSpan, _time.GetUtcNow());
        if (_monitor is not { Source: { } source } monitor)
        {
            return new TrafficSeriesReadout(TelemetryStatus.NotConfigured, range, null);
        }

        TelemetryResult<TelemetrySeries> result = await monitor.ReadSeriesAsync(namespaceName, service, range, WindowFor(range.Resolution), cancellationToken)
            .ConfigureAwait(false);
        return result switch
        {
            TelemetryResult<TelemetrySeries>.Ok { Value: var series } => new TrafficSeriesReadout(TelemetryStatus.From(series.Source), range, series),
            TelemetryResult<TelemetrySeries>.Unavailable down => new TrafficSeriesReadout(TelemetryStatus.Down(source, down.Reason), range, null),
            _ => throw new InvalidOperationException($"Unknown telemetry result {result.GetType().Name}."),
        };
    }

    /// <summary>
    /// The last <paramref name="span"/> (clamped to 1 minute .. <see cref="MaxSeriesSpan"/>) ending at <paramref name="now"/> rounded down
    /// to the resolution, so viewers asking within the same step ask the shared monitor the same question.
    /// </summary>
    /// <param name="span">How far back.</param>
    /// <param name="now">The clock.</param>
    public static TelemetryRange RangeFor(TimeSpan span, DateTimeOffset now)
    {
        TimeSpan clamped = span < TimeSpan.FromMinutes(1) ? TimeSpan.FromMinutes(1) : span > MaxSeriesSpan ? MaxSeriesSpan : span;
        TimeSpan resolution = TelemetryRange.Last(clamped, now, ChartPoints).Resolution;
        var end = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % resolution.Ticks), TimeSpan.Zero);
        return TelemetryRange.Last(clamped, end, ChartPoints);
    }

    /// <summary>The window each point of a chart is a rate over: the shortest that covers the step between points.</summary>
    /// <param name="resolution">The step between points.</param>
    public static TelemetryWindow WindowFor(TimeSpan resolution) =>
        TelemetryWindow.All.FirstOrDefault(w => w.Duration >= resolution) ?? TelemetryWindow.OneHour;

    private ServiceTraffic Compose(ServiceView view, TelemetryReading reading) =>
        TrafficComposer.Compose(view, reading.Find(view.Namespace, view.Name), reading.Source, reading.Window, reading.At,
            _thresholds.ThresholdsFor(view.Namespace, view.Name));

    private NamespaceTrafficReadout ToNamespace(
        string? namespaceName, TelemetryWindow window, TelemetryResult<TelemetryReading> result, Func<string, string, ServiceView?> views)
    {
        switch (result)
        {
            case TelemetryResult<TelemetryReading>.Ok { Value: var reading }:
                ImmutableDictionary<string, ServiceTraffic>.Builder services = ImmutableDictionary.CreateBuilder<string, ServiceTraffic>(StringComparer.Ordinal);
                foreach (ServiceFigures figures in reading.Services)
                {
                    // Figures of a service the cluster no longer has (or does not have yet) are left out: lists show services.
                    if (views(figures.Namespace, figures.Service) is { } view)
                    {
                        services[NamespaceTrafficReadout.Key(figures.Namespace, figures.Service)] = Compose(view, reading);
                    }
                }

                return new NamespaceTrafficReadout(namespaceName, window, TelemetryStatus.From(reading.Source), services.ToImmutable());
            case TelemetryResult<TelemetryReading>.Unavailable down:
                return new NamespaceTrafficReadout(namespaceName, window, TelemetryStatus.Down(_monitor?.Source, down.Reason),
                    ImmutableDictionary<string, ServiceTraffic>.Empty);
            default:
                throw new InvalidOperationException($"Unknown telemetry result {result.GetType().Name}.");
        }
    }

    private static NamespaceTrafficReadout NotConfigured(string? namespaceName, TelemetryWindow window) =>
        new(namespaceName, window, TelemetryStatus.NotConfigured, ImmutableDictionary<string, ServiceTraffic>.Empty);

    private static async Task EndedAsync(Task loop)
    {
        try
        {
            await loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // We stopped it.
        }
    }

    private sealed class LatestReading
    {
        private volatile TelemetryResult<TelemetryReading>? _value;

        public TelemetryResult<TelemetryReading>? Value
        {
            get => _value;
            set => _value = value;
        }
    }
}

/// <summary>Registers the telemetry half of the service layer.</summary>
public static class TrafficTelemetrySetup
{
    /// <summary>
    /// <see cref="TrafficTelemetry"/> over the <see cref="ITelemetryMonitor"/> registered (none: "not configured"), with
    /// <see cref="DefaultHealthThresholds"/> unless an <see cref="IHealthThresholdSource"/> is registered.
    /// </summary>
    /// <param name="services">The host's services.</param>
    public static IServiceCollection AddTrafficTelemetry(this IServiceCollection services)
    {
        services.TryAddSingleton<IHealthThresholdSource, DefaultHealthThresholds>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(static sp => new TrafficTelemetry(
            sp.GetService<ITelemetryMonitor>(), sp.GetRequiredService<IHealthThresholdSource>(), sp.GetRequiredService<TimeProvider>()));
        return services;
    }
}
