using TrafficConsole.Cluster.Cache;

namespace TrafficConsole.Cluster.Tests.Infrastructure;

/// <summary>
/// A cache that has not synced yet (or lags): the writer cannot pre-check against it, so the API
/// server's optimistic concurrency is what stops a stale write.
/// </summary>
public class UnsyncedCache(IMeshCache inner) : IMeshCache
{
    public virtual MeshSnapshot Current => inner.Current;

    public bool IsSynced => false;

    public CacheHealth Health => inner.Health;

    public CacheRequestCounters Requests => inner.Requests;

    public int SubscriberCount => inner.SubscriberCount;

    public MeshSubscription Subscribe(string? namespaceName = null, CancellationToken cancellationToken = default) =>
        inner.Subscribe(namespaceName, cancellationToken);

    public Task WaitForSyncAsync(CancellationToken cancellationToken = default) => inner.WaitForSyncAsync(cancellationToken);

    public virtual Task<bool> WaitUntilAsync(Func<MeshSnapshot, bool> condition, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        inner.WaitUntilAsync(condition, timeout, cancellationToken);
}
