using System.Collections.Immutable;

namespace TrafficConsole.Mesh.Services;

/// <summary>A workload (a Deployment) whose pods may back a service.</summary>
public sealed record Workload
{
    public const string DeploymentKind = "Deployment";

    public string Kind { get; init; } = DeploymentKind;

    public required string Namespace { get; init; }

    public required string Name { get; init; }

    /// <summary>The labels of the pod template: what Service selectors and subset labels see.</summary>
    public IReadOnlyDictionary<string, string> PodLabels { get; init; } = ImmutableDictionary<string, string>.Empty;

    /// <summary>The labels of the workload object itself.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = ImmutableDictionary<string, string>.Empty;

    public int DesiredReplicas { get; init; }

    public int ReadyReplicas { get; init; }

    public DateTimeOffset? CreatedAt { get; init; }
}
