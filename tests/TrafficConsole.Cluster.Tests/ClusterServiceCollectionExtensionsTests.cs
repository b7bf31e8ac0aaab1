using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

using TrafficConsole.Cluster.Cache;
using TrafficConsole.Cluster.Writing;

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
}
