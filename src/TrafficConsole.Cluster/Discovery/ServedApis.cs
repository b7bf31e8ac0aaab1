using System.Collections.Immutable;

namespace TrafficConsole.Cluster.Discovery;

/// <summary>Which of the APIs TrafficConsole uses the cluster serves.</summary>
/// <param name="IstioNetworkingVersion">The networking.istio.io version to use: <c>v1</c>, else <c>v1beta1</c>, else null (no Istio).</param>
/// <param name="GatewayApi">True when gateway.networking.k8s.io/v1 (HTTPRoute) is served.</param>
public sealed record ServedApis(string? IstioNetworkingVersion, bool GatewayApi)
{
    /// <summary>Every networking.istio.io version the server listed.</summary>
    public ImmutableArray<string> IstioNetworkingVersions { get; init; } = [];

    /// <summary>Nothing but core Kubernetes.</summary>
    public static ServedApis None { get; } = new(null, false);

    public bool HasIstio => IstioNetworkingVersion is not null;

    /// <summary><c>networking.istio.io/{version}</c>, or null without Istio.</summary>
    public string? IstioApiVersion => IstioNetworkingVersion is null ? null : $"{ApiDiscovery.IstioNetworkingGroup}/{IstioNetworkingVersion}";
}
