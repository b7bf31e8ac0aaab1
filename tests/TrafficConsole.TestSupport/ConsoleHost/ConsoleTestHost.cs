using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Serialization;
using k8s;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Core;
using TrafficConsole.Cluster.Telemetry;
using TrafficConsole.Sandbox;
using TrafficConsole.Sandbox.Auth;
using TrafficConsole.Web.Hosting;
using TrafficConsole.Web.Hubs;
using TrafficConsole.Web.Services;

namespace TrafficConsole.TestSupport.ConsoleHost;

/// <summary>How <see cref="ConsoleTestHost"/> sets up the console and its cluster.</summary>
public sealed class ConsoleTestHostOptions
{
    /// <summary>
    /// False (default): the test starts the sandbox itself on 127.0.0.1:0 and the console connects to it
    /// (<c>Cluster:Mode=Sandbox</c> + <c>Cluster:ServerUrl</c>), so tests can stop and restart it.
    /// True: the console starts its own embedded sandbox, exactly as <c>dotnet run</c> does.
    /// </summary>
    public bool EmbeddedSandbox { get; set; }

    /// <summary>
    /// True: the console reaches the test's sandbox through its kubeconfig (<c>Cluster:Mode=KubeConfig</c>), as it would a
    /// real cluster, so what only a real cluster turns on (HTTPS redirection, HSTS) is on too.
    /// </summary>
    public bool AsRealCluster { get; set; }

    /// <summary>
    /// True: the console reaches the test's sandbox through a <see cref="FreezableProxy"/> (<see cref="ConsoleTestHost.Proxy"/>),
    /// so the test can freeze the API server as <c>kill -STOP</c> would.
    /// </summary>
    public bool ThroughFreezableProxy { get; set; }

    /// <summary>What the sandbox holds at first start.</summary>
    public SandboxSeed Seed { get; set; } = SandboxSeed.Bookinfo;

    /// <summary>Static tokens the test's own sandbox accepts beside the admin token (users its seeded RBAC or the test's Roles name).</summary>
    public IList<SandboxToken> SandboxTokens { get; } = [];

    /// <summary>
    /// Requests per second the test's own sandbox simulates to each service (<see cref="SandboxOptions.TrafficRequestsPerSecond"/>);
    /// null (default) keeps the sandbox's default. Not used with <see cref="EmbeddedSandbox"/>.
    /// </summary>
    public double? SandboxTrafficRequestsPerSecond { get; set; }

    /// <summary>
    /// How long after a routing change the test's own sandbox reports it reconciled (<see cref="SandboxOptions.ProxySyncDelay"/>);
    /// null (default) reports nothing, like an istiod without status. Not used with <see cref="EmbeddedSandbox"/>.
    /// </summary>
    public TimeSpan? SandboxProxySyncDelay { get; set; }

    /// <summary>
    /// True: the console reads the test's own sandbox's traffic simulator in process (<see cref="SandboxTelemetrySource"/>), as it
    /// does with an embedded sandbox; false (default): a sandbox reached by URL leaves telemetry not configured.
    /// </summary>
    public bool SandboxTelemetry { get; set; }

    /// <summary>
    /// Runs once the test's own sandbox has started, before the console does (e.g. to put routing in place that the console
    /// and the traffic simulator find from their first second). Not used with <see cref="EmbeddedSandbox"/>.
    /// </summary>
    public Func<SandboxServer, Task>? SandboxStarted { get; set; }

    /// <summary>Extra configuration for the console (e.g. <c>Console:DefaultActor</c>).</summary>
    public IDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Runs on the console's builder after the fixture's settings (add services, override options).</summary>
    public Action<WebApplicationBuilder>? Configure { get; set; }

    /// <summary>Wait (bounded) until /readyz answers 200 before returning.</summary>
    public bool WaitUntilReady { get; set; } = true;

    /// <summary>ASPNETCORE environment of the console.</summary>
    public string Environment { get; set; } = "Development";
}

/// <summary>
/// The real console host (ConsoleApp.Build, the same as Program.cs) on http://127.0.0.1:&lt;free port&gt;
/// against an in-process sandbox cluster on 127.0.0.1:&lt;free port&gt; with a temporary data directory.
/// <code>await using var host = await ConsoleTestHost.StartAsync();</code>
/// then browse <see cref="BaseUrl"/>, call the API with <see cref="CreateClient"/>, change the cluster with
/// <see cref="Kubernetes"/> or <see cref="KubectlAsync"/>.
/// </summary>
public sealed class ConsoleTestHost : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);

    private readonly string _dataDir;
    private readonly bool _ownsSandbox;
    private readonly SandboxSeed _seed;
    private readonly IReadOnlyList<SandboxToken> _tokens;
    private readonly ConsoleTestHostOptions _options;
    private SandboxServer? _sandbox;
    private readonly int _sandboxPort;

    private ConsoleTestHost(WebApplication app, Uri baseUrl, SandboxServer sandbox, bool ownsSandbox, string dataDir, SandboxSeed seed, CapturedLog log, FreezableProxy? proxy, ConsoleTestHostOptions options)
    {
        _options = options;
        Proxy = proxy;
        App = app;
        BaseUrl = baseUrl;
        _sandbox = sandbox;
        _sandboxPort = sandbox.Url.Port;
        _ownsSandbox = ownsSandbox;
        _dataDir = dataDir;
        _seed = seed;
        _tokens = sandbox.Tokens;
        Log = log;
        SandboxUrl = sandbox.Url;
        AdminToken = sandbox.AdminToken;
        KubeconfigPath = sandbox.KubeconfigPath ?? throw new InvalidOperationException("The sandbox wrote no kubeconfig.");
        Kubernetes = new Kubernetes(new KubernetesClientConfiguration { Host = sandbox.Url.ToString(), AccessToken = sandbox.AdminToken });
    }

    /// <summary>The console's address, e.g. http://127.0.0.1:41234/.</summary>
    public Uri BaseUrl { get; }

    public WebApplication App { get; }

    public IServiceProvider Services => App.Services;

    /// <summary>The console's service layer, as pages use it.</summary>
    public ITrafficService Traffic => Services.GetRequiredService<ITrafficService>();

    /// <summary>The sandbox cluster (null while stopped with <see cref="StopSandboxAsync"/>).</summary>
    public SandboxServer? Sandbox => _sandbox;

    public Uri SandboxUrl { get; }

    /// <summary>The sandbox admin token (for tests that check it is never logged).</summary>
    public string AdminToken { get; }

    /// <summary>A kubeconfig for the sandbox, for kubectl.</summary>
    public string KubeconfigPath { get; }

    /// <summary>A client for the sandbox, to change or inspect the cluster behind the console's back.</summary>
    public IKubernetes Kubernetes { get; }

    /// <summary>The proxy between the console and the sandbox under <see cref="ConsoleTestHostOptions.ThroughFreezableProxy"/>, else null.</summary>
    public FreezableProxy? Proxy { get; }

    /// <summary>Every Serilog event the console wrote.</summary>
    public CapturedLog Log { get; }

    public static async Task<ConsoleTestHost> StartAsync(ConsoleTestHostOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ConsoleTestHostOptions();
        string dataDir = Path.Combine(Path.GetTempPath(), "trafficconsole-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dataDir);

        SandboxServer? sandbox = null;
        FreezableProxy? proxy = null;
        Dictionary<string, string?> settings = new(StringComparer.OrdinalIgnoreCase)
        {
            ["Cluster:Mode"] = "Sandbox",
            ["Logging:Format"] = "text",
            ["Cluster:Cache:InitialBackoff"] = "00:00:00.200",
            ["Cluster:Cache:MaxBackoff"] = "00:00:01",
        };
        if (options.EmbeddedSandbox)
        {
            settings["Sandbox:DataDir"] = dataDir;
            settings["Sandbox:Port"] = "0";
            settings["Sandbox:Seed"] = (options.Seed == SandboxSeed.Bookinfo).ToString();
        }
        else
        {
            sandbox = await StartSandboxAsync(0, dataDir, options.Seed, options.SandboxTokens, options, cancellationToken);
            if (options.SandboxStarted is { } sandboxStarted)
            {
                try
                {
                    await sandboxStarted(sandbox);
                }
                catch
                {
                    await sandbox.DisposeAsync();
                    throw;
                }
            }

            if (options.AsRealCluster)
            {
                settings["Cluster:Mode"] = "KubeConfig";
                settings["Cluster:KubeConfigPath"] = sandbox.KubeconfigPath;
            }
            else
            {
                proxy = options.ThroughFreezableProxy ? new FreezableProxy(sandbox.Url) : null;
                settings["Cluster:ServerUrl"] = (proxy?.Url ?? sandbox.Url).ToString();
                settings["Cluster:Token"] = sandbox.AdminToken;
            }
        }

        foreach ((string key, string? value) in options.Settings)
        {
            settings[key] = value;
        }

        CapturedLog log = new();
        ConsoleTestHost? started = null;
        SandboxServer? firstSandbox = sandbox;
        WebApplication app = ConsoleApp.Build(
            ["--urls", "http://127.0.0.1:0", "--environment", options.Environment],
            builder =>
            {
                builder.Configuration.AddInMemoryCollection(settings);
                builder.Services.AddSingleton<ILogEventSink>(log);
                if (options.SandboxTelemetry && !options.EmbeddedSandbox)
                {
                    // The host's sandbox, also after a restart; the one started above while the host is being built.
                    builder.Services.AddSingleton<ITelemetrySource>(new SandboxTelemetrySource(() => started is null ? firstSandbox : started.Sandbox));
                }

                options.Configure?.Invoke(builder);
            });
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            if (sandbox is not null)
            {
                await sandbox.DisposeAsync();
            }

            if (proxy is not null)
            {
                await proxy.DisposeAsync();
            }

            throw;
        }

        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        sandbox ??= app.Services.GetRequiredService<EmbeddedSandbox>().Server
            ?? throw new InvalidOperationException("The console did not start its embedded sandbox.");
        ConsoleTestHost host = new(app, new Uri(address.TrimEnd('/') + "/"), sandbox, !options.EmbeddedSandbox, dataDir, options.Seed, log, proxy, options);
        started = host;
        if (options.WaitUntilReady)
        {
            await host.WaitUntilReadyAsync(cancellationToken);
        }

        return host;
    }

    /// <summary>An HttpClient for the console (BaseAddress set).</summary>
    public HttpClient CreateClient() => new() { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>A SignalR connection to /hubs/traffic (not started), speaking the console's JSON (enums as strings).</summary>
    public HubConnection CreateHubConnection() =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(BaseUrl, TrafficHub.Path.TrimStart('/')))
            .AddJsonProtocol(static o => o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter()))
            .Build();

    /// <summary>Runs kubectl from PATH against the sandbox.</summary>
    public Task<KubectlRunner.Result> KubectlAsync(params string[] args) => new KubectlRunner(KubeconfigPath).RunAsync(args);

    /// <summary>Pipes <paramref name="manifest"/> to <c>kubectl apply -f -</c>.</summary>
    public Task<KubectlRunner.Result> KubectlApplyAsync(string manifest) => new KubectlRunner(KubeconfigPath).RunWithInputAsync(manifest, ["apply", "-f", "-"]);

    /// <summary>Polls /readyz until it answers 200 (30 s at most).</summary>
    public async Task WaitUntilReadyAsync(CancellationToken cancellationToken = default)
    {
        using HttpClient client = CreateClient();
        using CancellationTokenSource timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ReadyTimeout);
        string last = "no answer";
        try
        {
            while (true)
            {
                using HttpResponseMessage response = await client.GetAsync(new Uri("readyz", UriKind.Relative), timeout.Token);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }

                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(timeout.Token)}";
                await Task.Delay(100, timeout.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The console was not ready within {ReadyTimeout.TotalSeconds} s; /readyz said {last}.");
        }
    }

    /// <summary>Stops the sandbox (the console's API server goes away). Only for a sandbox the fixture started.</summary>
    public async Task StopSandboxAsync()
    {
        EnsureOwnSandbox();
        if (Interlocked.Exchange(ref _sandbox, null) is { } sandbox)
        {
            await sandbox.DisposeAsync();
        }
    }

    /// <summary>Starts the sandbox again on the same port with the same data (and token).</summary>
    public async Task StartSandboxAsync(CancellationToken cancellationToken = default)
    {
        EnsureOwnSandbox();
        if (_sandbox is not null)
        {
            return;
        }

        _sandbox = await StartSandboxAsync(_sandboxPort, _dataDir, _seed, _tokens, _options, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync(CancellationToken.None);
        await App.DisposeAsync();
        if (Proxy is not null)
        {
            await Proxy.DisposeAsync();
        }

        if (_ownsSandbox && Interlocked.Exchange(ref _sandbox, null) is { } sandbox)
        {
            await sandbox.DisposeAsync();
        }

        Kubernetes.Dispose();
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a late writer; the temp directory is cleaned up eventually.
        }
    }

    /// <summary>A port that was free a moment ago, for tests that start a server there later.</summary>
    public static int FreePort()
    {
        using TcpListener listener = new(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>JSON options matching the console's API (camelCase, enums as strings).</summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    public static Task<SandboxServer> StartSandboxAsync(int port, string dataDir, SandboxSeed seed, CancellationToken cancellationToken, IEnumerable<SandboxToken>? tokens = null) =>
        StartSandboxAsync(port, dataDir, seed, tokens, new ConsoleTestHostOptions(), cancellationToken);

    // The sandbox with what the host's options say of its traffic and proxy sync (the sandbox's defaults unless a test sets them).
    private static Task<SandboxServer> StartSandboxAsync(
        int port, string dataDir, SandboxSeed seed, IEnumerable<SandboxToken>? tokens, ConsoleTestHostOptions host, CancellationToken cancellationToken)
    {
        SandboxOptions options = new() { Port = port, DataDirectory = dataDir, Seed = seed, ProxySyncDelay = host.SandboxProxySyncDelay };
        if (host.SandboxTrafficRequestsPerSecond is { } rate)
        {
            options.TrafficRequestsPerSecond = rate;
        }

        foreach (SandboxToken token in tokens ?? [])
        {
            options.Tokens.Add(token);
        }

        return SandboxServer.StartAsync(options, cancellationToken);
    }

    private void EnsureOwnSandbox()
    {
        if (!_ownsSandbox)
        {
            throw new InvalidOperationException("The console owns its embedded sandbox; start the host with EmbeddedSandbox = false to stop and restart it.");
        }
    }
}
