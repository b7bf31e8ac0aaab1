using System.Diagnostics;
using System.Text;
using System.Threading.Channels;

namespace TrafficConsole.TestSupport;

/// <summary>Runs the real kubectl (found on PATH) against a sandbox's kubeconfig, always with a timeout.</summary>
public sealed class KubectlRunner
{
    private readonly string _kubeconfig;
    private readonly string? _cacheDir;

    /// <param name="kubeconfig">The kubeconfig file to use.</param>
    /// <param name="cacheDir">kubectl's discovery cache and HOME; null keeps the user's own (as an operator would run it).</param>
    public KubectlRunner(string kubeconfig, string? cacheDir = null)
    {
        _kubeconfig = kubeconfig;
        _cacheDir = cacheDir;
        Path = Find();
    }

    public string Path { get; }

    /// <summary>kubectl from PATH; a missing kubectl fails the test with what to do about it.</summary>
    public static string Find()
    {
        foreach (var dir in (System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = System.IO.Path.Combine(dir, OperatingSystem.IsWindows() ? "kubectl.exe" : "kubectl");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            "kubectl was not found on PATH. These tests run the real kubectl against the sandbox; install kubectl 1.28 or newer " +
            "(./test.sh puts one in .tools/bin and adds it to PATH) and run the tests again.");
    }

    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";

        /// <summary>This result when kubectl succeeded; otherwise fails with what kubectl printed.</summary>
        public Result EnsureSuccess()
        {
            return ExitCode == 0 ? this : throw new InvalidOperationException($"kubectl failed ({ExitCode}): {Stderr}{Stdout}");
        }
    }

    public Task<Result> RunAsync(params string[] args) => RunWithInputAsync(null, args);

    /// <summary>Extra environment for the next runs (e.g. KUBE_EDITOR).</summary>
    public Dictionary<string, string> Environment { get; } = [];

    public async Task<Result> RunWithInputAsync(string? stdin, string[] args)
    {
        using var process = Start(args, stdin is not null);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"kubectl {string.Join(' ', args)} did not finish within 60 s; stdout so far: {await stdout}");
        }

        return new Result(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts a long-running kubectl (e.g. get -w) whose output lines can be awaited.</summary>
    public RunningKubectl StartStreaming(params string[] args) => new(Start(args, redirectStdin: false));

    private Process Start(string[] args, bool redirectStdin)
    {
        var info = new ProcessStartInfo(Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectStdin,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add("--kubeconfig");
        info.ArgumentList.Add(_kubeconfig);
        if (_cacheDir is not null)
        {
            info.ArgumentList.Add("--cache-dir");
            info.ArgumentList.Add(_cacheDir);
        }

        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["KUBECONFIG"] = _kubeconfig;
        if (_cacheDir is not null)
        {
            info.Environment["HOME"] = _cacheDir;
        }

        foreach (var (key, value) in Environment)
        {
            info.Environment[key] = value;
        }
        return Process.Start(info) ?? throw new InvalidOperationException($"could not start {Path}");
    }
}

/// <summary>A kubectl process whose stdout lines arrive on a channel; disposing kills it.</summary>
public sealed class RunningKubectl : IDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly StringBuilder _stderr = new();

    internal RunningKubectl(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                _lines.Writer.TryComplete();
            }
            else
            {
                _lines.Writer.TryWrite(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (_stderr)
            {
                _stderr.AppendLine(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Waits for an output line matching <paramref name="predicate"/>; fails with what was printed.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> predicate, TimeSpan timeout)
    {
        var seen = new List<string>();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (await _lines.Reader.WaitToReadAsync(cts.Token))
            {
                while (_lines.Reader.TryRead(out var line))
                {
                    seen.Add(line);
                    if (predicate(line))
                    {
                        return line;
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        throw new TimeoutException($"kubectl printed no matching line.\nstdout:\n{string.Join('\n', seen)}\nstderr:\n{Stderr}");
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }

        _process.Dispose();
    }
}
