using k8s;

using Microsoft.Extensions.Options;

using TrafficConsole.Cluster.Cache;
using TrafficConsole.Cluster.Connection;
using TrafficConsole.Sandbox;

namespace TrafficConsole.Cluster.Tests.Connection;

/// <summary>The one connection: complete from the settings, or awaiting the server the host starts (the embedded sandbox).</summary>
public sealed class ClusterConnectionTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tc-connection-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task A_connection_awaiting_the_hosts_server_has_no_client_until_connected_and_the_cache_syncs_then()
    {
        using ClusterConnection connection = new(Options.Create(new ClusterOptions { Mode = ClusterMode.Sandbox }));
        await using MeshCache cache = new(connection, Options.Create(new MeshCacheOptions { BatchWindow = TimeSpan.FromMilliseconds(50) }));

        // Built and started before the server exists, as DI builds and the host starts hosted services.
        await cache.StartAsync(CancellationToken.None);
        Assert.True(connection.AwaitsServer);
        Assert.False(connection.IsConnected);
        Assert.Throws<InvalidOperationException>(() => connection.ServerUrl);
        Assert.Throws<InvalidOperationException>(() => connection.Client);
        Assert.Equal(CacheHealthState.Connecting, cache.Health.State);

        await using SandboxServer sandbox = await SandboxServer.StartAsync(new SandboxOptions { Port = 0, Seed = SandboxSeed.Bookinfo, DataDirectory = _directory });
        connection.Connect(sandbox.Url, sandbox.AdminToken, sandbox.KubeconfigPath);
        await cache.WaitForSyncAsync().WaitAsync(TimeSpan.FromSeconds(20));

        Assert.True(connection.IsConnected);
        Assert.Equal("sandbox", connection.Name);
        Assert.Equal(sandbox.Url.ToString().TrimEnd('/'), connection.ServerUrl);
        Assert.Equal(sandbox.KubeconfigPath, connection.KubeconfigPath);
        Assert.Equal(3, cache.Current.GetServiceView("bookinfo", "reviews")!.Versions.Length);
        Assert.Throws<InvalidOperationException>(() => connection.Connect(sandbox.Url, sandbox.AdminToken));
    }

    [Fact]
    public async Task Settings_that_name_the_server_connect_at_once_and_the_host_may_not_connect_elsewhere()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        using ClusterConnection connection = new(Options.Create(cluster.ClusterOptions));

        await connection.WhenConnectedAsync().WaitAsync(TimeSpan.FromSeconds(5));

        Assert.False(connection.AwaitsServer);
        Assert.Equal("sandbox (external)", connection.Name);
        Assert.NotEmpty((await connection.Client.CoreV1.ListNamespaceAsync()).Items);
        Assert.Throws<InvalidOperationException>(() => connection.Connect(cluster.Server.Url, cluster.Server.AdminToken));
    }

    [Fact]
    public async Task A_kubeconfig_connection_is_named_after_its_context_and_reaches_its_server()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        string path = cluster.Server.WriteKubeconfig(Path.Combine(_directory, "config"));
        using ClusterConnection connection = new(Options.Create(new ClusterOptions { Mode = ClusterMode.KubeConfig, KubeConfigPath = path }));

        Assert.Equal("sandbox", connection.Name);
        Assert.Equal(ClusterMode.KubeConfig, connection.Mode);
        Assert.StartsWith(cluster.Server.Url.ToString().TrimEnd('/'), connection.ServerUrl, StringComparison.Ordinal);
        Assert.NotEmpty((await connection.Client.CoreV1.ListNamespaceAsync()).Items);
    }

    [Fact]
    public async Task Disposing_the_connection_disposes_the_client_it_made_and_no_new_one_is_made()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        ClusterConnection connection = new(Options.Create(cluster.ClusterOptions));
        IKubernetes client = connection.Client;

        connection.Dispose();

        Assert.Throws<ObjectDisposedException>(() => connection.Client);
        // A disposed KubernetesClient has let go of its HttpClient (it throws NullReferenceException); a live one would answer.
        await Assert.ThrowsAnyAsync<Exception>(() => client.CoreV1.ListNamespaceAsync());
    }
}
