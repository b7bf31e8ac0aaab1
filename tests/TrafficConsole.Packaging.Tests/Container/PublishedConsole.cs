using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using TrafficConsole.Packaging.Tests.Infrastructure;

namespace TrafficConsole.Packaging.Tests.Container;

/// <summary>
/// <c>dotnet publish src/TrafficConsole.Web -c Release</c> once per test run, the way the image's build
/// stage does it; tests start the output the way the image's ENTRYPOINT and ENV do.
/// </summary>
public sealed class PublishedConsole : IAsyncLifetime
{
    private readonly string _root = System.IO.Directory.CreateTempSubdirectory("tc-publish-").FullName;

    public string Directory => Path.Combine(_root, "app");

    public Dockerfile Dockerfile { get; } = Dockerfile.Load(RepoPaths.Dockerfile);

    public async Task InitializeAsync()
    {
        // The same MSBuild properties as the image's publish step.
        DockerInstruction step = Dockerfile.Stages[0].All("RUN").Single(static r => r.Arguments.StartsWith("dotnet publish", StringComparison.Ordinal));
        string[] properties = [.. step.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(static a => a.StartsWith("/p:", StringComparison.Ordinal))];
        ToolResult publish = await Tool.Dotnet()
            .With("DOTNET_CLI_TELEMETRY_OPTOUT", "1")
            .With("DOTNET_NOLOGO", "1")
            .RunAsync(["publish", RepoPaths.WebProject, "--configuration", "Release", "--output", Directory, "--nologo", "-v", "q", .. properties], stdin: null, TimeSpan.FromMinutes(4));
        Assert.True(publish.Succeeded, publish.ToString());
    }

    public Task DisposeAsync()
    {
        try
        {
            System.IO.Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: the temp directory is the machine's to clean.
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Starts the published app with the image's ENTRYPOINT, WORKDIR and ENV, then <paramref name="overrides"/>
    /// (what differs outside a container: the listen address, a local data directory, no cluster).
    /// </summary>
    /// <remarks>With <paramref name="uid"/> (and a root test process) the app runs as that user through setpriv, like the image's USER.</remarks>
    public ConsoleProcess Start(IReadOnlyDictionary<string, string> overrides, string scratch, int? uid = null)
    {
        IReadOnlyList<string> entrypoint = Dockerfile.Final.Entrypoint() ?? throw new Xunit.Sdk.XunitException("The Dockerfile has no exec-form ENTRYPOINT.");
        string executable = entrypoint[0] == "dotnet" ? Tool.Dotnet().Path : entrypoint[0];
        List<string> arguments = [.. entrypoint.Skip(1)];
        if (uid is { } user)
        {
            arguments = ["--reuid", $"{user}", "--regid", $"{user}", "--clear-groups", "--", executable, .. arguments];
            executable = Tool.Find("setpriv").Path;
        }

        var info = new ProcessStartInfo(executable)
        {
            WorkingDirectory = Directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (string arg in arguments)
        {
            info.ArgumentList.Add(arg);
        }

        // The test host's own settings must not leak into the app.
        foreach (string key in info.Environment.Keys.Where(static k => k.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || k.StartsWith("DOTNET_", StringComparison.Ordinal) || k.Contains("__", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(key);
        }

        foreach ((string key, string value) in Dockerfile.Final.Environment())
        {
            // Paths under /tmp (the container's writable emptyDir) map to a scratch directory here.
            info.Environment[key] = value.StartsWith("/tmp", StringComparison.Ordinal) ? scratch + value[4..] : value;
        }

        foreach ((string key, string value) in overrides)
        {
            info.Environment[key] = value;
        }

        return new ConsoleProcess(Process.Start(info) ?? throw new InvalidOperationException($"Could not start {executable}."));
    }

    /// <summary>Makes the publish output readable but not writable by anyone but root, as in the image (files owned by 0:0).</summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void MakeReadOnlyForOthers()
    {
        const UnixFileMode directoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        File.SetUnixFileMode(_root, directoryMode);
        foreach (string dir in System.IO.Directory.EnumerateDirectories(_root, "*", SearchOption.AllDirectories).Prepend(Directory))
        {
            File.SetUnixFileMode(dir, directoryMode);
        }

        foreach (string file in System.IO.Directory.EnumerateFiles(Directory, "*", SearchOption.AllDirectories))
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>A running console process; its output is kept for failure messages; disposing kills it.</summary>
public sealed class ConsoleProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    public ConsoleProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Append(_stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(_stderr, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public bool HasExited => _process.HasExited;

    public int Id => _process.Id;

    public string Stdout => Read(_stdout);

    public string Output => $"exit: {(_process.HasExited ? _process.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture) : "running")}\nstdout:\n{Read(_stdout)}\nstderr:\n{Read(_stderr)}";

    /// <summary>Polls <paramref name="url"/> until it answers 200, the process dies, or the time is up.</summary>
    public async Task<HttpResponseMessage> WaitForOkAsync(HttpClient http, string url, TimeSpan timeout)
    {
        var stopwatch = Stopwatch.StartNew();
        string last = "no answer";
        while (stopwatch.Elapsed < timeout)
        {
            Assert.False(_process.HasExited, $"The console exited while waiting for {url}.\n{Output}");
            try
            {
                HttpResponseMessage response = await http.GetAsync(url);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return response;
                }

                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
                response.Dispose();
            }
            catch (HttpRequestException ex)
            {
                last = ex.Message;
            }

            await Task.Delay(250);
        }

        throw new Xunit.Sdk.XunitException($"{url} did not answer 200 within {timeout.TotalSeconds:0} s (last: {last}).\n{Output}");
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
    }

    private static void Append(StringBuilder buffer, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (buffer)
        {
            buffer.AppendLine(line);
        }
    }

    private static string Read(StringBuilder buffer)
    {
        lock (buffer)
        {
            return buffer.ToString();
        }
    }
}
