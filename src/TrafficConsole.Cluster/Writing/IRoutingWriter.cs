using TrafficConsole.Mesh.Routing;

namespace TrafficConsole.Cluster.Writing;

/// <summary>Writes routing to the cluster; see <see cref="RoutingWriter"/>.</summary>
public interface IRoutingWriter
{
    /// <summary>Writes the plan's VirtualService and DestinationRule for <paramref name="actor"/>.</summary>
    Task<WriteResult> ApplyAsync(RoutingPlan plan, string actor, CancellationToken cancellationToken = default);

    /// <summary>Deletes the plan's resources (of the plan's namespace and service), each only if it is still at the version the user saw.</summary>
    Task<WriteResult> DeleteAsync(DeletePlan plan, string actor, CancellationToken cancellationToken = default);

    /// <summary>Deletes the plan's resources, each only if it is still at the version the user saw.</summary>
    Task<WriteResult> DeleteAsync(DeletePlan plan, string actor, string namespaceName, string service, CancellationToken cancellationToken = default);
}
