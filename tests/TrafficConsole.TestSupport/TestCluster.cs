using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using k8s;
using TrafficConsole.Cluster.Cache;
using TrafficConsole.Cluster.Connection;
using TrafficConsole.Cluster.Discovery;
using TrafficConsole.Cluster.Resources;
using TrafficConsole.Sandbox;

namespace TrafficConsole.TestSupport;

/// <summary>
/// A sandbox API server on 127.0.0.1 with a KubernetesClient and a raw HttpClient pointed at it, plus the console's own
/// clients and caches talking to it over real HTTP.
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly List<IDisposable> _clients = [];
    private readonly List<string> _scratch = [];

    private TestCluster(SandboxServer server, SandboxOptions options, Func<TestCluster, IKubernetes> client)
    {
        Server = server;
        Options = options;
        Client = client(this);
        Http = new HttpClient { BaseAddress = server.Url, Timeout = TimeSpan.FromSeconds(30) };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", server.AdminToken);
    }

    public SandboxServer Server { get; private set; }

    public SandboxOptions Options { get; }

    /// <summary>A client for the test's own reads and writes (not the cache's).</summary>
    public IKubernetes Client { get; }

    public HttpClient Http { get; }

    /// <summary>The sandbox with its shipped defaults (a bookmark every 10 s) and a plain KubernetesClient, as the sandbox's own tests use it.</summary>
    public static async Task<TestCluster> StartAsync(SandboxSeed seed = SandboxSeed.Bookinfo, string? dataDirectory = null,
        int watchHistoryLimit = 1000, TimeSpan? bookmarkInterval = null, Action<SandboxOptions>? configure = null)
    {
        var options = new SandboxOptions
        {
            Port = 0,
            Seed = seed,
            DataDirectory = dataDirectory,
            WatchHistoryLimit = watchHistoryLimit,
            BookmarkInterval = bookmarkInterval ?? TimeSpan.FromSeconds(10),
        };
        configure?.Invoke(options);
        var server = await SandboxServer.StartAsync(options);
        return new TestCluster(server, options, static c => new Kubernetes(c.Server.ClientConfiguration()));
    }

    /// <summary>
    /// The Bookinfo sandbox with a bookmark every second, so the console's caches resume from fresh resourceVersions,
    /// and a client made the console's way (<see cref="KubernetesConnection"/>), as the Cluster layer's tests use it.
    /// </summary>
    public static async Task<TestCluster> StartForConsoleAsync(string? dataDirectory = null, Action<SandboxOptions>? configure = null)
    {
        var options = new SandboxOptions
        {
            Port = 0,
            Seed = SandboxSeed.Bookinfo,
            DataDirectory = dataDirectory,
            BookmarkInterval = TimeSpan.FromSeconds(1),
        };
        configure?.Invoke(options);
        SandboxServer server = await SandboxServer.StartAsync(options);
        return new TestCluster(server, options, static c => KubernetesConnection.Create(c.ClusterOptions));
    }

    /// <summary>Client options for the sandbox's URL and admin token.</summary>
    public ClusterOptions ClusterOptions => new()
    {
        Mode = ClusterMode.Sandbox,
        ServerUrl = Server.Url.ToString(),
        Token = Server.AdminToken,
    };

    /// <summary>A client made the console's way (<see cref="KubernetesConnection"/>), disposed with the cluster.</summary>
    public IKubernetes NewClient()
    {
        IKubernetes client = KubernetesConnection.Create(ClusterOptions);
        _clients.Add(client);
        return client;
    }

    /// <summary>A KubernetesClient that authenticates with <paramref name="token"/>.</summary>
    public Kubernetes ClientFor(string token) => new(Server.ClientConfiguration(token));

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
    public static async Task<SandboxServer> StartWithRetryAsync(SandboxOptions options)
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

    /// <summary>
    /// A request with <paramref name="token"/> as the bearer token (none when null) and extra headers such as
    /// Impersonate-User, answered as status and JSON body.
    /// </summary>
    public async Task<(HttpStatusCode Status, JsonObject Body)> SendAsAsync(string? token, HttpMethod method, string path, string? body = null,
        string contentType = "application/json", params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        using var http = new HttpClient { BaseAddress = Server.Url, Timeout = TimeSpan.FromSeconds(30) };
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var json = text.Length == 0 || !text.TrimStart().StartsWith('{') ? [] : JsonNode.Parse(text) as JsonObject ?? [];
        return (response.StatusCode, json);
    }

    public async Task<(HttpStatusCode Status, JsonObject Body, HttpResponseMessage Response)> SendAsync(HttpMethod method, string path,
        string? body = null, string contentType = "application/json", string? accept = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var json = text.Length == 0 ? [] : JsonNode.Parse(text) as JsonObject ?? [];
        return (response.StatusCode, json, response);
    }

    public Task<(HttpStatusCode Status, JsonObject Body, HttpResponseMessage Response)> GetAsync(string path, string? accept = null) =>
        SendAsync(HttpMethod.Get, path, accept: accept);

    public Task<(HttpStatusCode Status, JsonObject Body, HttpResponseMessage Response)> PostAsync(string path, string body) =>
        SendAsync(HttpMethod.Post, path, body);

    /// <summary>Opens a raw watch stream and reads its newline-delimited events in the background.</summary>
    public async Task<WatchFeed> WatchAsync(string pathAndQuery, string? accept = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, pathAndQuery);
        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        var http = new HttpClient { BaseAddress = Server.Url, Timeout = Timeout.InfiniteTimeSpan };
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        return new WatchFeed(http, response);
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

        Client.Dispose();
        Http.Dispose();
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

/// <summary>Events of one watch as they arrive.</summary>
public sealed class WatchFeed : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<JsonObject> _events = Channel.CreateUnbounded<JsonObject>();
    private readonly Task _pump;

    public WatchFeed(HttpClient http, HttpResponseMessage response)
    {
        _http = http;
        Response = response;
        _pump = Task.Run(async () =>
        {
            try
            {
                using var stream = await response.Content.ReadAsStreamAsync(_stop.Token);
                using var reader = new StreamReader(stream);
                while (await reader.ReadLineAsync(_stop.Token) is { } line)
                {
                    if (line.Length > 0)
                    {
                        _events.Writer.TryWrite(JsonNode.Parse(line)!.AsObject());
                    }
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or HttpRequestException)
            {
            }
            finally
            {
                _events.Writer.TryComplete();
            }
        });
    }

    public HttpResponseMessage Response { get; }

    /// <summary>The next event, or null when the stream ended; fails the test after <paramref name="timeout"/>.</summary>
    public async Task<JsonObject?> NextAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        try
        {
            return await _events.Reader.WaitToReadAsync(cts.Token) && _events.Reader.TryRead(out var e) ? e : null;
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("no watch event arrived in time");
        }
    }

    /// <summary>Events that arrive within <paramref name="quiet"/> of each other, until the stream goes quiet.</summary>
    public async Task<List<JsonObject>> DrainAsync(TimeSpan quiet)
    {
        var list = new List<JsonObject>();
        while (true)
        {
            using var cts = new CancellationTokenSource(quiet);
            try
            {
                if (!await _events.Reader.WaitToReadAsync(cts.Token))
                {
                    return list;
                }

                while (_events.Reader.TryRead(out var e))
                {
                    list.Add(e);
                }
            }
            catch (OperationCanceledException)
            {
                return list;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        Response.Dispose();
        _http.Dispose();
        await _pump;
        _stop.Dispose();
    }
}
