using System.Collections.Immutable;
using System.CommandLine;

using TrafficConsole.Cli.Output;
using TrafficConsole.Cli.Remote;

namespace TrafficConsole.Cli.Commands;

/// <summary>
/// <c>trafficconsole rollback</c>: restores a recorded revision of a service's routing, or sends all its traffic to the
/// stable version, through a running console. It reads the traffic and the history first, to check the revision exists and
/// to show what will happen; it asks before writing (or needs <c>--yes</c> when no one can answer); and it sends the
/// revision it showed, so a change made in between is refused with 409 instead of being overwritten.
/// </summary>
internal static class RollbackCommand
{
    /// <summary>Shortest revision id prefix taken, like git's abbreviated hashes.</summary>
    private const int MinimumPrefix = 4;

    public static Command Create(CliConsole console)
    {
        var options = new RollbackOptions();
        var command = new Command(
            "rollback",
            "Roll a service's routing back through a running console (POST .../rollback): to a recorded revision (--to-revision, ids from 'trafficconsole history') or all traffic to the stable version (--to-stable). Shows the plan (weights now -> after, the stable version and why) and asks; without a terminal it needs --yes. Refused if the service changed since the plan was made.");
        options.AddTo(command);
        command.SetAction((result, cancellationToken) => RunAsync(result, options, console, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult result, RollbackOptions options, CliConsole console, CancellationToken cancellationToken)
    {
        if (options.Server.Resolve(result, console) is not { } connection)
        {
            return ExitCodes.InvalidInput;
        }

        string ns = result.GetRequiredValue(options.Namespace);
        string service = result.GetRequiredValue(options.Service);
        string? toRevision = result.GetValue(options.ToRevision) is { Length: > 0 } id ? id.Trim() : null;
        string? expected = result.GetValue(options.Revision) is { Length: > 0 } given ? given.Trim() : null;
        string? reason = result.GetValue(options.Reason) is { } typed && !string.IsNullOrWhiteSpace(typed) ? typed.Trim() : null;
        string name = $"{ns}/{service}";

        using var client = new ConsoleClient(connection);
        ApiResult<TrafficDocument> traffic = await client.GetTrafficAsync(ns, service, cancellationToken).ConfigureAwait(false);
        if (!traffic.Succeeded)
        {
            return RemoteVerb.Fail(console, traffic.Failure);
        }

        ApiResult<RevisionListDocument> history = await client.GetRevisionsAsync(ns, service, cancellationToken).ConfigureAwait(false);
        if (!history.Succeeded)
        {
            return RemoteVerb.Fail(console, history.Failure);
        }

        TrafficDocument now = traffic.Value;
        RevisionListDocument list = history.Value;
        if (expected is not null && expected != now.Revision)
        {
            console.Error.WriteLine($"trafficconsole: error: {name} changed since revision {expected}: it is at revision {now.Revision} now, with {ApiWords.Split(now.Weights, now.Kind, now.Mirror)}; nothing was written. Look at 'trafficconsole history -n {ns} {service}' and run the rollback again if it is still wanted.");
            return ExitCodes.Refused;
        }

        if (Plan(name, toRevision, now, list, console) is not { } plan)
        {
            return ExitCodes.Refused;
        }

        var target = new RollbackTargetReport(plan.Revision?.Id, plan.Revision is null);
        bool json = result.GetValue(options.Output) == CommonOptions.Json;
        if (plan.NothingToDo is { } already)
        {
            Write(console, json, new RollbackReport(RollbackReport.SchemaName, connection.BaseUrl.ToString(), ns, service, target, false, already, now, now, list.Stable));
            return ExitCodes.Ok;
        }

        if (!result.GetValue(options.Yes))
        {
            WritePlan(console.Error, plan, now, list, console.Clock.GetUtcNow());
            if (!console.IsInteractive)
            {
                console.Error.WriteLine("trafficconsole: error: rollback changes the cluster and this is not an interactive terminal: pass --yes to confirm.");
                return ExitCodes.InvalidInput;
            }

            await console.Error.WriteAsync("Roll back? [y/N] ").ConfigureAwait(false);
            string? answer = await console.In.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (answer?.Trim().ToUpperInvariant() is not ("Y" or "YES"))
            {
                console.Error.WriteLine("Not rolled back; nothing was changed.");
                return ExitCodes.Refused;
            }
        }

        var request = new RollbackRequest(plan.Revision?.Id, plan.Revision is null ? true : null, expected ?? now.Revision, reason);
        ApiResult<RollbackDocument> rollback = await client.RollbackAsync(ns, service, request, cancellationToken).ConfigureAwait(false);
        if (!rollback.Succeeded)
        {
            ApiFailure failure = rollback.Failure;
            return RemoteVerb.Fail(console, failure.Status == System.Net.HttpStatusCode.Conflict
                ? failure with { Message = $"{name} was changed by someone else since the plan was made. {failure.Message} Look at 'trafficconsole history -n {ns} {service}' and run the rollback again if it is still wanted." }
                : failure);
        }

        Write(console, json, new RollbackReport(RollbackReport.SchemaName, connection.BaseUrl.ToString(), ns, service, target, true, rollback.Value.Description, now, rollback.Value.Traffic, list.Stable));
        return ExitCodes.Ok;
    }

    /// <summary>What the rollback will do, or null after saying on stderr why it cannot (unknown or ambiguous revision, no stable version).</summary>
    private static RollbackPlan? Plan(string name, string? toRevision, TrafficDocument now, RevisionListDocument list, CliConsole console)
    {
        if (toRevision is null)
        {
            if (list.Stable.Version is not { } stable)
            {
                console.Error.WriteLine($"trafficconsole: error: {name} has no stable version to send all traffic to: {list.Stable.Explanation}");
                return null;
            }

            ImmutableSortedDictionary<string, int> after = ImmutableSortedDictionary.CreateRange(
                StringComparer.Ordinal,
                now.Weights.Keys.Append(stable).Distinct(StringComparer.Ordinal).Select(v => KeyValuePair.Create(v, v == stable ? 100 : 0)));
            bool already = now.Kind == "Split" && now.Mirror is null && now.Weights.GetValueOrDefault(stable) == 100;
            return new RollbackPlan(null, after, already ? $"{name} already sends all traffic to its stable version {stable}; nothing to do." : null);
        }

        RevisionDocument[] exact = [.. list.Revisions.Where(r => r.Id == toRevision)];
        RevisionDocument[] found = exact.Length > 0 || toRevision.Length < MinimumPrefix
            ? exact
            : [.. list.Revisions.Where(r => r.Id.StartsWith(toRevision, StringComparison.Ordinal))];
        if (found.Length > 1)
        {
            console.Error.WriteLine($"trafficconsole: error: revision '{toRevision}' is ambiguous in the history of {name}: it starts {string.Join(", ", found.Select(static r => r.Id))}; give more of the id.");
            return null;
        }

        if (found.Length == 0)
        {
            console.Error.WriteLine($"trafficconsole: error: revision '{toRevision}' is not in the history of {name} (the console keeps its last {list.Cap} revisions); 'trafficconsole history -n {list.Namespace} {list.Service}' lists their ids.");
            return null;
        }

        RevisionDocument revision = found[0];
        return new RollbackPlan(revision, revision.Weights, revision.Current ? $"{name} is at revision {revision.Id} already; nothing to do." : null);
    }

    private static void WritePlan(TextWriter output, RollbackPlan plan, TrafficDocument now, RevisionListDocument list, DateTimeOffset clock)
    {
        string name = $"{list.Namespace}/{list.Service}";
        if (plan.Revision is { } revision)
        {
            string reason = revision.Reason is { Length: > 0 } why ? $", \"{why}\"" : string.Empty;
            output.WriteLine($"Roll back {name} to revision {revision.Id}: {ApiWords.Of(revision.Action)} by {revision.Actor} at {TextReport.Timestamp(revision.At)} ({TextReport.Ago(revision.At, clock)}){reason}.");
        }
        else
        {
            output.WriteLine($"Send all traffic of {name} to its stable version {list.Stable.Version}.");
        }

        output.WriteLine($"  now:     {ApiWords.Split(now.Weights, now.Kind, now.Mirror)}   (revision {now.Revision})");
        output.WriteLine($"  after:   {ApiWords.Split(plan.After, plan.Revision?.Kind ?? "Split", null)}");
        output.WriteLine($"  stable:  {list.Stable.Version ?? "none"}: {list.Stable.Explanation}");
    }

    private static void Write(CliConsole console, bool json, RollbackReport report)
    {
        if (json)
        {
            ReportJson.Write(console.Out, report);
            return;
        }

        string name = $"{report.Namespace}/{report.Service}";
        if (!report.Changed)
        {
            console.Out.WriteLine(report.Description);
            return;
        }

        TrafficDocument after = report.After;
        console.Out.WriteLine(report.Target.ToRevision is { } id
            ? $"Rolled back {name} to revision {id}."
            : $"Sent all traffic of {name} to its stable version {report.Stable.Version}.");
        console.Out.WriteLine($"  was:   {ApiWords.Split(report.Before.Weights, report.Before.Kind, report.Before.Mirror)}   (revision {report.Before.Revision})");
        console.Out.WriteLine($"  now:   {ApiWords.Split(after.Weights, after.Kind, after.Mirror)}   (revision {after.Revision})");
        console.Out.WriteLine($"  done:  {report.Description}");
    }

    /// <summary>The revision to restore (null: to stable), the weights it gives, and whether it changes nothing.</summary>
    private sealed record RollbackPlan(RevisionDocument? Revision, ImmutableSortedDictionary<string, int> After, string? NothingToDo);

    /// <summary>The options and argument of <c>rollback</c>.</summary>
    private sealed class RollbackOptions
    {
        public ServerOptions Server { get; } = new();

        public Option<string> Output { get; } = CommonOptions.CreateOutput();

        public Option<string> Namespace { get; } = RemoteVerb.RequiredNamespace();

        public Argument<string> Service { get; } = RemoteVerb.Service();

        public Option<string?> ToRevision { get; } = new("--to-revision")
        {
            Description = $"Restore this revision (its id from 'trafficconsole history', or a unique prefix of {MinimumPrefix} characters or more).",
            HelpName = "id",
        };

        public Option<bool> ToStable { get; } = new("--to-stable")
        {
            Description = "Send all traffic to the stable version (marked or promoted by an operator, else the one at 100% when the console first saw the service, else the oldest).",
        };

        public Option<string?> Reason { get; } = RemoteVerb.Reason();

        public Option<string?> Revision { get; } = new("--revision")
        {
            Description = "Only roll back if the service's routing is still at this routing revision (e.g. vs:12,dr:9, as 'trafficconsole history' prints it); otherwise nothing is written.",
            HelpName = "expected",
        };

        public Option<bool> Yes { get; } = RemoteVerb.Yes();

        public void AddTo(Command command)
        {
            command.Arguments.Add(Service);
            foreach (Option option in new Option[] { Namespace, ToRevision, ToStable, Reason, Revision, Yes, Output })
            {
                command.Options.Add(option);
            }

            Server.AddTo(command);
            command.Validators.Add(result =>
            {
                bool revision = result.GetValue(ToRevision) is { Length: > 0 };
                bool stable = result.GetValue(ToStable);
                if (revision == stable)
                {
                    result.AddError(revision
                        ? "Give either --to-revision or --to-stable, not both."
                        : "Say what to roll back to: --to-revision <id> (see 'trafficconsole history') or --to-stable.");
                }
            });
        }
    }
}
