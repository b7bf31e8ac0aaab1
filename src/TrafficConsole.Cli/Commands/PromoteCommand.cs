using System.Collections.Immutable;
using System.CommandLine;

using TrafficConsole.Cli.Output;
using TrafficConsole.Cli.Remote;

namespace TrafficConsole.Cli.Commands;

/// <summary>
/// <c>trafficconsole promote</c>: all traffic of a service to one version and that version marked stable, in one write,
/// through a running console (<c>POST .../promote</c>). Like <c>rollback</c> it shows now -> after and asks first (or needs
/// <c>--yes</c>), and sends the revision it showed, so a change made in between is refused with 409.
/// </summary>
internal static class PromoteCommand
{
    public static Command Create(CliConsole console)
    {
        var options = new PromoteOptions();
        var command = new Command(
            "promote",
            "Promote a version through a running console (POST .../promote): all traffic to it and it marked stable, in one step, so 'All traffic to stable' and 'rollback --to-stable' send traffic there from now on. Shows now -> after and asks; without a terminal it needs --yes. Refused if the service changed since.");
        options.AddTo(command);
        command.SetAction((result, cancellationToken) => RunAsync(result, options, console, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult result, PromoteOptions options, CliConsole console, CancellationToken cancellationToken)
    {
        if (options.Server.Resolve(result, console) is not { } connection)
        {
            return ExitCodes.InvalidInput;
        }

        string ns = result.GetRequiredValue(options.Namespace);
        string service = result.GetRequiredValue(options.Service);
        string version = result.GetRequiredValue(options.Version).Trim();
        string? expected = result.GetValue(options.Revision) is { Length: > 0 } given ? given.Trim() : null;
        string? reason = result.GetValue(options.Reason) is { } typed && !string.IsNullOrWhiteSpace(typed) ? typed.Trim() : null;
        string name = $"{ns}/{service}";

        using var client = new ConsoleClient(connection);
        ApiResult<TrafficDocument> traffic = await client.GetTrafficAsync(ns, service, cancellationToken).ConfigureAwait(false);
        if (!traffic.Succeeded)
        {
            return RemoteVerb.Fail(console, traffic.Failure);
        }

        TrafficDocument now = traffic.Value;
        if (expected is not null && expected != now.Revision)
        {
            console.Error.WriteLine($"trafficconsole: error: {name} changed since revision {expected}: it is at revision {now.Revision} now, with {ApiWords.Split(now.Weights, now.Kind, now.Mirror)}; nothing was written.");
            return ExitCodes.Refused;
        }

        if (!now.Weights.ContainsKey(version))
        {
            console.Error.WriteLine($"trafficconsole: error: {name} has no version '{version}' (it has {string.Join(", ", now.Weights.Keys)}); nothing was written.");
            return ExitCodes.Refused;
        }

        ImmutableSortedDictionary<string, int> after = ImmutableSortedDictionary.CreateRange(
            StringComparer.Ordinal, now.Weights.Keys.Select(v => KeyValuePair.Create(v, v == version ? 100 : 0)));
        if (!result.GetValue(options.Yes))
        {
            console.Error.WriteLine($"Promote {version} of {name}: all traffic to it, and it marked stable.");
            console.Error.WriteLine($"  now:     {ApiWords.Split(now.Weights, now.Kind, now.Mirror)}   (revision {now.Revision})");
            console.Error.WriteLine($"  after:   {ApiWords.Split(after, "Split", null)}");
            if (!console.IsInteractive)
            {
                console.Error.WriteLine("trafficconsole: error: promote changes the cluster and this is not an interactive terminal: pass --yes to confirm.");
                return ExitCodes.InvalidInput;
            }

            await console.Error.WriteAsync("Promote? [y/N] ").ConfigureAwait(false);
            string? answer = await console.In.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (answer?.Trim().ToUpperInvariant() is not ("Y" or "YES"))
            {
                console.Error.WriteLine("Not promoted; nothing was changed.");
                return ExitCodes.Refused;
            }
        }

        ApiResult<RollbackDocument> promoted = await client.PromoteAsync(ns, service, new PromoteRequest(version, expected ?? now.Revision, reason), cancellationToken).ConfigureAwait(false);
        if (!promoted.Succeeded)
        {
            ApiFailure failure = promoted.Failure;
            return RemoteVerb.Fail(console, failure.Status == System.Net.HttpStatusCode.Conflict
                ? failure with { Message = $"{name} was changed by someone else since the plan was made. {failure.Message} Run the promotion again if it is still wanted." }
                : failure);
        }

        TrafficDocument done = promoted.Value.Traffic;
        var report = new PromoteReport(PromoteReport.SchemaName, connection.BaseUrl.ToString(), ns, service, version, done.Revision != now.Revision, promoted.Value.Description, now, done);
        if (result.GetValue(options.Output) == CommonOptions.Json)
        {
            ReportJson.Write(console.Out, report);
            return ExitCodes.Ok;
        }

        console.Out.WriteLine(report.Changed ? $"Promoted {version} of {name}: it is the stable version now." : $"{version} of {name} already had all traffic and was stable; nothing to do.");
        console.Out.WriteLine($"  was:   {ApiWords.Split(now.Weights, now.Kind, now.Mirror)}   (revision {now.Revision})");
        console.Out.WriteLine($"  now:   {ApiWords.Split(done.Weights, done.Kind, done.Mirror)}   (revision {done.Revision})");
        return ExitCodes.Ok;
    }

    /// <summary>The options and arguments of <c>promote</c>.</summary>
    private sealed class PromoteOptions
    {
        public ServerOptions Server { get; } = new();

        public Option<string> Output { get; } = CommonOptions.CreateOutput();

        public Option<string> Namespace { get; } = RemoteVerb.RequiredNamespace();

        public Argument<string> Service { get; } = RemoteVerb.Service();

        public Argument<string> Version { get; } = new("version")
        {
            Description = "The version to promote, e.g. v2 (as 'trafficconsole history' and the console name it).",
        };

        public Option<string?> Reason { get; } = RemoteVerb.Reason();

        public Option<string?> Revision { get; } = new("--revision")
        {
            Description = "Only promote if the service's routing is still at this routing revision (e.g. vs:12,dr:9); otherwise nothing is written.",
            HelpName = "expected",
        };

        public Option<bool> Yes { get; } = RemoteVerb.Yes();

        public void AddTo(Command command)
        {
            command.Arguments.Add(Service);
            command.Arguments.Add(Version);
            foreach (Option option in new Option[] { Namespace, Reason, Revision, Yes, Output })
            {
                command.Options.Add(option);
            }

            Server.AddTo(command);
        }
    }
}
