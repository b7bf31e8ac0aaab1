using System.Collections.Immutable;
using System.Globalization;

using Microsoft.AspNetCore.Components;

using TrafficConsole.Mesh.Routing;
using TrafficConsole.Web.Model;

namespace TrafficConsole.Web.Components.Controls;

/// <summary>
/// The weight sliders of one split (traffic shifting, and every request-routing rule): each move goes through
/// the domain's <see cref="WeightEditor"/>, so the unlocked others rebalance and the total stays 100.
/// </summary>
public partial class WeightSliders
{
    /// <summary>The weights and locks being edited.</summary>
    [Parameter, EditorRequired]
    public WeightEditor Editor { get; set; } = new([]);

    /// <summary>Raised with the new editor after every move, lock or unlock.</summary>
    [Parameter]
    public EventCallback<WeightEditor> EditorChanged { get; set; }

    /// <summary>The service's versions in display order (colours and replica counts).</summary>
    [Parameter]
    public ImmutableArray<VersionSummary> Versions { get; set; } = [];

    /// <summary>True while nothing may be changed (a write is in flight).</summary>
    [Parameter]
    public bool Disabled { get; set; }

    /// <summary>The accessible name of the group.</summary>
    [Parameter]
    public string AriaLabel { get; set; } = "Traffic weights per version";

    /// <summary>The rows as drawn: one per slot of the editor.</summary>
    public IReadOnlyList<WeightRow> Rows => RowsOf(Editor, Versions);

    /// <summary>The rows for <paramref name="editor"/>: colour by the version's place in the service, replica text.</summary>
    public static ImmutableArray<WeightRow> RowsOf(WeightEditor editor, ImmutableArray<VersionSummary> versions)
    {
        ArgumentNullException.ThrowIfNull(editor);
        ImmutableArray<VersionSummary> all = versions.IsDefault ? [] : versions;
        IReadOnlyList<string> names = [.. all.Select(static v => v.Name)];
        return [.. editor.Slots.Select(slot =>
        {
            VersionSummary? version = all.FirstOrDefault(v => v.Name == slot.Version);
            string replicas = version is null
                ? "no workload"
                : string.Create(CultureInfo.InvariantCulture, $"{version.ReadyReplicas}/{version.DesiredReplicas} ready");
            return new WeightRow(slot.Version, VersionPalette.IndexOf(names, slot.Version), replicas, slot.Weight, slot.Locked);
        })];
    }

    /// <summary>
    /// An editor with one slot per version of the service (0 when the split does not name it), then any version the
    /// split names that has no workload, so the total still adds up.
    /// </summary>
    public static WeightEditor EditorFor(TrafficSplit split, ImmutableArray<VersionSummary> versions)
    {
        ArgumentNullException.ThrowIfNull(split);
        var result = new List<VersionWeight>();
        foreach (VersionSummary version in versions.IsDefault ? [] : versions)
        {
            result.Add(new VersionWeight(version.Name, split.WeightOf(version.Name)));
        }

        foreach (VersionWeight weight in split.Weights)
        {
            if (!result.Exists(r => r.Version == weight.Version))
            {
                result.Add(weight);
            }
        }

        return WeightEditor.From(new TrafficSplit([.. result]));
    }

    private Task SetWeight(string version, int value) => EditorChanged.InvokeAsync(Editor.Set(version, Math.Clamp(value, 0, 100)));

    private Task SetLocked(string version, bool locked) => EditorChanged.InvokeAsync(locked ? Editor.Lock(version) : Editor.Unlock(version));
}

/// <summary>One version's row of the sliders.</summary>
public sealed record WeightRow(string Version, int ColorIndex, string ReplicaText, int Percent, bool Locked);
