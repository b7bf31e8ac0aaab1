namespace TrafficConsole.Cluster.Cache;

/// <summary>
/// The one watch-backed view of the cluster a process keeps, shared by every viewer: a snapshot and
/// a stream of changes. Viewers never call the API server themselves.
/// </summary>
public interface IMeshCache
{
    /// <summary>The latest snapshot.</summary>
    MeshSnapshot Current { get; }

    /// <summary>True once every kind has been listed at least once.</summary>
    bool IsSynced { get; }

    CacheHealth Health { get; }

    /// <summary>Requests the cache has made to the API server.</summary>
    CacheRequestCounters Requests { get; }

    /// <summary>Live subscriptions (disposed ones are gone).</summary>
    int SubscriberCount { get; }

    /// <summary>
    /// The current snapshot plus every later change (of <paramref name="namespaceName"/> only, when given),
    /// batched. Dispose the subscription (or cancel <paramref name="cancellationToken"/>) to stop.
    /// </summary>
    MeshSubscription Subscribe(string? namespaceName = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// As <see cref="Subscribe(string?, CancellationToken)"/>, and <see cref="MeshSubscription.MissedChanges"/> holds what
    /// changed after snapshot <paramref name="sinceVersion"/> (a caller's earlier read) up to the subscription, when the
    /// cache still remembers it; null when it does not (the caller then re-reads everything).
    /// </summary>
    MeshSubscription Subscribe(string? namespaceName, long sinceVersion, CancellationToken cancellationToken = default) =>
        Subscribe(namespaceName, cancellationToken);

    /// <summary>Waits until the first full sync.</summary>
    Task WaitForSyncAsync(CancellationToken cancellationToken = default);

    /// <summary>Waits (bounded) until a snapshot satisfies <paramref name="condition"/>; false on timeout.</summary>
    Task<bool> WaitUntilAsync(Func<MeshSnapshot, bool> condition, TimeSpan timeout, CancellationToken cancellationToken = default);
}
