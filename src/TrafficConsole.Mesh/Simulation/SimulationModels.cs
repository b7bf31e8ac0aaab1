using System.Collections.Immutable;

namespace TrafficConsole.Mesh.Simulation;

/// <summary>A request to try against a VirtualService ("Try a request").</summary>
public sealed record SimulatedRequest
{
    public string Method { get; init; } = "GET";

    /// <summary>The path, optionally with a query string (<c>/reviews/1?u=jason</c>); the query string is split into <see cref="Query"/> too.</summary>
    public string Path { get; init; } = "/";

    /// <summary>The Host / :authority; null means the <c>host</c> header if given, else the VirtualService's first host.</summary>
    public string? Authority { get; init; }

    public string Scheme { get; init; } = "http";

    /// <summary>Request headers; names are case-insensitive.</summary>
    public ImmutableDictionary<string, string> Headers { get; init; } =
        ImmutableDictionary<string, string>.Empty.WithComparers(StringComparer.OrdinalIgnoreCase);

    /// <summary>Query parameters (added to those in <see cref="Path"/>).</summary>
    public ImmutableDictionary<string, string> Query { get; init; } = ImmutableDictionary<string, string>.Empty;

    /// <summary>Labels of the calling workload.</summary>
    public ImmutableDictionary<string, string> SourceLabels { get; init; } = ImmutableDictionary<string, string>.Empty;

    /// <summary>The namespace of the calling workload, if known.</summary>
    public string? SourceNamespace { get; init; }

    /// <summary>The port the request is sent to, if known.</summary>
    public int? Port { get; init; }

    /// <summary>Where the request enters: <c>mesh</c> (a sidecar) or a gateway <c>namespace/name</c>.</summary>
    public string Gateway { get; init; } = "mesh";
}

/// <summary>Why one rule did or did not take the request.</summary>
/// <param name="Index">Position in <c>spec.http</c>.</param>
/// <param name="Name">The rule name, if any.</param>
/// <param name="Matched">True for the rule that took the request (there is at most one).</param>
/// <param name="Reasons">For a rule that did not match: one line per alternative saying which condition failed; for the winner: what matched.</param>
public sealed record RuleEvaluation(int Index, string? Name, bool Matched, ImmutableArray<string> Reasons);

/// <summary>A destination and the share of matched requests it receives.</summary>
/// <param name="Host">The destination host as written.</param>
/// <param name="Subset">The subset, if any.</param>
/// <param name="Version">The service version the subset selects, when known.</param>
/// <param name="Probability">0..1; the shares of one result add up to 1.</param>
public sealed record DestinationShare(string Host, string? Subset, string? Version, double Probability);

/// <summary>What Istio would do with a simulated request.</summary>
public sealed record SimulationResult
{
    /// <summary>True when a rule took the request; false means no route: the request gets 404.</summary>
    public bool Matched { get; init; }

    /// <summary>The index of the rule that took the request, or null.</summary>
    public int? RuleIndex { get; init; }

    /// <summary>Every rule up to (and including) the one that matched, in order.</summary>
    public ImmutableArray<RuleEvaluation> Evaluations { get; init; } = [];

    /// <summary>Where matched requests go, with probabilities; empty when unmatched or when the rule redirects/answers directly.</summary>
    public ImmutableArray<DestinationShare> Destinations { get; init; } = [];

    /// <summary>A copy target, if the rule mirrors, with the share of requests copied (0..1).</summary>
    public DestinationShare? Mirror { get; init; }

    /// <summary>Faults the rule injects, described (e.g. "delay 7s for 100% of requests").</summary>
    public ImmutableArray<string> Faults { get; init; } = [];

    /// <summary>One sentence for people: the outcome.</summary>
    public string Summary { get; init; } = string.Empty;
}
