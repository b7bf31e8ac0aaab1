using System.Collections.Immutable;
using System.Globalization;

using Microsoft.AspNetCore.Components;

using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Simulation;
using TrafficConsole.Web.Model;
using TrafficConsole.Web.Services;

namespace TrafficConsole.Web.Components.Controls;

/// <summary>The "Try a request" panel: builds a <see cref="SimulatedRequest"/> from the inputs and shows the service layer's answer.</summary>
public partial class RouteSimulatorPanel
{
    private static readonly string[] Methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

    private string _method = "GET";
    private string? _path = "/";
    private string? _headers;
    private string? _query;
    private string? _labels;
    private bool _againstDraft = true;
    private RouteSimulation? _simulation;

    [Inject]
    public required IRoutingChanges Traffic { get; init; }

    [Parameter, EditorRequired]
    public string Namespace { get; set; } = string.Empty;

    [Parameter, EditorRequired]
    public string Service { get; set; } = string.Empty;

    /// <summary>The editor's draft.</summary>
    [Parameter]
    public RoutingIntent? Draft { get; set; }

    /// <summary>True when the draft differs from the cluster.</summary>
    [Parameter]
    public bool DraftIsDirty { get; set; }

    /// <summary>Number of rules before the default route (to name the default route in results).</summary>
    [Parameter]
    public int Rules { get; set; }

    /// <summary>Version names in display order (colours).</summary>
    [Parameter]
    public IReadOnlyList<string> VersionNames { get; set; } = [];

    /// <summary>The request the inputs describe.</summary>
    public SimulatedRequest Request => new()
    {
        Method = _method,
        Path = string.IsNullOrWhiteSpace(_path) ? "/" : _path.Trim(),
        Headers = Pairs(_headers, ':').ToImmutableDictionary(static p => p.Key, static p => p.Value, StringComparer.OrdinalIgnoreCase),
        Query = Pairs(_query, '=').ToImmutableDictionary(static p => p.Key, static p => p.Value, StringComparer.Ordinal),
        SourceLabels = Pairs(_labels, '=').ToImmutableDictionary(static p => p.Key, static p => p.Value, StringComparer.Ordinal),
    };

    private string? HeaderError =>
        Lines(_headers).FirstOrDefault(static l => l.IndexOf(':', StringComparison.Ordinal) <= 0) is { } bad
            ? $"'{bad}' is not 'name: value'."
            : null;

    private void Run() => _simulation = Traffic.Simulate(Namespace, Service, _againstDraft ? Draft : null, Request);

    private string RuleLabel(int index, string? name)
    {
        string label = _againstDraft && Draft is { DefaultRoute: not null } && index == Rules
            ? "Default route"
            : string.Create(CultureInfo.InvariantCulture, $"Rule {index + 1}");
        return name is { Length: > 0 } ? $"{label} ({name})" : label;
    }

    private static ImmutableArray<WeightShare> Shares(SimulationResult result)
    {
        var split = new TrafficSplit([.. result.Destinations.Select(static d => new VersionWeight(d.Version ?? d.Subset ?? d.Host, (int)Math.Round(d.Probability * 10_000)))]);
        return RuleText.Shares(split);
    }

    private static string Probability(double probability) => (probability * 100).ToString("0.##", CultureInfo.InvariantCulture) + "%";

    private static string[] Lines(string? text) =>
        (text ?? string.Empty).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static Dictionary<string, string> Pairs(string? text, char separator)
    {
        var seen = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string line in Lines(text))
        {
            int at = line.IndexOf(separator, StringComparison.Ordinal);
            if (at > 0)
            {
                seen[line[..at].Trim()] = line[(at + 1)..].Trim();
            }
        }

        return seen;
    }
}
