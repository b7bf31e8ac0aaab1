using System.Net;
using System.Text.Json;

using k8s;
using k8s.Autorest;
using k8s.Models;

using Microsoft.Extensions.Logging;

using TrafficConsole.Cluster.Diagnostics;
using TrafficConsole.Mesh.Resources;

namespace TrafficConsole.Cluster.Cache;

/// <summary>What happened to one object, as the informer saw it.</summary>
internal enum DeltaType
{
    Added,
    Modified,
    Deleted,
}

/// <summary>One change to the informer's store; <see cref="Old"/> is the previous object for Modified/Deleted.</summary>
internal sealed record ResourceDelta(DeltaType Type, IKubernetesObject<V1ObjectMeta> Object, IKubernetesObject<V1ObjectMeta>? Old);

/// <summary>Which informer: a kind across all namespaces (<see cref="Namespace"/> null) or in one namespace.</summary>
internal readonly record struct SourceKey(MeshResourceKind Kind, string? Namespace = null)
{
    public override string ToString() => Namespace is null ? Kind.ToString() : $"{Kind} in {Namespace}";
}

/// <summary>Receives what informers learn. Calls for one informer never overlap.</summary>
internal interface IInformerSink
{
    /// <summary>Applies changes; <paramref name="listed"/> is true when they came from a (re-)list.</summary>
    void Apply(SourceKey source, IReadOnlyList<ResourceDelta> deltas, bool listed);

    /// <summary>The informer reached the server (a list, a probe or a watch event succeeded).</summary>
    void ReportConnected(SourceKey source);

    /// <summary>The credentials may not list the kind (<paramref name="message"/>), or may again (null).</summary>
    void ReportForbidden(SourceKey source, string? message);

    /// <summary>A request failed; <paramref name="consecutiveFailures"/> counts failures since the last success.</summary>
    void ReportFailure(SourceKey source, Exception error, int consecutiveFailures);
}

/// <summary>Timing knobs of an informer.</summary>
internal sealed record InformerTiming(TimeSpan InitialBackoff, TimeSpan MaxBackoff, TimeSpan WatchTimeout);

/// <summary>
/// client-go style informer for one resource kind: list, then watch from the list's resourceVersion with
/// bookmarks; after a disconnect resume from the last seen resourceVersion with capped exponential
/// back-off; after 410 Gone re-list and hand the sink the difference, so no change is lost or invented.
/// </summary>
internal sealed class ResourceInformer
{
    private readonly IResourceSource _source;
    private readonly IInformerSink _sink;
    private readonly TimeProvider _time;
    private readonly InformerTiming _timing;
    private readonly CacheRequestCounters _counters;
    private readonly ILogger _logger;
    private readonly Backoff _backoff;
    private readonly Dictionary<string, IKubernetesObject<V1ObjectMeta>> _store = new(StringComparer.Ordinal);
    private string? _resourceVersion;

    public ResourceInformer(IResourceSource source, IInformerSink sink, TimeProvider time, InformerTiming timing, CacheRequestCounters counters, ILogger logger)
    {
        _source = source;
        _sink = sink;
        _time = time;
        _timing = timing;
        _counters = counters;
        _logger = logger;
        _backoff = new Backoff(timing.InitialBackoff, timing.MaxBackoff);
    }

    public MeshResourceKind Kind => _source.Kind;

    private SourceKey Key => new(_source.Kind, _source.Namespace);

    /// <summary>The last resourceVersion seen (list, event or bookmark).</summary>
    public string? ResourceVersion => Volatile.Read(ref _resourceVersion);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        bool mustList = true;
        bool mustProbe = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (mustList)
                {
                    bool served = await ListAsync(cancellationToken);
                    mustList = false;
                    mustProbe = false;
                    if (!served)
                    {
                        // An optional kind the cluster does not serve: nothing to watch; look again now and then
                        // in case its CRD gets installed.
                        await Task.Delay(_timing.MaxBackoff, _time, cancellationToken);
                        mustList = true;
                        continue;
                    }
                }

                if (mustProbe)
                {
                    // A watch only answers with its first event, so a quiet server would look
                    // unreachable forever after a restart: ask a cheap question first.
                    await ProbeAsync(cancellationToken);
                    mustProbe = false;
                }

                WatchOutcome outcome = await WatchAsync(cancellationToken);
                switch (outcome)
                {
                    case WatchOutcome.Gone:
                        ClusterLog.ResourceVersionGone(_logger, _source.Resource, _resourceVersion);
                        mustList = true;
                        break;
                    case WatchOutcome.Failed:
                        mustProbe = true;
                        await DelayAsync(cancellationToken);
                        break;
                    case WatchOutcome.EndedQuickly:
                        // A server that closes watches at once would make us spin: pause a little.
                        await Task.Delay(_timing.InitialBackoff, _time, cancellationToken);
                        break;
                    default:
                        // The server ended the watch (timeoutSeconds): resume right away.
                        break;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (IsGone(ex))
            {
                ClusterLog.ResourceVersionGone(_logger, _source.Resource, _resourceVersion);
                if (mustList)
                {
                    // The list itself was refused (an expired continue token): do not hammer the server.
                    try
                    {
                        await DelayAsync(cancellationToken);
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }
                }

                mustList = true;
            }
            catch (Exception ex) when (IsTransient(ex))
            {
                Fail(ex);
                if (!mustList)
                {
                    mustProbe = true;
                }

                try
                {
                    await DelayAsync(cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    /// <summary>Lists and hands the sink the difference; false when an optional kind is not served (404), which lists as empty.</summary>
    private async Task<bool> ListAsync(CancellationToken cancellationToken)
    {
        _counters.CountList(_source.Kind);
        ResourceListing listing;
        bool served = true;
        try
        {
            listing = await _source.ListAsync(cancellationToken);
        }
        catch (HttpOperationException ex) when (_source.IsOptional && ex.Response?.StatusCode == HttpStatusCode.NotFound)
        {
            ClusterLog.KindNotServed(_logger, _source.Resource);
            listing = new ResourceListing([], "0");
            served = false;
        }
        catch (HttpOperationException ex) when (_source.MayBeForbidden && ex.Response?.StatusCode == HttpStatusCode.Forbidden)
        {
            ClusterLog.KindForbidden(_logger, _source.Resource);
            _sink.ReportForbidden(Key, $"the console may not list {_source.Resource}{(_source.Namespace is { } ns ? $" in namespace {ns}" : string.Empty)} (403 Forbidden)");
            listing = new ResourceListing([], "0");
            served = false;
        }

        if (served && _source.MayBeForbidden)
        {
            _sink.ReportForbidden(Key, null);
        }

        // Diff against what we hold so a re-list after 410 (or a restart) reports exactly what changed.
        var fresh = new Dictionary<string, IKubernetesObject<V1ObjectMeta>>(StringComparer.Ordinal);
        foreach (IKubernetesObject<V1ObjectMeta> item in listing.Items)
        {
            fresh[KeyOf(item)] = item;
        }

        var deltas = new List<ResourceDelta>();
        foreach ((string key, IKubernetesObject<V1ObjectMeta> item) in fresh)
        {
            if (!_store.TryGetValue(key, out IKubernetesObject<V1ObjectMeta>? old))
            {
                deltas.Add(new ResourceDelta(DeltaType.Added, item, null));
                continue;
            }

            // A re-list keeps what the watch knew: the last change other than Istio's status writes.
            ResourceContent.CarryOver(item, old);
            if (!string.Equals(old.Metadata?.ResourceVersion, item.Metadata?.ResourceVersion, StringComparison.Ordinal))
            {
                deltas.Add(new ResourceDelta(DeltaType.Modified, item, old));
            }
        }

        foreach ((string key, IKubernetesObject<V1ObjectMeta> old) in _store)
        {
            if (!fresh.ContainsKey(key))
            {
                deltas.Add(new ResourceDelta(DeltaType.Deleted, old, old));
            }
        }

        _store.Clear();
        foreach ((string key, IKubernetesObject<V1ObjectMeta> item) in fresh)
        {
            _store[key] = item;
        }

        Volatile.Write(ref _resourceVersion, listing.ResourceVersion);
        _backoff.Reset();
        _sink.ReportConnected(Key);
        _sink.Apply(Key, deltas, listed: true);
        ClusterLog.Listed(_logger, _source.Resource, listing.Items.Count, listing.ResourceVersion, deltas.Count);
        return served;
    }

    private async Task ProbeAsync(CancellationToken cancellationToken)
    {
        _counters.CountProbe(_source.Kind);
        try
        {
            await _source.ProbeAsync(cancellationToken);
        }
        catch (HttpOperationException)
        {
            // Any HTTP answer (even 403/404) means the server is reachable again.
        }

        _backoff.Reset();
        _sink.ReportConnected(Key);
    }

    private async Task<WatchOutcome> WatchAsync(CancellationToken cancellationToken)
    {
        using var watchCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Exception? streamError = null;
        void OnError(Exception ex)
        {
            streamError ??= ex;
            watchCancellation.Cancel();
        }

        // Spread watch renewals so a fleet of informers does not reconnect in lock step.
        int timeoutSeconds = (int)_timing.WatchTimeout.TotalSeconds;
        timeoutSeconds += Random.Shared.Next(0, Math.Max(1, timeoutSeconds / 5));
        string fromVersion = _resourceVersion ?? "0";
        _counters.CountWatch(_source.Kind);
        ClusterLog.WatchStarting(_logger, _source.Resource, fromVersion);
        long started = _time.GetTimestamp();
        int notices = 0;
        try
        {
            await foreach (WatchNotice notice in _source.WatchAsync(fromVersion, timeoutSeconds, OnError, watchCancellation.Token).WithCancellation(watchCancellation.Token))
            {
                notices++;
                if (_backoff.Failures > 0)
                {
                    _backoff.Reset();
                    _sink.ReportConnected(Key);
                }

                Handle(notice);
            }
        }
        catch (OperationCanceledException) when (streamError is not null && !cancellationToken.IsCancellationRequested)
        {
            // The stream reported an error and we stopped reading; classified below.
        }
        catch (Exception ex) when (streamError is null && IsEndOfStream(ex))
        {
            // KubernetesClient reads the first line before it returns the watch: a watch that
            // times out with no event at all ends here. That is a normal end, not a failure.
        }

        if (streamError is null)
        {
            return notices == 0 && _time.GetElapsedTime(started) < TimeSpan.FromSeconds(1) ? WatchOutcome.EndedQuickly : WatchOutcome.Ended;
        }

        if (IsGone(streamError))
        {
            return WatchOutcome.Gone;
        }

        if (streamError is JsonException)
        {
            // We could not read an event, so we may have missed a change: re-list to be sure.
            ClusterLog.WatchUnreadable(_logger, streamError, _source.Resource);
            return WatchOutcome.Gone;
        }

        Fail(streamError);
        return WatchOutcome.Failed;
    }

    private void Handle(WatchNotice notice)
    {
        if (notice.Type == WatchEventType.Bookmark || notice.Object is null)
        {
            if (!string.IsNullOrEmpty(notice.ResourceVersion))
            {
                Volatile.Write(ref _resourceVersion, notice.ResourceVersion);
            }

            return;
        }

        IKubernetesObject<V1ObjectMeta> item = notice.Object;
        string key = KeyOf(item);
        _store.TryGetValue(key, out IKubernetesObject<V1ObjectMeta>? old);
        ResourceDelta? delta = null;
        switch (notice.Type)
        {
            case WatchEventType.Added:
            case WatchEventType.Modified:
                if (old is not null && string.Equals(old.Metadata?.ResourceVersion, item.Metadata?.ResourceVersion, StringComparison.Ordinal))
                {
                    break; // replayed after a resume: nothing new
                }

                // Istio's status writes (Reconciled, observedGeneration) move the resourceVersion but change no routing.
                ResourceContent.CarryOver(item, old);
                _store[key] = item;
                delta = new ResourceDelta(old is null ? DeltaType.Added : DeltaType.Modified, item, old);
                break;
            case WatchEventType.Deleted:
                if (old is null)
                {
                    break; // never saw it: no phantom delete
                }

                _store.Remove(key);
                delta = new ResourceDelta(DeltaType.Deleted, item, old);
                break;
            default:
                break;
        }

        if (!string.IsNullOrEmpty(notice.ResourceVersion))
        {
            Volatile.Write(ref _resourceVersion, notice.ResourceVersion);
        }

        if (delta is not null)
        {
            _sink.Apply(Key, [delta], listed: false);
        }
    }

    private void Fail(Exception error)
    {
        int failures = _backoff.Failures + 1;
        ClusterLog.InformerFailed(_logger, error, _source.Resource, failures, _resourceVersion);
        _sink.ReportFailure(Key, error, failures);
    }

    private Task DelayAsync(CancellationToken cancellationToken) =>
        Task.Delay(_backoff.NextDelay(), _time, cancellationToken);

    private static string KeyOf(IKubernetesObject<V1ObjectMeta> item) =>
        $"{item.Metadata?.NamespaceProperty}/{item.Metadata?.Name}";

    internal static bool IsGone(Exception ex) => ex switch
    {
        KubernetesException { Status.Code: 410 } => true,
        HttpOperationException { Response.StatusCode: HttpStatusCode.Gone } => true,
        _ => false,
    };

    /// <summary>
    /// An informer must outlive whatever goes wrong (network, server errors, unreadable answers, even
    /// our own bugs): it logs, reports unhealthy, backs off and tries again.
    /// </summary>
    private static bool IsTransient(Exception ex) => ex is not OutOfMemoryException;

    private static bool IsEndOfStream(Exception ex)
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            if (e is EndOfStreamException)
            {
                return true;
            }
        }

        return false;
    }

    private enum WatchOutcome
    {
        Ended,
        EndedQuickly,
        Gone,
        Failed,
    }
}
