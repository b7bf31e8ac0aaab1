using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using TrafficConsole.Sandbox.Api;
using TrafficConsole.Sandbox.Storage;

namespace TrafficConsole.Sandbox.Traffic;

/// <summary>
/// Plays istiod's status reporting (<c>PILOT_ENABLE_STATUS</c>): a while after a VirtualService or DestinationRule gets a
/// new <c>metadata.generation</c> (its spec changed), it writes <c>status.observedGeneration</c> and a <c>Reconciled</c>
/// condition through the status subresource as <c>pilot-discovery</c>, the way the console sees proxies catch up.
/// </summary>
internal sealed partial class ProxyStatusReporter : IAsyncDisposable
{
    /// <summary>The field manager istiod writes status as.</summary>
    public const string FieldManager = "pilot-discovery";

    private readonly ResourceRegistry _registry;
    private readonly TimeSpan _delay;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<(ResourceType Type, string Namespace, string Name), bool> _pending = new();
    private readonly Task[] _watches;

    public ProxyStatusReporter(ResourceRegistry registry, TimeSpan delay, TimeProvider time, ILogger logger)
    {
        _registry = registry;
        _delay = delay;
        _time = time;
        _logger = logger;
        _watches = [WatchAsync(ResourceCatalog.VirtualServices), WatchAsync(ResourceCatalog.DestinationRules)];
    }

    /// <summary>True while a report on the object waits for the delay (tests).</summary>
    internal bool IsPending(ResourceType type, string ns, string name) => _pending.ContainsKey((type, ns, name));

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_watches).ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task WatchAsync(ResourceType type)
    {
        // Off the caller's thread: the store's initial list comes first and may be long.
        await Task.Yield();
        while (!_stop.IsCancellationRequested)
        {
            WatchSubscription subscription;
            try
            {
                subscription = _registry.Store.Watch(type, null, null);
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            using (subscription)
            {
                foreach (var e in subscription.Initial)
                {
                    Consider(e);
                }

                try
                {
                    await foreach (var item in subscription.Reader.ReadAllAsync(_stop.Token).ConfigureAwait(false))
                    {
                        if (item.Event is { } e)
                        {
                            Consider(e);
                        }
                    }
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            // The stream ended without a stop: the store closed (the next Watch says so) or found this watcher too slow.
        }
    }

    private void Consider(StoreEvent e)
    {
        if (e.Kind == WatchEventKind.Deleted || !Behind(_registry.Store.Get(e.Type, e.Namespace, e.Name)))
        {
            return;
        }

        var key = (e.Type, e.Namespace, e.Name);
        if (!_pending.TryAdd(key, true))
        {
            // The pending report reads the object when it fires, so it covers this change too.
            return;
        }

        // Every failure is handled inside; a report still waiting at shutdown ends with the stop token.
        _ = ReportLaterAsync(key);
    }

    private async Task ReportLaterAsync((ResourceType Type, string Namespace, string Name) key)
    {
        try
        {
            await Task.Delay(_delay, _time, _stop.Token).ConfigureAwait(false);
            _pending.TryRemove(key, out _);
            Report(key.Type, key.Namespace, key.Name);
            return;
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
        catch (Exception ex) when (ex is ApiException or ObjectDisposedException or InvalidOperationException)
        {
            // Deleted, changed under us (the change's own event reports it), or the store closed.
            LogReportSkipped(key.Type.Kind, key.Namespace, key.Name, ex.Message);
        }

        _pending.TryRemove(key, out _);
    }

    private void Report(ResourceType type, string ns, string name)
    {
        var current = _registry.Store.Get(type, ns, name);
        if (current is null || !Behind(current))
        {
            return;
        }

        var generation = Json.Int(Json.Metadata(current)["generation"]) ?? 1;
        var now = Json.Timestamp(_time.GetUtcNow());
        var status = current["status"] as JsonObject ?? [];
        status["observedGeneration"] = generation;
        var conditions = new JsonArray();
        foreach (var condition in (status["conditions"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (Json.Str(condition["type"]) != "Reconciled")
            {
                conditions.Add(condition.DeepClone());
            }
        }

        conditions.Add(new JsonObject
        {
            ["type"] = "Reconciled",
            ["status"] = "True",
            ["observedGeneration"] = generation,
            ["lastTransitionTime"] = now,
            ["reason"] = "ProxiesUpToDate",
            ["message"] = "Every proxy in the mesh has this configuration.",
        });
        status["conditions"] = conditions;
        current["status"] = status.DeepClone();
        _registry.Update(type, type.StorageVersion, ns, name, "status", current, new WriteOptions(DryRun: false, FieldManager));
    }

    /// <summary>True when the object's spec is newer than the status says istiod has seen.</summary>
    private static bool Behind(JsonObject? obj)
    {
        if (obj is null)
        {
            return false;
        }

        var generation = Json.Int(Json.Metadata(obj)["generation"]) ?? 1;
        var observed = Json.Int((obj["status"] as JsonObject)?["observedGeneration"]) ?? 0;
        return generation > observed;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "The sandbox's istiod did not report status on {Kind} {Namespace}/{Name}: {Reason}")]
    private partial void LogReportSkipped(string kind, string @Namespace, string name, string reason);
}
