using System.Collections.Immutable;

using Microsoft.AspNetCore.Components;

using TrafficConsole.Mesh.Routing;
using TrafficConsole.Web.Model;

namespace TrafficConsole.Web.Components.Controls;

/// <summary>
/// Edits a rule's destinations: all to one version, or a weighted split through <see cref="WeightSliders"/>
/// (the traffic-shifting slider rules), plus an optional mirror.
/// </summary>
public partial class DestinationsEditor
{
    private WeightEditor _editor = new([]);
    private bool _single = true;
    private TrafficSplit? _seen;

    /// <summary>The rule's destinations.</summary>
    [Parameter, EditorRequired]
    public TrafficSplit Split { get; set; } = TrafficSplit.Empty;

    [Parameter]
    public EventCallback<TrafficSplit> SplitChanged { get; set; }

    /// <summary>The service's versions in display order.</summary>
    [Parameter, EditorRequired]
    public ImmutableArray<VersionSummary> Versions { get; set; } = [];

    /// <summary>The rule's path (<c>rules[0]</c>).</summary>
    [Parameter, EditorRequired]
    public string Path { get; set; } = string.Empty;

    [Parameter]
    public FieldMessages Messages { get; set; } = FieldMessages.None;

    [Parameter]
    public bool Disabled { get; set; }

    private string DestinationsPath => Path + ".destinations";

    private string MirrorPath => Path + ".destinations.mirror";

    private string? SingleVersion => Split.Weights.Where(static w => w.Weight > 0).Select(static w => w.Version).FirstOrDefault()
        ?? Split.Weights.Select(static w => w.Version).FirstOrDefault();

    protected override void OnParametersSet()
    {
        if (_seen is not null && _seen.Equals(Split))
        {
            return;
        }

        // The split changed from outside (first render, reset, live update): follow it; keep locks when it is ours.
        bool ours = _seen is not null && SameWeights(FromEditor(_editor, Split.Mirror), Split);
        _seen = Split;
        if (!ours)
        {
            _single = Split.Weights.Count(static w => w.Weight > 0) <= 1;
            _editor = WeightSliders.EditorFor(Percentages(Split), Versions);
        }
    }

    /// <summary>The destinations a weighted split writes: the versions with weight above 0, in the service's order.</summary>
    public static TrafficSplit FromEditor(WeightEditor editor, MirrorTarget? mirror)
    {
        ArgumentNullException.ThrowIfNull(editor);
        return new TrafficSplit([.. editor.Slots.Where(static s => s.Weight > 0).Select(static s => new VersionWeight(s.Version, s.Weight))], mirror);
    }

    private static TrafficSplit Percentages(TrafficSplit split) =>
        split.Weights.IsDefaultOrEmpty ? split : new TrafficSplit([.. RuleText.Shares(split).Select(static s => new VersionWeight(s.Version, s.Percent))], split.Mirror);

    private static bool SameWeights(TrafficSplit a, TrafficSplit b) =>
        a.Weights.Where(static w => w.Weight > 0).SequenceEqual(b.Weights.Where(static w => w.Weight > 0)) && Equals(a.Mirror, b.Mirror);

    private Task SetSingle(bool single)
    {
        _single = single;
        if (single)
        {
            string? version = Split.Weights.OrderByDescending(static w => w.Weight).Select(static w => w.Version).FirstOrDefault() ?? Versions.FirstOrDefault()?.Name;
            return version is null ? Task.CompletedTask : SetSingleVersion(version);
        }

        _editor = WeightSliders.EditorFor(Percentages(Split), Versions);
        return Task.CompletedTask;
    }

    private Task SetSingleVersion(string version) =>
        Publish(new TrafficSplit([new VersionWeight(version, 100)], Split.Mirror));

    private Task SetEditor(WeightEditor editor)
    {
        _editor = editor;
        return Publish(FromEditor(editor, Split.Mirror));
    }

    private Task EvenlyDistribute() => SetEditor(_editor.EvenlyDistribute());

    private Task SetMirrorOn(bool on)
    {
        if (!on)
        {
            return Publish(Split with { Mirror = null });
        }

        // The usual shadow target: the newest version that gets none of this rule's live traffic.
        string? target = Versions.Select(static v => v.Name).LastOrDefault(v => Split.WeightOf(v) == 0) ?? Versions.LastOrDefault()?.Name;
        return target is null ? Task.CompletedTask : Publish(Split with { Mirror = new MirrorTarget(target, 100) });
    }

    private Task SetMirror(MirrorTarget mirror) => Publish(Split with { Mirror = mirror });

    private Task Publish(TrafficSplit split)
    {
        _seen = split;
        return SplitChanged.InvokeAsync(split);
    }
}
