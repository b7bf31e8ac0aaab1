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

    /// <summary>Revision ConfigMaps of the rollout history (label <c>trafficconsole.io/record=routing-revision</c>).</summary>
    Revision,

    /// <summary>Not a resource: the connection to the API server (health changes).</summary>
    ApiServer,
}
