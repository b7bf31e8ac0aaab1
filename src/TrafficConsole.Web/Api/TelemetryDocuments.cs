using System.Collections.Immutable;

using TrafficConsole.Mesh.Telemetry;

namespace TrafficConsole.Web.Api;

/// <summary>
/// <c>GET .../services/{svc}/telemetry?window=5m</c>: what the service's traffic does, per version, next to its weights.
/// </summary>
/// <param name="Namespace">The namespace.</param>
/// <param name="Service">The service.</param>
/// <param name="Source"><c>prometheus</c>, or <c>sandbox</c> for the embedded sandbox's synthetic traffic.</param>
/// <param name="Window">The window each rate is measured over: 1m, 5m, 15m or 1h.</param>
/// <param name="At">When it was measured.</param>
/// <param name="Versions">Version -> its figures; every version of the service, measured or not.</param>
public sealed record TelemetryDocument(
    string Namespace,
    string Service,
    string Source,
    string Window,
    DateTimeOffset At,
    ImmutableSortedDictionary<string, VersionTelemetryDocument> Versions)
{
    public static TelemetryDocument From(string ns, string service, ServiceTraffic traffic)
    {
        ArgumentNullException.ThrowIfNull(traffic);
        return new TelemetryDocument(
            ns,
            service,
            SourceName(traffic.Source),
            traffic.Window.Text,
            traffic.At,
            traffic.Versions.ToImmutableSortedDictionary(static v => v.Version, VersionTelemetryDocument.From, StringComparer.Ordinal));
    }

    /// <summary>The source as the API names it.</summary>
    public static string SourceName(TelemetrySourceKind source) => source == TelemetrySourceKind.Prometheus ? "prometheus" : "sandbox";
}

/// <summary>One version's traffic over the window.</summary>
/// <param name="RequestsPerSecond">Requests/s it answered.</param>
/// <param name="ObservedShare">Its share of the service's requests, 0..1; null when the service had none.</param>
/// <param name="ConfiguredShare">The share its weights give it, 0..1 (replicas without routing); null when unknown.</param>
/// <param name="SuccessRate">Share of requests that did not fail (non-5xx, gRPC OK), 0..1; null without traffic.</param>
/// <param name="LatencyMs">p50, p90, p99 in milliseconds; null without traffic.</param>
/// <param name="Health">Healthy, Degraded, Failure or NoTraffic, by the service's error thresholds.</param>
public sealed record VersionTelemetryDocument(
    double RequestsPerSecond,
    double? ObservedShare,
    double? ConfiguredShare,
    double? SuccessRate,
    LatencyDocument LatencyMs,
    TrafficHealth Health)
{
    public static VersionTelemetryDocument From(VersionTraffic version)
    {
        ArgumentNullException.ThrowIfNull(version);
        return new VersionTelemetryDocument(
            Math.Round(version.RequestsPerSecond, 3),
            Round(version.ObservedShare),
            Round(version.ConfiguredShare),
            Round(version.SuccessRate),
            new LatencyDocument(Round(version.Latency.P50), Round(version.Latency.P90), Round(version.Latency.P99)),
            version.Health);
    }

    private static double? Round(double? value) => value is { } v && double.IsFinite(v) ? Math.Round(v, 4) : null;
}

/// <summary>Latency percentiles in milliseconds.</summary>
/// <param name="P50">Median.</param>
/// <param name="P90">90th percentile.</param>
/// <param name="P99">99th percentile.</param>
public sealed record LatencyDocument(double? P50, double? P90, double? P99);
