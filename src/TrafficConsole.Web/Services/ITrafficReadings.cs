using TrafficConsole.Mesh.Telemetry;
using TrafficConsole.Web.Model;

namespace TrafficConsole.Web.Services;

/// <summary>Observed traffic from the telemetry source (Prometheus or the sandbox) next to the configured routing.</summary>
public interface ITrafficReadings
{
    /// <summary>Which telemetry source the console reads observed traffic from, or "not configured".</summary>
    TelemetryStatus Telemetry { get; }

    /// <summary>
    /// One service's observed traffic over <paramref name="window"/> next to its routing: per version requests/s, observed
    /// and configured share, success rate, latency, health. Not configured or unavailable are statuses, not exceptions.
    /// </summary>
    Task<ServiceTrafficReadout> ReadTrafficAsync(string namespaceName, string service, TelemetryWindow window, CancellationToken cancellationToken = default);

    /// <summary>Every service with traffic in one namespace (null: all) over <paramref name="window"/>, e.g. for the health of a list's rows.</summary>
    Task<NamespaceTrafficReadout> ReadNamespaceTrafficAsync(string? namespaceName, TelemetryWindow window, CancellationToken cancellationToken = default);

    /// <summary>
    /// Live traffic of one namespace (null: all): the latest reading of the shared telemetry monitor, then each new one and
    /// each routing change (configured shares follow the weights). Dispose the subscription to stop.
    /// </summary>
    IAsyncEnumerable<NamespaceTrafficReadout> WatchTrafficAsync(string? namespaceName, TelemetryWindow window, CancellationToken cancellationToken);

    /// <summary>A service's per-version requests/s and error rate over the last <paramref name="span"/> (null: 30 minutes), about 60 points.</summary>
    Task<TrafficSeriesReadout> ReadTrafficSeriesAsync(string namespaceName, string service, TimeSpan? span = null, CancellationToken cancellationToken = default);
}
