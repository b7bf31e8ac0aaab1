using System.Collections.Immutable;

using TrafficConsole.Mesh.History;
using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Services;

namespace TrafficConsole.Cluster.Cache;

/// <summary>Everything the cache holds for one namespace, keyed by name. Immutable.</summary>
public sealed record NamespaceResources
{
    public static NamespaceResources Empty { get; } = new();

    public ImmutableDictionary<string, KubeService> Services { get; init; } = ImmutableDictionary.Create<string, KubeService>(StringComparer.Ordinal);

    public ImmutableDictionary<string, Workload> Workloads { get; init; } = ImmutableDictionary.Create<string, Workload>(StringComparer.Ordinal);

    public ImmutableDictionary<string, VirtualService> VirtualServices { get; init; } = ImmutableDictionary.Create<string, VirtualService>(StringComparer.Ordinal);

    public ImmutableDictionary<string, DestinationRule> DestinationRules { get; init; } = ImmutableDictionary.Create<string, DestinationRule>(StringComparer.Ordinal);

    public ImmutableDictionary<string, HttpRoute> HttpRoutes { get; init; } = ImmutableDictionary.Create<string, HttpRoute>(StringComparer.Ordinal);

    /// <summary>Istio Gateways (networking.istio.io), by name: what a VirtualService's <c>gateways</c> may name.</summary>
    public ImmutableDictionary<string, IstioGateway> Gateways { get; init; } = ImmutableDictionary.Create<string, IstioGateway>(StringComparer.Ordinal);

    /// <summary>Revision ConfigMaps of the rollout history, decoded, by ConfigMap name (undecodable ones carry their problem).</summary>
    public ImmutableDictionary<string, RevisionDecoding> Revisions { get; init; } = ImmutableDictionary.Create<string, RevisionDecoding>(StringComparer.Ordinal);

    public bool IsEmpty =>
        Services.IsEmpty && Workloads.IsEmpty && VirtualServices.IsEmpty && DestinationRules.IsEmpty && HttpRoutes.IsEmpty && Gateways.IsEmpty && Revisions.IsEmpty;
}
