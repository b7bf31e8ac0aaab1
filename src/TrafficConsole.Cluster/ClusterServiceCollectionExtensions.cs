using k8s;

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

using TrafficConsole.Cluster.Cache;
using TrafficConsole.Cluster.Connection;
using TrafficConsole.Cluster.Diagnostics;
using TrafficConsole.Cluster.History;
using TrafficConsole.Cluster.Writing;

namespace TrafficConsole.Cluster;

/// <summary>Registers the cluster layer: options (validated at start-up), the client, the shared cache, the writer.</summary>
public static class ClusterServiceCollectionExtensions
{
    public static IServiceCollection AddTrafficConsoleCluster(this IServiceCollection services, IConfiguration configuration, Action<ClusterOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        OptionsBuilder<ClusterOptions> cluster = services.AddOptions<ClusterOptions>().Bind(configuration.GetSection(ClusterOptions.SectionName));
        if (configure is not null)
        {
            cluster.Configure(configure);
        }

        cluster.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ClusterOptions>, ClusterOptionsValidator>());
        services.AddOptions<MeshCacheOptions>().Bind(configuration.GetSection(MeshCacheOptions.SectionName));
        services.AddOptions<RoutingWriterOptions>();

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IKubernetes>(sp => KubernetesConnection.Create(
            sp.GetRequiredService<IOptions<ClusterOptions>>().Value, sp.GetService<IApiRequestObserver>()));
        services.TryAddSingleton<MeshCache>();
        services.TryAddSingleton<IMeshCache>(sp => sp.GetRequiredService<MeshCache>());
        services.AddHostedService(sp => sp.GetRequiredService<MeshCache>());
        services.TryAddSingleton<RoutingWriter>();
        services.TryAddSingleton<IRoutingWriter>(sp => sp.GetRequiredService<RoutingWriter>());
        services.AddOptions<HistoryOptions>().Bind(configuration.GetSection(HistoryOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HistoryOptions>, HistoryOptionsValidator>());
        services.TryAddSingleton<RevisionRecorder>();
        services.AddHostedService(sp => sp.GetRequiredService<RevisionRecorder>());
        return services;
    }
}
