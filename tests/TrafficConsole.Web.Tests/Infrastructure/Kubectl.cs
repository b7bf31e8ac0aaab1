using System.Diagnostics;

namespace TrafficConsole.Web.Tests.Infrastructure;

/// <summary>Runs the real kubectl from PATH against a kubeconfig, as an operator would.</summary>
public static class Kubectl
{
    public sealed record Result(int ExitCode, string Output, string Error)
    {
        public Result EnsureSuccess()
        {
            return ExitCode == 0 ? this : throw new InvalidOperationException($"kubectl failed ({ExitCode}): {Error}{Output}");
        }
    }

    public static async Task<Result> RunAsync(string kubeconfigPath, string? stdin, params string[] args)
    {
        ProcessStartInfo start = new("kubectl")
        {
            RedirectStandardInput = stdin is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--kubeconfig");
        start.ArgumentList.Add(kubeconfigPath);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException("kubectl could not be started; is it on PATH?");
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }

        using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(60));
        Task<string> output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        Task<string> error = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"kubectl {string.Join(' ', args)} did not finish within 60 s.");
        }

        return new Result(process.ExitCode, await output, await error);
    }
}
