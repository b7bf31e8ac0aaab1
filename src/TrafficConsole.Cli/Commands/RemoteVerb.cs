using System.CommandLine;

using TrafficConsole.Cli.Remote;

namespace TrafficConsole.Cli.Commands;

/// <summary>What the verbs that talk to a console share: the service they are about, and how a failure is told.</summary>
internal static class RemoteVerb
{
    /// <summary><c>-n/--namespace</c>, required: a change names its namespace rather than guessing one.</summary>
    public static Option<string> RequiredNamespace() => new("--namespace", "-n")
    {
        Description = "The namespace of the service.",
        Required = true,
        HelpName = "namespace",
    };

    /// <summary>The service argument.</summary>
    /// <summary><c>--reason</c>: why, kept in the history and the audit.</summary>
    public static Option<string?> Reason() => new("--reason")
    {
        Description = "Why, kept in the history and the audit (500 characters at most).",
        HelpName = "text",
    };

    /// <summary><c>--yes</c>: write without asking.</summary>
    public static Option<bool> Yes() => new("--yes", "-y")
    {
        Description = "Do not ask for confirmation (needed when not run in an interactive terminal).",
    };

    public static Argument<string> Service() => new("service")
    {
        Description = "The Kubernetes Service whose routing it is about, e.g. reviews.",
    };

    /// <summary>Writes the failure as one line on stderr and returns its exit code.</summary>
    public static int Fail(CliConsole console, ApiFailure failure)
    {
        console.Error.WriteLine($"trafficconsole: error: {failure.Message}");
        return failure.ExitCode;
    }
}
