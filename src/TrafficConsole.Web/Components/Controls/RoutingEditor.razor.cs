using System.Collections.Immutable;
using System.Globalization;

using Microsoft.AspNetCore.Components;

using TrafficConsole.Mesh.Routing;
using TrafficConsole.Web.Model;
using TrafficConsole.Web.Services;

namespace TrafficConsole.Web.Components.Controls;

/// <summary>What the routing editor asks the page to preview or apply: the draft and the revision it is based on.</summary>
public sealed record RoutingRequest(RoutingIntent Intent, string? Revision, string? Reason = null);

/// <summary>
/// The request-routing editor: an ordered list of rules over the domain's <see cref="RoutingIntent"/>, validated by
/// the service layer on every edit. Like the traffic-shifting panel it follows the cluster while there is no draft,
/// and keeps (and marks stale) a draft when someone else changes the service.
/// </summary>
public partial class RoutingEditor : DraftEditor
{
    private const int YamlTab = 3;

    private RoutingIntent _draft = new();
    private RoutingIntent? _baseline;
    private ServiceRouting? _loadedFrom;
    private string? _baselineRevision;
    private string? _draftRevision;
    private bool _dirty;
    private bool _stale;
    private List<Guid> _ids = [];
    private readonly HashSet<Guid> _expanded = [];
    private bool _defaultExpanded;
    private FieldMessages _messages = FieldMessages.None;
    private int _tab;
    private YamlRoutingEditor? _yaml;
    private string? _appliedRevision;
    private string? _reason;

    [Inject]
    public required IRoutingChanges Traffic { get; init; }

    [Parameter, EditorRequired]
    public string Namespace { get; set; } = string.Empty;

    [Parameter, EditorRequired]
    public string Service { get; set; } = string.Empty;

    /// <summary>The service's host (<c>reviews.bookinfo.svc.cluster.local</c>).</summary>
    [Parameter]
    public string Host { get; set; } = string.Empty;

    [Parameter, EditorRequired]
    public ImmutableArray<VersionSummary> Versions { get; set; } = [];

    /// <summary>The routing in the cluster the draft starts from.</summary>
    [Parameter, EditorRequired]
    public ServiceRouting Routing { get; set; } = null!;

    /// <summary>Who made the cluster's latest change (for the stale-draft marker).</summary>
    [Parameter]
    public string? ChangedBy { get; set; }

    [Parameter]
    public bool Busy { get; set; }

    /// <summary>Why nothing can be applied right now (e.g. the API server is unreachable); null when it can.</summary>
    [Parameter]
    public string? BlockedReason { get; set; }

    [Parameter]
    public EventCallback<RoutingRequest> OnPreview { get; set; }

    [Parameter]
    public EventCallback<RoutingRequest> OnApply { get; set; }

    [Parameter]
    public EventCallback<YamlRequest> OnPreviewYaml { get; set; }

    [Parameter]
    public EventCallback<YamlRequest> OnApplyYaml { get; set; }


    /// <summary>The draft as it stands.</summary>
    public RoutingIntent Draft => _draft;

    /// <summary>The revision the draft is based on.</summary>
    public string? DraftRevision => _draftRevision;

    /// <summary>True when the operator changed something since the draft was loaded (or typed what a field cannot take).</summary>
    public override bool IsDirty => FormDirty || (_yaml?.IsDirty ?? false);

    // The form's draft: edited, or a field holds text it cannot take yet (YAML mode keeps its own).
    private bool FormDirty => _dirty || Entries.Count > 0;

    /// <summary>True when the cluster changed under an unsaved draft.</summary>
    public bool IsStale => _stale && FormDirty;

    /// <summary>The validation of the draft as it stands.</summary>
    public ImmutableArray<ValidationMessage> Messages => _messages.All;

    // Without any routing resource and no rule, a missing default route means "Kubernetes decides", not 404.
    private bool NoDefaultMatters => !_draft.Rules.IsEmpty || Routing.VirtualServiceYaml is not null;

    /// <summary>Why Apply is disabled, in words; null when it is enabled.</summary>
    public string? ApplyBlockedReason
    {
        get
        {
            if (Routing.ReadOnlyReason is { } readOnly)
            {
                return readOnly;
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

            ImmutableArray<ValidationMessage> errors = [.. _messages.All.Where(static m => m.Severity == MessageSeverity.Error)];
            if (!errors.IsEmpty)
            {
                string first = string.IsNullOrEmpty(errors[0].Path) ? errors[0].Message : $"{errors[0].Path}: {errors[0].Message}";
                return errors.Length == 1
                    ? $"Fix the error first — {first}"
                    : string.Create(CultureInfo.InvariantCulture, $"Fix the {errors.Length} errors first — {first}");
            }

            if (BlockedReason is not null)
            {
                return BlockedReason;
            }

            return _dirty ? null : "No changes to apply.";
        }
    }

    protected override void OnParametersSet()
    {
        if (_baseline is null || (_appliedRevision is not null && Routing.Revision == _appliedRevision))
        {
            // First render, or the cluster now shows the operator's own apply: start again from it.
            _appliedRevision = null;
            LoadBaseline();
            return;
        }

        if (Routing.Revision == _baselineRevision)
        {
            // The same routing handed down again (the page re-rendered): nothing to follow, and the rule cards stay as they are.
            if (!FormDirty && !ReferenceEquals(Routing, _loadedFrom))
            {
                LoadBaseline();
            }

            return;
        }

        if (!FormDirty)
        {
            LoadBaseline();
            return;
        }

        // Someone else changed the service under an unsaved draft: keep the draft, remember the newer revision.
        _loadedFrom = Routing;
        _baseline = Routing.Intent;
        _baselineRevision = Routing.Revision;
        _stale = true;
    }

    /// <summary>Throws the draft away and starts again from the cluster's latest state.</summary>
    public void LoadLatest()
    {
        LoadBaseline();
        _yaml?.LoadLatest();
    }

    /// <summary>
    /// The operator's draft (or YAML) was applied at <paramref name="revision"/>: once the cluster shows that revision
    /// (now, or with the next live update) the editors start again from it instead of marking the draft stale.
    /// </summary>
    public void Applied(string revision)
    {
        if (Routing.Revision == revision)
        {
            LoadLatest();
            return;
        }

        _appliedRevision = revision;
        _yaml?.Applied(revision);
    }

    /// <summary>Keeps the draft but bases it on the cluster's latest revision (the next Apply overwrites that change).</summary>
    public void KeepDraftOnLatest()
    {
        _draftRevision = _baselineRevision;
        _stale = false;
    }

    private void LoadBaseline()
    {
        _loadedFrom = Routing;
        _baseline = Routing.Intent;
        _baselineRevision = Routing.Revision;
        _draftRevision = Routing.Revision;
        _stale = false;
        _dirty = false;
        _reason = null;
        Entries.Clear();
        _draft = Routing.Intent;
        _ids = [.. _draft.Rules.Select(static _ => Guid.NewGuid())];
        _expanded.Clear();
        _defaultExpanded = false;
        Validate();
    }

    private void Edit(RoutingIntent intent)
    {
        _draft = intent;
        _dirty = true;
        Validate();
    }

    private void Validate() => _messages = new FieldMessages(Traffic.ValidateRouting(Namespace, Service, _draft));

    private int? TabBadge(string tab)
    {
        int errors = tab switch
        {
            "rules" => _messages.ErrorsUnder("rules") + _messages.ErrorsUnder("defaultRoute"),
            "policy" => _messages.ErrorsUnder("policy") + _messages.ErrorsUnder("versionPolicies"),
            _ => _messages.ErrorsUnder("gateways") + _messages.ErrorsUnder("extraHosts"),
        };
        return errors == 0 ? null : errors;
    }

    private void SetRule(int index, RouteRule rule) => Edit(_draft with { Rules = _draft.Rules.SetItem(index, rule) });

    private void SetDefault(RouteRule rule) => Edit(_draft with { DefaultRoute = rule });

    private void SetExpanded(Guid id, bool on)
    {
        if (on)
        {
            _expanded.Add(id);
        }
        else
        {
            _expanded.Remove(id);
        }
    }

    private void Move(int index, int by)
    {
        int to = index + by;
        if (to < 0 || to >= _draft.Rules.Length)
        {
            return;
        }

        RouteRule rule = _draft.Rules[index];
        (_ids[index], _ids[to]) = (_ids[to], _ids[index]);
        Edit(_draft with { Rules = _draft.Rules.RemoveAt(index).Insert(to, rule) });
    }

    private void Duplicate(int index)
    {
        RouteRule rule = _draft.Rules[index];
        RouteRule copy = rule with { Name = rule.Name is { Length: > 0 } name ? $"{name}-copy" : null };
        var id = Guid.NewGuid();
        _ids.Insert(index + 1, id);
        _expanded.Add(id);
        Edit(_draft with { Rules = _draft.Rules.Insert(index + 1, copy) });
    }

    private void Delete(int index)
    {
        _expanded.Remove(_ids[index]);
        _ids.RemoveAt(index);
        Edit(_draft with { Rules = _draft.Rules.RemoveAt(index) });
    }

    private void AddRule()
    {
        var rule = new RouteRule
        {
            Matches = [new RequestMatch { Conditions = [MatchEditor.NewCondition] }],
            Destinations = FirstVersion(),
        };
        var id = Guid.NewGuid();
        _ids.Add(id);
        _expanded.Add(id);
        Edit(_draft with { Rules = _draft.Rules.Add(rule) });
    }

    private void AddDefault()
    {
        _defaultExpanded = true;
        Edit(_draft with { DefaultRoute = new RouteRule { Destinations = FirstVersion() } });
    }

    private void DeleteDefault()
    {
        _defaultExpanded = false;
        Edit(_draft with { DefaultRoute = null });
    }

    private void SetVersionPolicy(string version, TrafficPolicyIntent? policy) =>
        Edit(_draft with { VersionPolicies = policy is null ? _draft.VersionPolicies.Remove(version) : _draft.VersionPolicies.SetItem(version, policy) });

    private TrafficSplit FirstVersion() =>
        Versions.IsDefaultOrEmpty ? TrafficSplit.Empty : new TrafficSplit([new VersionWeight(Versions[0].Name, 100)]);

    // YAML mode is part of this editor's draft: re-render so the marker and the page follow it.
    private void YamlDirtyChanged(bool dirty) => StateHasChanged();

    private Task PreviewAsync() => OnPreview.InvokeAsync(new RoutingRequest(_draft, _draftRevision, ChangeContext.ReasonOf(_reason)));

    // The button may have been clicked in the moment a field turned invalid (the change event runs first): check again.
    private Task ApplyAsync() => ApplyBlockedReason is null ? OnApply.InvokeAsync(new RoutingRequest(_draft, _draftRevision, ChangeContext.ReasonOf(_reason))) : Task.CompletedTask;

}
