using k8s;
using k8s.Exceptions;
using k8s.KubeConfigModels;

using Microsoft.Extensions.Options;

namespace TrafficConsole.Cluster.Connection;

/// <summary>Fails start-up with a message that names the bad <c>Cluster:*</c> setting.</summary>
public sealed class ClusterOptionsValidator : IValidateOptions<ClusterOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ClusterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        IReadOnlyList<string> problems = Check(options);
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    /// <summary>Every problem with the options, each naming its setting; empty when they are usable.</summary>
    public static IReadOnlyList<string> Check(ClusterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        switch (options.Mode)
        {
            case ClusterMode.Sandbox:
                CheckSandbox(options, problems);
                break;
            case ClusterMode.KubeConfig:
                CheckKubeConfig(options, problems);
                break;
            case ClusterMode.InCluster:
                if (!KubernetesClientConfiguration.IsInCluster())
                {
                    problems.Add("Cluster:Mode is 'InCluster' but this process is not running in a Kubernetes pod "
                        + "(KUBERNETES_SERVICE_HOST/PORT or the service account token are missing).");
                }

                break;
            default:
                problems.Add($"Cluster:Mode '{options.Mode}' is not one of Sandbox, KubeConfig, InCluster.");
                break;
        }

        return problems;
    }

    private static void CheckSandbox(ClusterOptions options, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(options.ServerUrl))
        {
            problems.Add("Cluster:ServerUrl is required when Cluster:Mode is 'Sandbox'.");
        }
        else if (!Uri.TryCreate(options.ServerUrl, UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            problems.Add($"Cluster:ServerUrl '{options.ServerUrl}' is not an absolute http(s) URL.");
        }
    }

    private static void CheckKubeConfig(ClusterOptions options, List<string> problems)
    {
        string path = options.ResolveKubeConfigPath();
        if (!File.Exists(path))
        {
            problems.Add($"Cluster:KubeConfigPath '{path}' does not exist.");
            return;
        }

        K8SConfiguration config;
        try
        {
            config = KubernetesClientConfiguration.LoadKubeConfig(path);
        }
        catch (Exception ex) when (ex is KubeConfigException or IOException or UnauthorizedAccessException or YamlDotNet.Core.YamlException)
        {
            problems.Add($"Cluster:KubeConfigPath '{path}' is not a readable kubeconfig: {ex.Message}");
            return;
        }

        List<string> contexts = (config.Contexts ?? []).Select(c => c.Name).Where(n => !string.IsNullOrEmpty(n)).ToList();
        string available = contexts.Count == 0 ? "none" : string.Join(", ", contexts);
        if (!string.IsNullOrWhiteSpace(options.Context))
        {
            if (!contexts.Contains(options.Context, StringComparer.Ordinal))
            {
                problems.Add($"Cluster:Context '{options.Context}' is not in kubeconfig {path} (contexts: {available}).");
            }
        }
        else if (string.IsNullOrWhiteSpace(config.CurrentContext))
        {
            problems.Add($"Cluster:Context is not set and kubeconfig {path} has no current-context (contexts: {available}).");
        }
        else if (!contexts.Contains(config.CurrentContext, StringComparer.Ordinal))
        {
            problems.Add($"kubeconfig {path} names current-context '{config.CurrentContext}', which it does not define (contexts: {available}); set Cluster:Context.");
        }
    }
}
