using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

using k8s;
using k8s.Models;

using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Services;
using TrafficConsole.Mesh.Yaml;

namespace TrafficConsole.Mesh.History;

/// <summary>
/// A service's routing resources (VirtualServices, DestinationRules, attached HTTPRoutes) as a revision keeps them:
/// without what the API server sets (resourceVersion, uid, managedFields, creationTimestamp, generation, status)
/// and without the console's changed-by/changed-at annotations, so two snapshots compare by content.
/// </summary>
public sealed record RevisionSnapshot
{
    /// <summary>Annotation the console writes on the VirtualService: who changed it last (not part of a snapshot).</summary>
    public const string ChangedByAnnotation = "trafficconsole.io/changed-by";

    /// <summary>Annotation the console writes on the VirtualService: when (not part of a snapshot).</summary>
    public const string ChangedAtAnnotation = "trafficconsole.io/changed-at";

    /// <summary>A snapshot of a service without routing.</summary>
    public static RevisionSnapshot Empty { get; } = new();

    [JsonPropertyName("virtualServices")]
    public ImmutableArray<VirtualService> VirtualServices { get; init; } = [];

    [JsonPropertyName("destinationRules")]
    public ImmutableArray<DestinationRule> DestinationRules { get; init; } = [];

    [JsonPropertyName("httpRoutes")]
    public ImmutableArray<HttpRoute> HttpRoutes { get; init; } = [];

    /// <summary>True when the snapshot holds no routing resource.</summary>
    [JsonIgnore]
    public bool IsEmpty => VirtualServices.IsDefaultOrEmpty && DestinationRules.IsDefaultOrEmpty && HttpRoutes.IsDefaultOrEmpty;

    /// <summary>The routing resources of <paramref name="view"/>, cleaned (HTTPRoutes: those attached to the service).</summary>
    public static RevisionSnapshot Of(ServiceView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        return Of(view.VirtualServices, view.DestinationRules, view.HttpRoutes.Where(r => RoutingFacts.AttachesTo(r, view.Service)));
    }

    /// <summary>The given resources, cleaned and in a stable order (namespace, name).</summary>
    public static RevisionSnapshot Of(IEnumerable<VirtualService> virtualServices, IEnumerable<DestinationRule> destinationRules, IEnumerable<HttpRoute> httpRoutes)
    {
        ArgumentNullException.ThrowIfNull(virtualServices);
        ArgumentNullException.ThrowIfNull(destinationRules);
        ArgumentNullException.ThrowIfNull(httpRoutes);
        return new RevisionSnapshot
        {
            VirtualServices = [.. Sorted(virtualServices).Select(Clean)],
            DestinationRules = [.. Sorted(destinationRules).Select(Clean)],
            HttpRoutes = [.. Sorted(httpRoutes).Select(Clean)],
        };
    }

    /// <summary>Every resource as multi-document YAML in a stable order (VirtualServices, DestinationRules, HTTPRoutes), for diffs.</summary>
    public string ToYaml()
    {
        var builder = new StringBuilder();
        foreach (object resource in All)
        {
            if (builder.Length > 0)
            {
                builder.Append("---\n");
            }

            builder.Append(ResourceYaml.Serialize(resource));
        }

        return builder.ToString();
    }

    /// <summary>The snapshot as compact JSON (what a revision ConfigMap stores, compressed).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, MeshJson.Options);

    /// <summary>Reads <see cref="ToJson"/>'s output.</summary>
    public static RevisionSnapshot FromJson(string json)
    {
        RevisionSnapshot snapshot = JsonSerializer.Deserialize<RevisionSnapshot>(json, MeshJson.Options)
            ?? throw new JsonException("The snapshot is null.");
        return snapshot with
        {
            VirtualServices = snapshot.VirtualServices.IsDefault ? [] : snapshot.VirtualServices,
            DestinationRules = snapshot.DestinationRules.IsDefault ? [] : snapshot.DestinationRules,
            HttpRoutes = snapshot.HttpRoutes.IsDefault ? [] : snapshot.HttpRoutes,
        };
    }

    /// <summary>True when both snapshots hold the same resources with the same content.</summary>
    public bool ContentEquals(RevisionSnapshot? other) =>
        other is not null && JsonNode.DeepEquals(JsonNode.Parse(ToJson()), JsonNode.Parse(other.ToJson()));

    /// <summary>Every resource, VirtualServices first.</summary>
    [JsonIgnore]
    public IEnumerable<IKubernetesObject<V1ObjectMeta>> All =>
        [.. VirtualServices, .. DestinationRules, .. HttpRoutes];

    /// <summary>
    /// A copy of <paramref name="resource"/> without server-set metadata and the console's change annotations.
    /// </summary>
    public static T Clean<T>(T resource)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(resource);
        T copy = MeshJson.DeepClone(resource);
        V1ObjectMeta metadata = copy.Metadata ?? new V1ObjectMeta();
        metadata.ResourceVersion = null;
        metadata.Uid = null;
        metadata.ManagedFields = null;
        metadata.CreationTimestamp = null;
        metadata.Generation = null;
        metadata.SelfLink = null;
        if (metadata.Annotations is { } annotations)
        {
            annotations.Remove(ChangedByAnnotation);
            annotations.Remove(ChangedAtAnnotation);
            annotations.Remove("kubectl.kubernetes.io/last-applied-configuration");
            if (annotations.Count == 0)
            {
                metadata.Annotations = null;
            }
        }

        copy.Metadata = metadata;
        switch (copy)
        {
            case VirtualService vs:
                vs.Extra?.Remove("status");
                break;
            case DestinationRule dr:
                dr.Extra?.Remove("status");
                break;
            case HttpRoute hr:
                hr.Extra?.Remove("status");
                break;
        }

        return copy;
    }

    private static IEnumerable<T> Sorted<T>(IEnumerable<T> resources)
        where T : IKubernetesObject<V1ObjectMeta> =>
        resources
            .OrderBy(static r => r.Metadata?.NamespaceProperty, StringComparer.Ordinal)
            .ThenBy(static r => r.Metadata?.Name, StringComparer.Ordinal);
}
