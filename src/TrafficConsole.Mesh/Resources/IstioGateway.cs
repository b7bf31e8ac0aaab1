using System.Text.Json;
using System.Text.Json.Serialization;

using k8s.Models;

namespace TrafficConsole.Mesh.Resources;

/// <summary>An Istio <c>Gateway</c> (networking.istio.io), named so to stay apart from the Gateway API's.</summary>
[KubernetesEntity(Group = "networking.istio.io", ApiVersion = "v1", Kind = "Gateway", PluralName = "gateways")]
public sealed class IstioGateway : IstioResource<IstioGatewaySpec>
{
    public const string Group = IstioApi.NetworkingGroup;
    public const string Plural = "gateways";
    public const string KindName = "Gateway";

    public IstioGateway()
    {
        ApiVersion = IstioApi.V1;
        Kind = KindName;
    }
}

/// <summary>The spec of an <see cref="IstioGateway"/>.</summary>
public sealed record IstioGatewaySpec : ExtensibleRecord
{
    [JsonPropertyName("selector")]
    public IReadOnlyDictionary<string, string>? Selector { get; init; }

    [JsonPropertyName("servers")]
    public IReadOnlyList<GatewayServer>? Servers { get; init; }
}

/// <summary>A listener of an Istio gateway.</summary>
public sealed record GatewayServer : ExtensibleRecord
{
    [JsonPropertyName("port")]
    public GatewayPort? Port { get; init; }

    [JsonPropertyName("hosts")]
    public IReadOnlyList<string>? Hosts { get; init; }

    [JsonPropertyName("tls")]
    public JsonElement? Tls { get; init; }

    [JsonPropertyName("name")]
    public string? Name { get; init; }

    [JsonPropertyName("bind")]
    public string? Bind { get; init; }
}

/// <summary>The port of a gateway server.</summary>
public sealed record GatewayPort : ExtensibleRecord
{
    [JsonPropertyName("number")]
    public int? Number { get; init; }

    [JsonPropertyName("protocol")]
    public string? Protocol { get; init; }

    [JsonPropertyName("name")]
    public string? Name { get; init; }

    [JsonPropertyName("targetPort")]
    public int? TargetPort { get; init; }
}
