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
    /// <param name="sandbox">The API server the console reads and writes.</param>
    /// <param name="settings">More configuration on top (e.g. <c>Telemetry:Prometheus:Url</c>), overriding the defaults here.</param>
    public static async Task<(WebApplication App, Uri BaseUrl)> StartConsoleAsync(SandboxServer sandbox, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var configuration = new Dictionary<string, string?>
        {
            ["Cluster:Mode"] = "Sandbox",
            ["Cluster:ServerUrl"] = sandbox.Url.ToString(),
            ["Cluster:Token"] = sandbox.AdminToken,
            ["Serilog:MinimumLevel:Default"] = "Warning",
            ["Logging:LogLevel:Default"] = "Warning",
            // The benchmarks measure latency, not the per-user write limit (30 a minute by default).
            ["Auth:WritesPerMinute"] = "100000",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        WebApplication app = ConsoleApp.Build(
            ["--urls", "http://127.0.0.1:0", "--environment", "Development"],
            builder => builder.Configuration.AddInMemoryCollection(configuration));
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

    /// <summary>A Service selecting <c>app=<paramref name="name"/></c> and one Deployment per version labelled <c>version=&lt;v&gt;</c>.</summary>
    public static async Task CreateVersionedServiceAsync(HttpClient http, string ns, string name, IEnumerable<string> versions)
    {
        await PostAsync(http, $"/api/v1/namespaces/{ns}/services", new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Service",
            ["metadata"] = new JsonObject { ["name"] = name },
            ["spec"] = new JsonObject { ["selector"] = new JsonObject { ["app"] = name }, ["ports"] = new JsonArray(new JsonObject { ["port"] = 9080 }) },
        });
        foreach (var version in versions)
        {
            await PostAsync(http, $"/apis/apps/v1/namespaces/{ns}/deployments", new JsonObject
            {
                ["apiVersion"] = "apps/v1",
                ["kind"] = "Deployment",
                ["metadata"] = new JsonObject { ["name"] = $"{name}-{version}" },
                ["spec"] = new JsonObject
                {
                    ["replicas"] = 1,
                    ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = name, ["version"] = version } },
                    ["template"] = new JsonObject
                    {
                        ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = name, ["version"] = version } },
                        ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "app", ["image"] = "example/app:1" }) },
                    },
                },
            });
        }
    }
}
