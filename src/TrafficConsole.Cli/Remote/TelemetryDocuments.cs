using System.Collections.Immutable;

namespace TrafficConsole.Cli.Remote;

/// <summary>The answer of <c>GET .../services/{svc}/telemetry</c> (the console's <c>TelemetryDocument</c>).</summary>
/// <param name="Namespace">The namespace.</param>
/// <param name="Service">The service.</param>
/// <param name="Source"><c>prometheus</c> or <c>sandbox</c>.</param>
/// <param name="Window">1m, 5m, 15m or 1h.</param>
/// <param name="At">When it was measured.</param>
/// <param name="Versions">Version -> figures.</param>
internal sealed record TelemetryDocument(
    string Namespace,
    string Service,
    string Source,
    string Window,
    DateTimeOffset At,
    ImmutableSortedDictionary<string, VersionTelemetryDocument> Versions);

/// <summary>One version's traffic (the console's <c>VersionTelemetryDocument</c>).</summary>
/// <param name="RequestsPerSecond">Requests/s.</param>
/// <param name="ObservedShare">Share of the service's requests, 0..1.</param>
/// <param name="ConfiguredShare">Share its weights give it, 0..1.</param>
/// <param name="SuccessRate">Non-failed share, 0..1.</param>
/// <param name="LatencyMs">Percentiles in ms.</param>
/// <param name="Health">Healthy, Degraded, Failure or NoTraffic.</param>
internal sealed record VersionTelemetryDocument(
    double RequestsPerSecond,
    LatencyDocument LatencyMs,
    string Health,
    double? ObservedShare = null,
    double? ConfiguredShare = null,
    double? SuccessRate = null);

/// <summary>Latency percentiles in milliseconds.</summary>
/// <param name="P50">Median.</param>
/// <param name="P90">90th percentile.</param>
/// <param name="P99">99th percentile.</param>
internal sealed record LatencyDocument(double? P50 = null, double? P90 = null, double? P99 = null);
