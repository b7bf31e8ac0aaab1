using TrafficConsole.Mesh.Telemetry;
using TrafficConsole.Web.Model;
using TrafficConsole.Web.Services;

namespace TrafficConsole.Web.Api;

/// <summary><c>GET /api/v1/namespaces/{ns}/services/{svc}/telemetry</c>: what a service's traffic does, per version, next to its weights.</summary>
internal static class TelemetryApi
{
    public static IEndpointRouteBuilder MapTelemetryApi(this IEndpointRouteBuilder endpoints)
    {
        RouteGroupBuilder api = endpoints.MapApiGroup("Telemetry");

        api.MapGet("/namespaces/{ns}/services/{svc}/telemetry", GetTelemetryAsync)
            .WithName("GetTelemetry")
            .WithSummary("A service's observed traffic per version over a window (1m, 5m, 15m, 1h; default 5m): requests/s, observed and configured share, success rate, latency percentiles, health.")
            .WithDescription("503 when no telemetry source is configured or it does not answer; the problem's detail says which, in one line.")
            .Produces<TelemetryDocument>()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesValidationProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        return endpoints;
    }

    /// <summary>The <c>?window=</c> of a telemetry read (absent: 5m), or the 400 that names the allowed values.</summary>
    internal static IResult? ReadWindow(string? window, out TelemetryWindow parsed)
    {
        TelemetryWindow? read = window is null ? TelemetryWindow.Default : TelemetryWindow.Parse(window);
        parsed = read ?? TelemetryWindow.Default;
        return read is not null
            ? null
            : TypedResults.ValidationProblem(
                new Dictionary<string, string[]>(StringComparer.Ordinal) { ["window"] = [$"'{window}' is not a window: use 1m, 5m, 15m or 1h."] },
                title: "The query is not valid.");
    }

    private static async Task<IResult> GetTelemetryAsync(string ns, string svc, string? window, ITrafficService traffic, CancellationToken cancellationToken)
    {
        if (ReadWindow(window, out TelemetryWindow parsed) is { } invalid)
        {
            return invalid;
        }

        if (TrafficApi.Find(traffic, ns, svc, out _) is { } problem)
        {
            return problem;
        }

        ServiceTrafficReadout readout = await traffic.ReadTrafficAsync(ns, svc, parsed, cancellationToken).ConfigureAwait(false);
        return readout switch
        {
            { Status.State: TelemetryState.Available, Traffic: { } measured } => TypedResults.Ok(TelemetryDocument.From(ns, svc, measured)),
            { Status.State: TelemetryState.NotConfigured } => TypedResults.Problem(
                title: "Telemetry is not configured",
                detail: TelemetryStatus.NotConfiguredLine + " Set Telemetry:Prometheus:Url.",
                statusCode: StatusCodes.Status503ServiceUnavailable),
            _ => TypedResults.Problem(
                title: "Telemetry is unavailable",
                detail: readout.Status.Reason ?? "The telemetry source did not answer.",
                statusCode: StatusCodes.Status503ServiceUnavailable),
        };
    }
}
