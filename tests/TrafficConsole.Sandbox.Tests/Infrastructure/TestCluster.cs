using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using k8s;

namespace TrafficConsole.Sandbox.Tests.Infrastructure;

/// <summary>A sandbox on 127.0.0.1:0 with a KubernetesClient and a raw HttpClient pointed at it.</summary>
public sealed class TestCluster : IAsyncDisposable
{
    private TestCluster(SandboxServer server)
    {
        Server = server;
        Client = new Kubernetes(server.ClientConfiguration());
        Http = new HttpClient { BaseAddress = server.Url, Timeout = TimeSpan.FromSeconds(30) };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", server.AdminToken);
    }

    public SandboxServer Server { get; }

    public Kubernetes Client { get; }

    public HttpClient Http { get; }

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
        return new TestCluster(server);
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

    /// <summary>A KubernetesClient that authenticates with <paramref name="token"/>.</summary>
    public Kubernetes ClientFor(string token) => new(Server.ClientConfiguration(token));

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
        Client.Dispose();
        Http.Dispose();
        await Server.DisposeAsync();
    }
}

/// <summary>Events of one watch as they arrive.</summary>
public sealed class WatchFeed : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<JsonObject> _events = Channel.CreateUnbounded<JsonObject>();
    private readonly Task _pump;

    internal WatchFeed(HttpClient http, HttpResponseMessage response)
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

/// <summary>A temporary directory removed at the end of a test.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "tc-sandbox-" + Guid.NewGuid().ToString("N")[..12]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

public static class JsonExtensions
{
    public static string? Str(this JsonNode? node, string path)
    {
        var value = node.At(path);
        return value is JsonValue v && v.TryGetValue<string>(out var s) ? s : value?.ToJsonString();
    }

    public static long? Int64Value(this JsonNode? node, string path) =>
        node.At(path) is JsonValue v && v.TryGetValue<long>(out var l) ? l : null;

    /// <summary>Navigates "metadata.name" or "spec.http[0].route".</summary>
    public static JsonNode? At(this JsonNode? node, string path)
    {
        foreach (var part in path.Split('.'))
        {
            var name = part;
            int? index = null;
            var bracket = part.IndexOf('[', StringComparison.Ordinal);
            if (bracket >= 0)
            {
                name = part[..bracket];
                index = int.Parse(part[(bracket + 1)..^1], System.Globalization.CultureInfo.InvariantCulture);
            }

            if (name.Length > 0)
            {
                node = node is JsonObject o ? o[name] : null;
            }

            if (index is { } i)
            {
                node = node is JsonArray a && i < a.Count ? a[i] : null;
            }
        }

        return node;
    }
}
