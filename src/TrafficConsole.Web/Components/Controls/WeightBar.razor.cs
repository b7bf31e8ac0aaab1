using Microsoft.AspNetCore.Components;

using MudBlazor;
using MudBlazor.Utilities;

using TrafficConsole.Web.Model;

namespace TrafficConsole.Web.Components.Controls;

/// <summary>A stacked bar of traffic weights per version, coloured like the version's slider.</summary>
public partial class WeightBar : MudComponentBase
{
    /// <summary>The shares to draw, in percent (segments of 0% are left out of the bar).</summary>
    [Parameter, EditorRequired]
    public IReadOnlyList<WeightShare> Weights { get; set; } = [];

    /// <summary>The service's version names in display order; a version's position picks its colour.</summary>
    [Parameter]
    public IReadOnlyList<string> VersionNames { get; set; } = [];

    /// <summary>A thin bar without labels inside the segments (for table rows).</summary>
    [Parameter]
    public bool Compact { get; set; }

    /// <summary>Shows "v1 30 · v2 70" under the bar.</summary>
    [Parameter]
    public bool ShowLegend { get; set; } = true;

    /// <summary>Draws the bar hatched: the split is implied (by replicas), not configured.</summary>
    [Parameter]
    public bool Implied { get; set; }

    /// <summary>The weights as text, e.g. <c>v1 30 · v2 70</c>.</summary>
    public string WeightsText => string.Join(" · ", Weights.Select(static w => $"{w.Version} {w.Percent}"));

    private string AriaLabel => (Implied ? "Implied traffic split: " : "Traffic split: ")
        + string.Join(", ", Weights.Select(static w => $"{w.Version} {w.Percent} percent"));

    private string Classname => new CssBuilder("tc-weightbar")
        .AddClass("tc-weightbar--compact", Compact)
        .AddClass("tc-weightbar--implied", Implied)
        .AddClass(Class)
        .Build();
}
