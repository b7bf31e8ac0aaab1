using System.Collections.Immutable;
using System.Globalization;

using Microsoft.AspNetCore.Components;

using MudBlazor.Utilities;

using TrafficConsole.Mesh.Routing;
using TrafficConsole.Web.Model;

namespace TrafficConsole.Web.Components.Controls;

/// <summary>A rule of the request-routing editor: a summary card that expands into its editors.</summary>
public partial class RuleCard
{
    [Parameter, EditorRequired]
    public RouteRule Rule { get; set; } = new();

    [Parameter]
    public EventCallback<RouteRule> RuleChanged { get; set; }

    /// <summary>Position among the rules (0-based); ignored for the default route.</summary>
    [Parameter]
    public int Index { get; set; }

    /// <summary>Number of rules (to disable "move down" on the last).</summary>
    [Parameter]
    public int Count { get; set; }

    /// <summary>True for the default route (no matches; always last).</summary>
    [Parameter]
    public bool IsDefault { get; set; }

    [Parameter, EditorRequired]
    public ImmutableArray<VersionSummary> Versions { get; set; } = [];

    [Parameter]
    public FieldMessages Messages { get; set; } = FieldMessages.None;

    [Parameter]
    public bool Expanded { get; set; }

    [Parameter]
    public EventCallback<bool> ExpandedChanged { get; set; }

    [Parameter]
    public bool Disabled { get; set; }

    [Parameter]
    public EventCallback OnMoveUp { get; set; }

    [Parameter]
    public EventCallback OnMoveDown { get; set; }

    [Parameter]
    public EventCallback OnDuplicate { get; set; }

    [Parameter]
    public EventCallback OnDelete { get; set; }

    /// <summary>The rule's path in the intent.</summary>
    public string Path => IntentPath.Rule(Index, IsDefault);

    private string Title => IsDefault ? "Default route" : Rule.Name is { Length: > 0 } name ? name : $"Rule {(Index + 1).ToString(CultureInfo.InvariantCulture)}";

    private IReadOnlyList<string> VersionNames => [.. Versions.Select(static v => v.Name)];

    private ImmutableArray<string> Badges => RuleText.Badges(Rule);

    private int ErrorCount => Messages.ErrorsUnder(Path);

    // Messages about the rule as a whole (or fields without an input of their own) are listed under the editors.
    private ImmutableArray<ValidationMessage> UnplacedMessages =>
        [.. Messages.Under(Path).Where(m => m.Severity != MessageSeverity.Error || !IsShownAtField(m.Path))];

    private string CardClass => new CssBuilder("tc-rule")
        .AddClass("tc-rule--default", IsDefault)
        .AddClass("tc-rule--expanded", Expanded)
        .AddClass("tc-rule--error", ErrorCount > 0)
        .Build();

    private static bool IsShownAtField(string path) =>
        path.EndsWith(".key", StringComparison.Ordinal) || path.EndsWith(".value", StringComparison.Ordinal)
        || path.EndsWith(".destinations", StringComparison.Ordinal) || path.Contains(".mirror", StringComparison.Ordinal)
        || path.Contains(".fault.", StringComparison.Ordinal) || path.EndsWith(".timeout", StringComparison.Ordinal)
        || path.Contains(".retries.", StringComparison.Ordinal) || path.Contains("Headers.", StringComparison.Ordinal)
        || path.EndsWith(".name", StringComparison.Ordinal);

    private Task Changed(RouteRule rule) => RuleChanged.InvokeAsync(rule);

    private Task Toggle() => ExpandedChanged.InvokeAsync(!Expanded);
}
