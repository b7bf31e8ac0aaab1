namespace TrafficConsole.Mesh.Resources;

/// <summary>API groups and versions the mesh models speak.</summary>
public static class IstioApi
{
    public const string NetworkingGroup = "networking.istio.io";
    public const string V1 = "networking.istio.io/v1";
    public const string V1Beta1 = "networking.istio.io/v1beta1";
    public const string V1Alpha3 = "networking.istio.io/v1alpha3";
    public const string GatewayApiGroup = "gateway.networking.k8s.io";
    public const string GatewayApiV1 = "gateway.networking.k8s.io/v1";

    /// <summary>The label every resource TrafficConsole creates carries.</summary>
    public const string ManagedByLabel = "app.kubernetes.io/managed-by";

    /// <summary>The value of <see cref="ManagedByLabel"/> on resources TrafficConsole created.</summary>
    public const string ManagedByValue = "trafficconsole";

    /// <summary>True for an apiVersion of the Istio networking group that this library understands.</summary>
    public static bool IsNetworkingApiVersion(string? apiVersion) =>
        apiVersion is V1 or V1Beta1 or V1Alpha3;
}
