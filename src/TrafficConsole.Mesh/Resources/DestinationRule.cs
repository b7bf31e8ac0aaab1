using System.Text.Json;
using System.Text.Json.Serialization;

using k8s.Models;

namespace TrafficConsole.Mesh.Resources;

/// <summary>An Istio <c>DestinationRule</c> (networking.istio.io): traffic policy and subsets of a host.</summary>
[KubernetesEntity(Group = "networking.istio.io", ApiVersion = "v1", Kind = "DestinationRule", PluralName = "destinationrules")]
public sealed class DestinationRule : IstioResource<DestinationRuleSpec>
{
    public const string Group = IstioApi.NetworkingGroup;
    public const string Plural = "destinationrules";
    public const string KindName = "DestinationRule";

    public DestinationRule()
    {
        ApiVersion = IstioApi.V1;
        Kind = KindName;
    }
}

/// <summary>The spec of a <see cref="DestinationRule"/>.</summary>
public sealed record DestinationRuleSpec : ExtensibleRecord
{
    [JsonPropertyName("host")]
    public string? Host { get; init; }

    [JsonPropertyName("trafficPolicy")]
    public TrafficPolicy? TrafficPolicy { get; init; }

    [JsonPropertyName("subsets")]
    public IReadOnlyList<Subset>? Subsets { get; init; }

    [JsonPropertyName("exportTo")]
    public IReadOnlyList<string>? ExportTo { get; init; }

    [JsonPropertyName("workloadSelector")]
    public JsonElement? WorkloadSelector { get; init; }
}

/// <summary>A named group of a host's endpoints selected by pod labels.</summary>
public sealed record Subset : ExtensibleRecord
{
    [JsonPropertyName("name")]
    public string? Name { get; init; }

    [JsonPropertyName("labels")]
    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    [JsonPropertyName("trafficPolicy")]
    public TrafficPolicy? TrafficPolicy { get; init; }
}

/// <summary>Load balancing, connection pool, outlier detection and TLS for a host or subset.</summary>
public sealed record TrafficPolicy : ExtensibleRecord
{
    [JsonPropertyName("loadBalancer")]
    public LoadBalancerSettings? LoadBalancer { get; init; }

    [JsonPropertyName("connectionPool")]
    public ConnectionPoolSettings? ConnectionPool { get; init; }

    [JsonPropertyName("outlierDetection")]
    public OutlierDetection? OutlierDetection { get; init; }

    [JsonPropertyName("tls")]
    public ClientTlsSettings? Tls { get; init; }

    [JsonPropertyName("portLevelSettings")]
    public IReadOnlyList<JsonElement>? PortLevelSettings { get; init; }
}

/// <summary>Load balancer: a simple algorithm or a consistent hash.</summary>
public sealed record LoadBalancerSettings : ExtensibleRecord
{
    /// <summary>ROUND_ROBIN, LEAST_REQUEST, RANDOM, PASSTHROUGH, UNSPECIFIED.</summary>
    [JsonPropertyName("simple")]
    public string? Simple { get; init; }

    [JsonPropertyName("consistentHash")]
    public ConsistentHash? ConsistentHash { get; init; }

    [JsonPropertyName("localityLbSetting")]
    public JsonElement? LocalityLbSetting { get; init; }

    [JsonPropertyName("warmupDurationSecs")]
    public string? WarmupDurationSecs { get; init; }
}

/// <summary>Consistent-hash load balancing (session affinity).</summary>
public sealed record ConsistentHash : ExtensibleRecord
{
    [JsonPropertyName("httpHeaderName")]
    public string? HttpHeaderName { get; init; }

    [JsonPropertyName("httpCookie")]
    public HttpCookie? HttpCookie { get; init; }

    [JsonPropertyName("useSourceIp")]
    public bool? UseSourceIp { get; init; }

    [JsonPropertyName("httpQueryParameterName")]
    public string? HttpQueryParameterName { get; init; }

    [JsonPropertyName("minimumRingSize")]
    public long? MinimumRingSize { get; init; }
}

/// <summary>A cookie used as consistent-hash key.</summary>
public sealed record HttpCookie : ExtensibleRecord
{
    [JsonPropertyName("name")]
    public string? Name { get; init; }

    [JsonPropertyName("path")]
    public string? Path { get; init; }

    [JsonPropertyName("ttl")]
    public string? Ttl { get; init; }
}

/// <summary>Connection pool limits.</summary>
public sealed record ConnectionPoolSettings : ExtensibleRecord
{
    [JsonPropertyName("tcp")]
    public TcpSettings? Tcp { get; init; }

    [JsonPropertyName("http")]
    public HttpSettings? Http { get; init; }
}

/// <summary>TCP connection pool limits.</summary>
public sealed record TcpSettings : ExtensibleRecord
{
    [JsonPropertyName("maxConnections")]
    public int? MaxConnections { get; init; }

    [JsonPropertyName("connectTimeout")]
    public string? ConnectTimeout { get; init; }

    [JsonPropertyName("maxConnectionDuration")]
    public string? MaxConnectionDuration { get; init; }

    [JsonPropertyName("idleTimeout")]
    public string? IdleTimeout { get; init; }
}

/// <summary>HTTP connection pool limits.</summary>
public sealed record HttpSettings : ExtensibleRecord
{
    [JsonPropertyName("http1MaxPendingRequests")]
    public int? Http1MaxPendingRequests { get; init; }

    [JsonPropertyName("http2MaxRequests")]
    public int? Http2MaxRequests { get; init; }

    [JsonPropertyName("maxRequestsPerConnection")]
    public int? MaxRequestsPerConnection { get; init; }

    [JsonPropertyName("maxRetries")]
    public int? MaxRetries { get; init; }

    [JsonPropertyName("idleTimeout")]
    public string? IdleTimeout { get; init; }

    [JsonPropertyName("h2UpgradePolicy")]
    public string? H2UpgradePolicy { get; init; }

    [JsonPropertyName("useClientProtocol")]
    public bool? UseClientProtocol { get; init; }

    [JsonPropertyName("maxConcurrentStreams")]
    public int? MaxConcurrentStreams { get; init; }
}

/// <summary>Ejection of unhealthy endpoints.</summary>
public sealed record OutlierDetection : ExtensibleRecord
{
    [JsonPropertyName("consecutiveGatewayErrors")]
    public int? ConsecutiveGatewayErrors { get; init; }

    [JsonPropertyName("consecutive5xxErrors")]
    public int? Consecutive5xxErrors { get; init; }

    [JsonPropertyName("interval")]
    public string? Interval { get; init; }

    [JsonPropertyName("baseEjectionTime")]
    public string? BaseEjectionTime { get; init; }

    [JsonPropertyName("maxEjectionPercent")]
    public int? MaxEjectionPercent { get; init; }

    [JsonPropertyName("minHealthPercent")]
    public int? MinHealthPercent { get; init; }

    [JsonPropertyName("splitExternalLocalOriginErrors")]
    public bool? SplitExternalLocalOriginErrors { get; init; }

    [JsonPropertyName("consecutiveLocalOriginFailures")]
    public int? ConsecutiveLocalOriginFailures { get; init; }
}

/// <summary>TLS the client side uses towards the host.</summary>
public sealed record ClientTlsSettings : ExtensibleRecord
{
    /// <summary>DISABLE, SIMPLE, MUTUAL, ISTIO_MUTUAL.</summary>
    [JsonPropertyName("mode")]
    public string? Mode { get; init; }

    [JsonPropertyName("clientCertificate")]
    public string? ClientCertificate { get; init; }

    [JsonPropertyName("privateKey")]
    public string? PrivateKey { get; init; }

    [JsonPropertyName("caCertificates")]
    public string? CaCertificates { get; init; }

    [JsonPropertyName("credentialName")]
    public string? CredentialName { get; init; }

    [JsonPropertyName("subjectAltNames")]
    public IReadOnlyList<string>? SubjectAltNames { get; init; }

    [JsonPropertyName("sni")]
    public string? Sni { get; init; }

    [JsonPropertyName("insecureSkipVerify")]
    public bool? InsecureSkipVerify { get; init; }
}
