using TrafficConsole.Cluster.Telemetry;
using TrafficConsole.Mesh.Telemetry;
using TrafficConsole.Sandbox;
using TrafficConsole.Sandbox.Traffic;

namespace TrafficConsole.Web.Hosting;

/// <summary>
/// Telemetry from the embedded sandbox's traffic simulator, read in process: the same figures a Prometheus scraping
/// the sandbox's <c>/stats/prometheus</c> computes, without one. The default in sandbox mode when no
/// <c>Telemetry:Prometheus:Url</c> is set; the pages label it "synthetic traffic".
/// </summary>
/// <param name="sandbox">The sandbox, once started (null before, or when the console did not start one).</param>
public sealed class SandboxTelemetrySource(Func<SandboxServer?> sandbox) : ITelemetrySource
{
    /// <summary>Why there are no figures when the simulator is off.</summary>
    public const string TrafficOff = "The sandbox's traffic simulator is off (Sandbox:Traffic=off), so there is no traffic to measure.";

    public TelemetrySourceKind Kind => TelemetrySourceKind.Sandbox;

    public Task<TelemetryResult<TelemetryReading>> ReadAsync(string? namespaceName, TelemetryWindow window, CancellationToken cancellationToken) =>
        Task.FromResult<TelemetryResult<TelemetryReading>>(Simulator() is { } traffic
            ? new TelemetryResult<TelemetryReading>.Ok(traffic.Read(namespaceName, window))
            : new TelemetryResult<TelemetryReading>.Unavailable(Off()));

    public Task<TelemetryResult<TelemetrySeries>> ReadSeriesAsync(
        string namespaceName, string service, TelemetryRange range, TelemetryWindow window, CancellationToken cancellationToken) =>
        Task.FromResult<TelemetryResult<TelemetrySeries>>(Simulator() is { } traffic
            ? new TelemetryResult<TelemetrySeries>.Ok(traffic.ReadSeries(namespaceName, service, range, window))
            : new TelemetryResult<TelemetrySeries>.Unavailable(Off()));

    private TrafficSimulator? Simulator() => sandbox()?.Traffic;

    private string Off() => sandbox() is null ? "The sandbox has not started yet." : TrafficOff;
}
