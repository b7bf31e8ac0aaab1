using System.Collections.Immutable;

using TrafficConsole.Cluster.Cache;
using TrafficConsole.Cluster.Writing;
using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Services;
using TrafficConsole.Mesh.Telemetry;

namespace TrafficConsole.Cluster.Telemetry;

/// <summary>A service's proxy sync as the console can tell it: what istiod reports, and how long its last write took to reach the proxies.</summary>
/// <param name="Sync">What the routing resources' status says now.</param>
/// <param name="AppliedAt">When this console's last write of the service applied (its clock), while that write is what the service runs.</param>
/// <param name="ReconciledAfter">From that write to the cache showing it Reconciled at the written generations.</param>
/// <param name="WaitingFor">How long that write has been waiting for the proxies, while it is.</param>
public sealed record ProxySyncReading(ServiceSync Sync, DateTimeOffset? AppliedAt, TimeSpan? ReconciledAfter, TimeSpan? WaitingFor)
{
    /// <summary>The service's sync with no write of this console to time.</summary>
    public static ProxySyncReading Untimed(ServiceSync sync) => new(sync, null, null, null);
}

/// <summary>
/// Times how long the console's writes take to reach Istio's proxies: from the moment the API server accepted a write
/// (<see cref="WriteResult.Applied.AppliedAt"/>) to the cache event that shows istiod's <c>Reconciled</c> condition at the
/// generations that write produced, both on the console's clock (lastTransitionTime has whole seconds). Keeps the last
/// write per service, for at most <see cref="MaxServices"/> services, each waited for at most the wait limit.
/// </summary>
public sealed class ProxySyncTracker : IDisposable
{
    /// <summary>Services remembered; the one written longest ago is forgotten first.</summary>
    public const int MaxServices = 1024;

    /// <summary>How long a write is waited for before the tracker stops timing it (istiod with status off never answers).</summary>
    public static readonly TimeSpan DefaultWaitLimit = TimeSpan.FromMinutes(10);

    private readonly IMeshCache _cache;
    private readonly TimeProvider _time;
    private readonly TimeSpan _waitLimit;
    private readonly Lock _lock = new();
    private readonly Dictionary<ServiceRef, LinkedListNode<Tracked>> _byService = [];
    private readonly LinkedList<Tracked> _byAge = new();
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>A tracker over <paramref name="cache"/>.</summary>
    /// <param name="cache">The shared cache whose events show istiod's status writes.</param>
    /// <param name="time">The console's clock.</param>
    /// <param name="waitLimit">How long to wait for one write (default <see cref="DefaultWaitLimit"/>).</param>
    public ProxySyncTracker(IMeshCache cache, TimeProvider? time = null, TimeSpan? waitLimit = null)
    {
        _cache = cache ?? throw new ArgumentNullException(nameof(cache));
        _time = time ?? TimeProvider.System;
        _waitLimit = waitLimit ?? DefaultWaitLimit;
    }

    /// <summary>How many services are remembered (for tests of the bound).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _byService.Count;
            }
        }
    }

    /// <summary>Starts timing <paramref name="applied"/>, the console's write of the service; it replaces the service's earlier one.</summary>
    /// <param name="namespaceName">The service's namespace.</param>
    /// <param name="service">The service.</param>
    /// <param name="applied">The writer's answer: the objects as the API server answered (their generations) and when.</param>
    public void Track(string namespaceName, string service, WriteResult.Applied applied)
    {
        ArgumentException.ThrowIfNullOrEmpty(namespaceName);
        ArgumentException.ThrowIfNullOrEmpty(service);
        ArgumentNullException.ThrowIfNull(applied);
        ImmutableArray<Target> targets =
        [
            .. (applied.Written.IsDefault ? [] : applied.Written)
                .Where(static w => w.Action != ResourceWrite.Deleted && w.Kind is VirtualService.KindName or DestinationRule.KindName)
                .Where(static w => w.Result?.Metadata?.Generation is not null)
                .Select(static w => new Target(w.Kind, w.Namespace, w.Name, w.Result!.Metadata!.Generation!.Value)),
        ];
        if (targets.IsEmpty || _stopping.IsCancellationRequested)
        {
            return;
        }

        var key = new ServiceRef(namespaceName, service);
        var tracked = new Tracked(key, applied.AppliedAt ?? _time.GetUtcNow(), targets, CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token));
        lock (_lock)
        {
            if (_byService.Remove(key, out LinkedListNode<Tracked>? earlier))
            {
                _byAge.Remove(earlier);
                earlier.Value.Stop();
            }

            _byService[key] = _byAge.AddLast(tracked);
            while (_byService.Count > MaxServices && _byAge.First is { } oldest)
            {
                _byAge.RemoveFirst();
                _byService.Remove(oldest.Value.Service);
                oldest.Value.Stop();
            }
        }

        _ = WaitAsync(tracked);
    }

    /// <summary>The service's proxy sync now, with the timing of the console's last write while that write is what it runs.</summary>
    /// <param name="view">The service as the cache shows it.</param>
    public ProxySyncReading Read(ServiceView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        ServiceSync sync = ProxySync.Of(view);
        Tracked? tracked;
        lock (_lock)
        {
            tracked = _byService.TryGetValue(new ServiceRef(view.Namespace, view.Name), out LinkedListNode<Tracked>? node) ? node.Value : null;
        }

        // A later change (kubectl, another replica) moved a resource past the written generation: that write is history.
        if (tracked is null || Superseded(tracked, view))
        {
            return ProxySyncReading.Untimed(sync);
        }

        if (tracked.ReconciledAt is { } reconciled)
        {
            return new ProxySyncReading(sync, tracked.AppliedAt, reconciled - tracked.AppliedAt, null);
        }

        TimeSpan waiting = _time.GetUtcNow() - tracked.AppliedAt;
        return new ProxySyncReading(sync, tracked.AppliedAt, null, waiting < TimeSpan.Zero ? TimeSpan.Zero : waiting);
    }

    /// <summary>Stops every wait.</summary>
    public void Dispose()
    {
        _stopping.Cancel();
        lock (_lock)
        {
            foreach (Tracked tracked in _byAge)
            {
                tracked.Stop();
            }

            _byService.Clear();
            _byAge.Clear();
        }

        _stopping.Dispose();
    }

    private async Task WaitAsync(Tracked tracked)
    {
        try
        {
            if (await _cache.WaitUntilAsync(snapshot => Reached(snapshot, tracked.Targets), _waitLimit, tracked.Stopping).ConfigureAwait(false))
            {
                // The console's clock at the cache event (WaitUntilAsync wakes on each change).
                tracked.ReconciledAt = _time.GetUtcNow();
            }
        }
        catch (OperationCanceledException)
        {
            // Replaced by a later write of the service, forgotten, or stopping.
        }
        catch (ObjectDisposedException)
        {
            // The cache went away with the runtime.
        }
    }

    private static bool Reached(MeshSnapshot snapshot, ImmutableArray<Target> targets) =>
        targets.All(t => SyncOf(snapshot, t) is { State: ProxySyncState.Reconciled } sync && (sync.ObservedGeneration is null || sync.ObservedGeneration >= t.Generation));

    private static ResourceSync? SyncOf(MeshSnapshot snapshot, Target target) => target.Kind == VirtualService.KindName
        ? snapshot.FindVirtualService(target.Namespace, target.Name) is { } vs ? ProxySync.Read(vs) : null
        : snapshot.FindDestinationRule(target.Namespace, target.Name) is { } dr ? ProxySync.Read(dr) : null;

    private static bool Superseded(Tracked tracked, ServiceView view) =>
        tracked.Targets.Any(t => (t.Kind == VirtualService.KindName
            ? view.VirtualServices.FirstOrDefault(v => v.Name == t.Name && v.Namespace == t.Namespace)?.Metadata?.Generation
            : view.DestinationRules.FirstOrDefault(d => d.Name == t.Name && d.Namespace == t.Namespace)?.Metadata?.Generation) is not { } now || now > t.Generation);

    private readonly record struct Target(string Kind, string Namespace, string Name, long Generation);

    private sealed class Tracked(ServiceRef service, DateTimeOffset appliedAt, ImmutableArray<Target> targets, CancellationTokenSource stopping)
    {
        private long _reconciledAtTicks = -1;

        public ServiceRef Service { get; } = service;

        public DateTimeOffset AppliedAt { get; } = appliedAt;

        public ImmutableArray<Target> Targets { get; } = targets;

        public CancellationToken Stopping { get; } = stopping.Token;

        public DateTimeOffset? ReconciledAt
        {
            get => Interlocked.Read(ref _reconciledAtTicks) is var ticks and >= 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;
            set => Interlocked.Exchange(ref _reconciledAtTicks, value?.UtcTicks ?? -1);
        }

        public void Stop()
        {
            try
            {
                stopping.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // Already stopped.
            }

            stopping.Dispose();
        }
    }
}
