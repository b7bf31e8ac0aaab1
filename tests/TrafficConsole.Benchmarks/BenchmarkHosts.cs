using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using TrafficConsole.Sandbox;
using TrafficConsole.Web.Hosting;

namespace TrafficConsole.Benchmarks;

/// <summary>What the console benchmarks share: the real host over a sandbox, real Chromium, and writes to the sandbox.</summary>
internal static class BenchmarkHosts
{
    /// <summary>The console as Program.cs builds it, on a free loopback port, against <paramref name="sandbox"/>; started.</summary>
    public static async Task<(WebApplication App, Uri BaseUrl)> StartConsoleAsync(SandboxServer sandbox)
    {
        WebApplication app = ConsoleApp.Build(
            ["--urls", "http://127.0.0.1:0", "--environment", "Development"],
            builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Cluster:Mode"] = "Sandbox",
                ["Cluster:ServerUrl"] = sandbox.Url.ToString(),
                ["Cluster:Token"] = sandbox.AdminToken,
                ["Serilog:MinimumLevel:Default"] = "Warning",
                ["Logging:LogLevel:Default"] = "Warning",
                // The benchmarks measure latency, not the per-user write limit (30 a minute by default).
                ["Auth:WritesPerMinute"] = "100000",
            }));
        await app.StartAsync();
        var baseUrl = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/");
        return (app, baseUrl);
    }

    /// <summary>Debian's Chromium (or TRAFFICCONSOLE_CHROMIUM), headless, with the flags these machines need.</summary>
    public static Task<IBrowser> LaunchChromiumAsync(IPlaywright playwright) =>
        playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Environment.GetEnvironmentVariable("TRAFFICCONSOLE_CHROMIUM") ?? "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });

    /// <summary>POSTs <paramref name="body"/>; anything but success is a broken benchmark set-up.</summary>
    public static async Task PostAsync(HttpClient http, string path, JsonNode body)
    {
        using var response = await http.PostAsync(path, new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }
}
