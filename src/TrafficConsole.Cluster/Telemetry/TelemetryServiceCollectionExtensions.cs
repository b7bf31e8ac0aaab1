using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace TrafficConsole.Cluster.Telemetry;

/// <summary>Registers telemetry: <c>Telemetry:</c> options (validated at start-up), the Prometheus source when a URL is set, and the shared monitor.</summary>
public static class TelemetryServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="TelemetryOptions"/> and its validator, <see cref="PrometheusTelemetrySource"/> as the
    /// <see cref="ITelemetrySource"/> when <c>Telemetry:Prometheus:Url</c> is set, and <see cref="TelemetryMonitor"/> as
    /// <see cref="ITelemetryMonitor"/> over whichever source is registered (another, e.g. the sandbox's, may be added
    /// before or after this call; with none the monitor says telemetry is not configured).
    /// </summary>
    public static IServiceCollection AddTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        IConfigurationSection section = configuration.GetSection(TelemetryOptions.SectionName);
        services.AddOptions<TelemetryOptions>().Bind(section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TelemetryOptions>, TelemetryOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);

        if (!string.IsNullOrWhiteSpace(section["Prometheus:Url"]))
        {
            services.TryAddSingleton<PrometheusTelemetrySource>();
            services.TryAddSingleton<ITelemetrySource>(sp => sp.GetRequiredService<PrometheusTelemetrySource>());
        }

        services.TryAddSingleton(sp => new TelemetryMonitor(
            sp.GetService<ITelemetrySource>(),
            sp.GetRequiredService<IOptions<TelemetryOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<TelemetryMonitor>>()));
        services.TryAddSingleton<ITelemetryMonitor>(sp => sp.GetRequiredService<TelemetryMonitor>());
        return services;
    }
}
