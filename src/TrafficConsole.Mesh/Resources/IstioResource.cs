using System.Text.Json;
using System.Text.Json.Serialization;

using k8s.Models;

namespace TrafficConsole.Mesh.Resources;

/// <summary>A namespaced custom resource with a typed spec; unknown top-level fields (e.g. <c>status</c>) are kept.</summary>
/// <typeparam name="TSpec">The immutable spec record.</typeparam>
public abstract class IstioResource<TSpec> : IContentVersioned
    where TSpec : class
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = string.Empty;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = string.Empty;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public TSpec? Spec { get; set; }

    /// <summary>Top-level fields this model does not know (status, future fields); written back unchanged.</summary>
    [JsonExtensionData]
    public IDictionary<string, JsonElement>? Extra { get; set; }

    /// <summary>The resource's name (empty when unset).</summary>
    [JsonIgnore]
    public string Name => Metadata?.Name ?? string.Empty;

    /// <summary>The resource's namespace (empty when unset).</summary>
    [JsonIgnore]
    public string Namespace => Metadata?.NamespaceProperty ?? string.Empty;

    /// <summary>The resourceVersion the cluster last gave this object, or null for one not yet created.</summary>
    [JsonIgnore]
    public string? ResourceVersion => Metadata?.ResourceVersion;

    private string? _contentRevision;

    /// <summary>
    /// The resourceVersion of the last change other than a status write (what routing revisions are made of): the
    /// resourceVersion unless the cache carried an older one over status-only updates (<see cref="ResourceContent.CarryOver"/>).
    /// Writes always send <see cref="ResourceVersion"/>.
    /// </summary>
    [JsonIgnore]
    public string? ContentRevision
    {
        get => _contentRevision ?? ResourceVersion;
        set => _contentRevision = value;
    }

    /// <summary>The API group half of <see cref="ApiVersion"/>.</summary>
    [JsonIgnore]
    public string ApiGroup => ApiVersion.Contains('/', StringComparison.Ordinal) ? ApiVersion[..ApiVersion.IndexOf('/', StringComparison.Ordinal)] : string.Empty;

    /// <summary>The version half of <see cref="ApiVersion"/> (e.g. <c>v1</c>, <c>v1beta1</c>).</summary>
    [JsonIgnore]
    public string ApiGroupVersion => ApiVersion.Contains('/', StringComparison.Ordinal) ? ApiVersion[(ApiVersion.IndexOf('/', StringComparison.Ordinal) + 1)..] : ApiVersion;

    /// <summary>The value of a metadata label, or null.</summary>
    public string? GetLabel(string key) =>
        Metadata?.Labels is { } labels && labels.TryGetValue(key, out string? value) ? value : null;
}
