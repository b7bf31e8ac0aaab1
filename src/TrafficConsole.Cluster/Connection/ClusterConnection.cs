using k8s;
using k8s.Exceptions;
using k8s.KubeConfigModels;

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

using TrafficConsole.Cluster.Diagnostics;

namespace TrafficConsole.Cluster.Connection;

/// <summary>
/// The process's one connection to the Kubernetes API server and the only holder of the shared client. Every part of the
/// cluster layer takes the connection and asks it for the client when it calls, never when it is constructed: the
/// dependency injection container builds every hosted service before starting any, and in Sandbox mode without
/// <c>Cluster:ServerUrl</c> the API server (the web host's embedded sandbox) exists only once the host has started it and
/// called <see cref="Connect"/>. Otherwise the connection is complete from the <c>Cluster:*</c> settings alone.
/// </summary>
public sealed partial class ClusterConnection : IDisposable
{
    private readonly IOptions<ClusterOptions>? _options;
    private readonly IApiRequestObserver? _observer;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();
    private Endpoint? _endpoint;
    private IKubernetes? _client;
    private bool _disposed;

    /// <summary>A connection as the <c>Cluster:*</c> settings describe it (the composition root's).</summary>
    /// <param name="options">The settings.</param>
    /// <param name="observer">Times every request for /metrics (see <see cref="ApiRequestTimingHandler"/>).</param>
    /// <param name="logger">Says where the console connects.</param>
    public ClusterConnection(IOptions<ClusterOptions> options, IApiRequestObserver? observer = null, ILogger<ClusterConnection>? logger = null)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _observer = observer;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    private ClusterConnection(IKubernetes client, KubernetesClientConfiguration? configuration, string serverUrl)
    {
        _logger = NullLogger.Instance;
        _endpoint = new Endpoint("(client)", serverUrl, ClusterMode.Sandbox, null, configuration);
        _client = client;
        _connected.SetResult();
    }

    /// <summary>
    /// A connection over a client someone else made and disposes (tests, tools): connected at once. Without
    /// <paramref name="configuration"/> nothing can call as a user (<see cref="Identity.UserClients"/> needs it).
    /// </summary>
    public static ClusterConnection Over(IKubernetes client, KubernetesClientConfiguration? configuration = null, string? serverUrl = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        return new ClusterConnection(client, configuration, serverUrl ?? configuration?.Host ?? client.BaseUri?.ToString() ?? "(unknown)");
    }

    /// <summary>
    /// True when the settings leave the API server to the host (Sandbox mode without <c>Cluster:ServerUrl</c>): the web host
    /// starts its embedded sandbox and calls <see cref="Connect"/>; until then nothing can call the API server.
    /// </summary>
    public bool AwaitsServer => _options is { } options && Settings(options) is { Mode: ClusterMode.Sandbox, ServerUrl: null };

    /// <summary>True once the API server's address and credentials are known.</summary>
    public bool IsConnected => _connected.Task.IsCompleted;

    /// <summary>The cluster's name as people know it: the kubeconfig context, <c>in-cluster</c>, <c>sandbox</c>, <c>sandbox (external)</c>.</summary>
    public string Name => Known.Name;

    /// <summary>The API server's address.</summary>
    public string ServerUrl => Known.ServerUrl;

    /// <summary>How the console reaches the cluster.</summary>
    public ClusterMode Mode => Known.Mode;

    /// <summary>A kubeconfig people can use against the same API server (the embedded sandbox writes one), else null.</summary>
    public string? KubeconfigPath => Known.KubeconfigPath;

    /// <summary>The shared client (created on first use; disposed with the connection when the connection made it).</summary>
    internal IKubernetes Client
    {
        get
        {
            Endpoint endpoint = Known;
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (_client is null)
                {
                    KubernetesClientConfiguration configuration = endpoint.Configuration!;
                    // The timing handler is the only way API-server latency reaches /metrics; without an observer the client is plain.
                    _client = _observer is null ? new Kubernetes(configuration) : new Kubernetes(configuration, new ApiRequestTimingHandler(_observer));
                    LogConnecting(_logger, endpoint.Name, endpoint.Mode, endpoint.ServerUrl);
                }

                return _client;
            }
        }
    }

    /// <summary>The configuration the shared client is made from, for clients that call as a user (the shared client exists first).</summary>
    internal KubernetesClientConfiguration Configuration
    {
        get
        {
            _ = Client;
            return Known.Configuration
                ?? throw new InvalidOperationException("This connection was made over a client without its configuration; it cannot call as a user.");
        }
    }

    /// <summary>
    /// Completes a connection that <see cref="AwaitsServer"/>: the host has started the API server at <paramref name="serverUrl"/>.
    /// </summary>
    /// <param name="serverUrl">The server's address.</param>
    /// <param name="token">The bearer token the console calls with. Never logged.</param>
    /// <param name="kubeconfigPath">A kubeconfig for people (kubectl), when the server wrote one.</param>
    public void Connect(Uri serverUrl, string token, string? kubeconfigPath = null)
    {
        ArgumentNullException.ThrowIfNull(serverUrl);
        ArgumentException.ThrowIfNullOrEmpty(token);
        if (!AwaitsServer)
        {
            throw new InvalidOperationException("The Cluster:* settings name the API server; only a connection that awaits the host's server is connected by the host.");
        }

        string url = serverUrl.ToString().TrimEnd('/');
        KubernetesClientConfiguration configuration = KubernetesConnection.CreateConfiguration(
            new ClusterOptions { Mode = ClusterMode.Sandbox, ServerUrl = url, Token = token });
        lock (_gate)
        {
            if (_endpoint is not null)
            {
                throw new InvalidOperationException("The connection is already connected.");
            }

            _endpoint = new Endpoint("sandbox", url, ClusterMode.Sandbox, kubeconfigPath, configuration);
        }

        _connected.TrySetResult();
    }

    /// <summary>Completes once the API server's address is known: at once unless <see cref="AwaitsServer"/>, then when the host connects.</summary>
    public Task WhenConnectedAsync(CancellationToken cancellationToken = default)
    {
        if (!_connected.Task.IsCompleted && !AwaitsServer)
        {
            _ = Known;
        }

        return _connected.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Disposes the shared client, if this connection made it.</summary>
    public void Dispose()
    {
        IKubernetes? client;
        lock (_gate)
        {
            _disposed = true;
            client = _client;
        }

        if (_options is not null)
        {
            client?.Dispose();
        }
    }

    private Endpoint Known
    {
        get
        {
            lock (_gate)
            {
                if (_endpoint is null)
                {
                    ClusterOptions settings = Settings(_options!);
                    if (settings is { Mode: ClusterMode.Sandbox, ServerUrl: null })
                    {
                        throw new InvalidOperationException("The embedded sandbox has not started yet: the console connects to it once the host has started it.");
                    }

                    KubernetesClientConfiguration configuration = KubernetesConnection.CreateConfiguration(settings);
                    _endpoint = new Endpoint(NameOf(settings), configuration.Host, settings.Mode, null, configuration);
                }
            }

            _connected.TrySetResult();
            return _endpoint;
        }
    }

    private static ClusterOptions Settings(IOptions<ClusterOptions> options)
    {
        ClusterOptions value = options.Value;
        return new ClusterOptions
        {
            Mode = value.Mode,
            KubeConfigPath = value.KubeConfigPath,
            Context = value.Context,
            ServerUrl = string.IsNullOrWhiteSpace(value.ServerUrl) ? null : value.ServerUrl.Trim(),
            Token = value.Token,
        };
    }

    private static string NameOf(ClusterOptions options) => options.Mode switch
    {
        ClusterMode.Sandbox => "sandbox (external)",
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Connecting to cluster {ClusterName} ({Mode}) at {ServerUrl}")]
    private static partial void LogConnecting(ILogger logger, string clusterName, ClusterMode mode, string serverUrl);

    // What is known of the API server before the client exists (the configuration holds the token: never printed).
    private sealed class Endpoint(string name, string serverUrl, ClusterMode mode, string? kubeconfigPath, KubernetesClientConfiguration? configuration)
    {
        public string Name { get; } = name;

        public string ServerUrl { get; } = serverUrl;

        public ClusterMode Mode { get; } = mode;

        public string? KubeconfigPath { get; } = kubeconfigPath;

        public KubernetesClientConfiguration? Configuration { get; } = configuration;
    }
}
