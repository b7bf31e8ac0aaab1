using System.Collections.Immutable;

using TrafficConsole.Mesh.Validation;

namespace TrafficConsole.Mesh.Analysis;

/// <summary>
/// Checks resources one by one the way Istio's admission webhook and CRD schema would (<see cref="ValidateResource"/>),
/// and a whole snapshot together for cross-resource mistakes, like <c>istioctl analyze</c> (<see cref="Analyze"/>).
/// </summary>
public static class MeshAnalyzer
{
    /// <summary>Findings for one resource on its own (a VirtualService, DestinationRule, Gateway or HTTPRoute); errors mean Istio would reject it.</summary>
    public static ImmutableArray<ValidationIssue> ValidateResource(object resource) =>
        throw new NotImplementedException("contract: implemented on the mesh-analysis branch");

    /// <summary>Cross-resource findings over <paramref name="resources"/>: missing subsets, hosts or gateways, conflicting VirtualServices, shadowed rules...</summary>
    public static ImmutableArray<ResourceIssue> Analyze(ClusterResources resources) =>
        throw new NotImplementedException("contract: implemented on the mesh-analysis branch");
}
