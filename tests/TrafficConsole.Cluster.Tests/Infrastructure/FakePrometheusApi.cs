using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TrafficConsole.Cluster.Tests.Infrastructure;

/// <summary>What one request to the fake API carried.</summary>
public sealed record RecordedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, IReadOnlyDictionary<string, string> Form);

/// <summary>
/// A Prometheus HTTP API that misbehaves on purpose (Kestrel on 127.0.0.1:0): answers each query with
/// <see cref="Respond"/> and records what arrived (headers, form), for the failure paths a real Prometheus will not produce on demand.
/// </summary>
public sealed class FakePrometheusApi : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakePrometheusApi(WebApplication app) => _app = app;

    public Uri Url { get; private set; } = null!;

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>How every request is answered; an empty vector unless a test says otherwise.</summary>
    public Func<HttpContext, Task> Respond { get; set; } = static context => context.Response.WriteAsync("""{"status":"success","data":{"resultType":"vector","result":[]}}""");

    /// <param name="certificate">Serve HTTPS with this certificate (and its key); plain HTTP when null.</param>
    public static async Task<FakePrometheusApi> StartAsync(X509Certificate2? certificate = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen =>
        {
            if (certificate is not null)
            {
                listen.UseHttps(certificate);
            }
        }));
        WebApplication app = builder.Build();
        var api = new FakePrometheusApi(app);
        app.Run(async context =>
        {
            var form = context.Request.HasFormContentType
                ? (await context.Request.ReadFormAsync()).ToDictionary(static f => f.Key, static f => f.Value.ToString())
                : [];
            api.Requests.Enqueue(new RecordedRequest(
                context.Request.Method,
                context.Request.Path.Value ?? string.Empty,
                context.Request.Headers.ToDictionary(static h => h.Key, static h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
                form));
            await api.Respond(context);
        });
        await app.StartAsync();
        api.Url = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return api;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
