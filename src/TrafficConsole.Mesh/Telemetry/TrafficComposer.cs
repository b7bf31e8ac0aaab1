using System.Collections.Immutable;

using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Services;

namespace TrafficConsole.Mesh.Telemetry;

/// <summary>
/// Puts what a source measured next to what the routing says: each version's observed share beside its configured
/// share (the default route's weights, or its replicas when no routing exists), its success rate and health.
/// Every version of the service appears, measured or not; a measured version the service does not list (an old
/// label still in the window) appears too.
/// </summary>
public static class TrafficComposer
{
    public static ServiceTraffic Compose(
        ServiceView view,
        ServiceFigures? figures,
        TelemetrySourceKind source,
        TelemetryWindow window,
        DateTimeOffset at,
        HealthThresholds thresholds)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(thresholds);
        TrafficSplit configured = view.Routing.EffectiveSplit;
        long configuredTotal = configured.Total;
        double total = figures?.RequestsPerSecond ?? 0;

        IEnumerable<string> names = view.Versions.Where(static v => v.IsVersioned).Select(static v => v.Name)
            .Concat(configured.Versions)
            .Concat(figures?.Versions.Select(static f => f.Version) ?? [])
            .Distinct(StringComparer.Ordinal);

        ImmutableArray<VersionTraffic> versions = [.. names.Select(name =>
        {
            VersionFigures? measured = figures?.Versions.FirstOrDefault(f => string.Equals(f.Version, name, StringComparison.Ordinal));
            int? weight = configured.Weights.FirstOrDefault(w => string.Equals(w.Version, name, StringComparison.Ordinal))?.Weight;
            double rps = measured?.RequestsPerSecond ?? 0;
            return new VersionTraffic(
                name,
                rps,
                ObservedShare: total > 0 ? rps / total : null,
                ConfiguredShare: configuredTotal > 0 ? (weight ?? 0) / (double)configuredTotal : null,
                SuccessRate: rps > 0 ? 1 - Ratio(measured!.ServerErrorsPerSecond, rps) : null,
                ClientErrorRate: rps > 0 ? Ratio(measured!.ClientErrorsPerSecond, rps) : null,
                new LatencyPercentiles(measured?.LatencyP50Ms, measured?.LatencyP90Ms, measured?.LatencyP99Ms),
                HealthRules.Evaluate(measured, thresholds));
        })];
        return new ServiceTraffic(source, window, at, versions);
    }

    // Separate rate() queries extrapolate separately: a version failing every request may show 5xx/s a hair above requests/s.
    private static double Ratio(double part, double whole) => Math.Clamp(part / whole, 0, 1);
}

/// <summary>
/// Kiali's health rule (<c>business/health_calculator.go</c> <c>applyThresholds</c>, the frontend's
/// <c>ascendingThresholdCheck</c>): the worse of the 5xx and the 4xx ratio against their thresholds, each reached at
/// <c>&gt;=</c>; a ratio of 0 is healthy whatever the thresholds, so a threshold of 0 means "any error".
/// </summary>
public static class HealthRules
{
    public static TrafficHealth Evaluate(VersionFigures? figures, HealthThresholds thresholds)
    {
        ArgumentNullException.ThrowIfNull(thresholds);
        if (figures is null || figures.RequestsPerSecond <= 0)
        {
            return TrafficHealth.NoTraffic;
        }

        double serverPercent = 100 * figures.ServerErrorsPerSecond / figures.RequestsPerSecond;
        double clientPercent = 100 * figures.ClientErrorsPerSecond / figures.RequestsPerSecond;
        TrafficHealth server = Grade(serverPercent, thresholds.ServerErrorDegradedPercent, thresholds.ServerErrorFailurePercent);
        TrafficHealth client = Grade(clientPercent, thresholds.ClientErrorDegradedPercent, thresholds.ClientErrorFailurePercent);
        return server > client ? server : client;
    }

    private static TrafficHealth Grade(double percent, double degraded, double failure) =>
        !(percent > 0) ? TrafficHealth.Healthy
        : percent >= failure ? TrafficHealth.Failure
        : percent >= degraded ? TrafficHealth.Degraded
        : TrafficHealth.Healthy;
}
