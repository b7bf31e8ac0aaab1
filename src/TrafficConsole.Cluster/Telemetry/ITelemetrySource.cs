using TrafficConsole.Mesh.Telemetry;

namespace TrafficConsole.Cluster.Telemetry;

/// <summary>
/// Where the console reads what traffic does: a Prometheus server scraping Istio's proxies
/// (<c>PrometheusTelemetrySource</c>), or the embedded sandbox's traffic simulator. Expected failures
/// (unreachable, refused, timed out, a bad answer) are results, never exceptions.
/// </summary>
public interface ITelemetrySource
{
    TelemetrySourceKind Kind { get; }

    /// <summary>Per-version figures of every service in <paramref name="namespaceName"/> (every namespace when null) over the window.</summary>
    Task<TelemetryResult<TelemetryReading>> ReadAsync(string? namespaceName, TelemetryWindow window, CancellationToken cancellationToken);

    /// <summary>One service's per-version requests/s and error rate over <paramref name="range"/>, each point a rate over <paramref name="window"/>.</summary>
    Task<TelemetryResult<TelemetrySeries>> ReadSeriesAsync(
        string namespaceName, string service, TelemetryRange range, TelemetryWindow window, CancellationToken cancellationToken);
}

/// <summary>A telemetry answer, or why there is none, in one line for the page.</summary>
public abstract record TelemetryResult<T>
{
    private TelemetryResult()
    {
    }

    public sealed record Ok(T Value) : TelemetryResult<T>;

    /// <summary>The source could not answer (down, hung, refused, malformed answer): <paramref name="Reason"/> says which, for people.</summary>
    public sealed record Unavailable(string Reason) : TelemetryResult<T>;
}
