using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using TrafficConsole.Sandbox.Tests.Infrastructure;

namespace TrafficConsole.Sandbox.Tests;

/// <summary>kill -9 of the real sandbox program while it is being written to.</summary>
public sealed class CrashTests
{
    [Fact]
    public async Task Kill_9_during_writes_loses_nothing_that_was_acknowledged()
    {
        using var dir = new TempDirectory();
        var (process, url) = await StartProgramAsync(dir.Path);
        var acknowledged = new ConcurrentDictionary<string, long>();
        using var stop = new CancellationTokenSource();
        try
        {
            using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(10) };
            var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    var name = $"w{w}-{i}";
                    try
                    {
                        using var content = new StringContent($$$"""{"metadata":{"name":"{{{name}}}"},"data":{"n":"{{{i}}}"}}""", Encoding.UTF8, "application/json");
                        using var response = await http.PostAsync(new Uri("/api/v1/namespaces/default/configmaps", UriKind.Relative), content);
                        if (response.StatusCode == HttpStatusCode.Created)
                        {
                            var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
                            acknowledged[name] = long.Parse(body.Str("metadata.resourceVersion")!, CultureInfo.InvariantCulture);
                        }
                    }
                    catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
                    {
                        return;
                    }
                }
            })).ToList();

            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (acknowledged.Count < 200 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(10);
            }

            // SIGKILL while the writers are still sending.
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            await stop.CancelAsync();
            await Task.WhenAll(writers);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            process.Dispose();
        }

        Assert.True(acknowledged.Count >= 200, $"only {acknowledged.Count} writes were acknowledged before the kill");
        await using var restarted = await TestCluster.StartAsync(SandboxSeed.None, dataDirectory: dir.Path);
        var stored = (await restarted.GetAsync("/api/v1/namespaces/default/configmaps")).Body["items"]!.AsArray()
            .Select(i => i.Str("metadata.name")!).ToHashSet();
        var lost = acknowledged.Keys.Where(k => !stored.Contains(k)).ToList();
        Assert.True(lost.Count == 0, $"acknowledged but lost after kill -9: {string.Join(", ", lost.Take(10))}");
        Assert.True(restarted.Server.Store.ResourceVersion >= acknowledged.Values.Max());
    }

    [Fact]
    public async Task Help_says_the_sandbox_runs_no_pods_and_no_proxies_and_bad_arguments_are_refused()
    {
        var help = await RunProgramAsync("--help");
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("runs no pods and no proxies", help.Output, StringComparison.Ordinal);
        Assert.Contains("--data <dir>", help.Output, StringComparison.Ordinal);

        var badSeed = await RunProgramAsync("--seed", "everything");
        Assert.Equal(2, badSeed.ExitCode);
        Assert.Contains("--seed: 'everything' is not one of bookinfo, none", badSeed.Output, StringComparison.Ordinal);

        Assert.Contains("--traffic off|<rps>", help.Output, StringComparison.Ordinal);
        var badTraffic = await RunProgramAsync("--traffic", "fast");
        Assert.Equal(2, badTraffic.ExitCode);
        Assert.Contains("--traffic: 'fast' is neither off nor a number of requests per second", badTraffic.Output, StringComparison.Ordinal);
        var badDelay = await RunProgramAsync("--proxy-sync-delay", "300");
        Assert.Equal(2, badDelay.ExitCode);
        Assert.Contains("--proxy-sync-delay: '300' is neither off nor a duration with a unit", badDelay.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_program_writes_a_kubeconfig_and_refuses_a_damaged_state_file_with_its_name()
    {
        using var dir = new TempDirectory();
        var (process, url) = await StartProgramAsync(dir.Path);
        try
        {
            var kubeconfig = await File.ReadAllTextAsync(Path.Combine(dir.Path, "kubeconfig"));
            Assert.Contains($"server: {url.ToString().TrimEnd('/')}", kubeconfig, StringComparison.Ordinal);
            Assert.Contains("token: ", kubeconfig, StringComparison.Ordinal);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            process.Dispose();
        }

        var state = Path.Combine(dir.Path, "state.json");
        await File.WriteAllTextAsync(state, "not json");
        var refused = await RunProgramAsync("--port", "0", "--data", dir.Path);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains(state, refused.Output, StringComparison.Ordinal);
        Assert.Equal("not json", await File.ReadAllTextAsync(state));
    }

    [Fact]
    public async Task Sigterm_stops_the_program_cleanly()
    {
        using var dir = new TempDirectory();
        var (process, _) = await StartProgramAsync(dir.Path);
        try
        {
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await process.WaitForExitAsync(timeout.Token);
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            process.Dispose();
        }

        // It let go of the data directory.
        await using var again = await TestCluster.StartAsync(SandboxSeed.None, dataDirectory: dir.Path);
        Assert.Equal(HttpStatusCode.OK, (await again.GetAsync("/api/v1/namespaces/default")).Status);
    }

    private static ProcessStartInfo ProgramInfo(IEnumerable<string> args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "TrafficConsole.Sandbox.dll");
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var info = new ProcessStartInfo(dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return info;
    }

    private static async Task<(int ExitCode, string Output)> RunProgramAsync(params string[] args)
    {
        using var process = Process.Start(ProgramInfo(args))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    private static async Task<(Process Process, Uri Url)> StartProgramAsync(string dataDirectory)
    {
        var info = ProgramInfo(["--port", "0", "--data", dataDirectory, "--seed", "none"]);
        var process = Process.Start(info)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            const string marker = "listening on ";
            var at = line.IndexOf(marker, StringComparison.Ordinal);
            if (at >= 0)
            {
                _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
                return (process, new Uri(line[(at + marker.Length)..].Trim()));
            }
        }

        var error = await process.StandardError.ReadToEndAsync(timeout.Token);
        process.Kill(entireProcessTree: true);
        process.Dispose();
        throw new InvalidOperationException($"the sandbox program did not start: {error}");
    }
}
