using System.Collections.Immutable;
using System.Globalization;
using System.Text;

using TrafficConsole.Cli.Remote;

namespace TrafficConsole.Cli.Output;

// The --output json documents of the verbs that talk to a console. Their rows are the console's REST documents as it
// sends them (enum values spelled as the REST API spells them: "Console", "ToStable"); the envelope is the tool's.
// Add fields, never rename or drop one; a breaking change gets a new "schema" value.

/// <summary><c>rollouts --output json</c>.</summary>
/// <param name="Schema"><see cref="SchemaName"/>.</param>
/// <param name="Server">The console asked.</param>
/// <param name="Namespace">The namespace asked for; null for all.</param>
/// <param name="Items">The rollouts in flight, sorted by namespace, then service.</param>
internal sealed record RolloutsReport(string Schema, string Server, string? Namespace, ImmutableArray<RolloutDocument> Items)
{
    public const string SchemaName = "trafficconsole/rollouts/v1";
}

/// <summary><c>history --output json</c>: the service's revisions, newest first.</summary>
/// <param name="Schema"><see cref="SchemaName"/>.</param>
/// <param name="Server">The console asked.</param>
/// <param name="Namespace">The service's namespace.</param>
/// <param name="Service">The service.</param>
/// <param name="Revision">The routing revision in the cluster now.</param>
/// <param name="Stable">The stable version and why.</param>
/// <param name="Cap">Revisions the console keeps per service.</param>
/// <param name="Revisions">Newest first; <c>current</c> marks the one the cluster holds.</param>
internal sealed record HistoryReport(string Schema, string Server, string Namespace, string Service, string Revision, StableDocument Stable, int Cap, ImmutableArray<RevisionDocument> Revisions)
{
    public const string SchemaName = "trafficconsole/history/v1";
}

/// <summary>What <c>rollback</c> was asked to restore: exactly one of the two.</summary>
/// <param name="ToRevision">The full id of the revision (also when a unique prefix was given).</param>
/// <param name="ToStable">True for <c>--to-stable</c>.</param>
internal sealed record RollbackTargetReport(string? ToRevision, bool ToStable);

/// <summary><c>rollback --output json</c>, once the rollback was applied (or found to change nothing).</summary>
/// <param name="Schema"><see cref="SchemaName"/>.</param>
/// <param name="Server">The console asked.</param>
/// <param name="Namespace">The service's namespace.</param>
/// <param name="Service">The service.</param>
/// <param name="Target">What was restored.</param>
/// <param name="Changed">False when the service already was in that state, so nothing was written.</param>
/// <param name="Description">What was done, in the console's words.</param>
/// <param name="Before">The traffic the rollback started from.</param>
/// <param name="After">The traffic now, with its new revision.</param>
/// <param name="Stable">The stable version and why.</param>
internal sealed record RollbackReport(
    string Schema,
    string Server,
    string Namespace,
    string Service,
    RollbackTargetReport Target,
    bool Changed,
    string Description,
    TrafficDocument Before,
    TrafficDocument After,
    StableDocument Stable)
{
    public const string SchemaName = "trafficconsole/rollback/v1";
}

/// <summary><c>promote --output json</c>, once the promotion was applied (or found to change nothing).</summary>
/// <param name="Schema"><see cref="SchemaName"/>.</param>
/// <param name="Server">The console asked.</param>
/// <param name="Namespace">The service's namespace.</param>
/// <param name="Service">The service.</param>
/// <param name="Version">The version promoted.</param>
/// <param name="Changed">False when all traffic already went to it and it was marked stable, so nothing was written.</param>
/// <param name="Description">What was done, in the console's words.</param>
/// <param name="Before">The traffic the promotion started from.</param>
/// <param name="After">The traffic now, with its new revision.</param>
internal sealed record PromoteReport(
    string Schema,
    string Server,
    string Namespace,
    string Service,
    string Version,
    bool Changed,
    string Description,
    TrafficDocument Before,
    TrafficDocument After)
{
    public const string SchemaName = "trafficconsole/promote/v1";
}

/// <summary>Words for the console's enum values in text output.</summary>
internal static class ApiWords
{
    /// <summary>"ToStable" -> "to stable", "Console" -> "console"; unknown values get the same treatment.</summary>
    public static string Of(string value)
    {
        var words = new StringBuilder(value.Length + 4);
        foreach (char c in value)
        {
            if (char.IsUpper(c) && words.Length > 0)
            {
                words.Append(' ');
            }

            words.Append(char.ToLowerInvariant(c));
        }

        return words.ToString();
    }

    /// <summary>A service's split in one cell: "v1 30 / v2 70", with "(rules)" when match rules come first and the mirror.</summary>
    public static string Split(IReadOnlyDictionary<string, int> weights, string kind, MirrorDocument? mirror)
    {
        string text = kind == "None" && weights.Count == 0 ? "no routing" : TextReport.Weights(weights);
        if (kind is "Rules" or "ReadOnly")
        {
            text += $" ({Of(kind)})";
        }

        return mirror is null ? text : text + $" + mirror {mirror.Version} {TextReport.Percent(mirror.Percent / 100)}";
    }

    /// <summary>"v1 (marked by alice 2h ago)", "v1 (first seen at 100% on 2026-12-01)", "v2 (oldest version)", "none".</summary>
    public static string Stable(StableDocument stable, DateTimeOffset now) => stable.Version is not { } version
        ? "none"
        : $"{version} ({stable.Reason switch
        {
            "Marked" or "Promoted" when stable.By is { } by && stable.At is { } at => $"{Of(stable.Reason)} by {by} {TextReport.Ago(at, now)}",
            "FirstSeen" when stable.At is { } at => $"first seen at 100% on {at.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}",
            "FirstSeen" => "first seen at 100%",
            "Oldest" => "oldest version",
            _ => Of(stable.Reason),
        }})";
}

/// <summary><c>status --output json</c>: the service's weights and, unless telemetry could not answer, what its traffic does.</summary>
/// <param name="Schema"><see cref="SchemaName"/>.</param>
/// <param name="Server">The console asked.</param>
/// <param name="Namespace">The service's namespace.</param>
/// <param name="Service">The service.</param>
/// <param name="Window">The window asked for.</param>
/// <param name="Traffic">The configured traffic.</param>
/// <param name="Telemetry">The observed traffic; null when the console's telemetry could not answer.</param>
/// <param name="TelemetryProblem">Why there is no telemetry, in the console's words.</param>
internal sealed record StatusReport(
    string Schema, string Server, string Namespace, string Service, string Window, TrafficDocument Traffic, TelemetryDocument? Telemetry, string? TelemetryProblem)
{
    public const string SchemaName = "trafficconsole/status/v1";
}
