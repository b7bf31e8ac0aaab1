using System.Collections.Immutable;
using System.CommandLine;
using System.Globalization;

using TrafficConsole.Cli.Output;
using TrafficConsole.Mesh.Analysis;
using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Simulation;
using TrafficConsole.Mesh.Validation;

namespace TrafficConsole.Cli.Commands;

/// <summary><c>trafficconsole simulate</c>: which rule of the host's VirtualService takes a request, and where it goes.</summary>
internal static class SimulateCommand
{
    public static Command Create(CliConsole console)
    {
        var common = new CommonOptions("The files with the VirtualService of the host (and its DestinationRule, to name versions).");
        var options = new SimulateOptions();
        var command = new Command(
            "simulate",
            "Try a request against the VirtualService of a host, with Istio's semantics (the first matching rule wins): prints the rule that matches, why the earlier ones did not, and the versions with their probabilities. Exit code 3 when no rule matches (the request gets 404).");
        common.AddTo(command);
        options.AddTo(command);
        command.SetAction(result => Run(result, common, options, console));
        return command;
    }

    private static int Run(ParseResult result, CommonOptions common, SimulateOptions options, CliConsole console)
    {
        // Request options first: a typo there is reported before any file is read.
        if (options.ReadRequest(result, console.Error) is not { } request)
        {
            return ExitCodes.InvalidInput;
        }

        if (InputLoader.Load(result, common, console) is not { } input)
        {
            return ExitCodes.InvalidInput;
        }

        string host = result.GetRequiredValue(options.Host);
        string? hostNamespace = result.GetValue(common.Namespace) is { Length: > 0 } ns ? ns : null;
        (LookupResult? found, string? error) = VirtualServiceLookup.Find(input.Documents, host, hostNamespace, request.Gateway);
        if (found is null)
        {
            console.Error.WriteLine($"trafficconsole: error: {error}");
            return ExitCodes.InvalidInput;
        }

        var vs = (VirtualService)found.VirtualService.Resource;
        request = request with
        {
            // --authority, else a Host header (the simulator reads it), else the host the user named.
            Authority = request.Authority ?? (request.Headers.ContainsKey("host") ? null : host),
            Gateway = VirtualServiceLookup.Normalize(request.Gateway, vs.Namespace),
        };
        ImmutableDictionary<string, string> versions = RouteSimulator.SubsetVersions(found.DestinationRule?.Resource as DestinationRule);
        SimulationResult simulation = RouteSimulator.Simulate(vs, request, versions);

        SimulateReport report = Report(host, found, request, simulation) with { Warnings = Warnings(vs, found) };
        foreach (string warning in report.Warnings)
        {
            console.Error.WriteLine($"trafficconsole: warning: {warning}");
        }

        if (common.WantsJson(result))
        {
            ReportJson.Write(console.Out, report);
        }
        else
        {
            WriteText(console.Out, report);
        }

        return simulation.Matched ? ExitCodes.Ok : ExitCodes.NoRoute;
    }

    private static SimulateReport Report(string host, LookupResult found, SimulatedRequest request, SimulationResult simulation)
    {
        RuleEvaluation? winner = simulation.Evaluations.FirstOrDefault(static e => e.Matched);
        return new SimulateReport(
            SimulateReport.SchemaName,
            new RequestReport(
                host,
                found.Fqdn,
                request.Authority ?? request.Headers.GetValueOrDefault("host") ?? host,
                request.Method,
                request.Path,
                request.Scheme,
                request.Port,
                request.Gateway,
                request.Headers.ToImmutableSortedDictionary(StringComparer.Ordinal),
                request.Query.ToImmutableSortedDictionary(StringComparer.Ordinal),
                request.SourceLabels.ToImmutableSortedDictionary(StringComparer.Ordinal),
                request.SourceNamespace),
            ResourceReference.Of(found.VirtualService),
            found.DestinationRule is { } dr ? ResourceReference.Of(dr) : null,
            simulation.Matched,
            simulation.RuleIndex,
            winner?.Name,
            [.. simulation.Evaluations.Select(e => new RuleReport(e.Index, e.Name, e.Matched, e.Reasons, found.VirtualService.LineOf(string.Create(CultureInfo.InvariantCulture, $"spec.http[{e.Index}]"))))],
            [.. simulation.Destinations.Select(Share)],
            simulation.Mirror is { } mirror ? Share(mirror) : null,
            simulation.Faults,
            simulation.Summary);
    }

    /// <summary>What makes the simulation less than the cluster's truth: a VirtualService Istio would reject, DestinationRules it would ignore.</summary>
    private static ImmutableArray<string> Warnings(VirtualService vs, LookupResult found)
    {
        ImmutableArray<string>.Builder warnings = ImmutableArray.CreateBuilder<string>();
        ValidationIssue[] errors = [.. MeshAnalyzer.ValidateResource(vs).Where(static i => i.Severity == Severity.Error)];
        if (errors.Length > 0)
        {
            string details = string.Join(" ", errors.Select(i => $"{found.VirtualService.Location.Source}:{found.VirtualService.LineOf(i.Path)}: {i.Code} {i.Path}: {i.Message}"));
            warnings.Add($"VirtualService {vs.Namespace}/{vs.Name} would be rejected by Istio, so this is what its rules say as written, not what a cluster would do: {details}");
        }

        if (!found.OtherDestinationRules.IsEmpty && found.DestinationRule is { } used)
        {
            string others = string.Join(", ", found.OtherDestinationRules.Select(static d => $"{d.Namespace}/{d.Name} ({d.Location})"));
            warnings.Add($"more than one DestinationRule for host {found.Fqdn}: versions are named from {used.Namespace}/{used.Name} ({used.Location}), not {others}.");
        }

        return warnings.ToImmutable();
    }

    private static ShareReport Share(DestinationShare share) =>
        new(share.Host, share.Subset, share.Version, share.Probability, Math.Round(share.Probability * 100, 1));

    private static void WriteText(TextWriter output, SimulateReport report)
    {
        RequestReport r = report.Request;
        output.WriteLine($"Request: {r.Method} {r.Path} to {r.Host} ({r.Fqdn}) {(r.Gateway == VirtualServiceLookup.Mesh ? "inside the mesh" : "through gateway " + r.Gateway)}{Pairs(" headers", r.Headers)}{Pairs(" query", r.Query)}{Pairs(" from", r.SourceLabels)}");
        ResourceReference vs = report.VirtualService;
        string subsets = report.DestinationRule is { } dr
            ? $"; versions from DestinationRule {dr.Namespace}/{dr.Name} ({dr.Source}:{dr.Line})"
            : "; no DestinationRule for the host in the files, so subsets are not named as versions";
        output.WriteLine($"VirtualService {vs.Namespace}/{vs.Name} ({vs.Source}:{vs.Line}){subsets}");

        foreach (RuleReport rule in report.Evaluations)
        {
            string name = rule.Name is null ? string.Empty : $" '{rule.Name}'";
            string verdict = rule.Matched ? "matches" : "does not match";
            output.WriteLine($"  rule {rule.Index}{name} (line {rule.Line}) {verdict}");
            foreach (string reason in rule.Reasons)
            {
                output.WriteLine($"    {reason}");
            }
        }

        if (!report.Matched)
        {
            output.WriteLine($"No route: no rule of VirtualService {vs.Namespace}/{vs.Name} matches this request, so it gets 404 Not Found.");
            return;
        }

        if (report.Destinations.IsEmpty)
        {
            // A redirect, a direct response, a delegation or a route with nowhere to go: the simulator's sentence says which.
            output.WriteLine(report.Summary);
            return;
        }

        output.WriteLine("Destinations:");
        foreach (ShareReport share in report.Destinations)
        {
            output.WriteLine($"  {TextReport.Percent(share.Probability),6}  {Describe(share)}");
        }

        if (report.Mirror is { } mirror)
        {
            output.WriteLine($"Mirrored: a copy of {TextReport.Percent(mirror.Probability)} of requests goes to {Describe(mirror)}");
        }

        foreach (string fault in report.Faults)
        {
            output.WriteLine($"Fault: {fault}");
        }
    }

    private static string Describe(ShareReport share)
    {
        string version = share.Version is { } v ? $", version {v}" : share.Subset is null ? ", any version" : string.Empty;
        string subset = share.Subset is { } s ? $" (subset {s})" : string.Empty;
        return $"{share.Host}{version}{subset}";
    }

    private static string Pairs(string label, ImmutableSortedDictionary<string, string> pairs) =>
        pairs.IsEmpty ? string.Empty : $",{label} {string.Join(", ", pairs.Select(static p => $"{p.Key}={p.Value}"))}";

    /// <summary>The request options of <c>simulate</c>.</summary>
    private sealed class SimulateOptions
    {
        public Option<string> Host { get; } = new("--host")
        {
            Description = "The host the request is for: a short name (reviews, relative to --namespace or to each VirtualService's namespace), name.namespace, or an FQDN.",
            Required = true,
            HelpName = "host",
        };

        public Option<string> Path { get; } = new("--path")
        {
            Description = "The request path, optionally with a query string (/reviews/1?u=jason).",
            DefaultValueFactory = static _ => "/",
            HelpName = "path",
        };

        public Option<string> Method { get; } = new("--method", "-X")
        {
            Description = "The HTTP method.",
            DefaultValueFactory = static _ => "GET",
            HelpName = "method",
        };

        public Option<string[]> Headers { get; } = Repeatable("--header", "-H", "A request header as name=value (or 'name: value'); repeat for more.", "name=value");

        public Option<string[]> Query { get; } = Repeatable("--query", null, "A query parameter as name=value; repeat for more.", "name=value");

        public Option<string[]> SourceLabels { get; } = Repeatable("--source-label", null, "A label of the calling workload as key=value (for sourceLabels matches); repeat for more.", "key=value");

        public Option<string?> SourceNamespace { get; } = new("--source-namespace")
        {
            Description = "The namespace of the calling workload (for sourceNamespace matches).",
            HelpName = "namespace",
        };

        public Option<string> Gateway { get; } = new("--gateway")
        {
            Description = "Where the request enters: 'mesh' (from a sidecar) or a gateway namespace/name.",
            DefaultValueFactory = static _ => VirtualServiceLookup.Mesh,
            HelpName = "mesh|namespace/name",
        };

        public Option<int?> Port { get; } = new("--port")
        {
            Description = "The port the request is sent to (for port matches).",
            HelpName = "port",
        };

        public Option<string> Scheme { get; } = new("--scheme")
        {
            Description = "The request scheme.",
            DefaultValueFactory = static _ => "http",
            HelpName = "http|https",
        };

        public Option<string?> Authority { get; } = new("--authority")
        {
            Description = "The Host / :authority header, when it differs from --host (e.g. reviews:9080).",
            HelpName = "authority",
        };

        public void AddTo(Command command)
        {
            foreach (Option option in new Option[] { Host, Path, Method, Headers, Query, SourceLabels, SourceNamespace, Gateway, Port, Scheme, Authority })
            {
                command.Options.Add(option);
            }
        }

        /// <summary>The request, or null after writing to <paramref name="error"/> which option is malformed.</summary>
        public SimulatedRequest? ReadRequest(ParseResult result, TextWriter error)
        {
            var problems = new List<string>();
            ImmutableDictionary<string, string> headers = ReadPairs(result.GetValue(Headers), "--header", allowColon: true, StringComparer.OrdinalIgnoreCase, problems);
            ImmutableDictionary<string, string> query = ReadPairs(result.GetValue(Query), "--query", allowColon: false, StringComparer.Ordinal, problems);
            ImmutableDictionary<string, string> labels = ReadPairs(result.GetValue(SourceLabels), "--source-label", allowColon: false, StringComparer.Ordinal, problems);
            string path = result.GetValue(Path) ?? "/";
            if (!path.StartsWith('/'))
            {
                problems.Add($"--path '{path}' must start with '/'.");
            }

            string gateway = result.GetValue(Gateway) is { Length: > 0 } g ? g : VirtualServiceLookup.Mesh;
            if (result.GetValue(Port) is { } port && port is < 1 or > 65535)
            {
                problems.Add($"--port {port} is not a port number (1..65535).");
            }

            foreach (string problem in problems)
            {
                error.WriteLine($"trafficconsole: error: {problem}");
            }

            if (problems.Count > 0)
            {
                error.WriteLine("Run 'trafficconsole simulate --help' for usage.");
                return null;
            }

            return new SimulatedRequest
            {
                Method = (result.GetValue(Method) ?? "GET").ToUpperInvariant(),
                Path = path,
                Authority = result.GetValue(Authority),
                Scheme = result.GetValue(Scheme) ?? "http",
                Headers = headers,
                Query = query,
                SourceLabels = labels,
                SourceNamespace = result.GetValue(SourceNamespace),
                Port = result.GetValue(Port),
                Gateway = gateway,
            };
        }

        private static Option<string[]> Repeatable(string name, string? alias, string description, string helpName)
        {
            Option<string[]> option = alias is null ? new(name) : new(name, alias);
            option.Description = description;
            option.Arity = ArgumentArity.ZeroOrMore;
            option.HelpName = helpName;
            return option;
        }

        private static ImmutableDictionary<string, string> ReadPairs(string[]? values, string option, bool allowColon, StringComparer comparer, List<string> problems)
        {
            ImmutableDictionary<string, string>.Builder pairs = ImmutableDictionary.CreateBuilder<string, string>(comparer);
            foreach (string value in values ?? [])
            {
                int equals = value.IndexOf('=', StringComparison.Ordinal);
                int colon = allowColon ? value.IndexOf(':', StringComparison.Ordinal) : -1;

                // 'name: value' only when the colon comes first, so 'x-forwarded=a:b' stays name=value.
                int cut = colon > 0 && (equals < 0 || colon < equals) ? colon : equals;
                string name = cut > 0 ? value[..cut].Trim() : string.Empty;
                if (name.Length == 0)
                {
                    problems.Add($"{option} '{value}' must be name=value.");
                    continue;
                }

                string text = value[(cut + 1)..];
                pairs[name] = cut == colon ? text.TrimStart() : text;
            }

            return pairs.ToImmutable();
        }
    }
}
