using Prometheus;
using TrafficConsole.Cluster.Cache;
using TrafficConsole.Cluster.Diagnostics;
using TrafficConsole.Web.Model;

namespace TrafficConsole.Web.Hosting;

/// <summary>
/// Every metric the console exports on <c>/metrics</c>, defined here and nowhere else.
/// Each host gets its own registry (not prometheus-net's static default) so two hosts in one
/// process, as in the tests, never add to each other's figures. Labels are bounded on purpose:
/// no namespace, service, user or URL ever becomes a label value.
/// </summary>
public sealed class ConsoleMetrics : IApiRequestObserver
{
    public const string Path = "/metrics";

    private static readonly string[] CacheStates = [.. Enum.GetNames<CacheHealthState>().Select(static s => s.ToLowerInvariant())];

    private readonly Counter _changes;
    private readonly Gauge _hubConnections;
    private readonly Gauge _cacheSynced;
    private readonly Gauge _cacheState;
    private readonly Histogram _apiRequests;

    public ConsoleMetrics()
    {
        Registry = Metrics.NewCustomRegistry();
        Factory = Metrics.WithCustomRegistry(Registry);

        // process_* and dotnet_* (CPU, memory, GC, threads): what the default registry would have had.
        DotNetStats.Register(Registry);

        // One counter for both operations and every outcome: conflicts are outcome="conflict",
        // so there is no separate conflicts counter to drift from this one.
        _changes = Factory.CreateCounter(
            "trafficconsole_applies_total",
            "Traffic changes asked for through the console (UI, REST API), by operation and outcome.",
            new CounterConfiguration { LabelNames = ["operation", "outcome"] });
        _hubConnections = Factory.CreateGauge(
            "trafficconsole_signalr_connections",
            "SignalR clients connected to /hubs/traffic right now.");
        _cacheSynced = Factory.CreateGauge(
            "trafficconsole_cache_synced",
            "1 once the shared cache has listed every resource kind from the API server, else 0.");
        _cacheState = Factory.CreateGauge(
            "trafficconsole_cache_state",
            "1 for the cache's current connection state to the API server, 0 for the others.",
            new GaugeConfiguration { LabelNames = ["state"] });
        _apiRequests = Factory.CreateHistogram(
            "trafficconsole_apiserver_request_duration_seconds",
            "Requests the console made to the Kubernetes API server, until response headers (a watch counts until its stream opened).",
            new HistogramConfiguration
            {
                LabelNames = ["verb", "resource", "code"],
                Buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
            });

        // Publish every series at zero from the start: a rate() over a series that appears only
        // with its first increment misses that increment.
        foreach (string operation in new[] { "apply", "delete" })
        {
            foreach (string outcome in Outcomes)
            {
                _changes.WithLabels(operation, outcome);
            }
        }

        foreach (string state in CacheStates)
        {
            _cacheState.WithLabels(state);
        }
    }

    /// <summary>The values of the <c>outcome</c> label, one per <see cref="ChangeOutcome"/> case.</summary>
    public static IReadOnlyList<string> Outcomes { get; } = ["applied", "conflict", "invalid", "forbidden", "notfound", "unavailable"];

    /// <summary>The registry <c>/metrics</c> serves.</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>Creates metrics in <see cref="Registry"/> (the HTTP middleware uses it too).</summary>
    public IMetricFactory Factory { get; }

    /// <summary>Counts one apply or delete by how it ended.</summary>
    public void CountChange(string operation, ChangeOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        string label = outcome switch
        {
            ChangeOutcome.Applied => "applied",
            ChangeOutcome.Conflict => "conflict",
            ChangeOutcome.Invalid => "invalid",
            ChangeOutcome.Forbidden => "forbidden",
            ChangeOutcome.NotFound => "notfound",
            ChangeOutcome.Unavailable => "unavailable",
            _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome.GetType().Name, "Unknown change outcome."),
        };
        _changes.WithLabels(operation, label).Inc();
    }

    public void HubConnected() => _hubConnections.Inc();

    public void HubDisconnected() => _hubConnections.Dec();

    /// <summary>Reads the cache's state; called just before every scrape so the figures are never stale.</summary>
    public void SetCache(bool synced, CacheHealthState state)
    {
        _cacheSynced.Set(synced ? 1 : 0);
        string current = state.ToString().ToLowerInvariant();
        foreach (string name in CacheStates)
        {
            _cacheState.WithLabels(name).Set(name == current ? 1 : 0);
        }
    }

    void IApiRequestObserver.Observe(ApiRequestSample sample) =>
        _apiRequests.WithLabels(sample.Verb, sample.Resource, sample.Code).Observe(sample.Elapsed.TotalSeconds);
}

/// <summary>Wires <see cref="ConsoleMetrics"/> into the host.</summary>
internal static class ConsoleMetricsSetup
{
    public static IServiceCollection AddConsoleMetrics(this IServiceCollection services)
    {
        services.AddSingleton<ConsoleMetrics>();
        services.AddSingleton<IApiRequestObserver>(static sp => sp.GetRequiredService<ConsoleMetrics>());
        return services;
    }

    /// <summary>Request metrics for every endpoint (route templates only, so labels stay bounded).</summary>
    public static IApplicationBuilder UseConsoleHttpMetrics(this IApplicationBuilder app)
    {
        ConsoleMetrics metrics = app.ApplicationServices.GetRequiredService<ConsoleMetrics>();
        return app.UseHttpMetrics(options => options.SetMetricFactory(metrics.Factory));
    }

    /// <summary>
    /// <c>/metrics</c>, unauthenticated like /healthz and /readyz: a scraper has no user, and
    /// nothing exported names a user, a token or a cluster object.
    /// </summary>
    public static IEndpointConventionBuilder MapConsoleMetrics(this IEndpointRouteBuilder endpoints)
    {
        ConsoleMetrics metrics = endpoints.ServiceProvider.GetRequiredService<ConsoleMetrics>();
        // Resolved at the first scrape, once the host has started: building the cache here would validate its options before start-up does.
        IServiceProvider services = endpoints.ServiceProvider;
        Lazy<IMeshCache> cache = new(services.GetRequiredService<IMeshCache>);
        metrics.Registry.AddBeforeCollectCallback(() =>
        {
            // Before the cache started it reads "not synced, connecting".
            MeshSnapshot snapshot = cache.Value.Current;
            metrics.SetCache(snapshot.IsSynced, snapshot.Health.State);
        });
        // Open to the scraper as before sign-in existed: labels carry no user, namespace or token.
        return endpoints.MapMetrics(ConsoleMetrics.Path, metrics.Registry).AllowAnonymous();
    }
}
