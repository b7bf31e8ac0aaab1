using TrafficConsole.Mesh.Services;
using TrafficConsole.Mesh.Telemetry;
using TrafficConsole.Web.Model;

namespace TrafficConsole.Web.Services;

/// <summary>Observed traffic: the shared telemetry monitor's readings composed with the cache's views.</summary>
internal sealed partial class TrafficService
{
    public TelemetryStatus Telemetry => telemetry.Status;

    public Task<ServiceTrafficReadout> ReadTrafficAsync(string namespaceName, string service, TelemetryWindow window, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(namespaceName);
        ArgumentNullException.ThrowIfNull(service);
        return telemetry.ReadAsync(namespaceName, service, window, FindView, cancellationToken);
    }

    public Task<NamespaceTrafficReadout> ReadNamespaceTrafficAsync(string? namespaceName, TelemetryWindow window, CancellationToken cancellationToken = default) =>
        telemetry.ReadNamespaceAsync(namespaceName, window, FindView, cancellationToken);

    public IAsyncEnumerable<NamespaceTrafficReadout> WatchTrafficAsync(string? namespaceName, TelemetryWindow window, CancellationToken cancellationToken) =>
        telemetry.WatchAsync(namespaceName, window, FindView, ct => WatchAsync(namespaceName, ct), cancellationToken);

    public Task<TrafficSeriesReadout> ReadTrafficSeriesAsync(string namespaceName, string service, TimeSpan? span = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(namespaceName);
        ArgumentNullException.ThrowIfNull(service);
        return telemetry.ReadSeriesAsync(namespaceName, service, span, cancellationToken);
    }

    private ServiceView? FindView(string namespaceName, string service) => Cache.Current.GetServiceView(namespaceName, service);
}
