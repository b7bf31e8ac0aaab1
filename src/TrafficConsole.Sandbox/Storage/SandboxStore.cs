using System.Text.Json.Nodes;
using System.Threading.Channels;
using TrafficConsole.Sandbox.Api;

namespace TrafficConsole.Sandbox.Storage;

/// <summary>A pending watch delivery: a change, or a bookmark carrying the store's resourceVersion.</summary>
internal readonly record struct WatchItem(StoreEvent? Event, long BookmarkVersion);

/// <summary>
/// The sandbox's etcd: every object of every kind, one cluster-wide resourceVersion counter, a bounded
/// history of changes for resuming watches, and one channel per watcher. All state is guarded by one
/// lock; writes are journaled (fsync) before they become visible or are acknowledged.
/// </summary>
public sealed class SandboxStore : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<ResourceType, Dictionary<(string Ns, string Name), JsonObject>> _objects = [];
    private readonly Queue<StoreEvent> _history = new();

    // Each current object rendered once (per served version), so lists and initial watch events are copies of bytes.
    private readonly Dictionary<ResourceType, Dictionary<(string Ns, string Name), StoreEvent>> _rendered = [];
    private readonly Dictionary<ResourceType, List<StoreWatcher>> _watchers = [];
    private readonly IStoreJournal? _journal;
    private readonly int _historyLimit;
    private long _resourceVersion;
    private long _rbacChanges;
    private long _historyFloor;
    private bool _closed;

    private readonly int _watcherBuffer;

    internal SandboxStore(IStoreJournal? journal, int historyLimit, int watcherBuffer = StoreWatcher.DefaultBuffer)
    {
        _watcherBuffer = Math.Max(1, watcherBuffer);
        _journal = journal;
        _historyLimit = Math.Max(1, historyLimit);
        foreach (var type in ResourceCatalog.All)
        {
            _objects[type] = [];
            _rendered[type] = [];
            _watchers[type] = [];
        }

        if (journal is not null)
        {
            LoadedState state;
            try
            {
                state = journal.Load();
            }
            catch
            {
                // Release the data directory: nothing was started on it.
                journal.Dispose();
                throw;
            }

            foreach (var (type, obj) in state.Objects)
            {
                var key = (Json.Namespace(obj) ?? "", Json.Name(obj) ?? "");
                _objects[type][key] = obj;
                _rendered[type][key] = new StoreEvent(WatchEventKind.Added, type, obj, null);
            }

            _resourceVersion = state.ResourceVersion;
        }

        _historyFloor = _resourceVersion;
    }

    /// <summary>The latest resourceVersion handed out (lists report it as theirs).</summary>
    public long ResourceVersion
    {
        get
        {
            lock (_gate)
            {
                return _resourceVersion;
            }
        }
    }

    /// <summary>Counts committed writes to Roles, ClusterRoles and their bindings, so the authorizer knows when to re-read them.</summary>
    internal long RbacChanges => Interlocked.Read(ref _rbacChanges);

    /// <summary>Number of objects stored, over all kinds.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _objects.Values.Sum(d => d.Count);
            }
        }
    }

    /// <summary>How many watch streams are open now.</summary>
    public int WatcherCount
    {
        get
        {
            lock (_gate)
            {
                return _watchers.Values.Sum(l => l.Count);
            }
        }
    }

    /// <summary>A copy of one object in its storage version, or null.</summary>
    public JsonObject? Get(ResourceType type, string? ns, string name)
    {
        ArgumentNullException.ThrowIfNull(type);
        lock (_gate)
        {
            return _objects[type].TryGetValue((ns ?? "", name), out var obj) ? Json.Clone(obj) : null;
        }
    }

    /// <summary>Copies of the objects of one kind (in one namespace, or all), ordered by namespace and name.</summary>
    public IReadOnlyList<JsonObject> List(ResourceType type, string? ns = null)
    {
        ArgumentNullException.ThrowIfNull(type);
        lock (_gate)
        {
            return [.. ListUnlocked(type, ns).Select(Json.Clone)];
        }
    }

    /// <summary>Runs <paramref name="work"/> under the store lock and commits what it staged atomically.</summary>
    internal T Write<T>(Func<StoreTransaction, T> work)
    {
        List<Action> afterCommit = [];
        var result = WriteLocked(work, afterCommit);
        foreach (var action in afterCommit)
        {
            action();
        }

        return result;
    }

    private T WriteLocked<T>(Func<StoreTransaction, T> work, List<Action> afterCommit)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            var txn = new StoreTransaction(this, _resourceVersion);
            var result = work(txn);
            if (txn.DryRun || txn.Ops.Count == 0)
            {
                return result;
            }

            // Durable first: a failed append leaves memory, watchers and the counter untouched.
            _journal?.Append(txn.ResourceVersion, [.. txn.Ops.Select(o => o.Deleted
                ? new StoreOp(o.Type, o.Namespace, o.Name, null)
                : new StoreOp(o.Type, o.Namespace, o.Name, o.Object))]);
            _resourceVersion = txn.ResourceVersion;
            foreach (var op in txn.Ops)
            {
                var objects = _objects[op.Type];
                var key = (op.Namespace, op.Name);
                objects.TryGetValue(key, out var old);
                WatchEventKind kind;
                if (op.Deleted)
                {
                    objects.Remove(key);
                    _rendered[op.Type].Remove(key);
                    kind = WatchEventKind.Deleted;
                }
                else
                {
                    objects[key] = op.Object!;
                    kind = old is null ? WatchEventKind.Added : WatchEventKind.Modified;
                }

                var e = new StoreEvent(kind, op.Type, op.Object!, old is null ? null : Json.Labels(old));
                if (!op.Deleted)
                {
                    _rendered[op.Type][key] = e;
                }

                Publish(e);
                if (op.Type.Group == ResourceCatalog.Roles.Group)
                {
                    Interlocked.Increment(ref _rbacChanges);
                }
            }

            _journal?.MaybeCompact(_resourceVersion, AllObjectsUnlocked);
            afterCommit.AddRange(txn.AfterCommit);
            return result;
        }
    }

    /// <summary>Folds everything logged so far into the snapshot file (after seeding, for a quick next start).</summary>
    internal void Checkpoint()
    {
        lock (_gate)
        {
            _journal?.Compact(_resourceVersion, AllObjectsUnlocked());
        }
    }

    /// <summary>
    /// Starts a watch. With <paramref name="fromVersion"/> null the current objects come first as ADDED;
    /// otherwise every change after that version follows, or <see cref="ApiException"/> 410 when it is too old.
    /// </summary>
    internal WatchSubscription Watch(ResourceType type, string? ns, long? fromVersion)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            List<StoreEvent> initial;
            if (fromVersion is null)
            {
                initial = [.. RenderedUnlocked(type, ns).Select(e => e.AsAdded())];
            }
            else
            {
                if (fromVersion < _historyFloor)
                {
                    var oldest = _history.Count > 0 ? _history.Peek().ResourceVersion : _historyFloor + 1;
                    throw ApiException.Gone(fromVersion.Value, oldest);
                }

                initial = [.. _history.Where(e => e.ResourceVersion > fromVersion && e.Type == type
                    && (ns is null || e.Namespace == ns))];
            }

            var watcher = new StoreWatcher(type, ns, _watcherBuffer);
            _watchers[type].Add(watcher);
            return new WatchSubscription(this, watcher, initial, _resourceVersion);
        }
    }

    /// <summary>Queues a bookmark behind every change already delivered, so its version never skips one.</summary>
    internal void RequestBookmark(StoreWatcher watcher)
    {
        lock (_gate)
        {
            watcher.Channel.Writer.TryWrite(new WatchItem(null, _resourceVersion));
        }
    }

    internal void Unsubscribe(StoreWatcher watcher)
    {
        lock (_gate)
        {
            _watchers[watcher.Type].Remove(watcher);
            watcher.Channel.Writer.TryComplete();
        }
    }

    /// <summary>Ends every watch stream (server shutdown) and refuses further writes.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            foreach (var list in _watchers.Values)
            {
                foreach (var w in list)
                {
                    w.Channel.Writer.TryComplete();
                }

                list.Clear();
            }

            _journal?.Dispose();
        }
    }

    /// <summary>The current objects as rendered JSON (immutable, safe to use outside the lock) and their version.</summary>
    internal (IReadOnlyList<StoreEvent> Items, long ResourceVersion) RenderedSnapshot(ResourceType type, string? ns)
    {
        lock (_gate)
        {
            return ([.. RenderedUnlocked(type, ns)], _resourceVersion);
        }
    }

    private IEnumerable<StoreEvent> RenderedUnlocked(ResourceType type, string? ns) =>
        _rendered[type]
            .Where(kv => ns is null || kv.Key.Ns == ns)
            .OrderBy(kv => kv.Key.Ns, StringComparer.Ordinal)
            .ThenBy(kv => kv.Key.Name, StringComparer.Ordinal)
            .Select(kv => kv.Value);

    internal IEnumerable<JsonObject> ListUnlocked(ResourceType type, string? ns) =>
        _objects[type]
            .Where(kv => ns is null || kv.Key.Ns == ns)
            .OrderBy(kv => kv.Key.Ns, StringComparer.Ordinal)
            .ThenBy(kv => kv.Key.Name, StringComparer.Ordinal)
            .Select(kv => kv.Value);

    internal JsonObject? GetUnlocked(ResourceType type, string ns, string name) =>
        _objects[type].GetValueOrDefault((ns, name));

    private IEnumerable<(ResourceType, JsonObject)> AllObjectsUnlocked() =>
        _objects.SelectMany(kv => kv.Value.Values.Select(o => (kv.Key, o)));

    private void Publish(StoreEvent e)
    {
        _history.Enqueue(e);
        while (_history.Count > _historyLimit)
        {
            _historyFloor = _history.Dequeue().ResourceVersion;
        }

        List<StoreWatcher>? tooSlow = null;
        foreach (var watcher in _watchers[e.Type])
        {
            if ((watcher.Namespace is null || watcher.Namespace == e.Namespace) && !watcher.Channel.Writer.TryWrite(new WatchItem(e, 0)))
            {
                (tooSlow ??= []).Add(watcher);
            }
        }

        // A watcher that stopped reading is cut off, as the API server does; its client re-watches
        // from the last version it saw (or re-lists after 410).
        foreach (var watcher in tooSlow ?? [])
        {
            _watchers[e.Type].Remove(watcher);
            watcher.Channel.Writer.TryComplete();
        }
    }
}

/// <summary>One open watch: its queue of deliveries.</summary>
internal sealed class StoreWatcher(ResourceType type, string? ns, int buffer)
{
    public ResourceType Type { get; } = type;

    public string? Namespace { get; } = ns;

    /// <summary>Changes not yet sent; bounded so that a client that stops reading cannot grow it without end.</summary>
    public Channel<WatchItem> Channel { get; } = System.Threading.Channels.Channel.CreateBounded<WatchItem>(
        new BoundedChannelOptions(buffer) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    public const int DefaultBuffer = 10_000;
}

/// <summary>What <see cref="SandboxStore.Watch"/> returns: the events to replay first, then the live queue.</summary>
internal sealed class WatchSubscription(SandboxStore store, StoreWatcher watcher, IReadOnlyList<StoreEvent> initial, long startVersion)
    : IDisposable
{
    public IReadOnlyList<StoreEvent> Initial { get; } = initial;

    /// <summary>The store's resourceVersion when the watch started.</summary>
    public long StartVersion { get; } = startVersion;

    public ChannelReader<WatchItem> Reader => watcher.Channel.Reader;

    public void RequestBookmark() => store.RequestBookmark(watcher);

    public void Dispose() => store.Unsubscribe(watcher);
}
