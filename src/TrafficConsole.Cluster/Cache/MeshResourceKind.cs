namespace TrafficConsole.Cluster.Cache;

/// <summary>The kinds of resource the mesh cache watches.</summary>
public enum MeshResourceKind
{
    Namespace,
    Service,
    Deployment,
    VirtualService,
    DestinationRule,
    HttpRoute,

    /// <summary>Not a resource: the connection to the API server (health changes).</summary>
    ApiServer,
}
