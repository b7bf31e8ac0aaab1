using System.Text.Json;
using System.Text.Json.Nodes;

using k8s;
using k8s.Models;

namespace TrafficConsole.Mesh.Resources;

/// <summary>
/// A resource whose resourceVersion also moves on writes that change nothing it says: Istio writes its status (the
/// <c>Reconciled</c> condition, observedGeneration) through the status subresource once its proxies have the config.
/// </summary>
public interface IContentVersioned : IKubernetesObject<V1ObjectMeta>
{
    /// <summary>
    /// The resourceVersion of the resource's last change other than status and managedFields (what routing revisions
    /// are made of); the resourceVersion itself unless the cache carried an older one over a status-only update.
    /// </summary>
    string? ContentRevision { get; set; }
}

/// <summary>Tells a change of what a resource says from a write of its status alone.</summary>
public static class ResourceContent
{
    /// <summary>The subresource a managedFields entry names for a write of the status.</summary>
    public const string StatusSubresource = "status";

    /// <summary>
    /// True when <paramref name="before"/> and <paramref name="after"/> are the same object (same uid) and say the same
    /// thing apart from status and what the API server sets on every write (resourceVersion, managedFields, generation).
    /// </summary>
    /// <param name="before">The object as it was.</param>
    /// <param name="after">The object as it is now.</param>
    public static bool SameContent(IKubernetesObject<V1ObjectMeta> before, IKubernetesObject<V1ObjectMeta> after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        if (before.GetType() != after.GetType() || !string.Equals(before.Metadata?.Uid, after.Metadata?.Uid, StringComparison.Ordinal))
        {
            return false;
        }

        return JsonNode.DeepEquals(ContentOf(before), ContentOf(after));
    }

    /// <summary>
    /// Keeps <paramref name="before"/>'s content revision on <paramref name="after"/> when the update between them changed
    /// only status (see <see cref="SameContent"/>); does nothing for other kinds of objects.
    /// </summary>
    /// <param name="after">The new object, not yet shared with anyone.</param>
    /// <param name="before">The object it replaces, or null.</param>
    public static void CarryOver(IKubernetesObject<V1ObjectMeta> after, IKubernetesObject<V1ObjectMeta>? before)
    {
        ArgumentNullException.ThrowIfNull(after);
        // The same resourceVersion is the same object (a re-list of what the watch already had): no need to compare.
        if (after is IContentVersioned fresh && before is IContentVersioned old
            && (string.Equals(old.Metadata?.ResourceVersion, fresh.Metadata?.ResourceVersion, StringComparison.Ordinal) || SameContent(old, fresh)))
        {
            fresh.ContentRevision = old.ContentRevision;
        }
    }

    /// <summary>The content revision of <paramref name="resource"/>: see <see cref="IContentVersioned.ContentRevision"/>.</summary>
    /// <param name="resource">A resource.</param>
    public static string? RevisionOf(IKubernetesObject<V1ObjectMeta> resource) =>
        resource is IContentVersioned versioned ? versioned.ContentRevision : resource?.Metadata?.ResourceVersion;

    /// <summary>True for a managedFields entry of a status write (Istio's <c>pilot-discovery</c>, a controller): it changes no routing.</summary>
    /// <param name="entry">A managedFields entry.</param>
    public static bool IsStatusEntry(V1ManagedFieldsEntry entry) =>
        string.Equals(entry?.Subresource, StatusSubresource, StringComparison.Ordinal);

    private static JsonNode? ContentOf(IKubernetesObject<V1ObjectMeta> resource)
    {
        JsonNode? node = JsonSerializer.SerializeToNode(resource, resource.GetType(), MeshJson.Options);
        if (node is JsonObject root)
        {
            root.Remove("status");
            if (root["metadata"] is JsonObject metadata)
            {
                metadata.Remove("resourceVersion");
                metadata.Remove("managedFields");
                metadata.Remove("generation");
            }
        }

        return node;
    }
}
