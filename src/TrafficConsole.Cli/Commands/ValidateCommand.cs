using System.Collections.Immutable;
using System.CommandLine;

using TrafficConsole.Cli.Output;
using TrafficConsole.Mesh.Analysis;
using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Validation;
using TrafficConsole.Mesh.Yaml;

namespace TrafficConsole.Cli.Commands;

/// <summary><c>trafficconsole validate</c>: each resource on its own, as Istio's admission webhook and CRD schema check it.</summary>
internal static class ValidateCommand
{
    public static Command Create(CliConsole console)
    {
        var options = new CommonOptions("The files to check.");
        var command = new Command(
            "validate",
            "Check each VirtualService, DestinationRule, Gateway and HTTPRoute on its own, as Istio's admission webhook would. Exit code 1 when any would be rejected; warnings do not fail.");
        options.AddTo(command);
        command.SetAction(result => Run(result, options, console));
        return command;
    }

    private static int Run(ParseResult result, CommonOptions options, CliConsole console)
    {
        if (InputLoader.Load(result, options, console) is not { } input)
        {
            return ExitCodes.InvalidInput;
        }

        var checkedResources = ImmutableArray.CreateBuilder<(ResourceDocument Document, ImmutableArray<ValidationIssue> Issues)>();
        var skipped = ImmutableArray.CreateBuilder<SkippedReport>();
        skipped.AddRange(input.Skipped.Select(Skipped.FromUnknownKind));
        foreach (ResourceDocument document in input.Documents.Resources)
        {
            if (document.Resource is VirtualService or DestinationRule or IstioGateway or HttpRoute)
            {
                checkedResources.Add((document, MeshAnalyzer.ValidateResource(document.Resource)));
            }
            else
            {
                skipped.Add(Skipped.From(document, "validate checks routing resources only; analyze uses Services and Deployments."));
            }
        }

        ImmutableArray<ValidatedResource> resources =
        [
            .. checkedResources.Select(static c => new ValidatedResource(
                c.Document.Kind,
                c.Document.Namespace,
                c.Document.Name,
                c.Document.Location.Source,
                c.Document.Location.Document,
                c.Document.Location.Line,
                !c.Issues.HasErrors(),
                [.. c.Issues.Select(i => IssueReport.From(i, c.Document))])),
        ];
        IssueCounts counts = IssueCounts.Of(resources.Length, checkedResources.SelectMany(static c => c.Issues));
        var report = new ValidateReport(
            ValidateReport.SchemaName,
            resources.All(static r => r.Valid),
            input.Sources,
            new ValidateCounts(counts.Resources, resources.Count(static r => !r.Valid), counts.Errors, counts.Warnings, counts.Infos),
            resources,
            skipped.ToImmutable());

        if (options.WantsJson(result))
        {
            ReportJson.Write(console.Out, report);
        }
        else
        {
            WriteText(console.Out, report);
        }

        return report.Valid ? ExitCodes.Ok : ExitCodes.Findings;
    }

    private static void WriteText(TextWriter output, ValidateReport report)
    {
        foreach (ValidatedResource resource in report.Resources)
        {
            string verdict = !resource.Valid ? "rejected"
                : resource.Issues.IsEmpty ? "valid"
                : "valid, with warnings";
            output.WriteLine($"{resource.Kind} {resource.Namespace}/{resource.Name} ({resource.Source}:{resource.Line}): {verdict}");
            foreach (IssueReport issue in resource.Issues)
            {
                output.WriteLine($"  {issue.Source}:{issue.Line}: {issue.Severity} {issue.Code} {issue.Path}: {issue.Message}");
            }
        }

        TextReport.WriteSkipped(output, report.Skipped);
        ValidateCounts s = report.Summary;
        string outcome = s.Rejected == 0 ? "all valid" : $"{s.Rejected} would be rejected ({TextReport.Count(s.Errors, "error")})";
        string notes = s.Warnings + s.Infos == 0 ? string.Empty : $", {TextReport.Count(s.Warnings, "warning")}" + (s.Infos == 0 ? string.Empty : $", {TextReport.Count(s.Infos, "note")}");
        output.WriteLine($"Checked {TextReport.Count(s.Resources, "resource")} in {TextReport.Count(report.Files.Length, "file")}: {outcome}{notes}.");
    }
}
