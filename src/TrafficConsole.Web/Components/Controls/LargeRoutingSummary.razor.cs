using System.Globalization;

using Microsoft.AspNetCore.Components;

using TrafficConsole.Mesh.Routing;
using TrafficConsole.Web.Model;

namespace TrafficConsole.Web.Components.Controls;

/// <summary>Where the rule editor stops: limits that keep a service page usable whatever the cluster holds.</summary>
public static class RoutingLimits
{
    /// <summary>
    /// The most rules the editor builds forms for (each rule is a card with its own fields, ~70 elements and a validation pass).
    /// Beyond it the service page shows <see cref="LargeRoutingSummary"/>: a virtualized read-only list and how to edit as YAML.
    /// </summary>
    public const int MaxEditableRules = 200;

    /// <summary>True when <paramref name="routing"/> has more rules than the editor takes.</summary>
    public static bool TooLargeToEdit(ServiceRouting routing)
    {
        ArgumentNullException.ThrowIfNull(routing);
        return routing.Intent.Rules.Length > MaxEditableRules;
    }
}

/// <summary>
/// A service's request routing with more than <see cref="RoutingLimits.MaxEditableRules"/> rules: a one-line summary per rule in a
/// virtualized list (only the rows on screen exist in the page), the default route, and why and how to edit it as YAML.
/// </summary>
public partial class LargeRoutingSummary
{
    /// <summary>The routing to summarize.</summary>
    [Parameter, EditorRequired]
    public required ServiceRouting Routing { get; set; }

    /// <summary>The service's namespace (for the kubectl hint).</summary>
    [Parameter, EditorRequired]
    public required string Namespace { get; set; }

    /// <summary>The service (the VirtualService's name when it is not known).</summary>
    [Parameter, EditorRequired]
    public required string Service { get; set; }

    /// <summary>The routing resources as the page lists them (<c>VirtualService ns/name</c>), to name the VirtualService to edit.</summary>
    [Parameter]
    public IReadOnlyList<string> Resources { get; set; } = [];

    private string? VirtualServiceName =>
        Resources.FirstOrDefault(static r => r.StartsWith("VirtualService ", StringComparison.Ordinal)) is { } vs ? vs[(vs.IndexOf('/', StringComparison.Ordinal) + 1)..] : null;

    private const int MaxEditableRules = RoutingLimits.MaxEditableRules;

    private int RuleCount => Routing.Intent.Rules.Length;

    private (int Index, RouteRule Rule)[] Rules { get; set; } = [];

    protected override void OnParametersSet() =>
        Rules = [.. Routing.Intent.Rules.Select(static (rule, index) => (index, rule))];

    private static string Destinations(RouteRule rule) =>
        RuleText.Shares(rule.Destinations) is { IsDefaultOrEmpty: false } shares
            ? string.Join(" · ", shares.Select(static s => $"{s.Version} {s.Percent.ToString(CultureInfo.InvariantCulture)}%"))
            : "no destination";
}
