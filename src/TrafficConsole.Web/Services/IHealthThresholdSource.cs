using Microsoft.Extensions.Options;

using TrafficConsole.Cluster.Telemetry;
using TrafficConsole.Mesh.Telemetry;

namespace TrafficConsole.Web.Services;

/// <summary>The error-ratio thresholds a service's health is judged by (per namespace and service, where configured).</summary>
public interface IHealthThresholdSource
{
    /// <summary>The thresholds for <paramref name="service"/> in <paramref name="namespaceName"/>.</summary>
    /// <param name="namespaceName">The service's namespace.</param>
    /// <param name="service">The service.</param>
    HealthThresholds ThresholdsFor(string namespaceName, string service);
}

/// <summary>Kiali's defaults (<see cref="HealthThresholds.Default"/>) for every service.</summary>
public sealed class DefaultHealthThresholds : IHealthThresholdSource
{
    public HealthThresholds ThresholdsFor(string namespaceName, string service) => HealthThresholds.Default;
}

/// <summary>
/// The thresholds set under <c>Telemetry:Health</c> (<c>Default</c>, then <c>Namespaces:{ns}</c>, then
/// <c>Services:{ns}/{svc}</c>, each overriding what it sets), over Kiali's defaults.
/// </summary>
/// <param name="options">The console's telemetry settings.</param>
public sealed class ConfiguredHealthThresholds(IOptions<TelemetryOptions> options) : IHealthThresholdSource
{
    public HealthThresholds ThresholdsFor(string namespaceName, string service) => options.Value.ThresholdsFor(namespaceName, service);
}
