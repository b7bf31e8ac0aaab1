using System.Text.Json.Serialization;

using k8s.Models;

namespace TrafficConsole.Mesh.Resources;

/// <summary>A Gateway API <c>HTTPRoute</c> (gateway.networking.k8s.io/v1).</summary>
[KubernetesEntity(Group = "gateway.networking.k8s.io", ApiVersion = "v1", Kind = "HTTPRoute", PluralName = "httproutes")]
public sealed class HttpRoute : IstioResource<HttpRouteSpec>
{
    public const string Group = IstioApi.GatewayApiGroup;
    public const string Plural = "httproutes";
    public const string KindName = "HTTPRoute";

    public HttpRoute()
    {
        ApiVersion = IstioApi.GatewayApiV1;
        Kind = KindName;
    }
}

/// <summary>The spec of an <see cref="HttpRoute"/>.</summary>
public sealed record HttpRouteSpec : ExtensibleRecord
{
    [JsonPropertyName("parentRefs")]
    public IReadOnlyList<ParentReference>? ParentRefs { get; init; }

    [JsonPropertyName("hostnames")]
    public IReadOnlyList<string>? Hostnames { get; init; }

    [JsonPropertyName("rules")]
    public IReadOnlyList<HttpRouteRuleSpec>? Rules { get; init; }
}

/// <summary>What an HTTPRoute attaches to: a Gateway, or a Service for mesh (GAMMA) routing.</summary>
public sealed record ParentReference : ExtensibleRecord
{
    [JsonPropertyName("group")]
    public string? Group { get; init; }

    [JsonPropertyName("kind")]
    public string? Kind { get; init; }

    [JsonPropertyName("namespace")]
    public string? Namespace { get; init; }

    [JsonPropertyName("name")]
    public string? Name { get; init; }

    [JsonPropertyName("sectionName")]
    public string? SectionName { get; init; }

    [JsonPropertyName("port")]
    public int? Port { get; init; }
}

/// <summary>A rule of an HTTPRoute.</summary>
public sealed record HttpRouteRuleSpec : ExtensibleRecord
{
    [JsonPropertyName("name")]
    public string? Name { get; init; }

    [JsonPropertyName("matches")]
    public IReadOnlyList<HttpRouteMatch>? Matches { get; init; }

    [JsonPropertyName("filters")]
    public IReadOnlyList<HttpRouteFilter>? Filters { get; init; }

    [JsonPropertyName("backendRefs")]
    public IReadOnlyList<HttpBackendRef>? BackendRefs { get; init; }
}

/// <summary>A match of an HTTPRoute rule.</summary>
public sealed record HttpRouteMatch : ExtensibleRecord
{
    [JsonPropertyName("path")]
    public HttpPathMatch? Path { get; init; }

    [JsonPropertyName("headers")]
    public IReadOnlyList<HttpNameValueMatch>? Headers { get; init; }

    [JsonPropertyName("queryParams")]
    public IReadOnlyList<HttpNameValueMatch>? QueryParams { get; init; }

    [JsonPropertyName("method")]
    public string? Method { get; init; }
}

/// <summary>A path match (Exact, PathPrefix, RegularExpression).</summary>
public sealed record HttpPathMatch : ExtensibleRecord
{
    [JsonPropertyName("type")]
    public string? Type { get; init; }

    [JsonPropertyName("value")]
    public string? Value { get; init; }
}

/// <summary>A header or query parameter match.</summary>
public sealed record HttpNameValueMatch : ExtensibleRecord
{
    [JsonPropertyName("type")]
    public string? Type { get; init; }

    [JsonPropertyName("name")]
    public string? Name { get; init; }

    [JsonPropertyName("value")]
    public string? Value { get; init; }
}

/// <summary>A filter of a rule or backend; the typed configuration is kept as written.</summary>
public sealed record HttpRouteFilter : ExtensibleRecord
{
    /// <summary>RequestHeaderModifier, ResponseHeaderModifier, RequestMirror, RequestRedirect, URLRewrite, ExtensionRef.</summary>
    [JsonPropertyName("type")]
    public string? Type { get; init; }
}

/// <summary>A weighted backend of an HTTPRoute rule.</summary>
public sealed record HttpBackendRef : ExtensibleRecord
{
    [JsonPropertyName("group")]
    public string? Group { get; init; }

    [JsonPropertyName("kind")]
    public string? Kind { get; init; }

    [JsonPropertyName("name")]
    public string? Name { get; init; }

    [JsonPropertyName("namespace")]
    public string? Namespace { get; init; }

    [JsonPropertyName("port")]
    public int? Port { get; init; }

    [JsonPropertyName("weight")]
    public int? Weight { get; init; }

    [JsonPropertyName("filters")]
    public IReadOnlyList<HttpRouteFilter>? Filters { get; init; }
}
