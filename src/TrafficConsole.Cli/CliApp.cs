using System.CommandLine;

using TrafficConsole.Cli.Commands;

namespace TrafficConsole.Cli;

/// <summary>The <c>trafficconsole</c> command line: builds the commands and runs one with the given streams.</summary>
internal static class CliApp
{
    /// <summary>The root command with its verbs, writing to <paramref name="console"/>.</summary>
    public static RootCommand CreateRootCommand(CliConsole console)
    {
        var root = new RootCommand(
            "Validate, analyze and simulate Istio routing from files, with the checks of the TrafficConsole dashboard; list rollouts and history and roll back through a running console.");
        root.Subcommands.Add(ValidateCommand.Create(console));
        root.Subcommands.Add(AnalyzeCommand.Create(console));
        root.Subcommands.Add(SimulateCommand.Create(console));
        root.Subcommands.Add(RolloutsCommand.Create(console));
        root.Subcommands.Add(StatusCommand.Create(console));
        root.Subcommands.Add(HistoryCommand.Create(console));
        root.Subcommands.Add(RollbackCommand.Create(console));
        root.Subcommands.Add(PromoteCommand.Create(console));
        return root;
    }

    /// <summary>Parses <paramref name="args"/> and runs the verb; returns the process exit code (see <see cref="ExitCodes"/>).</summary>
    public static async Task<int> RunAsync(string[] args, CliConsole console, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(console);
        RootCommand root = CreateRootCommand(console);
        ParseResult result = root.Parse(args);
        if (result.Errors.Count > 0)
        {
            // System.CommandLine would exit with 1, which here means "findings": usage errors get 2, like input errors.
            foreach (System.CommandLine.Parsing.ParseError error in result.Errors)
            {
                await console.Error.WriteLineAsync($"trafficconsole: error: {error.Message}").ConfigureAwait(false);
            }

            string verb = result.CommandResult.Command == root ? string.Empty : " " + result.CommandResult.Command.Name;
            await console.Error.WriteLineAsync($"Run 'trafficconsole{verb} --help' for usage.").ConfigureAwait(false);
            return ExitCodes.InvalidInput;
        }

        var invocation = new InvocationConfiguration
        {
            Output = console.Out,
            Error = console.Error,
            EnableDefaultExceptionHandler = false,
        };
        try
        {
            return await result.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // The last line of defence: a bug gets one line on stderr and its own exit code, not a stack trace.
        catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
        {
            await console.Error.WriteLineAsync($"trafficconsole: internal error: {ex.GetType().Name}: {ex.Message} (this is a bug in trafficconsole; please report it)").ConfigureAwait(false);
            return ExitCodes.InternalError;
        }
    }
}
