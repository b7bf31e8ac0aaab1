using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace TrafficConsole.Packaging.Tests.Container;

/// <summary>A request the console sent to the API server.</summary>
public sealed record RecordedRequest(string Method, string Path, string Query);

/// <summary>
/// A pass-through proxy on 127.0.0.1:0 in front of the sandbox that records every request (method,
/// path, query), streaming responses so watches work, so a test can see exactly what the console calls.
/// </summary>
public sealed class RecordingProxy : IAsyncDisposable
{
    private static readonly HashSet<string> HopHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Connection", "Transfer-Encoding", "Keep-Alive", "Upgrade", "Proxy-Connection", "TE", "Trailer",
    };

    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly HttpClient _upstream;
    private WebApplication? _app;

    private RecordingProxy(Uri upstream)
    {
        _upstream = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false })
        {
            BaseAddress = upstream,
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public Uri Url { get; private set; } = null!;

    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    public static async Task<RecordingProxy> StartAsync(Uri upstream)
    {
        var proxy = new RecordingProxy(upstream);
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        WebApplication app = builder.Build();
        app.Run(proxy.ForwardAsync);
        await app.StartAsync();
        proxy._app = app;
        proxy.Url = new Uri(app.Urls.First());
        return proxy;
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync(new CancellationTokenSource(TimeSpan.FromSeconds(5)).Token);
            await _app.DisposeAsync();
        }

        _upstream.Dispose();
    }

    private async Task ForwardAsync(HttpContext context)
    {
        HttpRequest incoming = context.Request;
        _requests.Enqueue(new RecordedRequest(incoming.Method, incoming.Path.Value ?? "/", incoming.QueryString.Value ?? string.Empty));

        using var request = new HttpRequestMessage(new HttpMethod(incoming.Method), incoming.Path.Value + incoming.QueryString.Value);
        if (incoming.ContentLength > 0 || incoming.Headers.TransferEncoding.Count > 0)
        {
            request.Content = new StreamContent(incoming.Body);
        }

        foreach ((string name, Microsoft.Extensions.Primitives.StringValues values) in incoming.Headers)
        {
            if (HopHeaders.Contains(name))
            {
                continue;
            }

            if (!request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                request.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        try
        {
            using HttpResponseMessage response = await _upstream.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
            context.Response.StatusCode = (int)response.StatusCode;
            foreach (KeyValuePair<string, IEnumerable<string>> header in response.Headers.Concat(response.Content.Headers))
            {
                if (!HopHeaders.Contains(header.Key))
                {
                    context.Response.Headers[header.Key] = header.Value.ToArray();
                }
            }

            await using Stream body = await response.Content.ReadAsStreamAsync(context.RequestAborted);
            byte[] buffer = new byte[16 * 1024];
            int read;
            while ((read = await body.ReadAsync(buffer, context.RequestAborted)) > 0)
            {
                // Flush every chunk: watch events must reach the console as they happen.
                await context.Response.Body.WriteAsync(buffer.AsMemory(0, read), context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The console closed the watch.
        }
        catch (HttpRequestException) when (context.RequestAborted.IsCancellationRequested)
        {
            // Same, seen from the upstream side.
        }
    }
}
