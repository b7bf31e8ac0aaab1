using System.Collections.Immutable;

using Microsoft.AspNetCore.Components;

using TrafficConsole.Web.Model;
using TrafficConsole.Web.Services;

namespace TrafficConsole.Web.Components.Controls;

/// <summary>What YAML mode asks the page to preview or apply: the typed resources and the revision they started from.</summary>
public sealed record YamlRequest(YamlDraft Draft, string? Revision, string? Reason = null);

/// <summary>YAML mode: edits the VirtualService and DestinationRule as text, validated by the service layer as the operator types.</summary>
public partial class YamlRoutingEditor
{
    private string _vs = string.Empty;
    private string _dr = string.Empty;
    private string? _revision;
    private bool _dirty;
    private bool _loaded;
    private string? _appliedRevision;
    private ImmutableArray<ValidationMessage> _messages = [];
    private string? _reason;

    [Inject]
    public required IRoutingChanges Traffic { get; init; }

    [Parameter, EditorRequired]
    public string Namespace { get; set; } = string.Empty;

    [Parameter, EditorRequired]
    public string Service { get; set; } = string.Empty;

    [Parameter, EditorRequired]
    public ServiceRouting Routing { get; set; } = null!;

    [Parameter]
    public bool Busy { get; set; }

    [Parameter]
    public string? BlockedReason { get; set; }

    [Parameter]
    public EventCallback<YamlRequest> OnPreview { get; set; }

    [Parameter]
    public EventCallback<YamlRequest> OnApply { get; set; }

    /// <summary>Raised when the typed YAML becomes unsaved or is reloaded.</summary>
    [Parameter]
    public EventCallback<bool> DirtyChanged { get; set; }

    /// <summary>True when the operator typed YAML that is not applied yet.</summary>
    public bool IsDirty => _dirty;

    /// <summary>The YAML as typed.</summary>
    public YamlDraft Draft => new(_vs, _dr);

    /// <summary>Why Apply is disabled; null when it is enabled.</summary>
    public string? ApplyBlockedReason =>
        Busy ? "A change is being applied."
        : _messages.FirstOrDefault(static m => m.Severity == MessageSeverity.Error) is { } error
            ? $"Fix the YAML first — {(string.IsNullOrEmpty(error.Path) ? error.Message : $"{error.Path}: {error.Message}")}"
        : ChangeContext.ReasonProblem(_reason) is { } reasonProblem ? reasonProblem
        : BlockedReason is not null ? BlockedReason
        : !_dirty ? "No changes to apply."
        : null;

    protected override void OnParametersSet()
    {
        // Follows the cluster until the operator types; an edited text is kept (the apply then reports the conflict).
        if (!_loaded || (!_dirty && Routing.Revision != _revision) || (_appliedRevision is not null && Routing.Revision == _appliedRevision))
        {
            _appliedRevision = null;
            LoadLatest();
        }
    }

    /// <summary>The YAML (or the form) was applied at <paramref name="revision"/>: reload once the cluster shows it.</summary>
    public void Applied(string revision)
    {
        if (Routing.Revision == revision)
        {
            LoadLatest();
        }
        else
        {
            _appliedRevision = revision;
        }
    }

    /// <summary>Throws the typed YAML away and starts again from the cluster's resources.</summary>
    public void LoadLatest()
    {
        _loaded = true;
        _vs = Routing.VirtualServiceYaml ?? string.Empty;
        _dr = Routing.DestinationRuleYaml ?? string.Empty;
        _revision = Routing.Revision;
        bool wasDirty = _dirty;
        _dirty = false;
        _reason = null;
        _messages = [];
        if (wasDirty)
        {
            _ = DirtyChanged.InvokeAsync(false);
        }
    }

    private void SetVs(string? text)
    {
        _vs = text ?? string.Empty;
        Edited();
    }

    private void SetDr(string? text)
    {
        _dr = text ?? string.Empty;
        Edited();
    }

    private void Edited()
    {
        if (!_dirty)
        {
            _ = DirtyChanged.InvokeAsync(true);
        }

        _dirty = true;
        _messages = Traffic.ValidateYaml(Namespace, Service, Draft);
    }

    private Task PreviewAsync() => OnPreview.InvokeAsync(new YamlRequest(Draft, _revision, ChangeContext.ReasonOf(_reason)));

    private Task ApplyAsync() => ApplyBlockedReason is null ? OnApply.InvokeAsync(new YamlRequest(Draft, _revision, ChangeContext.ReasonOf(_reason))) : Task.CompletedTask;
}
