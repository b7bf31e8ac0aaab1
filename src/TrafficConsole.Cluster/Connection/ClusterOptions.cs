namespace TrafficConsole.Cluster.Connection;

/// <summary>Where the Kubernetes API server comes from.</summary>
public enum ClusterMode
{
    /// <summary>The embedded sandbox server (demo default and tests): <see cref="ClusterOptions.ServerUrl"/> + <see cref="ClusterOptions.Token"/>.</summary>
    Sandbox,

    /// <summary>A kubeconfig file (<see cref="ClusterOptions.KubeConfigPath"/> or the default location) and optionally a context.</summary>
    KubeConfig,

    /// <summary>The service account of the pod the dashboard runs in.</summary>
    InCluster,
}

/// <summary>How to reach the cluster; bound from the <c>Cluster</c> configuration section.</summary>
public sealed class ClusterOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Cluster";

    public ClusterMode Mode { get; set; } = ClusterMode.Sandbox;

    /// <summary>Kubeconfig file for <see cref="ClusterMode.KubeConfig"/>; null means $KUBECONFIG or ~/.kube/config.</summary>
    public string? KubeConfigPath { get; set; }

    /// <summary>Kubeconfig context; null means the file's current-context.</summary>
    public string? Context { get; set; }

    /// <summary>API server URL for <see cref="ClusterMode.Sandbox"/>.</summary>
    public string? ServerUrl { get; set; }

    /// <summary>Bearer token for <see cref="ClusterMode.Sandbox"/>. Never logged.</summary>
    public string? Token { get; set; }

    /// <summary>The kubeconfig file that <see cref="ClusterMode.KubeConfig"/> reads.</summary>
    public string ResolveKubeConfigPath()
    {
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (!string.IsNullOrWhiteSpace(KubeConfigPath))
        {
            // Configuration files and environment variables do not go through a shell: expand ~ ourselves.
            return KubeConfigPath.StartsWith("~/", StringComparison.Ordinal) ? Path.Combine(home, KubeConfigPath[2..]) : KubeConfigPath;
        }

        string? fromEnvironment = Environment.GetEnvironmentVariable("KUBECONFIG");
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            // KUBECONFIG may list several files; the first one is where kubectl writes too.
            return fromEnvironment.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)[0];
        }

        return Path.Combine(home, ".kube", "config");
    }

    /// <inheritdoc />
    public override string ToString() =>
        // Deliberately leaves the token out: options end up in logs and exception messages.
        $"Mode={Mode}, KubeConfigPath={KubeConfigPath}, Context={Context}, ServerUrl={ServerUrl}, Token={(string.IsNullOrEmpty(Token) ? "(none)" : "(set)")}";
}
