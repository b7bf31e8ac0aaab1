using System.Collections.Immutable;

namespace TrafficConsole.Mesh.Services;

/// <summary>The workloads of a service that share one version label value.</summary>
/// <remarks>
/// Workloads without any version label are grouped into one unversioned entry:
/// <see cref="Name"/> is empty, <see cref="LabelKey"/> is null and <see cref="SubsetName"/> is empty,
/// because no subset can select them apart from the labelled ones. The UI shows it as
/// <see cref="DisplayName"/>; the planner routes to it only when it is the service's only version.
/// </remarks>
public sealed record ServiceVersion
{
    /// <summary>The <see cref="Name"/> of the group of workloads that carry no version label.</summary>
    public const string UnversionedName = "";

    /// <summary>The version label value, kept intact (e.g. <c>v1</c>, <c>1.0</c>).</summary>
    public required string Name { get; init; }

    /// <summary>The DNS-1123 subset name the console uses for this version.</summary>
    public required string SubsetName { get; init; }

    /// <summary>The label that carries the version (<c>version</c>, <c>app.kubernetes.io/version</c>, ...), or null.</summary>
    public required string? LabelKey { get; init; }

    public ImmutableArray<Workload> Workloads { get; init; } = [];

    public int DesiredReplicas => Workloads.Sum(static w => w.DesiredReplicas);

    public int ReadyReplicas => Workloads.Sum(static w => w.ReadyReplicas);

    /// <summary>True when the workloads carry a version label, so a subset can select them.</summary>
    public bool IsVersioned => LabelKey is not null;

    /// <summary>What to show a person.</summary>
    public string DisplayName => IsVersioned ? Name : "(no version label)";

    /// <summary>The earliest creation time of its workloads, if known.</summary>
    public DateTimeOffset? CreatedAt => Workloads.Select(static w => w.CreatedAt).Where(static c => c.HasValue).Min();

    /// <summary>The labels a DestinationRule subset uses to select exactly this version.</summary>
    public ImmutableDictionary<string, string> SubsetLabels =>
        LabelKey is null ? ImmutableDictionary<string, string>.Empty : ImmutableDictionary<string, string>.Empty.Add(LabelKey, Name);
}
