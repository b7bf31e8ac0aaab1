using System.Collections.Immutable;
using System.CommandLine;

using TrafficConsole.Cli.Output;
using TrafficConsole.Mesh.Analysis;
using TrafficConsole.Mesh.Validation;
using TrafficConsole.Mesh.Yaml;

namespace TrafficConsole.Cli.Commands;

/// <summary><c>trafficconsole analyze</c>: all files as one snapshot of a cluster, checked for cross-resource mistakes like <c>istioctl analyze</c>.</summary>
internal static class AnalyzeCommand
{
    public static Command Create(CliConsole console)
    {
        var options = new CommonOptions("The files that together make the snapshot to analyze.");
        var command = new Command(
            "analyze",
            "Treat all files as one snapshot of a cluster and report cross-resource findings: missing subsets, hosts or gateways, conflicting VirtualServices, shadowed rules. Exit code 1 on error-level findings. Host and workload checks run only when Services or Deployments are among the files.");
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

        // A cluster holds one object per kind, namespace and name; two in the files would make findings ambiguous.
        string[] duplicates =
        [
            .. input.Documents.Resources
                .GroupBy(static d => (d.Kind, d.Namespace, d.Name))
                .Where(static g => g.Count() > 1)
                .Select(static g => $"{g.Key.Kind} {g.Key.Namespace}/{g.Key.Name} is in the files more than once ({string.Join(", ", g.Select(static d => d.Location.ToString()))}); a cluster holds one of each, so pass only one of them."),
        ];
        if (duplicates.Length > 0)
        {
            foreach (string duplicate in duplicates)
            {
                console.Error.WriteLine($"trafficconsole: error: {duplicate}");
            }

            return ExitCodes.InvalidInput;
        }

        ClusterResources snapshot = input.Documents.ToClusterResources();
        ImmutableArray<ResourceIssue> issues = MeshAnalyzer.Analyze(snapshot);
        ImmutableArray<AnalyzeFinding> findings = [.. issues.Select(i => Finding(i, input.Documents))];
        var report = new AnalyzeReport(
            AnalyzeReport.SchemaName,
            !issues.Select(static i => i.Issue).HasErrors(),
            input.Sources,
            snapshot.KnowsWorkloads,
            IssueCounts.Of(input.Documents.Resources.Length, issues.Select(static i => i.Issue)),
            findings,
            [.. input.Skipped.Select(Skipped.FromUnknownKind)]);

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

    private static AnalyzeFinding Finding(ResourceIssue issue, ParsedDocuments documents)
    {
        ResourceDocument? document = documents.Resources.FirstOrDefault(d =>
            string.Equals(d.Kind, issue.Kind, StringComparison.OrdinalIgnoreCase)
            && d.Namespace == issue.Namespace
            && d.Name == issue.Name);
        return new AnalyzeFinding(
            issue.Issue.Code,
            IssueReport.SeverityName(issue.Issue.Severity),
            issue.Kind,
            issue.Namespace,
            issue.Name,
            issue.Issue.Path,
            issue.Issue.Message,
            document?.Location.Source ?? string.Empty,
            document?.LineOf(issue.Issue.Path) ?? 0);
    }

    private static void WriteText(TextWriter output, AnalyzeReport report)
    {
        foreach (AnalyzeFinding f in report.Findings)
        {
            string where = f.Source.Length == 0 ? string.Empty : $"{f.Source}:{f.Line}: ";
            output.WriteLine($"{where}{f.Severity} {f.Code} {f.Kind} {f.Namespace}/{f.Name} {f.Path}: {f.Message}");
        }

        TextReport.WriteSkipped(output, report.Skipped);
        IssueCounts s = report.Summary;
        string scope = report.KnowsWorkloads
            ? string.Empty
            : " (no Services or Deployments among them, so hosts and workloads were not checked)";
        string outcome = s.Errors + s.Warnings + s.Infos == 0
            ? "no issues found"
            : $"{TextReport.Count(s.Errors, "error")}, {TextReport.Count(s.Warnings, "warning")}" + (s.Infos == 0 ? string.Empty : $", {TextReport.Count(s.Infos, "note")}");
        output.WriteLine($"Analyzed {TextReport.Count(s.Resources, "resource")} in {TextReport.Count(report.Files.Length, "file")}{scope}: {outcome}.");
    }
}
