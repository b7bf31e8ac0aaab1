using System.Collections.Immutable;

using k8s.Models;

namespace TrafficConsole.Mesh.Services;

/// <summary>Turns Kubernetes Services and Deployments into the domain's inputs, for the cluster cache and for files alike.</summary>
public static class KubeObjects
{
    /// <summary>The service as the domain sees it; <paramref name="namespace"/> overrides the object's own (a file read with <c>-n</c>).</summary>
    public static KubeService ToKubeService(V1Service service, string? @namespace = null)
    {
        ArgumentNullException.ThrowIfNull(service);
        return new KubeService
        {
            Namespace = @namespace ?? service.Metadata?.NamespaceProperty ?? string.Empty,
            Name = service.Metadata?.Name ?? string.Empty,
            Selector = Freeze(service.Spec?.Selector),
            Ports =
            [
                .. (service.Spec?.Ports ?? []).Select(static p => new ServicePort(
                    p.Name,
                    p.Port,
                    string.IsNullOrEmpty(p.Protocol) ? "TCP" : p.Protocol,
                    p.TargetPort?.Value,
                    p.AppProtocol)),
            ],
            Labels = Freeze(service.Metadata?.Labels),
            Annotations = Freeze(service.Metadata?.Annotations),
            ResourceVersion = service.Metadata?.ResourceVersion,
        };
    }

    /// <summary>The workload as the domain sees it; <paramref name="namespace"/> overrides the object's own.</summary>
    public static Workload ToWorkload(V1Deployment deployment, string? @namespace = null)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        return new Workload
        {
            Namespace = @namespace ?? deployment.Metadata?.NamespaceProperty ?? string.Empty,
            Name = deployment.Metadata?.Name ?? string.Empty,
            PodLabels = Freeze(deployment.Spec?.Template?.Metadata?.Labels),
            Labels = Freeze(deployment.Metadata?.Labels),

            // spec.replicas defaults to 1 when omitted, as the API server would default it.
            DesiredReplicas = deployment.Spec?.Replicas ?? 1,
            ReadyReplicas = deployment.Status?.ReadyReplicas ?? 0,
            CreatedAt = deployment.Metadata?.CreationTimestamp is { } created
                ? new DateTimeOffset(DateTime.SpecifyKind(created, DateTimeKind.Utc))
                : null,
        };
    }

    private static ImmutableDictionary<string, string> Freeze(IDictionary<string, string>? values) =>
        values is null || values.Count == 0
            ? ImmutableDictionary<string, string>.Empty
            : values.ToImmutableDictionary(StringComparer.Ordinal);
}
