using System.Collections.Immutable;

namespace TrafficConsole.Mesh.Telemetry;

/// <summary>
/// The period a figure is measured over (a PromQL range such as <c>[5m]</c>): 1m, 5m (the default), 15m or 1h.
/// </summary>
public sealed record TelemetryWindow
{
    private TelemetryWindow(string text, TimeSpan duration)
    {
        Text = text;
        Duration = duration;
    }

    public static TelemetryWindow OneMinute { get; } = new("1m", TimeSpan.FromMinutes(1));

    public static TelemetryWindow FiveMinutes { get; } = new("5m", TimeSpan.FromMinutes(5));

    public static TelemetryWindow FifteenMinutes { get; } = new("15m", TimeSpan.FromMinutes(15));

    public static TelemetryWindow OneHour { get; } = new("1h", TimeSpan.FromHours(1));

    public static TelemetryWindow Default => FiveMinutes;

    public static ImmutableArray<TelemetryWindow> All { get; } = [OneMinute, FiveMinutes, FifteenMinutes, OneHour];

    /// <summary>As people and PromQL write it: <c>5m</c>.</summary>
    public string Text { get; }

    public TimeSpan Duration { get; }

    /// <summary>The window named <paramref name="text"/> (exactly one of 1m, 5m, 15m, 1h), else null.</summary>
    public static TelemetryWindow? Parse(string? text) => All.FirstOrDefault(w => string.Equals(w.Text, text, StringComparison.Ordinal));

    public override string ToString() => Text;
}

/// <summary>A chart's time range: points from <see cref="Start"/> to <see cref="End"/>, one every <see cref="Resolution"/>.</summary>
public sealed record TelemetryRange(DateTimeOffset Start, DateTimeOffset End, TimeSpan Resolution)
{
    /// <summary>The last <paramref name="span"/> before <paramref name="end"/> in about <paramref name="points"/> points (a whole number of seconds apart).</summary>
    public static TelemetryRange Last(TimeSpan span, DateTimeOffset end, int points = 60)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(points, 2);
        var resolution = TimeSpan.FromSeconds(Math.Max(1, Math.Round(span.TotalSeconds / points)));
        return new TelemetryRange(end - span, end, resolution);
    }
}

/// <summary>Which telemetry source measured a figure: a Prometheus server, or the sandbox's traffic simulator.</summary>
public enum TelemetrySourceKind
{
    Prometheus,
    Sandbox,
}

/// <summary>
/// What one version of a service served over a window, as measured (before any comparison with its weights).
/// Rates are per second; latencies in milliseconds, null when there was no request to measure.
/// </summary>
/// <param name="Version">The version label value (<c>destination_version</c>, or the configured label).</param>
/// <param name="RequestsPerSecond">Every request the version answered.</param>
/// <param name="ServerErrorsPerSecond">Failed requests: HTTP 5xx, and gRPC requests whose status is not OK.</param>
/// <param name="ClientErrorsPerSecond">HTTP 4xx.</param>
/// <param name="LatencyP50Ms">Median duration.</param>
/// <param name="LatencyP90Ms">90th percentile duration.</param>
/// <param name="LatencyP99Ms">99th percentile duration.</param>
public sealed record VersionFigures(
    string Version,
    double RequestsPerSecond,
    double ServerErrorsPerSecond,
    double ClientErrorsPerSecond,
    double? LatencyP50Ms,
    double? LatencyP90Ms,
    double? LatencyP99Ms);

/// <summary>The measured figures of one service, per version, over a window (see the <see cref="TelemetryReading"/> that holds it).</summary>
public sealed record ServiceFigures(string Namespace, string Service, ImmutableArray<VersionFigures> Versions)
{
    public double RequestsPerSecond => Versions.Sum(static v => v.RequestsPerSecond);
}

/// <summary>One reading of a telemetry source: every service it has figures for in the namespaces asked about.</summary>
public sealed record TelemetryReading(TelemetrySourceKind Source, TelemetryWindow Window, DateTimeOffset At, ImmutableArray<ServiceFigures> Services)
{
    public ServiceFigures? Find(string namespaceName, string service) =>
        Services.FirstOrDefault(s => s.Namespace == namespaceName && s.Service == service);
}

/// <summary>A version's requests/s and error rate over time, for the charts.</summary>
/// <param name="Version">The version label value.</param>
/// <param name="RequestsPerSecond">Requests/s per point.</param>
/// <param name="ErrorRate">Share of failed requests (5xx, gRPC not OK), 0..1 per point; NaN where there was no traffic.</param>
public sealed record VersionSeries(string Version, ImmutableArray<double> RequestsPerSecond, ImmutableArray<double> ErrorRate);

/// <summary>Per-version series of one service at evenly spaced <see cref="Times"/>.</summary>
public sealed record TelemetrySeries(TelemetrySourceKind Source, ImmutableArray<DateTimeOffset> Times, ImmutableArray<VersionSeries> Versions);

/// <summary>How a version is doing, with Kiali's meaning: worst of its 5xx and 4xx ratios against the thresholds.</summary>
public enum TrafficHealth
{
    NoTraffic,
    Healthy,
    Degraded,
    Failure,
}

/// <summary>Error-ratio thresholds in percent, Kiali's defaults: 5xx degraded from 0.1, failure from 10; 4xx 10 / 20.</summary>
public sealed record HealthThresholds
{
    public static HealthThresholds Default { get; } = new();

    public double ServerErrorDegradedPercent { get; init; } = 0.1;

    public double ServerErrorFailurePercent { get; init; } = 10;

    public double ClientErrorDegradedPercent { get; init; } = 10;

    public double ClientErrorFailurePercent { get; init; } = 20;
}

/// <summary>Latency percentiles in milliseconds; null where nothing was measured.</summary>
public sealed record LatencyPercentiles(double? P50, double? P90, double? P99);

/// <summary>
/// One version as the console shows it: what it served, its share of the service's traffic next to the share its
/// weights give it, its success rate, latency and health.
/// </summary>
/// <param name="Version">The version label value.</param>
/// <param name="RequestsPerSecond">Every request the version answered, per second.</param>
/// <param name="ObservedShare">Share of the service's requests this version answered, 0..1; null when the service had none.</param>
/// <param name="ConfiguredShare">Share the routing gives it (the default route's weights, or replicas without routing), 0..1; null when unknown.</param>
/// <param name="SuccessRate">Share of requests that did not fail (non-5xx, gRPC OK), 0..1; null without traffic.</param>
/// <param name="ClientErrorRate">Share of 4xx answers, 0..1; null without traffic.</param>
/// <param name="Latency">p50/p90/p99 in milliseconds.</param>
/// <param name="Health">Against the service's thresholds.</param>
public sealed record VersionTraffic(
    string Version,
    double RequestsPerSecond,
    double? ObservedShare,
    double? ConfiguredShare,
    double? SuccessRate,
    double? ClientErrorRate,
    LatencyPercentiles Latency,
    TrafficHealth Health);

/// <summary>A service's live traffic as shown on its page, the lists and the REST API.</summary>
public sealed record ServiceTraffic(
    TelemetrySourceKind Source,
    TelemetryWindow Window,
    DateTimeOffset At,
    ImmutableArray<VersionTraffic> Versions)
{
    /// <summary>The version in the worst health (the highest error rate breaks ties), or null without versions.</summary>
    public VersionTraffic? Worst => Versions
        .OrderByDescending(static v => v.Health)
        .ThenBy(static v => v.SuccessRate ?? 1)
        .FirstOrDefault();

    public double RequestsPerSecond => Versions.Sum(static v => v.RequestsPerSecond);
}
