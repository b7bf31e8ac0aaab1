using System.Collections.Immutable;
using System.CommandLine;

using TrafficConsole.Cli.Input;
using TrafficConsole.Mesh.Yaml;

namespace TrafficConsole.Cli.Commands;

/// <summary>The input of a verb, once every file was read and every document understood.</summary>
/// <param name="Documents">The resources read.</param>
/// <param name="Sources">The sources read.</param>
/// <param name="Skipped">Documents of unknown kinds skipped because of <c>--skip-unknown</c>.</param>
internal sealed record LoadedInput(ParsedDocuments Documents, ImmutableArray<string> Sources, ImmutableArray<DocumentProblem> Skipped);

/// <summary>Reads a verb's files and reports, on stderr, what keeps the verb from running on them.</summary>
internal static class InputLoader
{
    /// <summary>The input, or null after writing why it cannot be used (the verb then exits with <see cref="ExitCodes.InvalidInput"/>).</summary>
    public static LoadedInput? Load(ParseResult result, CommonOptions options, CliConsole console)
    {
        string[] files = result.GetValue(options.Files) ?? [];
        string ns = result.GetValue(options.Namespace) is { Length: > 0 } given ? given : ResourceDocuments.DefaultNamespace;
        bool skipUnknown = result.GetValue(options.SkipUnknown);

        InputSet input = InputReader.Read(files, console.In, ns);
        ImmutableArray<DocumentProblem> blocking = [.. input.Documents.Problems.Where(p => !IsSkipped(p, skipUnknown))];
        ImmutableArray<DocumentProblem> skipped = [.. input.Documents.Problems.Where(p => IsSkipped(p, skipUnknown))];

        foreach (string error in input.Errors)
        {
            console.Error.WriteLine($"trafficconsole: error: {error}");
        }

        foreach (DocumentProblem problem in blocking)
        {
            console.Error.WriteLine($"{problem.Location}: error: {problem.Message} (document {problem.Location.Document})");
        }

        if (blocking.Any(static p => p.Kind == DocumentProblemKind.UnknownKind))
        {
            console.Error.WriteLine("trafficconsole: pass --skip-unknown to skip documents of kinds it does not read.");
        }

        if (!input.Errors.IsEmpty || !blocking.IsEmpty)
        {
            return null;
        }

        if (input.Documents.Resources.IsEmpty)
        {
            console.Error.WriteLine(skipped.IsEmpty
                ? $"trafficconsole: error: no resources found in {Describe(input.Sources)}."
                : $"trafficconsole: error: no resources trafficconsole reads found in {Describe(input.Sources)} ({skipped.Length} skipped); it reads {ResourceDocuments.KnownKinds}.");
            return null;
        }

        return new LoadedInput(input.Documents, input.Sources, skipped);
    }

    /// <summary>
    /// True when a document is skipped rather than failing the run: with <c>--skip-unknown</c>, any unknown kind;
    /// without it, the kinds of other API groups (a whole manifest's ServiceAccounts, ConfigMaps...) and the
    /// routing groups' other real kinds (ServiceEntry, Sidecar, GRPCRoute...). An unknown kind in a routing group
    /// is most likely a typo (<c>VirtualSerivce</c>) and fails the run, so it is never passed as valid.
    /// </summary>
    private static bool IsSkipped(DocumentProblem problem, bool skipUnknown)
    {
        if (problem.Kind != DocumentProblemKind.UnknownKind)
        {
            return false;
        }

        if (skipUnknown)
        {
            return true;
        }

        string group = problem.ApiVersion is { } apiVersion && apiVersion.Contains('/', StringComparison.Ordinal) ? apiVersion[..apiVersion.IndexOf('/', StringComparison.Ordinal)] : string.Empty;
        return !RoutingGroups.Contains(group) || OtherRoutingKinds.Contains(problem.ResourceKind ?? string.Empty);
    }

    private static readonly ImmutableHashSet<string> RoutingGroups = ["networking.istio.io", "gateway.networking.k8s.io"];

    private static readonly ImmutableHashSet<string> OtherRoutingKinds =
    [
        "ServiceEntry", "Sidecar", "EnvoyFilter", "WorkloadEntry", "WorkloadGroup", "ProxyConfig",
        "Gateway", "GatewayClass", "GRPCRoute", "TCPRoute", "TLSRoute", "UDPRoute", "ReferenceGrant", "BackendTLSPolicy",
    ];

    public static string Describe(ImmutableArray<string> sources) =>
        sources.Length == 1 ? $"'{sources[0]}'" : $"{sources.Length} files";
}
