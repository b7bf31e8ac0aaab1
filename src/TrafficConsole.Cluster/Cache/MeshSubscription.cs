using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

using Microsoft.Extensions.Logging;

using TrafficConsole.Cluster.Diagnostics;

namespace TrafficConsole.Cluster.Cache;

/// <summary>
/// A viewer's subscription: the snapshot it starts from and the batches of changes after it. Has one
/// bounded channel; enumerate it once. Dispose it to unsubscribe (a leaked subscription keeps its channel).
/// </summary>
public sealed class MeshSubscription : IAsyncEnumerable<MeshChangeBatch>, IAsyncDisposable, IDisposable
{
    private readonly Channel<Published> _channel;
    private readonly Action<MeshSubscription> _unsubscribe;
    private readonly TimeSpan _batchWindow;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _disposed = new();
    private readonly CancellationTokenRegistration _externalCancellation;
    private MeshSnapshot _latest;
    private int _overflowed;
    private int _isDisposed;
    private int _enumerated;

    internal MeshSubscription(
        string? @namespace,
        MeshSnapshot snapshot,
        int capacity,
        TimeSpan batchWindow,
        TimeProvider time,
        Action<MeshSubscription> unsubscribe,
        ILogger logger,
        CancellationToken cancellationToken)
    {
        _logger = logger;
        Namespace = @namespace;
        Snapshot = snapshot;
        _latest = snapshot;
        _batchWindow = batchWindow;
        _time = time;
        _unsubscribe = unsubscribe;
        _channel = Channel.CreateBounded<Published>(new BoundedChannelOptions(Math.Max(1, capacity))
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _externalCancellation = cancellationToken.Register(static s => ((MeshSubscription)s!).Dispose(), this);
    }

    /// <summary>The namespace this subscription is limited to, or null for all.</summary>
    public string? Namespace { get; }

    /// <summary>The snapshot at the moment of subscribing; the first batch follows on from it.</summary>
    public MeshSnapshot Snapshot { get; }

    /// <summary>
    /// With a subscription from a version (<see cref="IMeshCache.Subscribe(string?, long, CancellationToken)"/>): the changes
    /// between that version and <see cref="Snapshot"/>, in order (empty when none); null when they are no longer known.
    /// </summary>
    public ImmutableArray<MeshChange>? MissedChanges { get; internal set; }

    /// <summary>True once disposed (or cancelled).</summary>
    public bool IsDisposed => Volatile.Read(ref _isDisposed) == 1;

    /// <summary>The batches of changes, until the subscription is disposed or the cache stops.</summary>
    public IAsyncEnumerable<MeshChangeBatch> Changes => this;

    public IAsyncEnumerator<MeshChangeBatch> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        // One reader per channel: a second one would steal half of the changes from the first.
        if (Interlocked.Exchange(ref _enumerated, 1) == 1)
        {
            throw new InvalidOperationException("A MeshSubscription can be enumerated once; subscribe again for another reader.");
        }

        return EnumerateAsync(cancellationToken);
    }

    private async IAsyncEnumerator<MeshChangeBatch> EnumerateAsync(CancellationToken cancellationToken)
    {
        await foreach (MeshChangeBatch batch in ReadAsync(cancellationToken))
        {
            yield return batch;
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _isDisposed, 1) == 1)
        {
            return;
        }

        _unsubscribe(this);
        _channel.Writer.TryComplete();

        // Wakes a reader waiting out the batch window; never disposed so late readers see it cancelled.
        _disposed.Cancel();
        _externalCancellation.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Queues changes if they concern this subscriber; on overflow, marks it for a resync.</summary>
    internal void Publish(MeshSnapshot snapshot, ImmutableArray<MeshChange> changes)
    {
        if (IsDisposed)
        {
            return;
        }

        ImmutableArray<MeshChange> relevant = Namespace is null ? changes : [.. changes.Where(Concerns)];
        Volatile.Write(ref _latest, snapshot);
        if (relevant.IsEmpty)
        {
            return;
        }

        if (!_channel.Writer.TryWrite(new Published(snapshot, relevant)) && Interlocked.Exchange(ref _overflowed, 1) == 0)
        {
            ClusterLog.SubscriberOverflow(_logger, Namespace);
        }
    }

    /// <summary>Ends the stream (the cache stopped).</summary>
    internal void Complete() => _channel.Writer.TryComplete();

    private bool Concerns(MeshChange change) =>
        change.Type == MeshChangeType.HealthChanged
        || string.Equals(change.Namespace, Namespace, StringComparison.Ordinal)
        || change.AffectedServices.Any(s => string.Equals(s.Namespace, Namespace, StringComparison.Ordinal));

    private async IAsyncEnumerable<MeshChangeBatch> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposed.Token);
        ChannelReader<Published> reader = _channel.Reader;
        while (true)
        {
            try
            {
                if (!await reader.WaitToReadAsync(linked.Token))
                {
                    yield break;
                }

                if (_batchWindow > TimeSpan.Zero)
                {
                    // Let the rest of a burst arrive so a page renders once, not once per event.
                    await Task.Delay(_batchWindow, _time, linked.Token);
                }
            }
            catch (OperationCanceledException) when (_disposed.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                yield break;
            }

            ImmutableArray<MeshChange>.Builder changes = ImmutableArray.CreateBuilder<MeshChange>();
            MeshSnapshot? snapshot = null;
            while (reader.TryRead(out Published? item))
            {
                changes.AddRange(item.Changes);
                snapshot = item.Snapshot;
            }

            bool resync = Interlocked.Exchange(ref _overflowed, 0) == 1;
            if (resync)
            {
                snapshot = Volatile.Read(ref _latest);
            }

            if (snapshot is not null)
            {
                yield return new MeshChangeBatch(snapshot, changes.ToImmutable(), resync);
            }
        }
    }

    private sealed record Published(MeshSnapshot Snapshot, ImmutableArray<MeshChange> Changes);
}
