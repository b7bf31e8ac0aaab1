using k8s;

using TrafficConsole.Cluster.Discovery;
using TrafficConsole.Mesh.Resources;

namespace TrafficConsole.Cluster.Resources;

/// <summary>Typed clients for the custom resources the cluster serves, at the served versions.</summary>
public sealed class MeshResourceClients
{
    public MeshResourceClients(IKubernetes client, ServedApis apis, int pageSize = 500)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(apis);
        Apis = apis;
        if (apis.IstioNetworkingVersion is { } istio)
        {
            VirtualServices = new MeshResourceClient<VirtualService>(
                client, new CustomResourceType(VirtualService.Group, istio, VirtualService.Plural, VirtualService.KindName), pageSize);
            DestinationRules = new MeshResourceClient<DestinationRule>(
                client, new CustomResourceType(DestinationRule.Group, istio, DestinationRule.Plural, DestinationRule.KindName), pageSize);
            Gateways = new MeshResourceClient<IstioGateway>(
                client, new CustomResourceType(IstioGateway.Group, istio, IstioGateway.Plural, IstioGateway.KindName), pageSize);
        }

        if (apis.GatewayApi)
        {
            HttpRoutes = new MeshResourceClient<HttpRoute>(
                client, new CustomResourceType(HttpRoute.Group, "v1", HttpRoute.Plural, HttpRoute.KindName), pageSize);
        }
    }

    public ServedApis Apis { get; }

    /// <summary>Null when the cluster serves no Istio networking API.</summary>
    public MeshResourceClient<VirtualService>? VirtualServices { get; }

    /// <summary>Null when the cluster serves no Istio networking API.</summary>
    public MeshResourceClient<DestinationRule>? DestinationRules { get; }

    /// <summary>Istio Gateways; null when the cluster serves no Istio networking API.</summary>
    public MeshResourceClient<IstioGateway>? Gateways { get; }

    /// <summary>Null when the cluster serves no Gateway API.</summary>
    public MeshResourceClient<HttpRoute>? HttpRoutes { get; }
}
