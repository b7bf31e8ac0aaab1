using System.Net;
using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using TrafficConsole.Sandbox.Auth;
using k8s;
using TrafficConsole.Sandbox.Api;
using TrafficConsole.Sandbox.Api.Routing;
using TrafficConsole.Sandbox.Seed;
using TrafficConsole.Sandbox.Storage;
using TrafficConsole.Sandbox.Traffic;

namespace TrafficConsole.Sandbox;

/// <summary>
/// An embedded, Kubernetes-API-compatible cluster on Kestrel: discovery, REST, watch, patch and
/// server-side apply over plain HTTP, with state in memory or in a data directory. It runs no pods
/// and no proxies; deployments get synthetic Running pods, a simulator sends them traffic and reports it as
/// Istio's proxies would (<see cref="Traffic"/>), and an istiod stand-in reports routing as synced.
/// </summary>
public sealed class SandboxServer : IAsyncDisposable
{
    private const string AdminTokenFileName = "admin-token";
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _shutdown;
    private readonly X509Certificate2? _serverCertificate;
    private readonly Authenticator _authenticator;
    private bool _disposed;

    private SandboxServer(WebApplication app, SandboxStore store, RequestCounters counters, Uri url, string token,
        string? kubeconfigPath, CancellationTokenSource shutdown, ImmutableArray<SandboxToken> tokens, SandboxAudit audit,
        X509Certificate2? certificate, X509Certificate2? serverCertificate, Authenticator authenticator,
        TrafficSimulator? traffic, ProxyStatusReporter? proxyStatus)
    {
        _app = app;
        Traffic = traffic;
        ProxyStatus = proxyStatus;
        _authenticator = authenticator;
        _serverCertificate = serverCertificate;
        Tokens = tokens;
        Audit = audit;
        Certificate = certificate;
        Store = store;
        Requests = counters;
        Url = url;
        AdminToken = token;
        KubeconfigPath = kubeconfigPath;
        _shutdown = shutdown;
    }

    /// <summary>Base URL, e.g. http://127.0.0.1:6443.</summary>
    public Uri Url { get; }

    /// <summary>Bearer token of the admin user (persisted in the data directory).</summary>
    public string AdminToken { get; }

    /// <summary>The admin kubeconfig written to the data directory, or null in memory mode until <see cref="WriteKubeconfig"/>.</summary>
    public string? KubeconfigPath { get; private set; }

    /// <summary>The static tokens beside the admin token (from <see cref="SandboxOptions.TokenFile"/> and <see cref="SandboxOptions.Tokens"/>).</summary>
    public ImmutableArray<SandboxToken> Tokens { get; }

    /// <summary>Writes and refusals with the user each ran as (after impersonation).</summary>
    public SandboxAudit Audit { get; }

    /// <summary>The self-signed server certificate (public part) under <see cref="SandboxOptions.Https"/>, else null.</summary>
    public X509Certificate2? Certificate { get; }

    /// <summary>The objects, for in-process inspection.</summary>
    public SandboxStore Store { get; }

    /// <summary>Requests served per verb (get, list, watch, create, update, patch, delete, deletecollection, discovery).</summary>
    public RequestCounters Requests { get; }

    /// <summary>
    /// Revokes a static token, as deleting a ServiceAccount (or its token Secret) would on a real cluster: from now on the
    /// API server answers 401 to it, and a TokenReview says it is not authenticated. True when the token was known.
    /// </summary>
    public bool RevokeToken(string token) => _authenticator.Revoke(token);

    /// <summary>
    /// The traffic simulator (its counters are also served at <c>/stats/prometheus</c>, without a token, as a sidecar
    /// serves them), or null when <see cref="SandboxOptions.TrafficRequestsPerSecond"/> is off.
    /// </summary>
    public TrafficSimulator? Traffic { get; }

    /// <summary>The istiod stand-in writing proxy sync status, or null when <see cref="SandboxOptions.ProxySyncDelay"/> is off.</summary>
    internal ProxyStatusReporter? ProxyStatus { get; }

    /// <summary>Every API request served.</summary>
    public long RequestCount => Requests.Total;

    public static async Task<SandboxServer> StartAsync(SandboxOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!IPAddress.TryParse(options.BindAddress, out var address))
        {
            throw new ArgumentException($"SandboxOptions.BindAddress '{options.BindAddress}' is not an IP address.", nameof(options));
        }

        if (options.TrafficRequestsPerSecond is { } rate && !(rate > 0 && rate <= TrafficSettings.MaxRequestsPerSecond))
        {
            throw new ArgumentException(
                $"SandboxOptions.TrafficRequestsPerSecond must be above 0 and at most {TrafficSettings.MaxRequestsPerSecond} (null for no traffic), got {rate}.",
                nameof(options));
        }

        if (options.ProxySyncDelay is { } syncDelay && (syncDelay < TimeSpan.Zero || syncDelay > TrafficSettings.MaxProxySyncDelay))
        {
            throw new ArgumentException(
                $"SandboxOptions.ProxySyncDelay must be between 0 and {TrafficSettings.MaxProxySyncDelay} (null for none), got {syncDelay}.",
                nameof(options));
        }

        var loggerFactory = options.LoggerFactory ?? NullLoggerFactory.Instance;
        ImmutableArray<SandboxToken> tokens = [.. options.TokenFile is { } tokenFile ? TokenFile.Load(tokenFile) : [], .. options.Tokens];
        SandboxStore store;
        string token;
        if (options.DataDirectory is { } dir)
        {
            Directory.CreateDirectory(dir);
            var journal = new FileJournal(dir, options.CompactAfterWrites);
            var isNew = !File.Exists(journal.SnapshotPath) && !File.Exists(journal.LogPath);
            store = new SandboxStore(journal, options.WatchHistoryLimit, options.WatcherBufferLimit);
            if (isNew)
            {
                SeedData.Apply(store, options.Seed, options.TimeProvider);
                store.Checkpoint();
            }

            token = LoadOrCreateToken(Path.Combine(dir, AdminTokenFileName));
        }
        else
        {
            store = new SandboxStore(null, options.WatchHistoryLimit, options.WatcherBufferLimit);
            SeedData.Apply(store, options.Seed, options.TimeProvider);
            token = NewToken();
        }

        // Embedded in another host, the sandbox must not take that host's ASPNETCORE_URLS (Kestrel
        // warns it overrides them; "--urls=" outranks the environment) nor its console lifetime
        // (Ctrl+C and "Application started" belong to the host; the program handles its own signals).
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--urls="] });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddSingleton<IHostLifetime, EmbeddedLifetime>();
        var serverCertificate = options.Https ? SelfSignedCertificate(address) : null;
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(address, options.Port, listen =>
            {
                if (serverCertificate is not null)
                {
                    listen.UseHttps(serverCertificate);
                }
            });
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = RequestPipeline.MaxRequestBodyBytes;
        });
        var app = builder.Build();
        var shutdown = new CancellationTokenSource();
        var counters = new RequestCounters();
        var registry = new ResourceRegistry(store, options.TimeProvider, options.NamespaceFinalizeDelay, shutdown.Token);
        registry.ResumeNamespaceFinalizers();
        var authenticator = new Authenticator(token, tokens, options.Anonymous);
        var audit = new SandboxAudit();
        var traffic = options.TrafficRequestsPerSecond is { } requestsPerSecond
            ? new TrafficSimulator(store, requestsPerSecond, options.TrafficSeed, options.TimeProvider, loggerFactory.CreateLogger<TrafficSimulator>())
            : null;
        MapApi(app, options, registry, counters, authenticator, audit, traffic, loggerFactory.CreateLogger<SandboxServer>(), shutdown.Token);
        ProxyStatusReporter? proxyStatus = null;
        try
        {
            await app.StartAsync(ct).ConfigureAwait(false);
            proxyStatus = options.ProxySyncDelay is { } delay
                ? new ProxyStatusReporter(registry, delay, options.TimeProvider, loggerFactory.CreateLogger<ProxyStatusReporter>())
                : null;
        }
        catch
        {
            traffic?.Dispose();
            serverCertificate?.Dispose();
            store.Dispose();
            await app.DisposeAsync().ConfigureAwait(false);
            shutdown.Dispose();
            throw;
        }

        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var port = new Uri(bound).Port;
        var host = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
        if (IPAddress.Any.Equals(address))
        {
            host = "127.0.0.1";
        }

        var url = new Uri($"{(options.Https ? "https" : "http")}://{host}:{port}");
        var publicCertificate = serverCertificate is null ? null : X509CertificateLoader.LoadCertificate(serverCertificate.RawData);
        var server = new SandboxServer(app, store, counters, url, token, null, shutdown, tokens, audit, publicCertificate, serverCertificate,
            authenticator, traffic, proxyStatus);
        if (options.DataDirectory is { } dataDir)
        {
            server.WriteKubeconfig(Path.Combine(dataDir, "kubeconfig"));
        }

        return server;
    }

    /// <summary>
    /// A KubernetesClient configuration for this sandbox with <paramref name="token"/> (the admin token when null),
    /// trusting the sandbox's certificate under HTTPS.
    /// </summary>
    public KubernetesClientConfiguration ClientConfiguration(string? token = null)
    {
        var config = new KubernetesClientConfiguration { Host = Url.ToString(), AccessToken = token ?? AdminToken };
        if (Certificate is not null)
        {
            config.SslCaCerts = [X509CertificateLoader.LoadCertificate(Certificate.RawData)];
        }

        return config;
    }

    /// <summary>
    /// Writes a kubeconfig (context "sandbox") for kubectl and other clients, with the admin token or with
    /// <paramref name="token"/> under the user name <paramref name="user"/>.
    /// </summary>
    public string WriteKubeconfig(string path, string? token = null, string user = UserInfo.AdminName)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentException.ThrowIfNullOrEmpty(user);
        var authority = Certificate is null ? "" : $"\n    certificate-authority-data: {Convert.ToBase64String(Encoding.ASCII.GetBytes(Certificate.ExportCertificatePem()))}";
        var yaml = $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: sandbox
              cluster:
                server: {Url.ToString().TrimEnd('/')}{authority}
            users:
            - name: {user}
              user:
                token: {token ?? AdminToken}
            contexts:
            - name: sandbox
              context:
                cluster: sandbox
                user: {user}
                namespace: default
            current-context: sandbox
            preferences: {"{}"}

            """;
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        var temp = path + ".tmp";
        File.WriteAllText(temp, yaml, new UTF8Encoding(false));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temp, path, overwrite: true);
        var written = Path.GetFullPath(path);
        if (token is null)
        {
            // KubeconfigPath names the admin's kubeconfig; one written for another user does not replace it.
            KubeconfigPath = written;
        }

        return written;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _shutdown.CancelAsync().ConfigureAwait(false);
        Traffic?.Dispose();
        if (ProxyStatus is not null)
        {
            await ProxyStatus.DisposeAsync().ConfigureAwait(false);
        }

        Store.Dispose();
        try
        {
            using var stopTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _app.StopAsync(stopTimeout.Token).ConfigureAwait(false);
        }
        finally
        {
            await _app.DisposeAsync().ConfigureAwait(false);
            _shutdown.Dispose();
            _serverCertificate?.Dispose();
            Certificate?.Dispose();
        }
    }

    /// <summary>
    /// Routing first, so the pipeline (authentication, impersonation, audit, errors as Status) sees which endpoint it guards;
    /// then the Kubernetes API's routes, and the sidecar's stats page when the simulator runs.
    /// </summary>
    private static void MapApi(WebApplication app, SandboxOptions options, ResourceRegistry registry, RequestCounters counters,
        Authenticator authenticator, SandboxAudit audit, TrafficSimulator? traffic, ILogger logger, CancellationToken shutdown)
    {
        var authorizer = new RbacAuthorizer(registry.Store, options.Anonymous);
        var pipeline = new RequestPipeline(authenticator, authorizer, audit, options.TimeProvider, logger, shutdown);
        app.Use(RequestPipeline.CollapseEmptySegmentsAsync);
        app.UseRouting();
        app.Use(pipeline.InvokeAsync);
        if (traffic is not null)
        {
            app.MapGet("/stats/prometheus", context => ServeStatsAsync(context, traffic)).AllowAnonymous();
        }

        var access = new AccessGate(authorizer, logger);
        var gate = new ResourceGate(registry, access);
        var reviews = new ReviewEndpoints(authenticator, authorizer, counters);
        app.MapKubernetesApi(new DiscoveryEndpoints(access, counters), gate,
            new ReadEndpoints(gate, registry, counters, options.BookmarkInterval, options.TimeProvider, shutdown),
            new WriteEndpoints(gate, registry, counters, reviews),
            new DeleteEndpoints(gate, registry, counters));
    }

    /// <summary>The sidecar's stats page: open to anyone, as Istio's proxies serve it on their stats port.</summary>
    private static Task ServeStatsAsync(HttpContext context, TrafficSimulator traffic)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        return context.Response.WriteAsync(traffic.ScrapeText(), context.RequestAborted);
    }

    /// <summary>A self-signed certificate for the loopback names and the bind address, valid for a year.</summary>
    private static X509Certificate2 SelfSignedCertificate(IPAddress address)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=trafficconsole-sandbox", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        if (!IPAddress.Any.Equals(address) && !IPAddress.Loopback.Equals(address) && !IPAddress.IPv6Any.Equals(address))
        {
            names.AddIpAddress(address);
        }

        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyCertSign, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(1));
    }

    private static string NewToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

    private static string LoadOrCreateToken(string path)
    {
        if (File.Exists(path))
        {
            var existing = File.ReadAllText(path).Trim();
            if (existing.Length == 0)
            {
                throw new InvalidDataException($"The sandbox admin token file '{path}' is empty; refusing to start.");
            }

            return existing;
        }

        var token = NewToken();
        var temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(Encoding.UTF8.GetBytes(token + "\n"));
            stream.Flush(flushToDisk: true);
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temp, path, overwrite: true);
        DirectorySync.Flush(Path.GetDirectoryName(Path.GetFullPath(path))!);
        return token;
    }
}

/// <summary>A host lifetime that leaves start, stop and signals to whoever owns the process.</summary>
internal sealed class EmbeddedLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
