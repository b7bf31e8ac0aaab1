using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

using k8s;

using TrafficConsole.Cluster.Cache;
using TrafficConsole.Cluster.Connection;
using TrafficConsole.Cluster.History;
using TrafficConsole.Cluster.Identity;
using TrafficConsole.Cluster.Secrets;
using TrafficConsole.Cluster.Telemetry;
using TrafficConsole.Cluster.Writing;
using TrafficConsole.Sandbox;

namespace TrafficConsole.Cluster.Tests;

public sealed class ClusterServiceCollectionExtensionsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tc-di-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task A_host_configured_with_a_kubeconfig_starts_the_shared_cache()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        string path = cluster.Server.WriteKubeconfig(Path.Combine(_directory, "config"));
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cluster:Mode"] = "KubeConfig",
            ["Cluster:KubeConfigPath"] = path,
            ["Cluster:Context"] = "sandbox",
            ["Cluster:Cache:BatchWindow"] = "00:00:00.050",
        });
        builder.Services.AddTrafficConsoleCluster(builder.Configuration);
        using IHost host = builder.Build();

        await host.StartAsync();
        IMeshCache cache = host.Services.GetRequiredService<IMeshCache>();
        await cache.WaitForSyncAsync().WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Same(host.Services.GetRequiredService<MeshCache>(), cache);
        Assert.Equal(TimeSpan.FromMilliseconds(50), host.Services.GetRequiredService<IOptions<MeshCacheOptions>>().Value.BatchWindow);
        Assert.Equal(3, cache.Current.GetServiceView("bookinfo", "reviews")!.Versions.Length);
        Assert.IsType<RoutingWriter>(host.Services.GetRequiredService<IRoutingWriter>());
        await host.StopAsync();
    }

    [Fact]
    public async Task A_bad_context_stops_the_host_at_start_up_with_a_message_naming_the_setting()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        string path = cluster.Server.WriteKubeconfig(Path.Combine(_directory, "config"));
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cluster:Mode"] = "KubeConfig",
            ["Cluster:KubeConfigPath"] = path,
            ["Cluster:Context"] = "prod",
        });
        builder.Services.AddTrafficConsoleCluster(builder.Configuration);
        using IHost host = builder.Build();

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains($"Cluster:Context 'prod' is not in kubeconfig {path} (contexts: sandbox).", failure.Failures);
    }

    [Fact]
    public async Task Every_cluster_service_is_built_once_and_the_same_instance_reaches_every_consumer()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cluster:Mode"] = "Sandbox",
            ["Cluster:ServerUrl"] = cluster.Server.Url.ToString(),
            ["Cluster:Token"] = cluster.Server.AdminToken,
        });
        builder.Services.AddTrafficConsoleCluster(builder.Configuration);
        // A second call (another feature asking for the layer) registers nothing twice.
        builder.Services.AddTrafficConsoleCluster(builder.Configuration);
        using IHost host = builder.Build();

        Type[] singletons =
        [
            typeof(ClusterConnection), typeof(ApiServerProbe), typeof(MeshCache), typeof(IMeshCache), typeof(RoutingWriter), typeof(IRoutingWriter),
            typeof(ConsoleWrites), typeof(RevisionRecorder), typeof(ProxySyncTracker), typeof(IUserClients), typeof(IAccessReviews), typeof(ITokenReviews),
            typeof(IKeyRingStore),
        ];
        foreach (Type type in singletons)
        {
            Assert.Same(host.Services.GetRequiredService(type), host.Services.GetRequiredService(type));
            Assert.Single(host.Services.GetServices(type));
        }

        Assert.Same(host.Services.GetRequiredService<MeshCache>(), host.Services.GetRequiredService<IMeshCache>());
        Assert.Same(host.Services.GetRequiredService<RoutingWriter>(), host.Services.GetRequiredService<IRoutingWriter>());
        // The writer and the recorder share what the console wrote: the history credits the console with exactly those.
        Assert.Same(host.Services.GetRequiredService<ConsoleWrites>(), host.Services.GetRequiredService<RoutingWriter>().Writes);
        // The connection is the only holder of the client: nothing can take one by constructor injection.
        Assert.Null(host.Services.GetService<IKubernetes>());

        // The background services are the singletons, started in this order and stopped in reverse.
        object[] hosted = [.. host.Services.GetServices<IHostedService>()];
        Assert.Equal([host.Services.GetRequiredService<MeshCache>(), host.Services.GetRequiredService<RevisionRecorder>()], hosted);

        await host.StartAsync();
        await host.Services.GetRequiredService<IMeshCache>().WaitForSyncAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.IsType<ApiServerStatus.Answering>(await host.Services.GetRequiredService<ApiServerProbe>().CheckAsync());
        await host.StopAsync();
    }

    [Fact]
    public async Task In_sandbox_mode_without_a_server_url_the_layer_waits_for_the_host_that_starts_the_sandbox()
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Cluster:Mode"] = "Sandbox" });
        // Registered first: it starts first (the cache finds the sandbox) and stops last (after the cache and the recorder).
        // It takes the cache by constructor injection: building the cache needs no client yet.
        builder.Services.AddSingleton(sp => new StartsSandbox(_directory, sp.GetRequiredService<ClusterConnection>(), sp.GetRequiredService<IMeshCache>()));
        builder.Services.AddHostedService(static sp => sp.GetRequiredService<StartsSandbox>());
        builder.Services.AddTrafficConsoleCluster(builder.Configuration);
        using IHost host = builder.Build();

        await host.StartAsync();
        StartsSandbox starter = host.Services.GetRequiredService<StartsSandbox>();
        IMeshCache cache = host.Services.GetRequiredService<IMeshCache>();
        await cache.WaitForSyncAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(3, cache.Current.GetServiceView("bookinfo", "reviews")!.Versions.Length);
        Assert.Equal(starter.Sandbox!.Url.ToString().TrimEnd('/'), host.Services.GetRequiredService<ClusterConnection>().ServerUrl);

        await host.StopAsync();

        Assert.True(starter.CacheStoppedFirst);
    }

    // What the web host's EmbeddedSandbox does: start the sandbox, connect the cluster layer to it, dispose it when stopping.
    private sealed class StartsSandbox(string directory, ClusterConnection connection, IMeshCache cache) : IHostedService
    {
        private Task? _following;

        public SandboxServer? Sandbox { get; private set; }

        public bool CacheStoppedFirst { get; private set; }

        public async Task StartAsync(CancellationToken cancellationToken)
        {
            Sandbox = await SandboxServer.StartAsync(new SandboxOptions { Port = 0, Seed = SandboxSeed.Bookinfo, DataDirectory = directory }, cancellationToken);
            connection.Connect(Sandbox.Url, Sandbox.AdminToken, Sandbox.KubeconfigPath);
            _following = FollowAsync(cache.Subscribe(null, CancellationToken.None));
        }

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            // A stopped cache has ended every subscriber's stream; a running one would still be streaming.
            CacheStoppedFirst = await Task.WhenAny(_following!, Task.Delay(TimeSpan.FromSeconds(5), cancellationToken)) == _following;
            await Sandbox!.DisposeAsync();
        }

        private static async Task FollowAsync(MeshSubscription subscription)
        {
            using (subscription)
            {
                await foreach (MeshChangeBatch _ in subscription)
                {
                }
            }
        }
    }
}
