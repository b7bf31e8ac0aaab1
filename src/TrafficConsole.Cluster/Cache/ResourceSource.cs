using k8s;
using k8s.Models;

namespace TrafficConsole.Cluster.Cache;

/// <summary>One page-complete list of a resource kind and the resourceVersion to watch from.</summary>
internal sealed record ResourceListing(IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Items, string ResourceVersion);

/// <summary>One line of a watch stream, decoded.</summary>
internal readonly record struct WatchNotice(WatchEventType Type, IKubernetesObject<V1ObjectMeta>? Object, string? ResourceVersion);

/// <summary>How the informer lists and watches one resource kind, in all namespaces or in one.</summary>
internal interface IResourceSource
{
    MeshResourceKind Kind { get; }

    /// <summary>The namespace it lists and watches; null for all namespaces (or a cluster-scoped kind).</summary>
    string? Namespace => null;

    /// <summary>The plural resource name, for logs and counters.</summary>
    string Resource { get; }

    Task<ResourceListing> ListAsync(CancellationToken cancellationToken);

    /// <summary>Watches from <paramref name="resourceVersion"/>; stream errors (e.g. a 410 ERROR event) go to <paramref name="onError"/>.</summary>
    IAsyncEnumerable<WatchNotice> WatchAsync(string resourceVersion, int timeoutSeconds, Action<Exception> onError, CancellationToken cancellationToken);

    /// <summary>A cheap request that succeeds when the API server answers at all.</summary>
    Task ProbeAsync(CancellationToken cancellationToken);

    /// <summary>
    /// True for a kind the cluster may not serve although its API group is served (a CRD left out):
    /// a 404 on its list then means "none", not a failure.
    /// </summary>
    bool IsOptional => false;

    /// <summary>
    /// True for a kind the console works without when its credentials may not list it (403): it then lists as empty,
    /// the sink hears why (<see cref="IInformerSink.ReportForbidden"/>), and the informer looks again later.
    /// </summary>
    bool MayBeForbidden => false;
}

/// <summary>An <see cref="IResourceSource"/> made of delegates over the KubernetesClient API.</summary>
internal sealed class ResourceSource<T> : IResourceSource
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly Func<string?, CancellationToken, Task<(IReadOnlyList<T> Items, string? ResourceVersion, string? Continue)>> _listPage;
    private readonly Func<string, int, Action<Exception>, CancellationToken, IAsyncEnumerable<(WatchEventType, T)>> _watch;
    private readonly Func<CancellationToken, Task> _probe;

    public ResourceSource(
        MeshResourceKind kind,
        string resource,
        Func<string?, CancellationToken, Task<(IReadOnlyList<T> Items, string? ResourceVersion, string? Continue)>> listPage,
        Func<string, int, Action<Exception>, CancellationToken, IAsyncEnumerable<(WatchEventType, T)>> watch,
        Func<CancellationToken, Task> probe)
    {
        Kind = kind;
        Resource = resource;
        _listPage = listPage;
        _watch = watch;
        _probe = probe;
    }

    public MeshResourceKind Kind { get; }

    public string Resource { get; }

    public string? Namespace { get; init; }

    public bool IsOptional { get; init; }

    public bool MayBeForbidden { get; init; }

    public Task ProbeAsync(CancellationToken cancellationToken) => _probe(cancellationToken);

    public async Task<ResourceListing> ListAsync(CancellationToken cancellationToken)
    {
        var items = new List<IKubernetesObject<V1ObjectMeta>>();
        string? continueToken = null;
        string? resourceVersion = null;
        do
        {
            (IReadOnlyList<T> page, string? pageVersion, continueToken) = await _listPage(continueToken, cancellationToken);

            // The first page's resourceVersion is the list's: a real API server serves every page at it,
            // and watching from it replays anything that changed while later pages were read.
            resourceVersion ??= pageVersion;
            items.AddRange(page);
        }
        while (!string.IsNullOrEmpty(continueToken));

        return new ResourceListing(items, resourceVersion ?? "0");
    }

    public async IAsyncEnumerable<WatchNotice> WatchAsync(
        string resourceVersion,
        int timeoutSeconds,
        Action<Exception> onError,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach ((WatchEventType type, T item) in _watch(resourceVersion, timeoutSeconds, onError, cancellationToken).WithCancellation(cancellationToken))
        {
            // A bookmark carries only metadata.resourceVersion: where to resume from.
            yield return new WatchNotice(type, type == WatchEventType.Bookmark ? null : item, item?.Metadata?.ResourceVersion);
        }
    }
}
