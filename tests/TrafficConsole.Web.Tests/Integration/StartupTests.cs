using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TrafficConsole.Web.Hosting;
using TrafficConsole.Web.Model;
using TrafficConsole.Web.Services;

namespace TrafficConsole.Web.Tests.Integration;

/// <summary>Configuration errors stop start-up with a message naming the setting; the defaults work.</summary>
public sealed class StartupTests
{
    [Theory]
    [InlineData("Cluster:Mode", "Bogus", "Cluster:Mode 'Bogus'")]
    [InlineData("Cluster:Mode", "7", "Cluster:Mode '7'")]
    [InlineData("Sandbox:Port", "70000", "Sandbox:Port")]
    [InlineData("Sandbox:Traffic", "fast", "Sandbox:Traffic 'fast' is neither off nor a number of requests per second")]
    [InlineData("Sandbox:Traffic", "0", "Sandbox:Traffic '0' is neither off nor a number of requests per second")]
    [InlineData("Sandbox:ProxySyncDelay", "300", "Sandbox:ProxySyncDelay '300' is neither off nor a duration with a unit")]
    [InlineData("Auth:Strategy", "bogus", "Auth:Strategy 'bogus' is not one of anonymous, openid, token")]
    [InlineData("Auth:Strategy", "openid", "Auth:OpenId:Issuer is required")]
    [InlineData("Cluster:WatchNamespaces:0", "Book_Info", "Cluster:WatchNamespaces: 'Book_Info' is not a namespace name")]
    [InlineData("History:MaxRevisionsPerService", "0", "History:MaxRevisionsPerService must be between 1 and 1000")]
    [InlineData("History:SettleDelay", "-00:00:01", "History:SettleDelay must be between")]
    public async Task A_bad_setting_stops_start_up_naming_it(string key, string value, string expected)
    {
        await using WebApplication app = ConsoleApp.Build(["--urls", "http://127.0.0.1:0"],
            builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [key] = value }));

        OptionsValidationException error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "Auth:Strategy is not set and Cluster:Mode is 'InCluster'")]
    [InlineData("anonymous", "set Auth:AllowAnonymous=true to accept that")]
    public async Task Anonymous_sign_in_on_a_real_cluster_stops_start_up_unless_allowed(string? strategy, string expected)
    {
        await using WebApplication app = ConsoleApp.Build(["--urls", "http://127.0.0.1:0"],
            builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Cluster:Mode"] = "InCluster",
                ["Auth:Strategy"] = strategy,
            }));

        OptionsValidationException error = await Assert.ThrowsAnyAsync<OptionsValidationException>(async () =>
        {
            try
            {
                await app.StartAsync();
            }
            catch (AggregateException all) when (all.InnerExceptions.OfType<OptionsValidationException>().FirstOrDefault(static e => e.OptionsType.Name == "AuthOptions") is { } auth)
            {
                // InCluster also fails outside a pod; the sign-in error is the one under test.
                throw auth;
            }
        });

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KubeConfig_mode_with_a_missing_file_names_the_path_setting()
    {
        string missing = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), "kubeconfig");
        await using WebApplication app = ConsoleApp.Build(["--urls", "http://127.0.0.1:0"],
            builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Cluster:Mode"] = "KubeConfig",
                ["Cluster:KubeConfigPath"] = missing,
                ["Auth:AllowAnonymous"] = "true",
            }));

        OptionsValidationException error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains("Cluster:KubeConfigPath", error.Message, StringComparison.Ordinal);
        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_program_exits_with_the_setting_named_on_stderr()
    {
        string program = typeof(ConsoleApp).Assembly.Location;
        ProcessStartInfo start = new("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(program)!,
        };
        start.ArgumentList.Add(program);
        start.ArgumentList.Add("--Cluster:Mode=Kubernetes");
        start.ArgumentList.Add("--urls=http://127.0.0.1:0");

        using Process process = Process.Start(start)!;
        using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(60));
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        string stderr = await process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        await stdout;

        Assert.NotEqual(0, process.ExitCode);
        Assert.Contains("Cluster:Mode 'Kubernetes' is not valid", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_program_logs_compact_json_when_asked_and_prints_the_sandbox_kubeconfig()
    {
        string program = typeof(ConsoleApp).Assembly.Location;
        string dataDir = Path.Combine(Path.GetTempPath(), "trafficconsole-tests", Guid.NewGuid().ToString("N"));
        ProcessStartInfo start = new("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(program)!,
        };
        foreach (string arg in new[] { program, "--Logging:Format=json", $"--Sandbox:DataDir={dataDir}", "--urls=http://127.0.0.1:0" })
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start)!;
        try
        {
            using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(60));
            JsonElement? kubeconfigLine = null;
            while (kubeconfigLine is null && await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                // Every console line is one JSON object (rendered compact JSON).
                using JsonDocument json = JsonDocument.Parse(line);
                Assert.True(json.RootElement.TryGetProperty("@t", out _), line);
                if (json.RootElement.TryGetProperty("@m", out JsonElement message) && message.GetString()!.Contains("kubectl --kubeconfig", StringComparison.Ordinal))
                {
                    kubeconfigLine = json.RootElement.Clone();
                }
            }

            Assert.NotNull(kubeconfigLine);
            string kubeconfig = kubeconfigLine.Value.GetProperty("KubeconfigPath").GetString()!;
            Assert.Equal(Path.Combine(dataDir, "kubeconfig"), kubeconfig);
            // Rendered JSON quotes string values, which keeps the command copy-pasteable into a shell.
            Assert.Contains($"kubectl --kubeconfig \"{kubeconfig}\" get vs -A", kubeconfigLine.Value.GetProperty("@m").GetString(), StringComparison.Ordinal);
            KubectlRunner.Result namespaces = (await new KubectlRunner(kubeconfig).RunAsync("get", "namespaces")).EnsureSuccess();
            Assert.Contains("bookinfo", namespaces.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            try
            {
                Directory.Delete(dataDir, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a temp directory.
            }
        }
    }

    [Fact]
    public async Task A_taken_sandbox_port_stops_start_up_naming_the_setting()
    {
        using System.Net.Sockets.TcpListener taken = new(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        int port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
        string dataDir = Path.Combine(Path.GetTempPath(), "trafficconsole-tests", Guid.NewGuid().ToString("N"));
        await using WebApplication app = ConsoleApp.Build(["--urls", "http://127.0.0.1:0"],
            builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Sandbox:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Sandbox:DataDir"] = dataDir,
            }));

        StartupException error = await Assert.ThrowsAsync<StartupException>(() => app.StartAsync());

        Assert.Contains("Sandbox:Port", error.Message, StringComparison.Ordinal);
        Assert.Contains(port.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_urls_the_console_listens_on_localhost_5000()
    {
        using WebApplication app = ConsoleApp.Build([]);

        Assert.Equal(ConsoleApp.DefaultUrl, app.Configuration["urls"]);
        Assert.Equal("http://localhost:5000", ConsoleApp.DefaultUrl);
    }

    [Fact]
    public async Task Sandbox_mode_starts_an_embedded_sandbox_and_points_kubectl_at_it()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync(new ConsoleTestHostOptions { EmbeddedSandbox = true });

        ClusterInfo info = host.Traffic.Cluster;
        Assert.True(info.IsSandbox);
        Assert.NotNull(info.KubeconfigPath);
        Assert.True(File.Exists(info.KubeconfigPath));
        Assert.StartsWith("http://127.0.0.1:", info.ServerUrl, StringComparison.Ordinal);
        Assert.Contains(host.Log.Events, e => CapturedLog.Literal(e).Contains($"kubectl --kubeconfig {info.KubeconfigPath} get vs -A", StringComparison.Ordinal));

        KubectlRunner.Result vs = (await new KubectlRunner(info.KubeconfigPath).RunAsync("get", "vs", "-A")).EnsureSuccess();
        Assert.Contains("catalog", vs.Stdout, StringComparison.Ordinal);
        Assert.Contains("bookinfo", host.Traffic.Namespaces);
        Assert.Equal(ConnectionState.Connected, host.Services.GetRequiredService<ITrafficService>().Health.State);

        // Traffic out of the box: 5 requests/s to each service of the demo.
        Assert.Equal(5, host.Sandbox!.Traffic!.RequestsPerSecond);
    }

    [Fact]
    public async Task The_embedded_sandbox_takes_its_traffic_and_proxy_sync_settings()
    {
        ConsoleTestHostOptions options = new() { EmbeddedSandbox = true };
        options.Settings["Sandbox:Traffic"] = "off";
        options.Settings["Sandbox:ProxySyncDelay"] = "0s";
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync(options);

        Assert.Null(host.Sandbox!.Traffic);
        DateTime deadline = DateTime.UtcNow.AddSeconds(15);
        while (host.Sandbox.Store.Get(TrafficConsole.Sandbox.Api.ResourceCatalog.VirtualServices, "shop", "catalog")?["status"]?["observedGeneration"] is null)
        {
            Assert.True(DateTime.UtcNow < deadline, "the seeded VirtualService was never reported Reconciled");
            await Task.Delay(20);
        }
    }
}
