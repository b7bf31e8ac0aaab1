using k8s;


using TrafficConsole.Cluster.Cache;
using TrafficConsole.Cluster.Connection;
using TrafficConsole.Cluster.Discovery;
using TrafficConsole.Cluster.Resources;
using TrafficConsole.Sandbox;
using TrafficConsole.Sandbox.Tests.Kubectl;

namespace TrafficConsole.Cluster.Tests.Infrastructure;

/// <summary>A sandbox API server on 127.0.0.1 plus clients and caches talking to it over real HTTP.</summary>
public sealed class TestCluster : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly List<IDisposable> _clients = [];
    private readonly List<string> _scratch = [];

    private TestCluster(SandboxServer server, SandboxOptions options)
    {
        Server = server;
        Options = options;
        Client = NewClient();
    }

    public SandboxServer Server { get; private set; }

    public SandboxOptions Options { get; }

    /// <summary>A client for the test's own reads and writes (not the cache's).</summary>
    public IKubernetes Client { get; }

    public static async Task<TestCluster> StartAsync(string? dataDirectory = null, int port = 0, Action<SandboxOptions>? configure = null)
    {
        var options = new SandboxOptions
        {
            Port = port,
            Seed = SandboxSeed.Bookinfo,
            DataDirectory = dataDirectory,
            BookmarkInterval = TimeSpan.FromSeconds(1),
        };
        configure?.Invoke(options);
        SandboxServer server = await SandboxServer.StartAsync(options);
        return new TestCluster(server, options);
    }

    /// <summary>Client options for the sandbox's URL and admin token.</summary>
    public ClusterOptions ClusterOptions => new()
    {
        Mode = ClusterMode.Sandbox,
        ServerUrl = Server.Url.ToString(),
        Token = Server.AdminToken,
    };

    public IKubernetes NewClient()
    {
        IKubernetes client = KubernetesConnection.Create(ClusterOptions);
        _clients.Add(client);
        return client;
    }

    /// <summary>A started cache with short back-off so reconnect tests stay quick.</summary>
    public async Task<MeshCache> StartCacheAsync(Action<MeshCacheOptions>? configure = null, bool waitForSync = true)
    {
        var options = new MeshCacheOptions
        {
            BatchWindow = TimeSpan.FromMilliseconds(50),
            InitialBackoff = TimeSpan.FromMilliseconds(100),
            MaxBackoff = TimeSpan.FromMilliseconds(800),
        };
        configure?.Invoke(options);
        var cache = new MeshCache(NewClient(), Microsoft.Extensions.Options.Options.Create(options));
        _owned.Add(cache);
        await cache.StartAsync(CancellationToken.None);
        if (waitForSync)
        {
            await cache.WaitForSyncAsync().WaitAsync(TimeSpan.FromSeconds(20));
        }

        return cache;
    }

    /// <summary>The real kubectl (from PATH) with a kubeconfig for this sandbox, as an operator beside the console would use it.</summary>
    public KubectlRunner Kubectl()
    {
        string directory = Directory.CreateTempSubdirectory("tc-kubectl-").FullName;
        _scratch.Add(directory);
        string kubeconfig = Server.WriteKubeconfig(Path.Combine(directory, "kubeconfig"));
        return new KubectlRunner(kubeconfig, Path.Combine(directory, "cache"));
    }

    public async Task<MeshResourceClients> ResourcesAsync() =>
        new(Client, await ApiDiscovery.DiscoverAsync(Client));

    /// <summary>Stops the server (connections drop), keeping the data directory.</summary>
    public async Task StopServerAsync() => await Server.DisposeAsync();

    /// <summary>Starts the server again on the same port and data directory.</summary>
    public async Task RestartServerAsync()
    {
        Options.Port = Server.Url.Port;
        Server = await StartWithRetryAsync(Options);
    }

    /// <summary>Kestrel may need a moment before the old port can be bound again.</summary>
    internal static async Task<SandboxServer> StartWithRetryAsync(SandboxOptions options)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                return await SandboxServer.StartAsync(options);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (IAsyncDisposable owned in _owned)
        {
            await owned.DisposeAsync();
        }

        foreach (IDisposable client in _clients)
        {
            client.Dispose();
        }

        await Server.DisposeAsync();
        foreach (string directory in _scratch)
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // kubectl may still be writing its cache; the temp folder is cleaned eventually.
            }
        }
    }
}
