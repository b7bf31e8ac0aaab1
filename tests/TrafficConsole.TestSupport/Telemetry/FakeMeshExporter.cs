using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using System.Text;

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TrafficConsole.TestSupport.Telemetry;

/// <summary>One Istio request counter of a proxy: its labels and how many requests per second it counts.</summary>
public sealed record IstioCounter(ImmutableDictionary<string, string> Labels, double PerSecond, IReadOnlyList<(double Le, double Share)>? Durations = null);

/// <summary>
/// A stand-in for Istio's sidecars on Kestrel (127.0.0.1:0): serves <c>istio_requests_total</c> and
/// <c>istio_request_duration_milliseconds_bucket</c> on <c>/stats/prometheus</c>, each counter growing at its known rate
/// as if traffic had been flowing for a minute. A minute of history is what <c>rate(...[1m])</c> divides by, and a
/// test must not wait a minute: so the first scrape is stamped 50 s in the past (Prometheus keeps explicit sample
/// timestamps), the later ones now. Rates over [1m] are then exact until about 10 s after that first scrape.
/// </summary>
public sealed class FakeMeshExporter : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ImmutableArray<IstioCounter> _counters;
    private readonly DateTimeOffset _origin;
    private int _scrapes;

    private FakeMeshExporter(WebApplication app, ImmutableArray<IstioCounter> counters)
    {
        _app = app;
        _counters = counters;
        _origin = DateTimeOffset.UtcNow - TimeSpan.FromSeconds(60);
    }

    /// <summary>host:port, as a scrape target.</summary>
    public string Target { get; private set; } = string.Empty;

    public int Scrapes => Volatile.Read(ref _scrapes);

    /// <summary>When the first scrape happened (rates are exact for about 10 s after it).</summary>
    public DateTimeOffset? FirstScrape { get; private set; }

    public static async Task<FakeMeshExporter> StartAsync(IEnumerable<IstioCounter> counters)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        WebApplication app = builder.Build();
        var exporter = new FakeMeshExporter(app, [.. counters]);
        app.MapGet("/stats/prometheus", exporter.Render);
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        exporter.Target = $"127.0.0.1:{address.Port}";
        return exporter;
    }

    private IResult Render()
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        bool first = Interlocked.Increment(ref _scrapes) == 1;
        if (first)
        {
            FirstScrape = now;
        }

        DateTimeOffset at = first ? now - TimeSpan.FromSeconds(50) : now;
        long stamp = at.ToUnixTimeMilliseconds();
        double elapsed = (DateTimeOffset.FromUnixTimeMilliseconds(stamp) - _origin).TotalSeconds;
        var text = new StringBuilder();
        text.AppendLine("# TYPE istio_requests_total counter");
        foreach (IstioCounter counter in _counters)
        {
            text.Append(CultureInfo.InvariantCulture, $"istio_requests_total{{{Labels(counter.Labels)}}} {counter.PerSecond * elapsed:R} {stamp}\n");
        }

        text.AppendLine("# TYPE istio_request_duration_milliseconds histogram");
        foreach (IstioCounter counter in _counters.Where(static c => c.Durations is not null))
        {
            foreach ((double le, double share) in counter.Durations!)
            {
                string bound = double.IsPositiveInfinity(le) ? "+Inf" : le.ToString("R", CultureInfo.InvariantCulture);
                text.Append(CultureInfo.InvariantCulture, $"istio_request_duration_milliseconds_bucket{{{Labels(counter.Labels)},le=\"{bound}\"}} {counter.PerSecond * share * elapsed:R} {stamp}\n");
            }
        }

        return Results.Text(text.ToString(), "text/plain; version=0.0.4");
    }

    private static string Labels(ImmutableDictionary<string, string> labels) =>
        string.Join(",", labels.OrderBy(static l => l.Key, StringComparer.Ordinal).Select(static l => $"{l.Key}=\"{l.Value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\""));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
