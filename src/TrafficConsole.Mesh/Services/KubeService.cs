using System.Collections.Immutable;

namespace TrafficConsole.Mesh.Services;

/// <summary>A Kubernetes Service as the cluster layer hands it in.</summary>
public sealed record KubeService
{
    public required string Namespace { get; init; }

    public required string Name { get; init; }

    /// <summary>The pod selector; empty means the Service selects no pods (endpoints are managed by hand).</summary>
    public IReadOnlyDictionary<string, string> Selector { get; init; } = ImmutableDictionary<string, string>.Empty;

    public ImmutableArray<ServicePort> Ports { get; init; } = [];

    public IReadOnlyDictionary<string, string> Labels { get; init; } = ImmutableDictionary<string, string>.Empty;

    public IReadOnlyDictionary<string, string> Annotations { get; init; } = ImmutableDictionary<string, string>.Empty;

    /// <summary>The resourceVersion of the Service, when known.</summary>
    public string? ResourceVersion { get; init; }

    /// <summary>The fully qualified host name Istio uses: <c>name.namespace.svc.cluster.local</c>.</summary>
    public string Host => HostNames.Fqdn(Name, Namespace);
}

/// <summary>A port of a <see cref="KubeService"/>.</summary>
/// <param name="Name">The port name (may be empty for a single-port service).</param>
/// <param name="Port">The service port number.</param>
/// <param name="Protocol">TCP, UDP or SCTP.</param>
/// <param name="TargetPort">The target port, a number or a named container port.</param>
/// <param name="AppProtocol">The application protocol hint (http, grpc, ...), if set.</param>
public sealed record ServicePort(string? Name, int Port, string Protocol = "TCP", string? TargetPort = null, string? AppProtocol = null);
