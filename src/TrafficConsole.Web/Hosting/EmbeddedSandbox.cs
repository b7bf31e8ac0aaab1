using k8s;
using k8s.Exceptions;
using k8s.KubeConfigModels;
using Microsoft.Extensions.Options;
using TrafficConsole.Cluster.Cache;
using TrafficConsole.Cluster.Connection;
using TrafficConsole.Cluster.Diagnostics;
using TrafficConsole.Cluster.History;
using TrafficConsole.Cluster.Identity;
using TrafficConsole.Cluster.Telemetry;
using TrafficConsole.Cluster.Writing;
using TrafficConsole.Sandbox;
using TrafficConsole.Sandbox.Traffic;
using TrafficConsole.Web.Model;

namespace TrafficConsole.Web.Hosting;

/// <summary>
/// The process's one connection to the cluster: in Sandbox mode it first starts the embedded
/// sandbox, then the shared cache and the writer. A hosted service registered before everything
/// that reads the cache, because hosted services start in order.
/// </summary>
public sealed partial class ClusterRuntime(
    IOptions<ClusterOptions> clusterOptions,
    IOptions<SandboxHostOptions> sandboxOptions,
    IOptions<MeshCacheOptions> cacheOptions,
    IOptions<RoutingWriterOptions> writerOptions,
    IOptions<HistoryOptions> historyOptions,
    IOptions<ApiServerProbeOptions> probeOptions,
    ILoggerFactory loggerFactory,
    IApiRequestObserver? apiRequests = null,
    TimeProvider? time = null) : IHostedService, IAsyncDisposable
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<ClusterRuntime>();
    private State? _state;

    /// <summary>The embedded sandbox, when the console started one (Sandbox mode without Cluster:ServerUrl).</summary>
    public SandboxServer? Sandbox => Started.Sandbox;

    /// <summary>The client the cache and writer use.</summary>
    public IKubernetes Client => Started.Client;

    public IMeshCache Cache => Started.Cache;

    public IRoutingWriter Writer => Started.Writer;

    /// <summary>Records the rollout history (every replica runs one; names make each change recorded once).</summary>
    public RevisionRecorder Recorder => Started.Recorder;

    /// <summary>Times how long the console's writes take to reach Istio's proxies (istiod's Reconciled status).</summary>
    public ProxySyncTracker ProxySync => Started.ProxySync;

    /// <summary>Clients that call as a signed-in user (impersonation or the user's token), for writes and access reviews.</summary>
    public IUserClients Users => Started.Users;

    public ClusterInfo Info => Started.Info;

    /// <summary>Whether the API server answers now (its watches cannot tell a frozen server from a quiet one).</summary>
    public ApiServerProbe ApiServer => Started.Probe;

    /// <summary>The cache, or null before the runtime started and after it stopped (for scrapes, which must not throw).</summary>
    internal IMeshCache? TryGetCache() => Volatile.Read(ref _state)?.Cache;

    /// <summary>The embedded sandbox, or null before the runtime started, after it stopped, or when it started none.</summary>
    internal SandboxServer? TryGetSandbox() => Volatile.Read(ref _state)?.Sandbox;

    private State Started => _state ?? throw new InvalidOperationException("The cluster runtime has not started yet; it starts with the host.");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_state is not null)
        {
            return;
        }

        ClusterOptions options = Copy(clusterOptions.Value);
        SandboxServer? sandbox = null;
        if (options.Mode == ClusterMode.Sandbox && string.IsNullOrEmpty(options.ServerUrl))
        {
            sandbox = await StartSandboxAsync(sandboxOptions.Value, cancellationToken).ConfigureAwait(false);
            options.ServerUrl = sandbox.Url.ToString().TrimEnd('/');
            options.Token = sandbox.AdminToken;
        }

        KubernetesClientConfiguration configuration = KubernetesConnection.CreateConfiguration(options);
        // The timing handler is the only way API-server latency reaches /metrics; without an observer the client is plain.
        Kubernetes client = apiRequests is null ? new(configuration) : new(configuration, new ApiRequestTimingHandler(apiRequests));
        MeshCache cache = new(client, cacheOptions, loggerFactory.CreateLogger<MeshCache>());
        UserClients users = new(configuration, apiRequests);
        // The writer remembers the resourceVersions it produced; the recorder credits the console with those alone.
        ConsoleWrites writes = new();
        RoutingWriter writer = new(client, cache, writerOptions, loggerFactory.CreateLogger<RoutingWriter>(), users: users, writes: writes);
        RevisionRecorder recorder = new(client, cache, historyOptions, loggerFactory.CreateLogger<RevisionRecorder>(), writes: writes);
        ClusterInfo info = new(NameOf(options, sandbox), configuration.Host, options.Mode == ClusterMode.Sandbox, sandbox?.KubeconfigPath);
        ApiServerProbe probe = new(client, configuration.Host, probeOptions, time ?? TimeProvider.System, loggerFactory.CreateLogger<ApiServerProbe>());
        ProxySyncTracker proxySync = new(cache, time);
        _state = new State(sandbox, client, cache, writer, recorder, users, info, probe) { ProxySync = proxySync };

        // Returns at once: the cache syncs in the background and /readyz says when it has.
        await cache.StartAsync(cancellationToken).ConfigureAwait(false);
        await recorder.StartAsync(cancellationToken).ConfigureAwait(false);
        LogConnecting(options.Mode, info.Name, info.ServerUrl);
    }

    // The runtime is not restartable: stopping releases the watch, the client and the sandbox.
    public Task StopAsync(CancellationToken cancellationToken) => DisposeAsync().AsTask();

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _state, null) is not { } state)
        {
            return;
        }

        await state.Recorder.DisposeAsync().ConfigureAwait(false);
        state.ProxySync.Dispose();
        await state.Cache.DisposeAsync().ConfigureAwait(false);
        if (state.Sandbox is not null)
        {
            await state.Sandbox.DisposeAsync().ConfigureAwait(false);
        }

        state.Client.Dispose();
    }

    private async Task<SandboxServer> StartSandboxAsync(SandboxHostOptions options, CancellationToken cancellationToken)
    {
        try
        {
            Directory.CreateDirectory(options.DataDir!);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"Sandbox:DataDir '{options.DataDir}' cannot be created: {ex.Message}", ex);
        }

        // SandboxHostOptionsValidator refused anything these do not read at start.
        if (!TrafficSettings.TryParseRequestsPerSecond(options.Traffic, out double? requestsPerSecond, out string? trafficProblem))
        {
            throw new StartupException($"Sandbox:Traffic {trafficProblem}");
        }

        if (!TrafficSettings.TryParseProxySyncDelay(options.ProxySyncDelay, out TimeSpan? proxySyncDelay, out string? delayProblem))
        {
            throw new StartupException($"Sandbox:ProxySyncDelay {delayProblem}");
        }

        SandboxServer sandbox;
        try
        {
            sandbox = await SandboxServer.StartAsync(
                new SandboxOptions
                {
                    Port = options.Port,
                    DataDirectory = options.DataDir!,
                    Seed = options.Seed ? SandboxSeed.Bookinfo : SandboxSeed.None,
                    TrafficRequestsPerSecond = requestsPerSecond,
                    ProxySyncDelay = proxySyncDelay,
                    LoggerFactory = loggerFactory,
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            // Kestrel reports a taken port as an IOException; say which setting picks it.
            throw new StartupException($"The sandbox cannot listen on 127.0.0.1:{options.Port} (Sandbox:Port; 0 picks a free port): {ex.Message}", ex);
        }

        LogSandboxStarted(sandbox.Url, options.DataDir!, sandbox.KubeconfigPath ?? "(none)");
        return sandbox;
    }

    private static string NameOf(ClusterOptions options, SandboxServer? sandbox) => options.Mode switch
    {
        ClusterMode.Sandbox => sandbox is null ? "sandbox (external)" : "sandbox",
        ClusterMode.InCluster => "in-cluster",
        _ => options.Context ?? CurrentContext(options.ResolveKubeConfigPath()) ?? "kubeconfig",
    };

    private static string? CurrentContext(string kubeconfigPath)
    {
        try
        {
            K8SConfiguration config = KubernetesClientConfiguration.LoadKubeConfig(kubeconfigPath);
            return string.IsNullOrEmpty(config.CurrentContext) ? null : config.CurrentContext;
        }
        catch (Exception ex) when (ex is KubeConfigException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static ClusterOptions Copy(ClusterOptions options) => new()
    {
        Mode = options.Mode,
        KubeConfigPath = options.KubeConfigPath,
        Context = options.Context,
        ServerUrl = options.ServerUrl,
        Token = options.Token,
    };

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Sandbox cluster at {SandboxUrl} (data in {DataDir}). Try: kubectl --kubeconfig {KubeconfigPath} get vs -A")]
    private partial void LogSandboxStarted(Uri sandboxUrl, string dataDir, string kubeconfigPath);

    [LoggerMessage(Level = LogLevel.Information, Message = "Connecting to cluster {ClusterName} ({Mode}) at {ServerUrl}")]
    private partial void LogConnecting(ClusterMode mode, string clusterName, string serverUrl);

    private sealed record State(SandboxServer? Sandbox, Kubernetes Client, MeshCache Cache, RoutingWriter Writer, RevisionRecorder Recorder, UserClients Users, ClusterInfo Info, ApiServerProbe Probe)
    {
        public required ProxySyncTracker ProxySync { get; init; }
    }
}

/// <summary>Registers the options and the <see cref="ClusterRuntime"/>.</summary>
internal static class ClusterRuntimeSetup
{
    public static IServiceCollection AddClusterRuntime(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ClusterOptions>()
            .Configure(options => ClusterSettings.Bind(options, configuration))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ClusterOptions>, ClusterSettingsValidator>();

        services.AddOptions<SandboxHostOptions>()
            .BindConfiguration(SandboxHostOptions.SectionName)
            .PostConfigure(static o => o.DataDir = string.IsNullOrWhiteSpace(o.DataDir) ? SandboxHostOptions.DefaultDataDir() : o.DataDir)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<SandboxHostOptions>, SandboxHostOptionsValidator>();

        services.AddOptions<MeshCacheOptions>()
            .BindConfiguration(MeshCacheOptions.SectionName)
            .Configure<IConfiguration>(static (options, configuration) => options.WatchNamespaces =
            [
                .. configuration.GetSection("Cluster:WatchNamespaces").GetChildren()
                    .Select(static c => c.Value?.Trim()).OfType<string>().Where(static v => v.Length > 0).Distinct(StringComparer.Ordinal),
            ])
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<MeshCacheOptions>, MeshCacheOptionsValidator>();
        services.AddOptions<RoutingWriterOptions>().BindConfiguration("Cluster:Writer");
        services.AddOptions<ApiServerProbeOptions>().BindConfiguration(ApiServerProbeOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ApiServerProbeOptions>, ApiServerProbeOptionsValidator>();
        services.AddOptions<HistoryOptions>().BindConfiguration(HistoryOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<HistoryOptions>, HistoryOptionsValidator>();

        services.AddSingleton<ClusterRuntime>();
        services.AddHostedService(static sp => sp.GetRequiredService<ClusterRuntime>());
        return services;
    }
}
