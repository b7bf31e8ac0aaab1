using k8s;
using TrafficConsole.Cluster.Diagnostics;

namespace TrafficConsole.Cluster.Connection;

/// <summary>Turns <see cref="ClusterOptions"/> into a KubernetesClient <see cref="IKubernetes"/>.</summary>
public static class KubernetesConnection
{
    /// <summary>Builds the client configuration for the options (throws <see cref="InvalidOperationException"/> naming the bad setting).</summary>
    public static KubernetesClientConfiguration CreateConfiguration(ClusterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        IReadOnlyList<string> problems = ClusterOptionsValidator.Check(options);
        if (problems.Count > 0)
        {
            throw new InvalidOperationException(string.Join(" ", problems));
        }

        return options.Mode switch
        {
            ClusterMode.KubeConfig => KubernetesClientConfiguration.BuildConfigFromConfigFile(
                options.ResolveKubeConfigPath(), currentContext: string.IsNullOrWhiteSpace(options.Context) ? null : options.Context),
            ClusterMode.InCluster => KubernetesClientConfiguration.InClusterConfig(),
            ClusterMode.Sandbox => new KubernetesClientConfiguration
            {
                Host = options.ServerUrl!,
                AccessToken = string.IsNullOrEmpty(options.Token) ? null : options.Token,
            },
            _ => throw new InvalidOperationException($"Cluster:Mode '{options.Mode}' is not supported."),
        };
    }

    /// <summary>Creates a client for the configured cluster; with an observer, every request it makes is timed (see <see cref="ApiRequestTimingHandler"/>).</summary>
    public static IKubernetes Create(ClusterOptions options, IApiRequestObserver? observer = null) =>
        observer is null
            ? new Kubernetes(CreateConfiguration(options))
            : new Kubernetes(CreateConfiguration(options), new ApiRequestTimingHandler(observer));
}
