using System.CommandLine;
using System.Globalization;

using TrafficConsole.Cli.Output;
using TrafficConsole.Cli.Remote;

namespace TrafficConsole.Cli.Commands;

/// <summary><c>trafficconsole rollouts</c>: the team lead's overview of every rollout in flight, from a running console.</summary>
internal static class RolloutsCommand
{
    public static Command Create(CliConsole console)
    {
        var server = new ServerOptions();
        Option<string> output = CommonOptions.CreateOutput();
        var ns = new Option<string?>("--namespace", "-n")
        {
            Description = "Only the rollouts of this namespace (default: all namespaces).",
            HelpName = "namespace",
        };
        var command = new Command(
            "rollouts",
            "List every service whose traffic is split or rule-routed, from a running console (GET /api/v1/rollouts): its split, stable version and why, how long it has been in flight, the last change and who made it, and its validation status.");
        command.Options.Add(ns);
        command.Options.Add(output);
        server.AddTo(command);
        command.SetAction((result, cancellationToken) => RunAsync(result, server, ns, output, console, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult result, ServerOptions server, Option<string?> nsOption, Option<string> output, CliConsole console, CancellationToken cancellationToken)
    {
        if (server.Resolve(result, console) is not { } connection)
        {
            return ExitCodes.InvalidInput;
        }

        string? ns = result.GetValue(nsOption) is { Length: > 0 } given ? given : null;
        using var client = new ConsoleClient(connection);
        ApiResult<RolloutListDocument> answer = await client.GetRolloutsAsync(ns, cancellationToken).ConfigureAwait(false);
        if (!answer.Succeeded)
        {
            return RemoteVerb.Fail(console, answer.Failure);
        }

        var report = new RolloutsReport(RolloutsReport.SchemaName, connection.BaseUrl.ToString(), ns, answer.Value.Items);
        if (result.GetValue(output) == CommonOptions.Json)
        {
            ReportJson.Write(console.Out, report);
        }
        else
        {
            WriteText(console.Out, report, console.Clock.GetUtcNow());
        }

        return ExitCodes.Ok;
    }

    private static void WriteText(TextWriter output, RolloutsReport report, DateTimeOffset now)
    {
        string where = report.Namespace is { } ns ? $" in namespace {ns}" : string.Empty;
        if (report.Items.IsEmpty)
        {
            output.WriteLine($"No rollouts in flight{where}: no service's traffic is split or rule-routed.");
            return;
        }

        var table = new TextTable("NAMESPACE", "SERVICE", "SPLIT", "STABLE", "IN FLIGHT", "LAST CHANGE", "VALIDATION");
        foreach (RolloutDocument rollout in report.Items)
        {
            table.Add(
                rollout.Namespace,
                rollout.Service,
                ApiWords.Split(rollout.Weights, rollout.Kind, rollout.Mirror),
                ApiWords.Stable(rollout.Stable, now),
                rollout.InFlightSince is { } since ? TextReport.Duration(now - since) : "-",
                LastChange(rollout, now),
                rollout.Validation == "ok" || rollout.ValidationCount == 0 ? rollout.Validation : string.Create(CultureInfo.InvariantCulture, $"{rollout.Validation} ({rollout.ValidationCount})"));
        }

        table.Write(output);
        int namespaces = report.Items.Select(static r => r.Namespace).Distinct(StringComparer.Ordinal).Count();
        output.WriteLine(report.Namespace is null
            ? $"{TextReport.Count(report.Items.Length, "rollout")} in flight in {TextReport.Count(namespaces, "namespace")}."
            : $"{TextReport.Count(report.Items.Length, "rollout")} in flight{where}.");
    }

    private static string LastChange(RolloutDocument rollout, DateTimeOffset now)
    {
        string by = rollout.LastChangedBy ?? "unknown";
        // The console may already say so in the actor ("sandbox-seed (external)").
        string external = rollout.LastOrigin == "External" && !by.Contains("external", StringComparison.OrdinalIgnoreCase) ? " (external)" : string.Empty;
        return rollout.LastChangedAt is { } at
            ? $"{by}{external}, {TextReport.Ago(at, now)}"
            : rollout.LastChangedBy is null ? "-" : by + external;
    }
}
