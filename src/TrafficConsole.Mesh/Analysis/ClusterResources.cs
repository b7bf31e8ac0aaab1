using System.Collections.Immutable;

using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Services;

namespace TrafficConsole.Mesh.Analysis;

/// <summary>A snapshot of the routing-related resources of a cluster (or of a set of files), analyzed together.</summary>
public sealed record ClusterResources
{
    public ImmutableArray<VirtualService> VirtualServices { get; init; } = [];

    public ImmutableArray<DestinationRule> DestinationRules { get; init; } = [];

    public ImmutableArray<IstioGateway> Gateways { get; init; } = [];

    public ImmutableArray<HttpRoute> HttpRoutes { get; init; } = [];

    public ImmutableArray<KubeService> Services { get; init; } = [];

    public ImmutableArray<Workload> Workloads { get; init; } = [];

    /// <summary>
    /// False when <see cref="Services"/> and <see cref="Workloads"/> are not known (files with routing only):
    /// findings that need them (unknown hosts, subsets without workloads) are then skipped rather than guessed.
    /// </summary>
    public bool KnowsWorkloads { get; init; } = true;
}
