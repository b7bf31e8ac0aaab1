namespace TrafficConsole.Cli;

/// <summary>Where the tool reads stdin and writes its output and its errors; the tests hand in string readers and writers.</summary>
/// <param name="In">Standard input, read for the file name <c>-</c>.</param>
/// <param name="Out">Standard output: the report.</param>
/// <param name="Error">Standard error: usage and input errors.</param>
internal sealed record CliConsole(TextReader In, TextWriter Out, TextWriter Error)
{
    /// <summary>The process's own streams.</summary>
    public static CliConsole System => new(Console.In, Console.Out, Console.Error);
}
