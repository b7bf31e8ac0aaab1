using System.Diagnostics;

using TrafficConsole.Cluster.Cache;

namespace TrafficConsole.Cluster.Tests.Infrastructure;

/// <summary>
/// An unsynced cache that has not yet seen one VirtualService for a while (its watch event is late), while it sees
/// every other change at once: the order in which a real cache may learn of two writers' changes.
/// </summary>
public sealed class LaggingCache(IMeshCache inner, string @namespace, string virtualService, TimeSpan lag) : UnsyncedCache(inner)
{
    private readonly Stopwatch _since = Stopwatch.StartNew();

    public override MeshSnapshot Current
    {
        get
        {
            MeshSnapshot snapshot = base.Current;
            if (_since.Elapsed >= lag || snapshot.FindVirtualService(@namespace, virtualService) is null)
            {
                return snapshot;
            }

            NamespaceResources resources = snapshot.In(@namespace);
            return snapshot.With(snapshot.Version, resources: snapshot.Resources.SetItem(@namespace, resources with { VirtualServices = resources.VirtualServices.Remove(virtualService) }));
        }
    }

    // Polls: the hidden VirtualService appears when the lag is over, not with a change of the inner cache.
    public override async Task<bool> WaitUntilAsync(Func<MeshSnapshot, bool> condition, TimeSpan timeout, CancellationToken cancellationToken = default)
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
