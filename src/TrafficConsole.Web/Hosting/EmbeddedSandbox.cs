using Microsoft.Extensions.Options;
using TrafficConsole.Cluster.Connection;
using TrafficConsole.Sandbox;
using TrafficConsole.Sandbox.Traffic;

namespace TrafficConsole.Web.Hosting;

/// <summary>
/// The embedded sandbox, hosted: in Sandbox mode without <c>Cluster:ServerUrl</c> it starts the sandbox API server and
/// connects the cluster layer to it (<see cref="ClusterConnection.Connect"/>), before the cache starts; otherwise it does
/// nothing. Registered before the cluster layer (<c>AddTrafficConsoleCluster</c>): hosted services start in registration
/// order and stop in reverse, so the sandbox goes away after the cache and the history recorder have stopped.
/// </summary>
public sealed partial class EmbeddedSandbox(
    ClusterConnection connection, IOptions<SandboxHostOptions> sandboxOptions, ILoggerFactory loggerFactory) : IHostedService, IAsyncDisposable
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<EmbeddedSandbox>();
    private SandboxServer? _server;

    /// <summary>The running sandbox; null before it started, after it stopped, or when the settings name another API server.</summary>
    public SandboxServer? Server => Volatile.Read(ref _server);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!connection.AwaitsServer || connection.IsConnected)
        {
            return;
        }

        SandboxServer sandbox = await StartSandboxAsync(sandboxOptions.Value, cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _server, sandbox);
        connection.Connect(sandbox.Url, sandbox.AdminToken, sandbox.KubeconfigPath);
    }

    // Not restartable: stopping releases the sandbox (the cache and the recorder stopped before, in reverse registration order).
    public Task StopAsync(CancellationToken cancellationToken) => DisposeAsync().AsTask();

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _server, null) is { } sandbox)
        {
            await sandbox.DisposeAsync().ConfigureAwait(false);
        }
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

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Sandbox cluster at {SandboxUrl} (data in {DataDir}). Try: kubectl --kubeconfig {KubeconfigPath} get vs -A")]
    private partial void LogSandboxStarted(Uri sandboxUrl, string dataDir, string kubeconfigPath);
}

/// <summary>Registers the embedded sandbox's settings and its hosted service; call it before <c>AddTrafficConsoleCluster</c>.</summary>
internal static class EmbeddedSandboxSetup
{
    public static IServiceCollection AddEmbeddedSandbox(this IServiceCollection services)
    {
        services.AddOptions<SandboxHostOptions>()
            .BindConfiguration(SandboxHostOptions.SectionName)
            .PostConfigure(static o => o.DataDir = string.IsNullOrWhiteSpace(o.DataDir) ? SandboxHostOptions.DefaultDataDir() : o.DataDir)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<SandboxHostOptions>, SandboxHostOptionsValidator>();
        services.AddSingleton<EmbeddedSandbox>();
        services.AddHostedService(static sp => sp.GetRequiredService<EmbeddedSandbox>());
        return services;
    }
}
