using System.CommandLine;
using System.Globalization;

using TrafficConsole.Cli.Output;
using TrafficConsole.Cli.Remote;

namespace TrafficConsole.Cli.Commands;

/// <summary>
/// <c>trafficconsole status -n NS SERVICE</c>: each version's configured weight next to the share of traffic it really
/// answers, its success rate, latency and health, from a running console (GET .../traffic and GET .../telemetry).
/// </summary>
internal static class StatusCommand
{
    private static readonly string[] Windows = ["1m", "5m", "15m", "1h"];

    public static Command Create(CliConsole console)
    {
        var server = new ServerOptions();
        Option<string> output = CommonOptions.CreateOutput();
        Option<string> ns = RemoteVerb.RequiredNamespace();
        Argument<string> service = RemoteVerb.Service();
        var window = new Option<string>("--window", "-w")
        {
            Description = "The window each rate is measured over: 1m, 5m, 15m or 1h.",
            DefaultValueFactory = static _ => "5m",
            HelpName = "window",
        };
        window.AcceptOnlyFromAmong(Windows);
        var command = new Command(
            "status",
            "Show a service's configured weights next to what its traffic does (observed share, requests/s, success rate, p50/p90/p99 latency, health per version), from a running console. Exits 1 when a version is failing, 2 when the console or its telemetry cannot answer.");
        command.Arguments.Add(service);
        command.Options.Add(ns);
        command.Options.Add(window);
        command.Options.Add(output);
        server.AddTo(command);
        command.SetAction((result, cancellationToken) => RunAsync(result, server, ns, service, window, output, console, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(
        ParseResult result, ServerOptions server, Option<string> nsOption, Argument<string> serviceArgument, Option<string> windowOption, Option<string> output, CliConsole console, CancellationToken cancellationToken)
    {
        if (server.Resolve(result, console) is not { } connection)
        {
            return ExitCodes.InvalidInput;
        }

        string ns = result.GetRequiredValue(nsOption);
        string service = result.GetRequiredValue(serviceArgument);
        string window = result.GetRequiredValue(windowOption);
        using var client = new ConsoleClient(connection);
        Task<ApiResult<TrafficDocument>> trafficTask = client.GetTrafficAsync(ns, service, cancellationToken);
        Task<ApiResult<TelemetryDocument>> telemetryTask = client.GetTelemetryAsync(ns, service, window, cancellationToken);
        ApiResult<TrafficDocument> traffic = await trafficTask.ConfigureAwait(false);
        ApiResult<TelemetryDocument> telemetry = await telemetryTask.ConfigureAwait(false);
        if (!traffic.Succeeded)
        {
            return RemoteVerb.Fail(console, traffic.Failure);
        }

        var report = new StatusReport(
            StatusReport.SchemaName, connection.BaseUrl.ToString(), ns, service, window, traffic.Value, telemetry.Value, telemetry.Failure?.Message);
        if (result.GetValue(output) == CommonOptions.Json)
        {
            ReportJson.Write(console.Out, report);
        }
        else
        {
            WriteText(console.Out, report);
        }

        if (telemetry.Failure is { } failure)
        {
            if (result.GetValue(output) != CommonOptions.Json)
            {
                console.Error.WriteLine($"trafficconsole: no telemetry: {failure.Message}");
            }

            return ExitCodes.Unreachable;
        }

        return telemetry.Value!.Versions.Values.Any(static v => v.Health == "Failure") ? ExitCodes.Findings : ExitCodes.Ok;
    }

    private static void WriteText(TextWriter output, StatusReport report)
    {
        output.WriteLine($"{report.Namespace}/{report.Service}: {ApiWords.Split(report.Traffic.Weights, report.Traffic.Kind, report.Traffic.Mirror)}");
        if (report.Telemetry is not { } telemetry)
        {
            output.WriteLine($"Observed traffic: unavailable ({report.TelemetryProblem}).");
            return;
        }

        string source = telemetry.Source == "sandbox" ? "synthetic traffic (sandbox)" : "Prometheus";
        output.WriteLine($"Observed over the last {telemetry.Window} from {source}, at {TextReport.Timestamp(telemetry.At)}:");
        var table = new TextTable("VERSION", "WEIGHT", "OBSERVED", "DIFF", "REQ/S", "SUCCESS", "P50", "P90", "P99", "HEALTH");
        IEnumerable<string> versions = report.Traffic.Weights.Keys.Concat(telemetry.Versions.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        foreach (string version in versions)
        {
            VersionTelemetryDocument? figures = telemetry.Versions.GetValueOrDefault(version);
            double? configured = figures?.ConfiguredShare ?? (report.Traffic.Weights.TryGetValue(version, out int weight) ? weight / 100.0 : null);
            double? observed = figures?.ObservedShare;
            table.Add(
                version,
                Share(configured),
                Share(observed),
                observed is { } o && configured is { } c ? string.Create(CultureInfo.InvariantCulture, $"{(o - c) * 100:+0;-0;0}") : "-",
                figures is null ? "-" : string.Create(CultureInfo.InvariantCulture, $"{figures.RequestsPerSecond:0.##}"),
                figures?.SuccessRate is { } s ? string.Create(CultureInfo.InvariantCulture, $"{s * 100:0.##}%") : "-",
                Millis(figures?.LatencyMs.P50),
                Millis(figures?.LatencyMs.P90),
                Millis(figures?.LatencyMs.P99),
                Health(figures?.Health ?? "NoTraffic"));
        }

        table.Write(output);
    }

    private static string Share(double? share) => share is { } s ? string.Create(CultureInfo.InvariantCulture, $"{s * 100:0.#}%") : "-";

    private static string Millis(double? ms) => ms is { } m ? string.Create(CultureInfo.InvariantCulture, $"{m:0.#} ms") : "-";

    private static string Health(string health) => health == "NoTraffic" ? "no traffic" : health;
}
