using Microsoft.Extensions.DependencyInjection.Extensions;

using TrafficConsole.Cluster.Connection;
using TrafficConsole.Cluster.Telemetry;
using TrafficConsole.Web.Services;

namespace TrafficConsole.Web.Hosting;

/// <summary>Where the console reads what traffic does, and the thresholds it judges health by.</summary>
internal static class TelemetrySetup
{
    /// <summary>
    /// <c>Telemetry:</c> settings and the shared monitor (<see cref="TelemetryServiceCollectionExtensions.AddTelemetry"/>) over
    /// Prometheus when <c>Telemetry:Prometheus:Url</c> is set, else, when the console runs its own embedded sandbox, over the
    /// sandbox's traffic simulator read in process (the demo's "synthetic traffic"); against a real cluster without a
    /// Prometheus, telemetry is "not configured". Health thresholds come from <c>Telemetry:Health</c>.
    /// </summary>
    public static IServiceCollection AddConsoleTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var cluster = new ClusterOptions();
        ClusterSettings.Bind(cluster, configuration);
        bool prometheus = !string.IsNullOrWhiteSpace(configuration[$"{TelemetryOptions.SectionName}:Prometheus:Url"]);
        if (!prometheus && cluster.Mode == ClusterMode.Sandbox && string.IsNullOrEmpty(cluster.ServerUrl))
        {
            services.TryAddSingleton<ITelemetrySource>(static sp =>
            {
                EmbeddedSandbox sandbox = sp.GetRequiredService<EmbeddedSandbox>();
                return new SandboxTelemetrySource(() => sandbox.Server);
            });
        }

        services.AddTelemetry(configuration);
        services.TryAddSingleton<IHealthThresholdSource, ConfiguredHealthThresholds>();
        services.AddTrafficTelemetry();
        return services;
    }
}
