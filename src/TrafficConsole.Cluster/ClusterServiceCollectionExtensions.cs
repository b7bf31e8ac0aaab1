using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

using TrafficConsole.Cluster.Cache;
using TrafficConsole.Cluster.Connection;
using TrafficConsole.Cluster.Diagnostics;
using TrafficConsole.Cluster.History;
using TrafficConsole.Cluster.Identity;
using TrafficConsole.Cluster.Secrets;
using TrafficConsole.Cluster.Telemetry;
using TrafficConsole.Cluster.Writing;

namespace TrafficConsole.Cluster;

/// <summary>
/// The cluster layer's composition root, the only place it is built: options (validated at start-up), the connection and
/// its client, the shared cache, the writer, the history recorder, the API server probe, proxy sync, user clients and
/// the identity and key ring I/O, each registered once as a singleton and consumed by constructor injection.
/// </summary>
public static class ClusterServiceCollectionExtensions
{
    /// <summary>
    /// Registers the cluster layer. Its background services (<see cref="MeshCache"/>, then <see cref="RevisionRecorder"/>) start
    /// in registration order and stop in reverse; a host that starts its own API server (the embedded sandbox) registers that
    /// hosted service before this call, so it stops after them, and connects <see cref="ClusterConnection"/> when it runs.
    /// </summary>
    public static IServiceCollection AddTrafficConsoleCluster(this IServiceCollection services, IConfiguration configuration, Action<ClusterOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.TryAddSingleton(TimeProvider.System);
        services.AddClusterConnection(configuration, configure);
        services.AddMeshCache(configuration);
        services.AddRoutingWrites(configuration);
        services.AddRevisionHistory(configuration);
        services.AddProxySync();
        services.AddClusterIdentity();
        services.TryAddSingleton<IKeyRingStore, KeyRingStore>();
        return services;
    }

    // Cluster:* bound by hand (ClusterSettings), the one connection, and the probe that asks whether its API server answers.
    private static void AddClusterConnection(this IServiceCollection services, IConfiguration configuration, Action<ClusterOptions>? configure)
    {
        OptionsBuilder<ClusterOptions> cluster = services.AddOptions<ClusterOptions>().Configure(options => ClusterSettings.Bind(options, configuration));
        if (configure is not null)
        {
            cluster.Configure(configure);
        }

        cluster.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ClusterOptions>, ClusterSettingsValidator>(_ => new ClusterSettingsValidator(configuration)));
        services.TryAddSingleton(static sp => new ClusterConnection(
            sp.GetRequiredService<IOptions<ClusterOptions>>(), sp.GetService<IApiRequestObserver>(), sp.GetService<ILogger<ClusterConnection>>()));

        services.AddOptions<ApiServerProbeOptions>().Bind(configuration.GetSection(ApiServerProbeOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ApiServerProbeOptions>, ApiServerProbeOptionsValidator>());
        services.TryAddSingleton(static sp => new ApiServerProbe(
            sp.GetRequiredService<ClusterConnection>(), sp.GetRequiredService<IOptions<ApiServerProbeOptions>>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<ApiServerProbe>>()));
    }

    private static void AddMeshCache(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<MeshCacheOptions>()
            .Bind(configuration.GetSection(MeshCacheOptions.SectionName))
            .Configure(options => options.WatchNamespaces =
            [
                .. configuration.GetSection("Cluster:WatchNamespaces").GetChildren()
                    .Select(static c => c.Value?.Trim()).OfType<string>().Where(static v => v.Length > 0).Distinct(StringComparer.Ordinal),
            ])
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MeshCacheOptions>, MeshCacheOptionsValidator>());
        // The cache keeps the system clock (its back-off and batching), whatever TimeProvider the host registers.
        services.TryAddSingleton(static sp => new MeshCache(
            sp.GetRequiredService<ClusterConnection>(), sp.GetRequiredService<IOptions<MeshCacheOptions>>(), sp.GetService<ILogger<MeshCache>>()));
        services.TryAddSingleton<IMeshCache>(static sp => sp.GetRequiredService<MeshCache>());
        services.AddHostedService(static sp => sp.GetRequiredService<MeshCache>());
    }

    // The writer and the clients that call as a user; ConsoleWrites is shared with the recorder, which credits the console with those alone.
    private static void AddRoutingWrites(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RoutingWriterOptions>().Bind(configuration.GetSection("Cluster:Writer"));
        services.TryAddSingleton<ConsoleWrites>();
        services.TryAddSingleton<IUserClients>(static sp => new UserClients(sp.GetRequiredService<ClusterConnection>(), sp.GetService<IApiRequestObserver>()));
        services.TryAddSingleton(static sp => new RoutingWriter(
            sp.GetRequiredService<ClusterConnection>(), sp.GetRequiredService<IMeshCache>(), sp.GetRequiredService<IOptions<RoutingWriterOptions>>(),
            sp.GetService<ILogger<RoutingWriter>>(), users: sp.GetRequiredService<IUserClients>(), writes: sp.GetRequiredService<ConsoleWrites>()));
        services.TryAddSingleton<IRoutingWriter>(static sp => sp.GetRequiredService<RoutingWriter>());
    }

    private static void AddRevisionHistory(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<HistoryOptions>().Bind(configuration.GetSection(HistoryOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HistoryOptions>, HistoryOptionsValidator>());
        services.TryAddSingleton(static sp => new RevisionRecorder(
            sp.GetRequiredService<ClusterConnection>(), sp.GetRequiredService<IMeshCache>(), sp.GetRequiredService<IOptions<HistoryOptions>>(),
            sp.GetService<ILogger<RevisionRecorder>>(), writes: sp.GetRequiredService<ConsoleWrites>()));
        services.AddHostedService(static sp => sp.GetRequiredService<RevisionRecorder>());
        services.TryAddSingleton<IChangeWriter>(static sp => new ChangeWriter(
            sp.GetRequiredService<IRoutingWriter>(), sp.GetRequiredService<RevisionRecorder>(), sp.GetService<ILogger<ChangeWriter>>()));
    }

    private static void AddProxySync(this IServiceCollection services) =>
        services.TryAddSingleton(static sp => new ProxySyncTracker(sp.GetRequiredService<IMeshCache>(), sp.GetRequiredService<TimeProvider>()));

    // Who a token belongs to and what a user may do: asked of the cluster, answered as result values.
    private static void AddClusterIdentity(this IServiceCollection services)
    {
        services.TryAddSingleton<IAccessReviews>(static sp => new AccessReviews(sp.GetRequiredService<IUserClients>()));
        services.TryAddSingleton<ITokenReviews>(static sp => new TokenReviews(sp.GetRequiredService<ClusterConnection>(), sp.GetRequiredService<IUserClients>()));
    }
}
