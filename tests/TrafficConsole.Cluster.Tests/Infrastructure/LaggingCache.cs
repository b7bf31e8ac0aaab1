using System.Diagnostics;

using TrafficConsole.Cluster.Cache;

namespace TrafficConsole.Cluster.Tests.Infrastructure;

/// <summary>
/// An unsynced cache that has not yet seen one VirtualService for a while (its watch event is late), while it sees
/// every other change at once: the order in which a real cache may learn of two writers' changes.
/// </summary>
public sealed class LaggingCache(IMeshCache inner, string @namespace, string virtualService, TimeSpan lag) : IMeshCache
{
    private readonly Stopwatch _since = Stopwatch.StartNew();

    public MeshSnapshot Current
    {
        get
        {
            MeshSnapshot snapshot = inner.Current;
            if (_since.Elapsed >= lag || snapshot.FindVirtualService(@namespace, virtualService) is null)
            {
                return snapshot;
            }

            NamespaceResources resources = snapshot.In(@namespace);
            return snapshot.With(snapshot.Version, resources: snapshot.Resources.SetItem(@namespace, resources with { VirtualServices = resources.VirtualServices.Remove(virtualService) }));
        }
    }

    public bool IsSynced => false;

    public CacheHealth Health => inner.Health;

    public CacheRequestCounters Requests => inner.Requests;

    public int SubscriberCount => inner.SubscriberCount;

    public MeshSubscription Subscribe(string? namespaceName = null, CancellationToken cancellationToken = default) =>
        inner.Subscribe(namespaceName, cancellationToken);

    public Task WaitForSyncAsync(CancellationToken cancellationToken = default) => inner.WaitForSyncAsync(cancellationToken);

    // Polls: the hidden VirtualService appears when the lag is over, not with a change of the inner cache.
    public async Task<bool> WaitUntilAsync(Func<MeshSnapshot, bool> condition, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var waited = Stopwatch.StartNew();
        while (!condition(Current))
        {
            if (waited.Elapsed >= timeout)
            {
                return false;
            }

            await Task.Delay(20, cancellationToken);
        }

        return true;
    }
}
