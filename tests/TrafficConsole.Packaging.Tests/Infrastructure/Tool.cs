using System.Diagnostics;
using System.Text;

namespace TrafficConsole.Packaging.Tests.Infrastructure;

/// <summary>The outcome of one run of an external tool.</summary>
public sealed record ToolResult(string Command, int ExitCode, string Stdout, string Stderr)
{
    public bool Succeeded => ExitCode == 0;

    public override string ToString() => $"{Command}\nexit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}

/// <summary>
/// A real command-line tool (helm, kubectl, dotnet): found on PATH or in the repository's
/// .tools/bin (where test.sh installs them), run with a timeout, never skipped when missing.
/// </summary>
public sealed class Tool
{
    private readonly Dictionary<string, string> _environment = new(StringComparer.Ordinal);

    private Tool(string name, string path)
    {
        Name = name;
        Path = path;
    }

    public string Name { get; }

    public string Path { get; }

    public static Tool Helm() => Find("helm");

    public static Tool Kubectl() => Find("kubectl");

    public static Tool Dotnet() => Find("dotnet");

    /// <summary>The tool on PATH or in &lt;repo&gt;/.tools/bin; a clear failure when neither has it.</summary>
    public static Tool Find(string name)
    {
        string file = OperatingSystem.IsWindows() ? name + ".exe" : name;
        IEnumerable<string> dirs = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Append(System.IO.Path.Combine(RepoPaths.Root, ".tools", "bin"));
        foreach (string dir in dirs)
        {
            string candidate = System.IO.Path.Combine(dir, file);
            if (File.Exists(candidate))
            {
                return new Tool(name, candidate);
            }
        }

        throw new InvalidOperationException(
            $"'{name}' was not found on PATH nor in {System.IO.Path.Combine(RepoPaths.Root, ".tools", "bin")}. "
            + "The packaging tests run the real helm and kubectl: run ./test.sh once (it installs kubectl and helm into .tools/bin) "
            + $"or put {name} on PATH, then run the tests again.");
    }

    /// <summary>Sets an environment variable for every later run (e.g. KUBECONFIG, HOME for caches).</summary>
    public Tool With(string name, string value)
    {
        _environment[name] = value;
        return this;
    }

    public Task<ToolResult> RunAsync(params string[] args) => RunAsync(args, stdin: null, TimeSpan.FromSeconds(90));

    public async Task<ToolResult> RunAsync(IReadOnlyList<string> args, string? stdin, TimeSpan timeout, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            WorkingDirectory = workingDirectory ?? RepoPaths.Root,
        };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach ((string key, string value) in _environment)
        {
            info.Environment[key] = value;
        }

        string command = $"{Name} {string.Join(' ', args)}";
        using Process process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {Path}.");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }

        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{command} did not finish within {timeout.TotalSeconds:0} s. stdout so far:\n{await stdout}\nstderr:\n{await stderr}");
        }

        return new ToolResult(command, process.ExitCode, await stdout, await stderr);
    }
}
