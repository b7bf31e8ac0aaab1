using System.Collections.Immutable;

using k8s;
using k8s.Autorest;
using k8s.Models;

using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

using TrafficConsole.Cluster.Connection;
using TrafficConsole.Cluster.Diagnostics;
using TrafficConsole.Cluster.Discovery;
using TrafficConsole.Cluster.Resources;
using TrafficConsole.Mesh.History;
using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Services;

namespace TrafficConsole.Cluster.Cache;

/// <summary>
/// The process-wide, watch-backed cache of namespaces, services, deployments and routing resources.
/// One informer per kind feeds immutable <see cref="MeshSnapshot"/>s; subscribers get batched changes.
/// Start it once (it is an <see cref="IHostedService"/>); it reconnects by itself.
/// </summary>
public sealed class MeshCache : IMeshCache, IHostedService, IAsyncDisposable, IInformerSink
{
    private readonly ClusterConnection _connection;
    private readonly MeshCacheOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Dictionary<SourceKey, KindState> _sources = [];
    private readonly ImmutableHashSet<string> _watched;
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private MeshSnapshot _current = MeshSnapshot.Empty;
    private ImmutableList<MeshSubscription> _subscribers = [];
    // The latest published changes by snapshot version (versions grow by one per publish), so a subscriber that read a
    // little earlier learns what it missed. Bounded: older than this, a subscriber re-reads instead.
    private readonly Queue<(long Version, ImmutableArray<MeshChange> Changes)> _recent = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenSource? _stopping;
    private Task? _running;

    /// <summary>A cache over a client someone else made and disposes.</summary>
    public MeshCache(IKubernetes client, IOptions<MeshCacheOptions> options, ILogger<MeshCache>? logger = null, TimeProvider? time = null)
        : this(ClusterConnection.Over(client ?? throw new ArgumentNullException(nameof(client))), options, logger, time)
    {
    }

    /// <summary>A cache over the process's connection: it calls the API server once the connection is connected (see <see cref="ClusterConnection"/>).</summary>
    public MeshCache(ClusterConnection connection, IOptions<MeshCacheOptions> options, ILogger<MeshCache>? logger = null, TimeProvider? time = null)
    {
        _connection = connection ?? throw new ArgumentNullException(nameof(connection));
        _options = options?.Value ?? new MeshCacheOptions();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
        _current = MeshSnapshot.Empty.With(0, health: new CacheHealth(CacheHealthState.Connecting, _time.GetUtcNow()));

        // Discovery is the first request; its failures count towards health like any informer's.
        _sources[new SourceKey(MeshResourceKind.ApiServer)] = new KindState();
        _watched = [.. _options.WatchNamespaces];
    }

    public MeshSnapshot Current => Volatile.Read(ref _current);

    public bool IsSynced => Current.IsSynced;

    public CacheHealth Health => Current.Health;

    public CacheRequestCounters Requests { get; } = new();

    public int SubscriberCount => Volatile.Read(ref _subscribers).Count;

    /// <summary>Starts discovery and the informers in the background; returns at once.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_running is not null)
            {
                return Task.CompletedTask;
            }

            _stopping = new CancellationTokenSource();
            CancellationToken stopping = _stopping.Token;
            _running = Task.Run(() => RunAsync(stopping), CancellationToken.None);
        }

        return Task.CompletedTask;
    }

    /// <summary>Stops every informer and ends every subscriber's stream.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        Task? running;
        CancellationTokenSource? stopping;
        lock (_gate)
        {
            running = _running;
            stopping = _stopping;
            _running = null;
            _stopping = null;
        }

        if (running is null || stopping is null)
        {
            return;
        }

        await stopping.CancelAsync();
        try
        {
            await running.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Stopped, or the host gave up waiting.
        }
        finally
        {
            stopping.Dispose();
        }

        foreach (MeshSubscription subscriber in Volatile.Read(ref _subscribers))
        {
            subscriber.Complete();
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None);

    public MeshSubscription Subscribe(string? namespaceName, long sinceVersion, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            MeshSubscription subscription = Subscribe(namespaceName, cancellationToken);
            subscription.MissedChanges = ChangesSince(sinceVersion);
            return subscription;
        }
    }

    // Under the lock. Null when the log no longer reaches back to the change right after sinceVersion.
    private ImmutableArray<MeshChange>? ChangesSince(long sinceVersion)
    {
        if (sinceVersion >= _current.Version)
        {
            return [];
        }

        if (_recent.Count == 0 || _recent.Peek().Version > sinceVersion + 1)
        {
            return null;
        }

        return [.. _recent.Where(r => r.Version > sinceVersion).SelectMany(static r => r.Changes)];
    }

    public MeshSubscription Subscribe(string? namespaceName = null, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            // Under the lock, so no change falls between the snapshot and the stream.
            var subscription = new MeshSubscription(
                string.IsNullOrEmpty(namespaceName) ? null : namespaceName,
                _current,
                _options.SubscriberCapacity,
                _options.BatchWindow,
                _time,
                Unsubscribe,
                _logger,
                cancellationToken);
            if (!subscription.IsDisposed)
            {
                _subscribers = _subscribers.Add(subscription);
            }

            return subscription;
        }
    }

    public Task WaitForSyncAsync(CancellationToken cancellationToken = default) => _synced.Task.WaitAsync(cancellationToken);

    public async Task<bool> WaitUntilAsync(Func<MeshSnapshot, bool> condition, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        long deadline = _time.GetTimestamp();
        while (true)
        {
            Task changed = Volatile.Read(ref _changed).Task;
            if (condition(Current))
            {
                return true;
            }

            TimeSpan remaining = timeout - _time.GetElapsedTime(deadline);
            if (remaining <= TimeSpan.Zero)
            {
                return false;
            }

            try
            {
                await changed.WaitAsync(remaining, _time, cancellationToken);
            }
            catch (TimeoutException)
            {
                return condition(Current);
            }
        }
    }

    void IInformerSink.Apply(SourceKey source, IReadOnlyList<ResourceDelta> deltas, bool listed)
    {
        MeshResourceKind kind = source.Kind;
        lock (_gate)
        {
            MeshSnapshot snapshot = _current;
            ImmutableSortedSet<string> namespaces = snapshot.Namespaces;
            ImmutableDictionary<string, NamespaceResources> resources = snapshot.Resources;
            ImmutableArray<MeshChange>.Builder changes = ImmutableArray.CreateBuilder<MeshChange>(deltas.Count);
            foreach (ResourceDelta delta in deltas)
            {
                // Watching some namespaces only: the others are not the console's to show.
                if (kind == MeshResourceKind.Namespace && !_watched.IsEmpty && !_watched.Contains(delta.Object.Metadata?.Name ?? string.Empty))
                {
                    continue;
                }

                changes.Add(ApplyDelta(kind, delta, ref namespaces, ref resources));
            }

            bool wasSynced = snapshot.IsSynced;
            if (listed && _sources.TryGetValue(source, out KindState? state))
            {
                state.Listed = true;
            }

            bool synced = wasSynced || (_sources.Count > 1 && _sources.Where(static k => k.Key.Kind != MeshResourceKind.ApiServer).All(static k => k.Value.Listed));
            if (changes.Count == 0 && synced == wasSynced)
            {
                return;
            }

            if (synced && !wasSynced)
            {
                changes.Add(new MeshChange(MeshChangeType.HealthChanged, MeshResourceKind.ApiServer, null, "Synced", null, []));
            }

            Publish(snapshot.With(snapshot.Version + 1, namespaces, resources, synced), changes.ToImmutable());
            if (synced && !wasSynced)
            {
                ClusterLog.Synced(_logger, _current.Version, _current.Namespaces.Count);
                _synced.TrySetResult();
            }
        }
    }

    void IInformerSink.ReportConnected(SourceKey source)
    {
        lock (_gate)
        {
            if (_sources.TryGetValue(source, out KindState? state))
            {
                state.EverConnected = true;
                state.Failures = 0;
                state.Error = null;
                state.FailingSince = null;
            }

            UpdateHealth();
        }
    }

    void IInformerSink.ReportForbidden(SourceKey source, string? message)
    {
        if (source.Kind != MeshResourceKind.Revision)
        {
            return;
        }

        lock (_gate)
        {
            if (_sources.TryGetValue(source, out KindState? forbidden))
            {
                forbidden.Forbidden = message;
            }

            // One namespace the console may not read the history of is enough to say so (naming the first).
            string? first = _sources.Where(static k => k.Key.Kind == MeshResourceKind.Revision && k.Value.Forbidden is not null)
                .OrderBy(static k => k.Key.Namespace, StringComparer.Ordinal)
                .Select(static k => k.Value.Forbidden)
                .FirstOrDefault();
            string? problem = first is null ? null : $"The rollout history cannot be read: {first}.";
            if (!string.Equals(_current.HistoryProblem, problem, StringComparison.Ordinal))
            {
                Publish(_current.WithHistoryProblem(_current.Version + 1, problem), []);
            }
        }
    }

    void IInformerSink.ReportFailure(SourceKey source, Exception error, int consecutiveFailures)
    {
        lock (_gate)
        {
            if (_sources.TryGetValue(source, out KindState? state))
            {
                state.Failures = consecutiveFailures;
                state.Error = Describe(error);
                state.FailingSince ??= _time.GetUtcNow();
            }

            UpdateHealth();
        }
    }

    /// <summary>A short, credential-free description of a failure for people.</summary>
    internal static string Describe(Exception error)
    {
        string text = error switch
        {
            HttpOperationException { Response: { } response } => $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}".TrimEnd(),
            KubernetesException { Status: { } status } => $"{status.Code} {status.Reason}: {status.Message}",
            _ => error.InnerException is { } inner && error is HttpRequestException ? $"{error.Message} ({inner.Message})" : error.Message,
        };
        return text.Length > 300 ? text[..300] : text;
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            // In Sandbox mode the host starts the embedded sandbox (a hosted service before this one) and then connects.
            await _connection.WhenConnectedAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        ServedApis? apis = await DiscoverAsync(cancellationToken);
        if (apis is null)
        {
            return;
        }

        ClusterLog.CacheStarting(_logger, apis.IstioNetworkingVersion, apis.GatewayApi);
        IReadOnlyList<IResourceSource> sources = ResourceSources.Create(_connection.Client, new MeshResourceClients(_connection.Client, apis, _options.ListPageSize), _options.ListPageSize, [.. _watched.Order(StringComparer.Ordinal)]);
        var timing = new InformerTiming(_options.InitialBackoff, _options.MaxBackoff, _options.WatchTimeout);
        var informers = new List<ResourceInformer>();
        lock (_gate)
        {
            foreach (IResourceSource source in sources)
            {
                _sources[new SourceKey(source.Kind, source.Namespace)] = new KindState();
                informers.Add(new ResourceInformer(source, this, _time, timing, Requests, _logger));
            }

            Publish(_current.With(_current.Version + 1, apis: apis), []);
        }

        await Task.WhenAll(informers.Select(informer => Task.Run(() => informer.RunAsync(cancellationToken), CancellationToken.None)));
    }

    private async Task<ServedApis?> DiscoverAsync(CancellationToken cancellationToken)
    {
        var backoff = new Backoff(_options.InitialBackoff, _options.MaxBackoff);
        IInformerSink sink = this;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                Requests.CountList(MeshResourceKind.ApiServer);
                ServedApis apis = await ApiDiscovery.DiscoverAsync(_connection.Client, cancellationToken);
                sink.ReportConnected(new SourceKey(MeshResourceKind.ApiServer));
                return apis;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return null;
            }
            catch (Exception ex)
            {
                sink.ReportFailure(new SourceKey(MeshResourceKind.ApiServer), ex, backoff.Failures + 1);
                try
                {
                    await Task.Delay(backoff.NextDelay(), _time, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return null;
                }
            }
        }

        return null;
    }

    private void Unsubscribe(MeshSubscription subscription)
    {
        lock (_gate)
        {
            _subscribers = _subscribers.Remove(subscription);
        }
    }

    /// <summary>Installs a new snapshot and tells subscribers and waiters. Called under the lock.</summary>
    private void Publish(MeshSnapshot snapshot, ImmutableArray<MeshChange> changes)
    {
        Volatile.Write(ref _current, snapshot);
        _recent.Enqueue((snapshot.Version, changes));
        while (_recent.Count > _options.RecentChangesKept)
        {
            _recent.Dequeue();
        }

        foreach (MeshSubscription subscriber in _subscribers)
        {
            subscriber.Publish(snapshot, changes);
        }

        Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    /// <summary>Recomputes the aggregate health; publishes a change when the state moved. Called under the lock.</summary>
    private void UpdateHealth()
    {
        CacheHealth current = _current.Health;
        KindState? worst = _sources.Values.Where(static k => k.Failures > 0).MaxBy(static k => k.Failures);
        CacheHealth next;
        if (worst is not null)
        {
            DateTimeOffset since = _sources.Values.Where(static k => k.FailingSince.HasValue).Min(static k => k.FailingSince!.Value);
            CacheHealthState state = worst.Failures >= _options.UnreachableAfterFailures ? CacheHealthState.Unreachable : CacheHealthState.Reconnecting;
            next = new CacheHealth(state, since, worst.Error);
        }
        else if (_sources.Values.All(static k => k.EverConnected))
        {
            next = new CacheHealth(CacheHealthState.Connected, _time.GetUtcNow());
        }
        else
        {
            next = current.State == CacheHealthState.Connecting ? current : new CacheHealth(CacheHealthState.Connecting, _time.GetUtcNow());
        }

        if (next.State == current.State)
        {
            return;
        }

        ClusterLog.HealthChanged(_logger, next.State, next.LastError);
        Publish(
            _current.With(_current.Version + 1, health: next),
            [new MeshChange(MeshChangeType.HealthChanged, MeshResourceKind.ApiServer, null, next.State.ToString(), null, [])]);
    }

    private static MeshChange ApplyDelta(
        MeshResourceKind kind,
        ResourceDelta delta,
        ref ImmutableSortedSet<string> namespaces,
        ref ImmutableDictionary<string, NamespaceResources> resources)
    {
        MeshChangeType type = delta.Type switch
        {
            DeltaType.Added => MeshChangeType.Added,
            DeltaType.Modified => MeshChangeType.Modified,
            _ => MeshChangeType.Deleted,
        };
        bool deleted = delta.Type == DeltaType.Deleted;
        V1ObjectMeta metadata = delta.Object.Metadata ?? new V1ObjectMeta();
        string name = metadata.Name ?? string.Empty;
        string ns = metadata.NamespaceProperty ?? string.Empty;
        string? resourceVersion = metadata.ResourceVersion;

        if (kind == MeshResourceKind.Namespace)
        {
            namespaces = deleted ? namespaces.Remove(name) : namespaces.Add(name);
            return new MeshChange(type, kind, name, name, resourceVersion, []);
        }

        NamespaceResources before = resources.TryGetValue(ns, out NamespaceResources? existing) ? existing : NamespaceResources.Empty;
        NamespaceResources after;
        ImmutableArray<ServiceRef> affected;
        switch (kind)
        {
            case MeshResourceKind.Service:
                after = before with
                {
                    Services = deleted ? before.Services.Remove(name) : before.Services.SetItem(name, KubeObjects.ToKubeService((V1Service)delta.Object)),
                };
                affected = [new ServiceRef(ns, name), .. AffectedServices.RoutedThrough(after.HttpRoutes.Values, ns, name)];
                break;
            case MeshResourceKind.Deployment:
                {
                    Workload workload = KubeObjects.ToWorkload((V1Deployment)delta.Object);
                    Workload? old = delta.Old is V1Deployment oldDeployment ? KubeObjects.ToWorkload(oldDeployment) : null;
                    after = before with { Workloads = deleted ? before.Workloads.Remove(name) : before.Workloads.SetItem(name, workload) };
                    affected = AffectedServices.OfWorkload(after.Services.Values, workload, old);
                    break;
                }

            case MeshResourceKind.VirtualService:
                {
                    var item = (VirtualService)delta.Object;
                    after = before with { VirtualServices = deleted ? before.VirtualServices.Remove(name) : before.VirtualServices.SetItem(name, item) };
                    affected = AffectedServices.OfVirtualService(item, delta.Old as VirtualService);
                    break;
                }

            case MeshResourceKind.DestinationRule:
                {
                    var item = (DestinationRule)delta.Object;
                    after = before with { DestinationRules = deleted ? before.DestinationRules.Remove(name) : before.DestinationRules.SetItem(name, item) };
                    affected = AffectedServices.OfDestinationRule(item, delta.Old as DestinationRule);
                    break;
                }

            case MeshResourceKind.HttpRoute:
                {
                    var item = (HttpRoute)delta.Object;
                    after = before with { HttpRoutes = deleted ? before.HttpRoutes.Remove(name) : before.HttpRoutes.SetItem(name, item) };
                    affected = AffectedServices.OfHttpRoute(item, delta.Old as HttpRoute);
                    break;
                }

            case MeshResourceKind.Gateway:
                {
                    var item = (IstioGateway)delta.Object;
                    after = before with { Gateways = deleted ? before.Gateways.Remove(name) : before.Gateways.SetItem(name, item) };
                    affected = AffectedServices.OfGateway(resources.Values.SelectMany(static r => r.VirtualServices.Values), ns, name);
                    break;
                }

            case MeshResourceKind.Revision:
                {
                    var configMap = (V1ConfigMap)delta.Object;
                    RevisionDecoding decoding = RevisionCodec.Decode(configMap);
                    after = before with { Revisions = deleted ? before.Revisions.Remove(name) : before.Revisions.SetItem(name, decoding) };
                    affected = configMap.Metadata?.Labels?.TryGetValue(RevisionCodec.ServiceLabel, out string? service) == true && !string.IsNullOrEmpty(service)
                        ? [new ServiceRef(ns, service)]
                        : [];
                    break;
                }

            default:
                throw new InvalidOperationException($"The cache does not hold {kind}.");
        }

        resources = after.IsEmpty ? resources.Remove(ns) : resources.SetItem(ns, after);
        return new MeshChange(type, kind, ns, name, resourceVersion, affected);
    }

    private sealed class KindState
    {
        public bool Listed { get; set; }

        public bool EverConnected { get; set; }

        public int Failures { get; set; }

        public string? Error { get; set; }

        public string? Forbidden { get; set; }

        public DateTimeOffset? FailingSince { get; set; }
    }
}
