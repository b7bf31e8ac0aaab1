using TrafficConsole.Mesh.Telemetry;

namespace TrafficConsole.Cluster.Telemetry;

/// <summary>
/// The one place the console reads telemetry: it polls the source on a timer per (namespace, window) while
/// anyone watches it, and shares each reading with every viewer, so Prometheus sees the same queries per minute
/// for one viewer or fifty.
/// </summary>
public interface ITelemetryMonitor
{
    /// <summary>The source in use; null when telemetry is not configured (no Prometheus, no sandbox).</summary>
    TelemetrySourceKind? Source { get; }

    /// <summary>
    /// The latest reading of <paramref name="namespaceName"/> (every namespace when null) over <paramref name="window"/>, then each new
    /// one as the timer takes it; polling runs while at least one enumeration of this key is open.
    /// </summary>
    IAsyncEnumerable<TelemetryResult<TelemetryReading>> WatchAsync(string? namespaceName, TelemetryWindow window, CancellationToken cancellationToken);

    /// <summary>The latest reading when it is fresher than the refresh interval, else a new one (shared by concurrent callers).</summary>
    Task<TelemetryResult<TelemetryReading>> ReadAsync(string? namespaceName, TelemetryWindow window, CancellationToken cancellationToken);

    /// <summary>One service's series over <paramref name="range"/> (shared by concurrent callers, kept for the refresh interval).</summary>
    Task<TelemetryResult<TelemetrySeries>> ReadSeriesAsync(string namespaceName, string service, TelemetryRange range, TelemetryWindow window, CancellationToken cancellationToken);
}
