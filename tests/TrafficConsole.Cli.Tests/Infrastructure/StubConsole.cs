using System.Collections.Concurrent;
using System.Net;
using System.Text;

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TrafficConsole.Cli.Tests.Infrastructure;

/// <summary>A request the stub received: method, path with query, the Authorization header and the body.</summary>
internal sealed record StubRequest(string Method, string PathAndQuery, string? Authorization, string Body);

/// <summary>
/// A tiny Kestrel server on 127.0.0.1:0 that answers chosen paths with recorded answers of the console (status, content
/// type, body), and records every request, so the CLI's HTTP mapping is tested over real sockets.
/// <code>await using var stub = await StubConsole.StartAsync(); stub.Json("GET", "/api/v1/rollouts", 200, json);</code>
/// </summary>
internal sealed class StubConsole : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Func<HttpContext, Task>> _routes = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<StubRequest> _requests = new();
    private readonly CancellationTokenSource _stopping = new();

    private StubConsole(WebApplication app)
    {
        _app = app;
    }

    /// <summary>The stub's address, e.g. http://127.0.0.1:41234/.</summary>
    public Uri Url { get; private set; } = null!;

    public IReadOnlyList<StubRequest> Requests => [.. _requests];

    public static async Task<StubConsole> StartAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        WebApplication app = builder.Build();
        var stub = new StubConsole(app);
        app.Run(stub.HandleAsync);
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        stub.Url = new Uri(address.TrimEnd('/') + "/");
        return stub;
    }

    /// <summary>Answers <paramref name="method"/> <paramref name="path"/> (with its query, if the request has one) with a body.</summary>
    public void Answer(string method, string path, int status, string body, string contentType = "application/json; charset=utf-8") =>
        _routes[Key(method, path)] = async context =>
        {
            context.Response.StatusCode = status;
            context.Response.ContentType = contentType;
            await context.Response.WriteAsync(body, context.RequestAborted);
        };

    /// <summary>Answers with an RFC 9457 problem, as ASP.NET Core's <c>TypedResults.Problem</c> writes it.</summary>
    public void Problem(string method, string path, int status, string problemJson) =>
        Answer(method, path, status, problemJson, "application/problem+json");

    /// <summary>Answers with a custom handler (a redirect, a challenge header, an answer that never comes).</summary>
    public void Handle(string method, string path, Func<HttpContext, Task> handler) => _routes[Key(method, path)] = handler;

    /// <summary>Never answers (until the stub stops): for timeouts.</summary>
    public void Hang(string method, string path) =>
        _routes[Key(method, path)] = async context =>
        {
            using var both = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
            try
            {
                await Task.Delay(Timeout.Infinite, both.Token);
            }
            catch (OperationCanceledException)
            {
                // The client gave up, as it should.
            }
        };

    public int Count(string method, string pathPrefix) =>
        _requests.Count(r => r.Method == method && r.PathAndQuery.StartsWith(pathPrefix, StringComparison.Ordinal));

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        string body = await reader.ReadToEndAsync(context.RequestAborted);
        string pathAndQuery = context.Request.Path + context.Request.QueryString;
        _requests.Enqueue(new StubRequest(context.Request.Method, pathAndQuery, context.Request.Headers.Authorization.FirstOrDefault(), body));
        if (_routes.TryGetValue(Key(context.Request.Method, pathAndQuery), out Func<HttpContext, Task>? handler)
            || _routes.TryGetValue(Key(context.Request.Method, context.Request.Path), out handler))
        {
            await handler(context);
            return;
        }

        // What ASP.NET Core answers for a route it does not have: 404 with no body.
        context.Response.StatusCode = (int)HttpStatusCode.NotFound;
    }

    private static string Key(string method, string path) => $"{method} {path}";
}
