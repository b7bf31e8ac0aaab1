using TrafficConsole.Mesh.Yaml;

namespace TrafficConsole.Cli.Output;

/// <summary>Builds <see cref="SkippedReport"/>s.</summary>
internal static class Skipped
{
    public static SkippedReport FromUnknownKind(DocumentProblem problem) => new(
        problem.ResourceKind ?? string.Empty,
        problem.ApiVersion ?? string.Empty,
        problem.Name ?? string.Empty,
        problem.Location.Source,
        problem.Location.Document,
        problem.Location.Line,
        "not a kind trafficconsole reads.");

    public static SkippedReport From(ResourceDocument document, string reason) => new(
        document.Kind,
        document.ApiVersion,
        document.Name,
        document.Location.Source,
        document.Location.Document,
        document.Location.Line,
        reason);
}
