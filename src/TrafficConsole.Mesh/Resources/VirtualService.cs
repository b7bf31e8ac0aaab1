using System.Text.Json;
using System.Text.Json.Serialization;

using k8s.Models;

namespace TrafficConsole.Mesh.Resources;

/// <summary>An Istio <c>VirtualService</c> (networking.istio.io).</summary>
[KubernetesEntity(Group = "networking.istio.io", ApiVersion = "v1", Kind = "VirtualService", PluralName = "virtualservices")]
public sealed class VirtualService : IstioResource<VirtualServiceSpec>
{
    public const string Group = IstioApi.NetworkingGroup;
    public const string Plural = "virtualservices";
    public const string KindName = "VirtualService";

    public VirtualService()
    {
        ApiVersion = IstioApi.V1;
        Kind = KindName;
    }
}

/// <summary>The spec of a <see cref="VirtualService"/>.</summary>
public sealed record VirtualServiceSpec : ExtensibleRecord
{
    [JsonPropertyName("hosts")]
    public IReadOnlyList<string>? Hosts { get; init; }

    [JsonPropertyName("gateways")]
    public IReadOnlyList<string>? Gateways { get; init; }

    [JsonPropertyName("http")]
    public IReadOnlyList<HttpRouteRule>? Http { get; init; }

    /// <summary>TLS routes, kept as written: the console does not edit them.</summary>
    [JsonPropertyName("tls")]
    public IReadOnlyList<JsonElement>? Tls { get; init; }

    /// <summary>TCP routes, kept as written: the console does not edit them.</summary>
    [JsonPropertyName("tcp")]
    public IReadOnlyList<JsonElement>? Tcp { get; init; }

    [JsonPropertyName("exportTo")]
    public IReadOnlyList<string>? ExportTo { get; init; }
}

/// <summary>One entry of <c>spec.http</c>: match conditions and what to do with the matched requests.</summary>
public sealed record HttpRouteRule : ExtensibleRecord
{
    [JsonPropertyName("name")]
    public string? Name { get; init; }

    [JsonPropertyName("match")]
    public IReadOnlyList<HttpMatchRequest>? Match { get; init; }

    [JsonPropertyName("route")]
    public IReadOnlyList<HttpRouteDestination>? Route { get; init; }

    [JsonPropertyName("redirect")]
    public JsonElement? Redirect { get; init; }

    [JsonPropertyName("directResponse")]
    public JsonElement? DirectResponse { get; init; }

    [JsonPropertyName("delegate")]
    public JsonElement? Delegate { get; init; }

    [JsonPropertyName("rewrite")]
    public HttpRewrite? Rewrite { get; init; }

    /// <summary>A protobuf duration such as <c>10s</c>.</summary>
    [JsonPropertyName("timeout")]
    public string? Timeout { get; init; }

    [JsonPropertyName("retries")]
    public HttpRetry? Retries { get; init; }

    [JsonPropertyName("fault")]
    public HttpFaultInjection? Fault { get; init; }

    [JsonPropertyName("mirror")]
    public Destination? Mirror { get; init; }

    [JsonPropertyName("mirrorPercentage")]
    public Percent? MirrorPercentage { get; init; }

    [JsonPropertyName("headers")]
    public Headers? Headers { get; init; }

    /// <summary>True when the rule has no match condition, so it takes every request that reaches it.</summary>
    [JsonIgnore]
    public bool IsCatchAll => Match is null || Match.Count == 0 || Match.Any(static m => m.IsEmpty);
}

/// <summary>Conditions a request must meet (all of them) for a rule to apply.</summary>
public sealed record HttpMatchRequest : ExtensibleRecord
{
    [JsonPropertyName("name")]
    public string? Name { get; init; }

    [JsonPropertyName("uri")]
    public StringMatch? Uri { get; init; }

    [JsonPropertyName("scheme")]
    public StringMatch? Scheme { get; init; }

    [JsonPropertyName("method")]
    public StringMatch? Method { get; init; }

    [JsonPropertyName("authority")]
    public StringMatch? Authority { get; init; }

    [JsonPropertyName("headers")]
    public IReadOnlyDictionary<string, StringMatch>? Headers { get; init; }

    [JsonPropertyName("port")]
    public int? Port { get; init; }

    [JsonPropertyName("sourceLabels")]
    public IReadOnlyDictionary<string, string>? SourceLabels { get; init; }

    [JsonPropertyName("gateways")]
    public IReadOnlyList<string>? Gateways { get; init; }

    [JsonPropertyName("queryParams")]
    public IReadOnlyDictionary<string, StringMatch>? QueryParams { get; init; }

    [JsonPropertyName("ignoreUriCase")]
    public bool? IgnoreUriCase { get; init; }

    [JsonPropertyName("withoutHeaders")]
    public IReadOnlyDictionary<string, StringMatch>? WithoutHeaders { get; init; }

    [JsonPropertyName("sourceNamespace")]
    public string? SourceNamespace { get; init; }

    /// <summary>True when no condition at all is set: such a match accepts every request.</summary>
    [JsonIgnore]
    public bool IsEmpty =>
        Uri is null && Scheme is null && Method is null && Authority is null
        && (Headers is null || Headers.Count == 0) && Port is null
        && (SourceLabels is null || SourceLabels.Count == 0) && (Gateways is null || Gateways.Count == 0)
        && (QueryParams is null || QueryParams.Count == 0) && (WithoutHeaders is null || WithoutHeaders.Count == 0)
        && SourceNamespace is null && (Extra is null || Extra.Count == 0);
}

/// <summary>How a string is matched: exactly one of exact, prefix or regex (RE2).</summary>
public sealed record StringMatch : ExtensibleRecord
{
    [JsonPropertyName("exact")]
    public string? Exact { get; init; }

    [JsonPropertyName("prefix")]
    public string? Prefix { get; init; }

    [JsonPropertyName("regex")]
    public string? Regex { get; init; }

    public static StringMatch ForExact(string value) => new() { Exact = value };

    public static StringMatch ForPrefix(string value) => new() { Prefix = value };

    public static StringMatch ForRegex(string value) => new() { Regex = value };

    /// <inheritdoc/>
    public override string ToString() =>
        Exact is not null ? $"exact \"{Exact}\""
        : Prefix is not null ? $"prefix \"{Prefix}\""
        : Regex is not null ? $"regex \"{Regex}\""
        : "any";
}

/// <summary>A weighted destination of a route.</summary>
public sealed record HttpRouteDestination : ExtensibleRecord
{
    [JsonPropertyName("destination")]
    public Destination? Destination { get; init; }

    /// <summary>Relative weight; absent means "all of it" for a lone destination and nothing otherwise.</summary>
    [JsonPropertyName("weight")]
    public int? Weight { get; init; }

    [JsonPropertyName("headers")]
    public Headers? Headers { get; init; }
}

/// <summary>A service (host), optionally narrowed to a subset and port.</summary>
public sealed record Destination : ExtensibleRecord
{
    [JsonPropertyName("host")]
    public string? Host { get; init; }

    [JsonPropertyName("subset")]
    public string? Subset { get; init; }

    [JsonPropertyName("port")]
    public PortSelector? Port { get; init; }
}

/// <summary>A port of a destination.</summary>
public sealed record PortSelector : ExtensibleRecord
{
    [JsonPropertyName("number")]
    public int? Number { get; init; }
}

/// <summary>A percentage 0..100 with fractions (<c>{ value: 12.5 }</c>).</summary>
public sealed record Percent : ExtensibleRecord
{
    [JsonPropertyName("value")]
    public double? Value { get; init; }
}

/// <summary>Rewrites of the URI or authority before forwarding.</summary>
public sealed record HttpRewrite : ExtensibleRecord
{
    [JsonPropertyName("uri")]
    public string? Uri { get; init; }

    [JsonPropertyName("authority")]
    public string? Authority { get; init; }

    [JsonPropertyName("uriRegexRewrite")]
    public RegexRewrite? UriRegexRewrite { get; init; }
}

/// <summary>A regex-based URI rewrite.</summary>
public sealed record RegexRewrite : ExtensibleRecord
{
    [JsonPropertyName("match")]
    public string? Match { get; init; }

    [JsonPropertyName("rewrite")]
    public string? Rewrite { get; init; }
}

/// <summary>Retry policy of a route.</summary>
public sealed record HttpRetry : ExtensibleRecord
{
    [JsonPropertyName("attempts")]
    public int? Attempts { get; init; }

    [JsonPropertyName("perTryTimeout")]
    public string? PerTryTimeout { get; init; }

    [JsonPropertyName("retryOn")]
    public string? RetryOn { get; init; }
}

/// <summary>Fault injection of a route.</summary>
public sealed record HttpFaultInjection : ExtensibleRecord
{
    [JsonPropertyName("delay")]
    public FaultDelay? Delay { get; init; }

    [JsonPropertyName("abort")]
    public FaultAbort? Abort { get; init; }
}

/// <summary>An injected delay.</summary>
public sealed record FaultDelay : ExtensibleRecord
{
    [JsonPropertyName("fixedDelay")]
    public string? FixedDelay { get; init; }

    [JsonPropertyName("percentage")]
    public Percent? Percentage { get; init; }
}

/// <summary>An injected abort.</summary>
public sealed record FaultAbort : ExtensibleRecord
{
    [JsonPropertyName("httpStatus")]
    public int? HttpStatus { get; init; }

    [JsonPropertyName("grpcStatus")]
    public string? GrpcStatus { get; init; }

    [JsonPropertyName("percentage")]
    public Percent? Percentage { get; init; }
}

/// <summary>Header manipulation for requests and responses.</summary>
public sealed record Headers : ExtensibleRecord
{
    [JsonPropertyName("request")]
    public HeaderOperations? Request { get; init; }

    [JsonPropertyName("response")]
    public HeaderOperations? Response { get; init; }
}

/// <summary>Header set / add / remove operations.</summary>
public sealed record HeaderOperations : ExtensibleRecord
{
    [JsonPropertyName("set")]
    public IReadOnlyDictionary<string, string>? Set { get; init; }

    [JsonPropertyName("add")]
    public IReadOnlyDictionary<string, string>? Add { get; init; }

    [JsonPropertyName("remove")]
    public IReadOnlyList<string>? Remove { get; init; }
}
