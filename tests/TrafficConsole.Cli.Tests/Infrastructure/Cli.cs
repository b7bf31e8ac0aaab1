using System.Text.Json;

namespace TrafficConsole.Cli.Tests.Infrastructure;

/// <summary>What one run of trafficconsole did: its exit code and everything it wrote.</summary>
internal sealed record CliRun(int ExitCode, string Stdout, string Stderr)
{
    public JsonElement Json => JsonDocument.Parse(Stdout).RootElement;

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>Runs trafficconsole: in-process through its root command, or as a process with <c>dotnet TrafficConsole.Cli.dll</c>.</summary>
internal static class Cli
{
    /// <summary>The path of a file under the test's Samples folder (bookinfo/..., broken/..., formats/...).</summary>
    public static string Sample(string relative) => Path.Combine(AppContext.BaseDirectory, "Samples", relative);

    /// <summary>
    /// Runs the tool in-process with <paramref name="args"/> and <paramref name="stdin"/> as standard input; with
    /// <paramref name="environment"/> as its only environment variables, as if at a terminal when <paramref name="interactive"/>,
    /// and with <paramref name="clock"/> (default: the real one) for "in flight for" and "ago".
    /// </summary>
    public static async Task<CliRun> RunAsync(string[] args, string stdin = "", IReadOnlyDictionary<string, string>? environment = null, bool interactive = false, TimeProvider? clock = null)
    {
        using var input = new StringReader(stdin);
        using var output = new StringWriter();
        using var error = new StringWriter();
        var console = new CliConsole(input, output, error)
        {
            EnvironmentVariable = name => environment?.GetValueOrDefault(name),
            IsInteractive = interactive,
            Clock = clock ?? TimeProvider.System,
        };
        int code = await CliApp.RunAsync(args, console);
        return new CliRun(code, output.ToString(), error.ToString());
    }

    public static Task<CliRun> RunAsync(params string[] args) => RunAsync(args, string.Empty);

    /// <summary>The built tool, next to the tests (the project reference copies it with its runtimeconfig).</summary>
    public static string ToolDll => Path.Combine(AppContext.BaseDirectory, "TrafficConsole.Cli.dll");

    /// <summary>Runs <c>dotnet TrafficConsole.Cli.dll args</c> as a process, as a CI pipeline would, in the Samples folder.</summary>
    public static Task<CliRun> RunProcessAsync(string[] args, string? stdin = null) =>
        ProcessRunner.RunAsync("dotnet", [ToolDll, .. args], Path.Combine(AppContext.BaseDirectory, "Samples"), stdin: stdin, timeoutSeconds: 60);
}
