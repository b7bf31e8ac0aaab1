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

    /// <summary>Istio <c>Gateway</c>s (networking.istio.io), which VirtualServices attach to.</summary>
    Gateway,

    /// <summary>Not a resource: the connection to the API server (health changes).</summary>
    ApiServer,
}
