using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Net;

using k8s;
using k8s.Autorest;
using k8s.Models;

using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

using TrafficConsole.Cluster.Cache;
using TrafficConsole.Cluster.Connection;
using TrafficConsole.Cluster.Resources;
using TrafficConsole.Cluster.Writing;
using TrafficConsole.Mesh.History;
using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Services;

namespace TrafficConsole.Cluster.History;

/// <summary>Who made a console change, what kind, and why: what <see cref="RevisionRecorder.RecordAppliedAsync"/> records.</summary>
/// <param name="Actor">The console user.</param>
/// <param name="Action">What produced the change.</param>
/// <param name="Reason">Why, as typed at apply; null when none.</param>
public sealed record RevisionChange(string Actor, RevisionAction Action, string? Reason = null);

/// <summary>Who made a state of a service's routing, as <see cref="RevisionRecorder.AuthorOf"/> decides it.</summary>
/// <param name="Actor">The console user, or for an external change its field manager with "(external)".</param>
/// <param name="Source">Console only for a resourceVersion a console write produced.</param>
/// <param name="Manager">The managedFields manager of an external change, when known.</param>
/// <param name="Action">What the history records it as.</param>
/// <param name="At">When, from managedFields (whole seconds), when known.</param>
public sealed record RevisionAuthor(string Actor, RevisionSource Source, string? Manager, RevisionAction Action, DateTimeOffset? At);

/// <summary>
/// Records every change of a service's routing as a revision ConfigMap in its namespace. Console writes are recorded
/// right after they apply, with the exact objects the write produced; anything else (kubectl, GitOps, a replica that
/// crashed before recording) is recorded from the cache's change stream once it has stood for
/// <see cref="HistoryOptions.SettleDelay"/>. Names derive from the content, so every replica running the same
/// recorder records one change once (the second create answers 409). Keeps <see cref="HistoryOptions.MaxRevisionsPerService"/>
/// per service. Recording never fails a user's change: errors are logged.
/// </summary>
public sealed partial class RevisionRecorder : IHostedService, IAsyncDisposable
{
    private const string ConsoleManager = MeshResourceClient<V1ConfigMap>.FieldManager;

    /// <summary>The field manager the console writes with (a name any client can also use).</summary>
    public const string ConsoleFieldManager = ConsoleManager;
    private const string UnknownActor = "unknown (external)";
    private static readonly TimeSpan CacheWait = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan ManagedFieldsPrecision = TimeSpan.FromSeconds(1);

    private readonly ClusterConnection _connection;
    private readonly IMeshCache _cache;
    private readonly HistoryOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ConsoleWrites _writes;
    private readonly ConcurrentDictionary<ServiceRef, byte> _pending = new();
    private readonly ConcurrentDictionary<ServiceRef, int> _writing = new();
    private readonly CancellationTokenSource _stopping = new();
    private Task? _running;
    private DateTimeOffset _lastAt = DateTimeOffset.MinValue;
    private readonly Lock _clock = new();

    /// <summary>A recorder; <paramref name="writes"/> is what the console's writer produced (shared with <see cref="RoutingWriter"/>; null: only the writes recorded here).</summary>
    public RevisionRecorder(
        IKubernetes client, IMeshCache cache, IOptions<HistoryOptions>? options = null, ILogger<RevisionRecorder>? logger = null, TimeProvider? time = null,
        ConsoleWrites? writes = null)
        : this(ClusterConnection.Over(client ?? throw new ArgumentNullException(nameof(client))), cache, options, logger, time, writes)
    {
    }

    /// <summary>A recorder over the process's connection (the composition root's); <paramref name="writes"/> as above.</summary>
    public RevisionRecorder(
        ClusterConnection connection, IMeshCache cache, IOptions<HistoryOptions>? options = null, ILogger<RevisionRecorder>? logger = null, TimeProvider? time = null,
        ConsoleWrites? writes = null)
    {
        _connection = connection ?? throw new ArgumentNullException(nameof(connection));
        _cache = cache ?? throw new ArgumentNullException(nameof(cache));
        _writes = writes ?? new ConsoleWrites();
        _options = options?.Value ?? new HistoryOptions();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The settings in force.</summary>
    public HistoryOptions Options => _options;

    /// <summary>Starts following the cache's changes; returns at once.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_options.Enabled && _running is null)
        {
            _running = Task.Run(() => FollowAsync(_stopping.Token), CancellationToken.None);
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (!_stopping.IsCancellationRequested)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
        }

        if (_running is { } running)
        {
            try
            {
                await running.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopped, or the host gave up waiting.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        _stopping.Dispose();
    }

    /// <summary>
    /// Marks a console write of the service as under way in this process until the result is disposed: the
    /// background loop does not record the service meanwhile (a write of a DestinationRule and then a VirtualService
    /// passes through a state nobody asked for, and the writer records what the write produced itself).
    /// </summary>
    public IDisposable BeginWrite(string @namespace, string service)
    {
        var key = new ServiceRef(@namespace, service);
        _writing.AddOrUpdate(key, 1, static (_, count) => count + 1);
        return new WriteScope(this, key);
    }

    private void EndWrite(ServiceRef key)
    {
        while (_writing.TryGetValue(key, out int count))
        {
            bool done = count <= 1
                ? _writing.TryRemove(new KeyValuePair<ServiceRef, int>(key, count))
                : _writing.TryUpdate(key, count - 1, count);
            if (done)
            {
                return;
            }
        }
    }

    private sealed class WriteScope(RevisionRecorder recorder, ServiceRef key) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                recorder.EndWrite(key);
            }
        }
    }

    /// <summary>
    /// Records the state a console write produced: <paramref name="before"/> (the service as the write started from
    /// it) with the objects of <paramref name="applied"/> in place. Returns the revision (also when another replica
    /// recorded it first), or null when recording failed or is disabled; never throws for a cluster failure.
    /// </summary>
    public async Task<RoutingRevision?> RecordAppliedAsync(ServiceView before, WriteResult.Applied applied, RevisionChange change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(applied);
        ArgumentNullException.ThrowIfNull(change);
        foreach (ResourceWrite write in applied.Written.IsDefault ? [] : applied.Written)
        {
            _writes.Add(write, change.Actor);
        }

        if (!_options.Enabled || applied.Written.IsDefaultOrEmpty)
        {
            return null;
        }

        MeshSnapshot snapshot = _cache.Current;
        ServiceView after = RoutingWriter.ViewAfter(before, applied.Written, snapshot.In(before.Namespace).Services.Values);
        ImmutableArray<RoutingRevision> history = snapshot.GetRevisions(before.Namespace, before.Name);
        string key = after.Routing.Revision == RoutingState.NoRevision
            ? RoutingRevision.DeletionKey(before.Routing.Revision)
            : after.Routing.Revision;
        RoutingRevision revision = Build(after, key, history, change.Actor, RevisionSource.Console, null, change.Reason, change.Action, ReplacesOf(before, history), Now());
        RoutingRevision? stored = await StoreAsync(revision, cancellationToken).ConfigureAwait(false);

        // The history the user opens next should show their change: wait (briefly) until the cache has it.
        if (stored is not null)
        {
            await _cache.WaitUntilAsync(
                s => s.FindRevision(stored.Namespace, stored.Service, stored.Id) is not null || s.HistoryProblem is not null,
                CacheWait,
                cancellationToken).ConfigureAwait(false);
        }

        return stored;
    }

    /// <summary>Records the service's current routing if no revision of it exists yet (what the background loop does after the settle delay).</summary>
    public async Task<RoutingRevision?> RecordCurrentAsync(string @namespace, string service, CancellationToken cancellationToken = default)
    {
        MeshSnapshot snapshot = _cache.Current;
        if (!_options.Enabled || !snapshot.IsSynced || snapshot.HistoryProblem is not null || snapshot.GetServiceView(@namespace, service) is not { } view)
        {
            return null;
        }

        ImmutableArray<RoutingRevision> history = snapshot.GetRevisions(@namespace, service);
        RoutingRevision? last = history.IsEmpty ? null : history[^1];
        string key = view.Routing.Revision;
        if (key == RoutingState.NoRevision)
        {
            // Nothing routed it before, or its deletion is recorded already.
            if (last is null || last.IsDeletion)
            {
                return null;
            }

            key = RoutingRevision.DeletionKey(last.Key);
        }

        if (RecordedRevisionOf(view, snapshot) is { } known)
        {
            return known;
        }

        (string actor, RevisionSource source, string? manager, RevisionAction action, DateTimeOffset? at) = AuthorOf(view, history);
        DateTimeOffset when = at is { } t && (last is null || t > last.At) ? t : Now();
        RoutingRevision revision = Build(view, key, history, actor, source, manager, null, action, last?.Id, when);
        return await StoreAsync(revision, cancellationToken).ConfigureAwait(false);
    }

    private async Task FollowAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _cache.WaitForSyncAsync(cancellationToken).ConfigureAwait(false);
            using MeshSubscription subscription = _cache.Subscribe(null, cancellationToken);

            // What changed while no replica was running is recorded once too.
            foreach (string ns in subscription.Snapshot.Namespaces)
            {
                foreach (string service in subscription.Snapshot.In(ns).Services.Keys)
                {
                    Schedule(new ServiceRef(ns, service), cancellationToken);
                }
            }

            await foreach (MeshChangeBatch batch in subscription.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                IEnumerable<ServiceRef> services = batch.IsResync
                    ? batch.Snapshot.Namespaces.SelectMany(ns => batch.Snapshot.In(ns).Services.Keys.Select(s => new ServiceRef(ns, s)))
                    : batch.Changes.Where(static c => c.ResourceKind is MeshResourceKind.VirtualService or MeshResourceKind.DestinationRule or MeshResourceKind.HttpRoute)
                        .SelectMany(static c => c.AffectedServices);
                foreach (ServiceRef service in services.Distinct())
                {
                    Schedule(service, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private void Schedule(ServiceRef service, CancellationToken cancellationToken)
    {
        if (!_pending.TryAdd(service, 0))
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await Task.Delay(_options.SettleDelay, _time, cancellationToken).ConfigureAwait(false);
                _pending.TryRemove(service, out _);
                if (WrittenByConsoleJustNow(service))
                {
                    // The replica that wrote it records it with who, why and what (a rollback, a mark-stable...);
                    // the loop only steps in for a write nobody recorded, so look again once it has stood.
                    Schedule(service, cancellationToken);
                    return;
                }

                await RecordCurrentAsync(service.Namespace, service.Name, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                _pending.TryRemove(service, out _);
            }
        }, CancellationToken.None);
    }

    // The timer may have been started by an earlier change: a console write under way here is not the loop's yet. Nor,
    // for a moment, is a change whose newest managedFields entry is the console's: another replica may be recording it
    // with who and why. That only delays recording; who made it is decided by resourceVersion (AuthorOf).
    // managedFields times have whole seconds, so "a moment" allows one more.
    private bool WrittenByConsoleJustNow(ServiceRef service)
    {
        if (_writing.ContainsKey(service))
        {
            return true;
        }

        MeshSnapshot snapshot = _cache.Current;
        if (snapshot.GetServiceView(service.Namespace, service.Name) is not { } view
            || view.Routing.Revision == RoutingState.NoRevision
            || RecordedRevisionOf(view, snapshot) is not null)
        {
            return false;
        }

        return LatestEntry(RoutingResourcesOf(view)) is { } latest
            && string.Equals(latest.Entry.Manager, ConsoleManager, StringComparison.Ordinal)
            && TimeOf(latest.Entry) is { } written
            && _time.GetUtcNow() - written < _options.SettleDelay + ManagedFieldsPrecision;
    }

    private async Task<RoutingRevision?> StoreAsync(RoutingRevision revision, CancellationToken cancellationToken)
    {
        V1ConfigMap configMap = RevisionCodec.Encode(revision);
        try
        {
            await _connection.Client.CoreV1.CreateNamespacedConfigMapAsync(configMap, revision.Namespace, fieldManager: ConsoleManager, cancellationToken: cancellationToken).ConfigureAwait(false);
            LogRecorded(revision.Namespace, revision.Service, revision.Id, revision.Key, revision.Actor, revision.Source, revision.Action);
        }
        catch (HttpOperationException ex) when (ex.Response?.StatusCode == HttpStatusCode.Conflict)
        {
            // Another replica (or this one's own loop) recorded this very state: one change, one revision.
            return revision;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogRecordFailed(ex, revision.Namespace, revision.Service, revision.Key, MeshCache.Describe(ex));
            return null;
        }

        await PruneAsync(revision, cancellationToken).ConfigureAwait(false);
        return revision;
    }

    private async Task PruneAsync(RoutingRevision added, CancellationToken cancellationToken)
    {
        ImmutableArray<RoutingRevision> known = _cache.Current.GetRevisions(added.Namespace, added.Service);
        ImmutableArray<RoutingRevision> all = RoutingRevision.Order(known.Where(r => r.Id != added.Id).Append(added));

        // The first revision stays: without a mark it names the stable version (StableVersions.Resolve), which must not
        // move to whatever the oldest kept revision shows once the rest are pruned.
        int keepFirst = _options.MaxRevisionsPerService > 1 ? 1 : 0;
        foreach (RoutingRevision old in all.Skip(keepFirst).Take(Math.Max(0, all.Length - _options.MaxRevisionsPerService)))
        {
            string name = RevisionCodec.NameOf(old.Service, old.Id);
            try
            {
                await _connection.Client.CoreV1.DeleteNamespacedConfigMapAsync(name, old.Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
                LogPruned(old.Namespace, old.Service, old.Id, _options.MaxRevisionsPerService);
            }
            catch (HttpOperationException ex) when (ex.Response?.StatusCode == HttpStatusCode.NotFound)
            {
                // Another replica pruned it first.
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogPruneFailed(ex, old.Namespace, old.Service, old.Id, MeshCache.Describe(ex));
            }
        }
    }

    private static RoutingRevision Build(
        ServiceView view, string key, ImmutableArray<RoutingRevision> history, string actor, RevisionSource source, string? manager,
        string? reason, RevisionAction action, string? replaces, DateTimeOffset at)
    {
        bool deleted = view.Routing.Revision == RoutingState.NoRevision;
        return new RoutingRevision
        {
            Id = RoutingRevision.IdOf(view.Namespace, view.Name, key),
            Namespace = view.Namespace,
            Service = view.Name,
            Key = key,
            At = at,
            Actor = actor,
            Source = source,
            Manager = manager,
            Reason = reason,
            Action = action,
            Replaces = replaces == RoutingRevision.IdOf(view.Namespace, view.Name, key) ? null : replaces,
            Kind = deleted ? RoutingKind.None : view.Routing.Kind,
            Split = deleted ? TrafficSplit.Empty : view.Routing.EffectiveSplit,
            StableVersion = StableVersions.MarkedOf(view),
            Snapshot = deleted ? RevisionSnapshot.Empty : RevisionSnapshot.Of(view),
        };
    }

    private static string? ReplacesOf(ServiceView before, ImmutableArray<RoutingRevision> history)
    {
        if (before.Routing.Revision != RoutingState.NoRevision)
        {
            return RoutingRevision.IdOf(before.Namespace, before.Name, before.Routing.Revision);
        }

        return history.IsEmpty ? null : history[^1].Id;
    }

    // Millisecond precision, and strictly increasing within this process, so two changes in one millisecond keep their order.
    private DateTimeOffset Now()
    {
        DateTimeOffset now = _time.GetUtcNow();
        now = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
        lock (_clock)
        {
            if (now <= _lastAt)
            {
                now = _lastAt.AddMilliseconds(1);
            }

            _lastAt = now;
            return now;
        }
    }

    [LoggerMessage(EventId = 1100, Level = LogLevel.Information,
        Message = "Recorded revision {RevisionId} of {Namespace}/{Service} (routing {Revision}) by {Actor} ({Source}, {Action})")]
    private partial void LogRecorded(string @Namespace, string service, string revisionId, string revision, string actor, RevisionSource source, RevisionAction action);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning,
        Message = "Could not record the revision of {Namespace}/{Service} (routing {Revision}): {Reason}")]
    private partial void LogRecordFailed(Exception exception, string @Namespace, string service, string revision, string reason);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Debug,
        Message = "Pruned revision {RevisionId} of {Namespace}/{Service} (keeping {Cap})")]
    private partial void LogPruned(string @Namespace, string service, string revisionId, int cap);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning,
        Message = "Could not prune revision {RevisionId} of {Namespace}/{Service}: {Reason}")]
    private partial void LogPruneFailed(Exception exception, string @Namespace, string service, string revisionId, string reason);
}
