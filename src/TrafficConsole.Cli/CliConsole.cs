namespace TrafficConsole.Cli;

/// <summary>Where the tool reads stdin and writes its output and its errors; the tests hand in string readers and writers.</summary>
/// <param name="In">Standard input, read for the file name <c>-</c> and for the answer to a confirmation.</param>
/// <param name="Out">Standard output: the report.</param>
/// <param name="Error">Standard error: usage and input errors, and the questions of an interactive confirmation.</param>
internal sealed record CliConsole(TextReader In, TextWriter Out, TextWriter Error)
{
    /// <summary>The process's own streams, environment and clock; interactive when a person can answer on stdin and read stderr.</summary>
    public static CliConsole System => new(Console.In, Console.Out, Console.Error)
    {
        EnvironmentVariable = Environment.GetEnvironmentVariable,
        IsInteractive = !Console.IsInputRedirected && !Console.IsErrorRedirected,
    };

    /// <summary>Reads an environment variable (TRAFFICCONSOLE_SERVER, TRAFFICCONSOLE_TOKEN); none unless set, so tests see no one's real environment.</summary>
    public Func<string, string?> EnvironmentVariable { get; init; } = static _ => null;

    /// <summary>True when a person is at the terminal to confirm a change; otherwise a change needs <c>--yes</c>.</summary>
    public bool IsInteractive { get; init; }

    /// <summary>The clock "in flight for" and "5m ago" are measured with.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;
}
