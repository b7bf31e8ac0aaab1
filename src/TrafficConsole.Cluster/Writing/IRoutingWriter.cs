using TrafficConsole.Cluster.Identity;
using TrafficConsole.Mesh.Routing;

namespace TrafficConsole.Cluster.Writing;

/// <summary>Writes routing to the cluster; see <see cref="RoutingWriter"/>.</summary>
public interface IRoutingWriter
{
    /// <summary>Writes the plan's VirtualService and DestinationRule for <paramref name="actor"/>.</summary>
    Task<WriteResult> ApplyAsync(RoutingPlan plan, string actor, CancellationToken cancellationToken = default);

    /// <summary>Writes the plan as <paramref name="identity"/> (null: the console's own credentials), so the cluster's RBAC decides.</summary>
    Task<WriteResult> ApplyAsync(RoutingPlan plan, string actor, ClusterIdentity? identity, CancellationToken cancellationToken = default);

    /// <summary>Deletes the plan's resources as <paramref name="identity"/> (null: the console's own credentials).</summary>
    Task<WriteResult> DeleteAsync(DeletePlan plan, string actor, string namespaceName, string service, ClusterIdentity? identity, CancellationToken cancellationToken = default);

    /// <summary>Deletes the plan's resources (of the plan's namespace and service), each only if it is still at the version the user saw.</summary>
    Task<WriteResult> DeleteAsync(DeletePlan plan, string actor, CancellationToken cancellationToken = default);

    /// <summary>Deletes the plan's resources, each only if it is still at the version the user saw.</summary>
    Task<WriteResult> DeleteAsync(DeletePlan plan, string actor, string namespaceName, string service, CancellationToken cancellationToken = default);
}
