using System.Collections.Immutable;

using Microsoft.AspNetCore.Components;

using TrafficConsole.Mesh.Routing;
using TrafficConsole.Web.Model;
using TrafficConsole.Web.Services;

namespace TrafficConsole.Web.Components.Controls;

/// <summary>What the panel asks the page to preview or apply: the draft and the revision it is based on.</summary>
public sealed record DraftRequest(TrafficDraft Draft, string? Revision, string? Reason = null);

/// <summary>
/// Edits a draft split with the domain's <see cref="WeightEditor"/> rules. It follows the cluster while the
/// operator has no draft, and keeps (and marks stale) a draft when someone else changes the service.
/// </summary>
public partial class TrafficShiftingPanel : DraftEditor
{
    private WeightEditor _editor = null!;
    private ImmutableArray<WeightRow> _rows = [];
    private TrafficDraft? _baseline;
    private string? _baselineRevision;
    private string? _draftRevision;
    private bool _stale;
    private bool _mirrorOn;
    private string? _mirrorVersion;
    private double _mirrorPercent = 100;
    private string? _reason;

    /// <summary>The service's versions in display order.</summary>
    [Parameter, EditorRequired]
    public ImmutableArray<VersionSummary> Versions { get; set; } = [];

    /// <summary>The split in the cluster (or implied by replicas when nothing routes) the draft starts from.</summary>
    [Parameter, EditorRequired]
    public TrafficDraft Baseline { get; set; } = new([], null);

    /// <summary>The cluster revision of <see cref="Baseline"/>.</summary>
    [Parameter, EditorRequired]
    public string? BaselineRevision { get; set; }

    /// <summary>Who made the cluster's latest change (for the stale-draft marker).</summary>
    [Parameter]
    public string? BaselineChangedBy { get; set; }

    /// <summary>Why the routing cannot be edited here; null when it can.</summary>
    [Parameter]
    public string? ReadOnlyReason { get; set; }

    /// <summary>True when match rules precede the split the sliders edit.</summary>
    [Parameter]
    public bool HasMatchRules { get; set; }

    /// <summary>True when the cluster has routing resources for the service (Delete is possible).</summary>
    [Parameter]
    public bool HasRouting { get; set; }

    /// <summary>True while a write is in flight.</summary>
    [Parameter]
    public bool Busy { get; set; }

    /// <summary>Why nothing can be applied right now (e.g. the API server is unreachable); null when it can.</summary>
    [Parameter]
    public string? BlockedReason { get; set; }

    /// <summary>Why Delete traffic routing is not allowed (e.g. the user may not delete VirtualServices); null when it is.</summary>
    [Parameter]
    public string? DeleteBlockedReason { get; set; }

    [Parameter]
    public EventCallback<DraftRequest> OnPreview { get; set; }

    [Parameter]
    public EventCallback<DraftRequest> OnApply { get; set; }

    [Parameter]
    public EventCallback OnDelete { get; set; }


    /// <summary>The draft as it stands.</summary>
    public TrafficDraft Draft => new(DraftWeights, CurrentMirror);

    /// <summary>The revision the draft is based on (sent with Apply for optimistic concurrency).</summary>
    public string? DraftRevision => _draftRevision;

    /// <summary>True when the draft differs from the cluster, or a field holds text not yet taken into it.</summary>
    public override bool IsDirty => (_baseline is not null && !SameDraft(Draft, _baseline)) || Entries.Count > 0;

    /// <summary>True when the cluster changed under an unsaved draft.</summary>
    public bool IsStale => _stale && IsDirty;

    /// <summary>Percent still to assign (negative when over 100).</summary>
    public int Remaining => _editor?.Remaining ?? 0;

    private bool IsReadOnly => ReadOnlyReason is not null;

    private ImmutableArray<WeightShare> DraftWeights => [.. _rows.Select(static r => new WeightShare(r.Version, r.Percent))];

    private IReadOnlyList<string> VersionNames => [.. Versions.Select(static v => v.Name)];

    private MirrorShare? CurrentMirror => _mirrorOn && _mirrorVersion is not null ? new MirrorShare(_mirrorVersion, _mirrorPercent) : null;

    private string RemainingClass => Remaining == 0 ? "tc-remaining tc-remaining--ok" : "tc-remaining tc-remaining--off";

    /// <summary>Why Apply is disabled, in words; null when it is enabled.</summary>
    public string? ApplyBlockedReason
    {
        get
        {
            if (IsReadOnly)
            {
                return ReadOnlyReason;
            }

            if (Busy)
            {
                return "A change is being applied.";
            }

            if (Entries.First is { } entry)
            {
                return $"Fix {entry}";
            }

            if (ChangeContext.ReasonProblem(_reason) is { } reasonProblem)
            {
                return reasonProblem;
            }

            if (Remaining != 0)
            {
                int total = 100 - Remaining;
                return Remaining > 0
                    ? $"The weights add up to {total}%: assign the remaining {Remaining}% to apply."
                    : $"The weights add up to {total}%: remove {-Remaining}% to apply.";
            }

            if (_mirrorOn && _mirrorVersion is null)
            {
                return "Pick the version to mirror to, or turn mirroring off.";
            }

            if (BlockedReason is not null)
            {
                return BlockedReason;
            }

            // Without routing, applying the unchanged split still pins it in a VirtualService.
            return HasRouting && !IsDirty ? "No changes to apply." : null;
        }
    }


    protected override void OnParametersSet()
    {
        if (_baseline is null)
        {
            LoadBaseline();
            return;
        }

        if (BaselineRevision == _baselineRevision)
        {
            // The routing did not change. Without routing, scaling moves the split replicas imply:
            // the sliders follow it unless the operator is editing, and no one "changed" anything.
            if (!SameDraft(Baseline, _baseline) && !IsDirty)
            {
                LoadBaseline();
                return;
            }

            _baseline = IsDirty ? _baseline : Baseline;
            RebuildRows();
            return;
        }

        bool hadDraft = IsDirty;
        if (!hadDraft || SameDraft(Draft, Baseline))
        {
            // No draft (or the cluster now holds exactly the draft, e.g. after our own Apply): follow the cluster.
            LoadBaseline();
            return;
        }

        // Someone else changed the service under an unsaved draft: keep the draft, remember what it is based on.
        _baseline = Baseline;
        _baselineRevision = BaselineRevision;
        _stale = true;
        RebuildRows();
    }

    /// <summary>Throws the draft away and starts again from the cluster's latest state.</summary>
    public void LoadLatest()
    {
        LoadBaseline();
    }

    /// <summary>Keeps the draft but bases it on the cluster's latest revision (the next Apply overwrites that change).</summary>
    public void KeepDraftOnLatest()
    {
        _draftRevision = _baselineRevision;
        _stale = false;
    }

    private void LoadBaseline()
    {
        _baseline = Baseline;
        _baselineRevision = BaselineRevision;
        _draftRevision = BaselineRevision;
        _stale = false;
        _reason = null;
        Entries.Clear();
        _editor = WeightEditor.From(ToSplit(Baseline.Weights));
        _mirrorOn = Baseline.Mirror is not null;
        _mirrorVersion = Baseline.Mirror?.Version;
        _mirrorPercent = Baseline.Mirror?.Percent ?? 100;
        RebuildRows();
    }

    private TrafficSplit ToSplit(ImmutableArray<WeightShare> weights) =>
        WeightSliders.EditorFor(new TrafficSplit([.. (weights.IsDefault ? [] : weights).Select(static w => new VersionWeight(w.Version, w.Percent))]), Versions).ToSplit();

    private void RebuildRows() => _rows = WeightSliders.RowsOf(_editor, Versions);

    private void SetEditor(WeightEditor editor)
    {
        _editor = editor;
        RebuildRows();
    }

    private void EvenlyDistribute()
    {
        _editor = _editor.EvenlyDistribute();
        RebuildRows();
    }

    private void SetMirrorOn(bool on)
    {
        _mirrorOn = on;
        if (on && _mirrorVersion is null)
        {
            // The usual shadow target is the newest version that gets no live traffic yet.
            _mirrorVersion = _rows.LastOrDefault(static r => r.Percent == 0)?.Version ?? _rows.LastOrDefault()?.Version;
        }
    }

    private void SetMirrorVersion(string version) => _mirrorVersion = version;

    private void SetMirrorPercent(double percent) => _mirrorPercent = Math.Clamp(percent, 0, 100);

    private Task PreviewAsync() => OnPreview.InvokeAsync(new DraftRequest(Draft, _draftRevision, ChangeContext.ReasonOf(_reason)));

    // The button may have been clicked in the moment its field turned invalid (the change event runs first): check again.
    private Task ApplyAsync() => ApplyBlockedReason is null ? OnApply.InvokeAsync(new DraftRequest(Draft, _draftRevision, ChangeContext.ReasonOf(_reason))) : Task.CompletedTask;

    private static bool SameDraft(TrafficDraft a, TrafficDraft b)
    {
        static IEnumerable<WeightShare> NonZero(ImmutableArray<WeightShare> weights) =>
            (weights.IsDefault ? [] : weights).Where(static w => w.Percent != 0).OrderBy(static w => w.Version, StringComparer.Ordinal);

        return NonZero(a.Weights).SequenceEqual(NonZero(b.Weights)) && Equals(a.Mirror, b.Mirror);
    }
}
