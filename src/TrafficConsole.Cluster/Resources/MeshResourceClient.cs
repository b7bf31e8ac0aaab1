using System.Net;
using System.Text.Json;

using k8s;
using k8s.Autorest;
using k8s.Models;

using TrafficConsole.Mesh.Resources;

namespace TrafficConsole.Cluster.Resources;

/// <summary>
/// Typed access to one Istio / Gateway API custom resource over <see cref="IKubernetes.CustomObjects"/>,
/// at the version the cluster serves. Objects go through <see cref="MeshJson"/>, so fields the models do
/// not know survive a read-modify-write.
/// </summary>
public sealed class MeshResourceClient<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>The field manager recorded for every write TrafficConsole makes.</summary>
    public const string FieldManager = "trafficconsole";

    private readonly IKubernetes _client;
    private readonly int? _pageSize;

    public MeshResourceClient(IKubernetes client, CustomResourceType type, int pageSize = 500)
    {
        _pageSize = pageSize > 0 ? pageSize : null;
        _client = client ?? throw new ArgumentNullException(nameof(client));
        Type = type ?? throw new ArgumentNullException(nameof(type));
    }

    public CustomResourceType Type { get; }

    /// <summary>Lists across all namespaces (<paramref name="namespace"/> null) or in one; every page, one list.</summary>
    public async Task<ResourceList<T>> ListAsync(string? @namespace = null, string? labelSelector = null, CancellationToken cancellationToken = default)
    {
        var items = new List<T>();
        string? continueToken = null;
        string? resourceVersion = null;
        do
        {
            (IReadOnlyList<T> page, string? pageVersion, continueToken) = await ListPageAsync(@namespace, labelSelector, continueToken, cancellationToken);

            // The first page's resourceVersion is the list's: a real API server serves every page at it,
            // and watching from it replays anything that changed while later pages were read.
            resourceVersion ??= pageVersion;
            items.AddRange(page);
        }
        while (!string.IsNullOrEmpty(continueToken));

        return new ResourceList<T>
        {
            ApiVersion = Type.ApiVersion,
            Kind = Type.Kind + "List",
            Metadata = new V1ListMeta { ResourceVersion = resourceVersion ?? "0" },
            Items = items,
        };
    }

    /// <summary>The object, or null when it does not exist.</summary>
    public async Task<T?> GetAsync(string @namespace, string name, CancellationToken cancellationToken = default)
    {
        try
        {
            using HttpOperationResponse<JsonElement> response = await _client.CustomObjects.GetNamespacedCustomObjectWithHttpMessagesAsync<JsonElement>(
                Type.Group, Type.Version, @namespace, Type.Plural, name, cancellationToken: cancellationToken);
            return MeshResourceJson.Decode<T>(response.Body);
        }
        catch (HttpOperationException ex) when (ex.Response?.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Creates the object (metadata.namespace must be set); throws <see cref="HttpOperationException"/> on 409/422/...</summary>
    public async Task<T> CreateAsync(T item, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(item);
        string ns = NamespaceOf(item);
        using HttpOperationResponse<JsonElement> response = await _client.CustomObjects.CreateNamespacedCustomObjectWithHttpMessagesAsync<JsonElement>(
            MeshResourceJson.Encode(item), Type.Group, Type.Version, ns, Type.Plural, fieldManager: FieldManager, cancellationToken: cancellationToken);
        return MeshResourceJson.Decode<T>(response.Body);
    }

    /// <summary>Replaces the object; metadata.resourceVersion makes it conditional (409 when it moved on).</summary>
    public async Task<T> ReplaceAsync(T item, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(item);
        string ns = NamespaceOf(item);
        using HttpOperationResponse<JsonElement> response = await _client.CustomObjects.ReplaceNamespacedCustomObjectWithHttpMessagesAsync<JsonElement>(
            MeshResourceJson.Encode(item), Type.Group, Type.Version, ns, Type.Plural, item.Metadata.Name, fieldManager: FieldManager, cancellationToken: cancellationToken);
        return MeshResourceJson.Decode<T>(response.Body);
    }

    /// <summary>Deletes the object; with <paramref name="resourceVersion"/> only if it is still at that version (else 409).</summary>
    public async Task DeleteAsync(string @namespace, string name, string? resourceVersion = null, CancellationToken cancellationToken = default)
    {
        V1DeleteOptions? options = resourceVersion is null ? null : new V1DeleteOptions
        {
            Preconditions = new V1Preconditions { ResourceVersion = resourceVersion },
        };
        using HttpOperationResponse<JsonElement> response = await _client.CustomObjects.DeleteNamespacedCustomObjectWithHttpMessagesAsync<JsonElement>(
            Type.Group, Type.Version, @namespace, Type.Plural, name, body: options, cancellationToken: cancellationToken);
    }

    /// <summary>
    /// Watches all namespaces from <paramref name="resourceVersion"/>, with bookmarks. Stream errors (a 410
    /// ERROR event, an unreadable line) go to <paramref name="onError"/>.
    /// </summary>
    public IAsyncEnumerable<(WatchEventType Type, T Object)> WatchAsync(
        string resourceVersion,
        int timeoutSeconds,
        Action<Exception> onError,
        CancellationToken cancellationToken) =>
        WatchAsync(null, resourceVersion, timeoutSeconds, onError, cancellationToken);

    /// <summary>Watches one namespace (null: all namespaces) from <paramref name="resourceVersion"/>.</summary>
    public async IAsyncEnumerable<(WatchEventType Type, T Object)> WatchAsync(
        string? @namespace,
        string resourceVersion,
        int timeoutSeconds,
        Action<Exception> onError,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        IAsyncEnumerable<(WatchEventType, object)> events = @namespace is null
            ? _client.CustomObjects.WatchListClusterCustomObjectAsync(
                Type.Group, Type.Version, Type.Plural,
                allowWatchBookmarks: true, resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds,
                onError: onError, cancellationToken: cancellationToken)
            : _client.CustomObjects.WatchListNamespacedCustomObjectAsync(
                Type.Group, Type.Version, @namespace, Type.Plural,
                allowWatchBookmarks: true, resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds,
                onError: onError, cancellationToken: cancellationToken);
        await foreach ((WatchEventType type, object value) in events.WithCancellation(cancellationToken))
        {
            T item;
            try
            {
                item = value is JsonElement element
                    ? MeshResourceJson.Decode<T>(element)
                    : throw new JsonException($"Watch event object is a {value?.GetType().Name ?? "null"}, not JSON.");
            }
            catch (JsonException ex)
            {
                // A change we cannot read would be a lost change: report it so the informer re-lists.
                onError(ex);
                yield break;
            }

            yield return (type, item);
        }
    }

    /// <summary>One page of a list.</summary>
    internal async Task<(IReadOnlyList<T> Items, string? ResourceVersion, string? Continue)> ListPageAsync(
        string? @namespace, string? labelSelector, string? continueToken, CancellationToken cancellationToken)
    {
        using HttpOperationResponse<JsonElement> response = @namespace is null
            ? await _client.CustomObjects.ListClusterCustomObjectWithHttpMessagesAsync<JsonElement>(
                Type.Group, Type.Version, Type.Plural, continueParameter: continueToken, labelSelector: labelSelector, limit: _pageSize,
                cancellationToken: cancellationToken)
            : await _client.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync<JsonElement>(
                Type.Group, Type.Version, @namespace, Type.Plural, continueParameter: continueToken, labelSelector: labelSelector, limit: _pageSize,
                cancellationToken: cancellationToken);
        JsonElement body = response.Body;
        var items = new List<T>();
        if (body.ValueKind == JsonValueKind.Object && body.TryGetProperty("items", out JsonElement array) && array.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement element in array.EnumerateArray())
            {
                T item = MeshResourceJson.Decode<T>(element);

                // Lists leave apiVersion/kind out of their items; fill them in so a write-back is complete.
                if (string.IsNullOrEmpty(item.ApiVersion))
                {
                    item.ApiVersion = Type.ApiVersion;
                }

                if (string.IsNullOrEmpty(item.Kind))
                {
                    item.Kind = Type.Kind;
                }

                items.Add(item);
            }
        }

        string? resourceVersion = null;
        string? next = null;
        if (body.ValueKind == JsonValueKind.Object && body.TryGetProperty("metadata", out JsonElement metadata) && metadata.ValueKind == JsonValueKind.Object)
        {
            resourceVersion = metadata.TryGetProperty("resourceVersion", out JsonElement rv) && rv.ValueKind == JsonValueKind.String ? rv.GetString() : null;
            next = metadata.TryGetProperty("continue", out JsonElement c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
        }

        return (items, resourceVersion, next);
    }

    private static string NamespaceOf(T item) =>
        item.Metadata?.NamespaceProperty is { Length: > 0 } ns
            ? ns
            : throw new ArgumentException($"{typeof(T).Name} {item.Metadata?.Name} has no metadata.namespace.", nameof(item));
}

/// <summary>Reads and writes mesh resources with <see cref="MeshJson.Options"/>.</summary>
internal static class MeshResourceJson
{
    public static T Decode<T>(JsonElement element) =>
        element.Deserialize<T>(MeshJson.Options) ?? throw new JsonException($"Expected a {typeof(T).Name}, got null.");

    /// <summary>KubernetesClient sends a <see cref="JsonElement"/> body as is, so the mesh settings decide the wire form.</summary>
    public static JsonElement Encode<T>(T item)
        where T : class => JsonSerializer.SerializeToElement(item, item.GetType(), MeshJson.Options);
}
