using System.Collections.Immutable;

using TrafficConsole.Mesh.Resources;

namespace TrafficConsole.Mesh.Simulation;

/// <summary>Evaluates a request against a VirtualService with Istio's semantics: the first matching rule wins; no match means no route.</summary>
public static class RouteSimulator
{
    /// <summary>What Istio would do with <paramref name="request"/> under <paramref name="virtualService"/>.</summary>
    /// <param name="virtualService">The VirtualService (from the cluster, a file, or a planned draft).</param>
    /// <param name="request">The request.</param>
    /// <param name="subsetVersions">Subset name to version name, to name versions in the result; may be empty.</param>
    public static SimulationResult Simulate(VirtualService virtualService, SimulatedRequest request, IReadOnlyDictionary<string, string>? subsetVersions = null) =>
        throw new NotImplementedException("contract: implemented on the mesh-analysis branch");

    /// <summary>Subset name to version name from a DestinationRule's subsets (the value of their single version-like label).</summary>
    public static ImmutableDictionary<string, string> SubsetVersions(DestinationRule? destinationRule) =>
        throw new NotImplementedException("contract: implemented on the mesh-analysis branch");
}
