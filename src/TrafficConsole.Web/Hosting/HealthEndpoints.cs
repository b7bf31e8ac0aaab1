using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using TrafficConsole.Cluster.Connection;
using TrafficConsole.Web.Model;
using TrafficConsole.Web.Services;

namespace TrafficConsole.Web.Hosting;

/// <summary><c>/healthz</c>: the process runs. <c>/readyz</c>: the cache has synced and the API server answers.</summary>
internal static class HealthEndpoints
{
    private const string ReadyTag = "ready";

    public static IServiceCollection AddConsoleHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks().AddCheck<ClusterReadinessCheck>("cluster", tags: [ReadyTag]);
        return services;
    }

    public const string LivenessPath = "/healthz";

    public const string ReadinessPath = "/readyz";

    /// <summary>True for the kubelet's probes (liveness and readiness).</summary>
    public static bool IsProbe(PathString path) =>
        path.StartsWithSegments(LivenessPath, StringComparison.Ordinal) || path.StartsWithSegments(ReadinessPath, StringComparison.Ordinal);

    public static IEndpointRouteBuilder MapConsoleHealthChecks(this IEndpointRouteBuilder endpoints)
    {
        // Liveness runs no check: restarting the process would not fix an unreachable API server.
        endpoints.MapHealthChecks(LivenessPath, new HealthCheckOptions { Predicate = static _ => false, ResponseWriter = WriteAsync })
            .AllowAnonymous()
            .ExcludeFromDescription();
        endpoints.MapHealthChecks(ReadinessPath, new HealthCheckOptions { Predicate = static c => c.Tags.Contains(ReadyTag), ResponseWriter = WriteAsync })
            .AllowAnonymous()
            .ExcludeFromDescription();
        return endpoints;
    }

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(
                static e => e.Key,
                static e => new { status = e.Value.Status.ToString(), reason = e.Value.Description }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body), context.RequestAborted);
    }
}

/// <summary>
/// Ready only when the shared cache is connected and synced and the API server answers a short probe now (a frozen API
/// server leaves the cache's watches silent, not broken); the reason otherwise.
/// </summary>
internal sealed class ClusterReadinessCheck(ITrafficService traffic, ApiServerProbe apiServer) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ConnectionHealth health = traffic.Health;
        if (health.State != ConnectionState.Connected)
        {
            return health.State switch
            {
                ConnectionState.Connecting => HealthCheckResult.Unhealthy(Reason("Not synced with the Kubernetes API server yet", health)),
                ConnectionState.Reconnecting => HealthCheckResult.Unhealthy(Reason("Lost the Kubernetes API server; reconnecting", health)),
                _ => HealthCheckResult.Unhealthy(Reason("The Kubernetes API server is unreachable", health)),
            };
        }

        ApiServerStatus status = await apiServer.CheckAsync(cancellationToken).ConfigureAwait(false);
        return status is ApiServerStatus.NotAnswering down
            ? HealthCheckResult.Unhealthy(down.Reason)
            : HealthCheckResult.Healthy($"Synced with {traffic.Cluster.ServerUrl}, which answers.");
    }

    private static string Reason(string what, ConnectionHealth health) =>
        health.LastError is { Length: > 0 } error ? $"{what}: {error}" : what + ".";
}
