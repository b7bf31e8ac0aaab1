using System.CommandLine;

using TrafficConsole.Cli.Output;
using TrafficConsole.Cli.Remote;

namespace TrafficConsole.Cli.Commands;

/// <summary><c>trafficconsole history</c>: the recorded revisions of a service's routing, with the ids <c>rollback --to-revision</c> takes.</summary>
internal static class HistoryCommand
{
    public static Command Create(CliConsole console)
    {
        var server = new ServerOptions();
        Option<string> output = CommonOptions.CreateOutput();
        Option<string> ns = RemoteVerb.RequiredNamespace();
        Argument<string> service = RemoteVerb.Service();
        var command = new Command(
            "history",
            "List the recorded revisions of a service's routing, newest first, from a running console (GET .../revisions): id, when, who, made through the console or outside it, what, why, and the weights; * marks the one the cluster holds now.");
        command.Arguments.Add(service);
        command.Options.Add(ns);
        command.Options.Add(output);
        server.AddTo(command);
        command.SetAction((result, cancellationToken) => RunAsync(result, server, ns, service, output, console, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult result, ServerOptions server, Option<string> nsOption, Argument<string> serviceArgument, Option<string> output, CliConsole console, CancellationToken cancellationToken)
    {
        if (server.Resolve(result, console) is not { } connection)
        {
            return ExitCodes.InvalidInput;
        }

        string ns = result.GetRequiredValue(nsOption);
        string service = result.GetRequiredValue(serviceArgument);
        using var client = new ConsoleClient(connection);
        ApiResult<RevisionListDocument> answer = await client.GetRevisionsAsync(ns, service, cancellationToken).ConfigureAwait(false);
        if (!answer.Succeeded)
        {
            return RemoteVerb.Fail(console, answer.Failure);
        }

        RevisionListDocument history = answer.Value;
        var report = new HistoryReport(HistoryReport.SchemaName, connection.BaseUrl.ToString(), history.Namespace, history.Service, history.Revision, history.Stable, history.Cap, history.Revisions);
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

    private static void WriteText(TextWriter output, HistoryReport report, DateTimeOffset now)
    {
        string service = $"{report.Namespace}/{report.Service}";
        string stable = report.Stable.Version is { } version
            ? $"Stable version {version}: {report.Stable.Explanation}"
            : $"No stable version: {report.Stable.Explanation}";
        if (report.Revisions.IsEmpty)
        {
            output.WriteLine($"{service} has no recorded revisions yet; routing revision now: {report.Revision}.");
            output.WriteLine(stable);
            return;
        }

        output.WriteLine($"{service}: {TextReport.Count(report.Revisions.Length, "revision")}, newest first (the console keeps the last {report.Cap}); routing revision now: {report.Revision}.");
        output.WriteLine(stable);
        var table = new TextTable("  ID", "WHEN", "WHO", "ORIGIN", "ACTION", "WEIGHTS", "REASON");
        foreach (RevisionDocument revision in report.Revisions)
        {
            string origin = ApiWords.Of(revision.Origin) + (revision.Manager is { Length: > 0 } manager && manager != revision.Actor ? $" ({manager})" : string.Empty);
            table.Add(
                (revision.Current ? "* " : "  ") + revision.Id,
                $"{TextReport.Timestamp(revision.At)} ({TextReport.Ago(revision.At, now)})",
                revision.Actor,
                origin,
                ApiWords.Of(revision.Action),
                ApiWords.Split(revision.Weights, revision.Kind, null),
                revision.Reason ?? string.Empty);
        }

        table.Write(output);
        string current = report.Revisions.Any(static r => r.Current)
            ? "* the revision the cluster holds now. "
            : "None of them is what the cluster holds now. ";
        output.WriteLine($"{current}Restore one with: trafficconsole rollback -n {report.Namespace} {report.Service} --to-revision <ID>");
    }
}
