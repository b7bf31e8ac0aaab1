using System.Text.Json;
using System.Text.Json.Serialization;

using k8s;
using k8s.Models;

namespace TrafficConsole.Mesh.Resources;

/// <summary>A Kubernetes list of custom resources (what a LIST call returns), usable with KubernetesClient's generic clients.</summary>
/// <typeparam name="T">The item type, e.g. <see cref="VirtualService"/>.</typeparam>
public sealed class ResourceList<T> : IKubernetesObject<V1ListMeta>, IItems<T>
    where T : IKubernetesObject
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = string.Empty;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = string.Empty;

    [JsonPropertyName("metadata")]
    public V1ListMeta Metadata { get; set; } = new();

    [JsonPropertyName("items")]
    public IList<T> Items { get; set; } = [];

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? Extra { get; set; }
}
