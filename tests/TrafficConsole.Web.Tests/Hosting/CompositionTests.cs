using k8s;

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

using TrafficConsole.Cluster.Cache;
using TrafficConsole.Cluster.Connection;
using TrafficConsole.Cluster.History;
using TrafficConsole.Cluster.Identity;
using TrafficConsole.Cluster.Secrets;
using TrafficConsole.Cluster.Telemetry;
using TrafficConsole.Cluster.Writing;
using TrafficConsole.Sandbox;
using TrafficConsole.Web.Hosting;
using TrafficConsole.Web.Model;

namespace TrafficConsole.Web.Tests.Hosting;

/// <summary>The web host's composition: the cluster layer built once by AddTrafficConsoleCluster, the embedded sandbox hosted around it.</summary>
public sealed class CompositionTests
{
    [Fact]
    public async Task The_console_builds_each_cluster_service_once_starts_the_embedded_sandbox_first_and_stops_it_last()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync(new ConsoleTestHostOptions { EmbeddedSandbox = true });
        IServiceProvider services = host.Services;

        Type[] singletons =
        [
            typeof(ClusterConnection), typeof(ApiServerProbe), typeof(MeshCache), typeof(IMeshCache), typeof(RoutingWriter), typeof(IRoutingWriter),
            typeof(ConsoleWrites), typeof(RevisionRecorder), typeof(ProxySyncTracker), typeof(IUserClients), typeof(IAccessReviews), typeof(ITokenReviews),
            typeof(IKeyRingStore), typeof(EmbeddedSandbox),
        ];
        foreach (Type type in singletons)
        {
            Assert.Same(services.GetRequiredService(type), Assert.Single(services.GetServices(type)));
        }

        Assert.Same(services.GetRequiredService<MeshCache>(), services.GetRequiredService<IMeshCache>());
        Assert.Same(services.GetRequiredService<RoutingWriter>(), services.GetRequiredService<IRoutingWriter>());
        Assert.Same(services.GetRequiredService<ConsoleWrites>(), services.GetRequiredService<RoutingWriter>().Writes);
        // Web holds no client of its own: only the cluster layer's connection has one.
        Assert.Null(services.GetService<IKubernetes>());

        // Hosted services start in this order and stop in reverse: the sandbox before the cache and the recorder, which the
        // hub broadcaster follows; so on the way down the sandbox goes last.
        List<IHostedService> hosted = [.. services.GetServices<IHostedService>()];
        int sandbox = hosted.IndexOf(services.GetRequiredService<EmbeddedSandbox>());
        int cache = hosted.IndexOf(services.GetRequiredService<MeshCache>());
        int recorder = hosted.IndexOf(services.GetRequiredService<RevisionRecorder>());
        int broadcaster = hosted.FindIndex(static h => h.GetType().Name == "HubBroadcaster");
        Assert.True(sandbox >= 0 && sandbox < cache && cache < recorder && recorder < broadcaster, string.Join(", ", hosted.Select(static h => h.GetType().Name)));

        // The sandbox the host started is the server the cluster layer connected to, and what the badge shows.
        SandboxServer server = services.GetRequiredService<EmbeddedSandbox>().Server!;
        ClusterConnection connection = services.GetRequiredService<ClusterConnection>();
        Assert.Equal(server.Url.ToString().TrimEnd('/'), connection.ServerUrl);
        Assert.Equal(new ClusterInfo("sandbox", connection.ServerUrl, true, server.KubeconfigPath), host.Traffic.Cluster);
        Assert.True(host.Traffic.Health.State == ConnectionState.Connected);

        await host.App.StopAsync();

        Assert.Null(services.GetRequiredService<EmbeddedSandbox>().Server);
        using HttpClient probe = new() { Timeout = TimeSpan.FromSeconds(5) };
        await Assert.ThrowsAsync<HttpRequestException>(() => probe.GetAsync(new Uri(server.Url, "version")));
    }
}
