using System.Collections.Immutable;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

using TrafficConsole.Mesh.Validation;
using TrafficConsole.Mesh.Yaml;

namespace TrafficConsole.Cli.Output;

// The --output json documents. Their shape is a contract with scripts (README.md documents it): add fields, never
// rename or drop one; a breaking change gets a new "schema" value.

/// <summary>A finding, where it is in the input.</summary>
/// <param name="Code">The stable code (docs/validation.md), e.g. <c>TC1002</c>.</param>
/// <param name="Severity"><c>error</c>, <c>warning</c> or <c>info</c>.</param>
/// <param name="Path">The field inside the resource, e.g. <c>spec.http[0].route[1].weight</c>.</param>
/// <param name="Message">What is wrong, for people.</param>
/// <param name="Source">The file (or <c>&lt;stdin&gt;</c>).</param>
/// <param name="Line">The 1-based line of the field (of the resource, when the field is not written).</param>
internal sealed record IssueReport(string Code, string Severity, string Path, string Message, string Source, int Line)
{
    public static IssueReport From(ValidationIssue issue, ResourceDocument? document) => new(
        issue.Code,
        SeverityName(issue.Severity),
        issue.Path,
        issue.Message,
        document?.Location.Source ?? string.Empty,
        document?.LineOf(issue.Path) ?? 0);

    public static string SeverityName(Severity severity) => severity switch
    {
        Mesh.Validation.Severity.Error => "error",
        Mesh.Validation.Severity.Warning => "warning",
        _ => "info",
    };
}

/// <summary>A document that was read but not checked, and why.</summary>
internal sealed record SkippedReport(string Kind, string ApiVersion, string Name, string Source, int Document, int Line, string Reason);

/// <summary>Counts over the findings.</summary>
internal sealed record IssueCounts(int Resources, int Errors, int Warnings, int Infos)
{
    public static IssueCounts Of(int resources, IEnumerable<ValidationIssue> issues)
    {
        ValidationIssue[] all = [.. issues];
        return new IssueCounts(
            resources,
            all.Count(static i => i.Severity == Severity.Error),
            all.Count(static i => i.Severity == Severity.Warning),
            all.Count(static i => i.Severity == Severity.Info));
    }
}

/// <summary><c>validate --output json</c>.</summary>
internal sealed record ValidateReport(
    string Schema,
    bool Valid,
    ImmutableArray<string> Files,
    ValidateCounts Summary,
    ImmutableArray<ValidatedResource> Resources,
    ImmutableArray<SkippedReport> Skipped)
{
    public const string SchemaName = "trafficconsole/validate/v1";
}

/// <summary>The counts of a <see cref="ValidateReport"/>; <c>rejected</c> is the number of resources with an error.</summary>
internal sealed record ValidateCounts(int Resources, int Rejected, int Errors, int Warnings, int Infos);

/// <summary>One resource of a <see cref="ValidateReport"/>: valid means Istio would accept it.</summary>
internal sealed record ValidatedResource(string Kind, string Namespace, string Name, string Source, int Document, int Line, bool Valid, ImmutableArray<IssueReport> Issues);

/// <summary><c>analyze --output json</c>.</summary>
internal sealed record AnalyzeReport(
    string Schema,
    bool Valid,
    ImmutableArray<string> Files,
    bool KnowsWorkloads,
    IssueCounts Summary,
    ImmutableArray<AnalyzeFinding> Findings,
    ImmutableArray<SkippedReport> Skipped)
{
    public const string SchemaName = "trafficconsole/analyze/v1";
}

/// <summary>A finding of <c>analyze</c>: the resource it is about and the issue, located in the input.</summary>
internal sealed record AnalyzeFinding(string Code, string Severity, string Kind, string Namespace, string Name, string Path, string Message, string Source, int Line);

/// <summary>The JSON settings of the reports: camelCase, indented, nulls written (a field is always there).</summary>
internal static class ReportJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    public static void Write<T>(TextWriter output, T report)
    {
        output.WriteLine(JsonSerializer.Serialize(report, Options));
    }

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            WriteIndented = true,
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}

/// <summary><c>simulate --output json</c>.</summary>
internal sealed record SimulateReport(
    string Schema,
    RequestReport Request,
    ResourceReference VirtualService,
    ResourceReference? DestinationRule,
    bool Matched,
    int? RuleIndex,
    string? RuleName,
    ImmutableArray<RuleReport> Evaluations,
    ImmutableArray<ShareReport> Destinations,
    ShareReport? Mirror,
    ImmutableArray<string> Faults,
    string Summary)
{
    public const string SchemaName = "trafficconsole/simulate/v1";

    /// <summary>Why the answer may differ from the cluster's: the VirtualService would be rejected, a DestinationRule is ignored.</summary>
    public ImmutableArray<string> Warnings { get; init; } = [];
}

/// <summary>The simulated request as the tool understood the options.</summary>
internal sealed record RequestReport(
    string Host,
    string Fqdn,
    string Authority,
    string Method,
    string Path,
    string Scheme,
    int? Port,
    string Gateway,
    ImmutableSortedDictionary<string, string> Headers,
    ImmutableSortedDictionary<string, string> Query,
    ImmutableSortedDictionary<string, string> SourceLabels,
    string? SourceNamespace);

/// <summary>A resource the report refers to, and where it was read.</summary>
internal sealed record ResourceReference(string Kind, string Namespace, string Name, string Source, int Line)
{
    public static ResourceReference Of(ResourceDocument document) =>
        new(document.Kind, document.Namespace, document.Name, document.Location.Source, document.Location.Line);
}

/// <summary>One rule of <c>spec.http</c> as the simulator evaluated it, with its line in the input.</summary>
internal sealed record RuleReport(int Index, string? Name, bool Matched, ImmutableArray<string> Reasons, int Line);

/// <summary>A destination and its share: <c>probability</c> 0..1, <c>percent</c> the same rounded to 0.1.</summary>
internal sealed record ShareReport(string Host, string? Subset, string? Version, double Probability, double Percent);
