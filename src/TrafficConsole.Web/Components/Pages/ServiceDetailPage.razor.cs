using System.Collections.Immutable;

using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Routing;

using MudBlazor;

using TrafficConsole.Web.Auth;
using TrafficConsole.Web.Components.Controls;
using TrafficConsole.Web.Components.Dialogs;
using TrafficConsole.Web.Model;
using TrafficConsole.Web.Services;

namespace TrafficConsole.Web.Components.Pages;

/// <summary>
/// One service: its versions, the routing in the cluster, the editors (traffic shifting, request routing), its history
/// with rollback, and "All traffic to stable"; updated live.
/// </summary>
public partial class ServiceDetailPage : IAsyncDisposable
{
    private static readonly DialogOptions s_wideDialog = new() { MaxWidth = MaxWidth.Large, FullWidth = true, CloseButton = true };
    private static readonly DialogOptions s_smallDialog = new() { MaxWidth = MaxWidth.Small, FullWidth = true, CloseButton = true };
    private static readonly DialogOptions s_conflictDialog = new() { MaxWidth = MaxWidth.ExtraLarge, FullWidth = true, CloseButton = true };
    private const int HistoryTab = 2;
    private const int SeenCap = 32;

    private ServiceDetail? _detail;
    private ProxySyncInfo? _proxySync;
    private TrafficShiftingPanel? _panel;
    private ServiceRouting? _routing;
    private RoutingEditor? _routingEditor;
    private OutcomeMessage? _outcome;
    private ConnectionHealth? _health;
    private bool _busy;
    private string? _watchedKey;
    private NamespacePermissions? _permissions;
    private ServiceHistory? _history;
    private int _tabIndex;
    private bool _shiftingDirty;
    private bool _routingDirty;
    // The states this page has shown, by revision: a draft's revision names the state it started from (the conflict view's first column).
    private readonly Dictionary<string, ServiceDetail> _seen = new(StringComparer.Ordinal);
    private readonly Queue<string> _seenOrder = new();
    private readonly LiveLoop _live = new();

    [Inject]
    public required ITrafficService Traffic { get; init; }

    [Inject]
    public required IDialogService Dialogs { get; init; }

    [Inject]
    public required ISnackbar Snackbar { get; init; }

    [Inject]
    public required IActorAccessor Actors { get; init; }

    [Inject]
    public required ConsoleSession Session { get; init; }

    [CascadingParameter]
    public Task<AuthenticationState>? AuthenticationState { get; set; }

    [CascadingParameter]
    public ConsoleUser? User { get; set; }

    /// <summary>The namespace from the URL.</summary>
    [Parameter]
    public string Namespace { get; set; } = string.Empty;

    /// <summary>The service from the URL.</summary>
    [Parameter]
    public string Service { get; set; } = string.Empty;

    /// <summary><c>?tab=history</c> opens the history tab (the audit list links there).</summary>
    [SupplyParameterFromQuery(Name = "tab")]
    public string? Tab { get; set; }

    /// <summary>True while either editor holds a draft that is not applied (leaving the page asks first).</summary>
    public bool HasDraft => (_panel?.IsDirty ?? false) || (_routingEditor?.IsDirty ?? false);

    /// <summary>Why "All traffic to stable" is disabled; null when it is enabled.</summary>
    public string? ToStableBlockedReason
    {
        get
        {
            if (_detail is null)
            {
                return "The service does not exist.";
            }

            if (BlockedReason is { } blocked)
            {
                return blocked;
            }

            RoutingSummary routing = _detail.Summary.Routing;
            return RollbackConfirm.StableBlockedReason(routing.Kind, routing.ReadOnlyReason, routing.Effective, _history?.Stable);
        }
    }

    private string? MarkStableBlockedReason =>
        BlockedReason ?? (_detail is { RoutingResources.IsDefaultOrEmpty: true }
            ? "The stable version is kept on the VirtualService: apply a routing first."
            : _detail?.Summary.Routing.Kind == RoutingKind.ReadOnly ? _detail.Summary.Routing.ReadOnlyReason : null);

    // Promote writes the routes as well as the mark: what blocks either blocks it.
    private string? PromoteBlockedReason => MarkStableBlockedReason;

    private string ServicesHref => $"namespaces/{Uri.EscapeDataString(Namespace)}/services";

    private IReadOnlyList<string> VersionNames => _detail is null ? [] : [.. _detail.Summary.Versions.Select(static v => v.Name)];

    private string? BlockedReason => _health?.State == ConnectionState.Unreachable
        ? "The Kubernetes API server is unreachable; apply once it answers again."
        : _permissions?.ApplyDeniedReason;

    // Delete needs delete rights on the routing resources: a viewer sees why the button is off.
    private string? DeleteBlockedReason => _permissions?.DeleteDeniedReason;

    private List<BreadcrumbItem> Breadcrumbs =>
    [
        new BreadcrumbItem(Namespace, href: ServicesHref),
        new BreadcrumbItem("services", href: ServicesHref),
        new BreadcrumbItem(Service, href: null, disabled: true),
    ];

    /// <summary>The split the draft starts from: the routing in the cluster, or the one replica counts imply.</summary>
    public static TrafficDraft ClusterDraft(RoutingSummary routing)
    {
        ArgumentNullException.ThrowIfNull(routing);
        ImmutableArray<WeightShare> weights = routing.Kind == RoutingKind.None || routing.Effective.IsDefaultOrEmpty
            ? routing.ImpliedByReplicas
            : routing.Effective;
        return new TrafficDraft(weights.IsDefault ? [] : weights, routing.Mirror);
    }

    /// <summary>Why traffic splits the way it does without routing, in the operator's words.</summary>
    public static string ImpliedExplanation(ServiceSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        int pods = summary.Versions.Sum(static v => v.ReadyReplicas);
        if (pods == 0)
        {
            return "No traffic routing, and no ready pods: nothing receives traffic yet.";
        }

        string perVersion = string.Join(", ", summary.Versions.Select(static v => $"{v.Name} {v.ReadyReplicas}"));
        return $"No traffic routing: the split is implied by replicas — {pods} ready pod{(pods == 1 ? string.Empty : "s")} "
            + $"share requests equally ({perVersion}). Sending 1% to a canary this way would need 100 pods.";
    }

    private static string KindLabel(RoutingSummary routing) => routing.Kind switch
    {
        RoutingKind.Split => "weighted split",
        RoutingKind.Rules => "match rules + split",
        RoutingKind.ReadOnly => "read-only",
        _ => "no routing",
    };

    protected override async Task OnParametersSetAsync()
    {
        string key = $"{Namespace}/{Service}";
        if (key == _watchedKey)
        {
            return;
        }

        await _live.StopAsync();
        _watchedKey = key;
        _outcome = null;
        // Read before anything the page shows: what changes from here on, even while permissions load, is delivered.
        long since = Traffic.Version;
        _health = Traffic.Health;
        _seen.Clear();
        _seenOrder.Clear();
        _tabIndex = string.Equals(Tab, "history", StringComparison.OrdinalIgnoreCase) ? HistoryTab : 0;
        Refresh();
        _permissions = await Session.PermissionsAsync(Namespace);
        _history = ReadHistory();
        string ns = Namespace, service = Service;
        await _live.RestartAsync(ct => WatchAsync(ns, service, since, ct));
    }

    private async Task WatchAsync(string ns, string service, long since, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (TrafficUpdate update in Traffic.WatchAsync(ns, since, cancellationToken).ConfigureAwait(false))
            {
                bool mine = update.Resync || update.Services.Any(s => s.Namespace == ns && s.Service == service);
                if (!mine && update.Health is null)
                {
                    continue;
                }

                await InvokeAsync(() =>
                {
                    if (update.Health is not null)
                    {
                        _health = update.Health;
                    }

                    if (mine)
                    {
                        // The editors keep an unsaved draft and mark it stale; without a draft they follow.
                        Refresh();
                    }

                    StateHasChanged();
                }).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Navigated away.
        }
    }

    // Leaving with a draft: say what would be lost and let the operator stay.
    private async Task ConfirmLeaveAsync(LocationChangingContext context)
    {
        if (!HasDraft)
        {
            return;
        }

        string what = (_panel?.IsDirty ?? false, _routingEditor?.IsDirty ?? false) switch
        {
            (true, true) => "a traffic-shifting draft and a request-routing draft",
            (true, false) => $"a traffic-shifting draft ({Describe(_panel!.Draft)})",
            _ => "a request-routing draft",
        };
        bool? leave = await Dialogs.ShowMessageBoxAsync(
            "Leave without applying?",
            $"You have {what} for {Service} that is not applied. Leaving discards it; nothing in the cluster changes.",
            yesText: "Discard and leave",
            cancelText: "Stay");
        if (leave != true)
        {
            context.PreventNavigation();
        }
    }

    private async Task PreviewAsync(DraftRequest request)
    {
        RoutingPreview preview = Traffic.Preview(Namespace, Service, request.Draft);
        var parameters = new DialogParameters<PreviewDialog>
        {
            { d => d.Service, Service },
            { d => d.Preview, preview },
            { d => d.CanApply, _panel?.ApplyBlockedReason is null },
            { d => d.VersionNames, VersionNames },
            { d => d.After, request.Draft.Weights },
            { d => d.Reason, request.Reason },
        };
        if (_detail is not null)
        {
            parameters.Add(d => d.Before, ClusterDraft(_detail.Summary.Routing).Weights);
            parameters.Add(d => d.BeforeIsImplied, _detail.Summary.Routing.Kind == RoutingKind.None);
        }

        IDialogReference dialog = await Dialogs.ShowAsync<PreviewDialog>($"Preview {Service}", parameters, s_wideDialog);
        DialogResult? result = await dialog.Result;
        if (result is { Canceled: false })
        {
            // Apply what was previewed, based on the revision the draft started from.
            await ApplyDraftAsync(request, (result.Data as PreviewDecision)?.Reason);
        }
    }

    private Task ApplyAsync(DraftRequest request) => ApplyDraftAsync(request, request.Reason);

    private async Task ApplyDraftAsync(DraftRequest request, string? reason)
    {
        if (_detail is null)
        {
            return;
        }

        ChangeOutcome outcome = await WriteAsync((change, ct) =>
            Traffic.ApplyAsync(Namespace, Service, request.Draft, request.Revision, change with { Reason = reason }, ct));

        switch (outcome)
        {
            case ChangeOutcome.Applied:
                Refresh();
                Snackbar.Add($"Applied to {Service}: {Describe(request.Draft)}", Severity.Success);
                break;
            case ChangeOutcome.Conflict conflict:
                string? choice = await ShowConflictAsync(conflict, request.Revision, request.Draft, draftText: null,
                    () => Yaml(Traffic.Preview(Namespace, Service, request.Draft)));
                if (choice == ConflictDialog.ReapplyChoice)
                {
                    await ApplyDraftAsync(request with { Revision = _detail?.Summary.Routing.Revision }, reason);
                }
                else if (choice == ConflictDialog.LoadLatestChoice)
                {
                    _panel?.LoadLatest();
                }

                break;
            default:
                _outcome = OutcomeMessage.From(outcome, "Nothing was applied.");
                break;
        }
    }

    // The three-column conflict view; returns the operator's choice (null: closed, the draft stays).
    private async Task<string?> ShowConflictAsync(ChangeOutcome.Conflict conflict, string? draftRevision, TrafficDraft? draft, string? draftText, Func<string?> draftYaml)
    {
        ServiceDetail? startedFrom = draftRevision is not null && _seen.TryGetValue(draftRevision, out ServiceDetail? seen) ? seen : null;

        // Show the newer state right away: the editors keep the draft and mark it stale.
        _detail = conflict.Current ?? Traffic.GetService(Namespace, Service) ?? _detail;
        _routing = Traffic.GetRouting(Namespace, Service) ?? _routing;
        _history = ReadHistory() ?? _history;
        Remember(_detail);
        StateHasChanged();

        // What the draft would write over the state now (the service layer plans it over the cache).
        string? yaml = draftYaml();
        var parameters = new DialogParameters<ConflictDialog>
        {
            { d => d.Service, Service },
            { d => d.Message, conflict.Message },
            { d => d.StartedFrom, startedFrom },
            { d => d.Current, _detail },
            { d => d.Draft, draft },
            { d => d.DraftText, draftText },
            { d => d.DraftYaml, yaml },
            { d => d.CanReapply, yaml is not null },
            { d => d.VersionNames, VersionNames },
        };
        IDialogReference dialog = await Dialogs.ShowAsync<ConflictDialog>($"{Service} changed", parameters, s_conflictDialog);
        DialogResult? result = await dialog.Result;
        return result is { Canceled: false, Data: string choice } ? choice : null;
    }

    private static string? Yaml(RoutingPreview preview) =>
        preview.Validation.Any(static m => m.Severity == MessageSeverity.Error) && !preview.CanApply ? null : RollbackConfirm.YamlOf(preview);

    private async Task PreviewRoutingAsync(RoutingRequest request)
    {
        RoutingPreview preview = Traffic.PreviewRouting(Namespace, Service, request.Intent);
        if (await ShowPreviewAsync(preview, _routingEditor?.ApplyBlockedReason is null, request.Reason) is { } decision)
        {
            await ApplyRoutingAsync(request, decision.Reason);
        }
    }

    private Task ApplyRoutingAsync(RoutingRequest request) => ApplyRoutingAsync(request, request.Reason);

    private Task ApplyRoutingAsync(RoutingRequest request, string? reason) =>
        ApplyEditorAsync(
            request.Revision,
            (change, revision, ct) => Traffic.ApplyRoutingAsync(Namespace, Service, request.Intent, revision, change with { Reason = reason }, ct),
            () => Yaml(Traffic.PreviewRouting(Namespace, Service, request.Intent)),
            $"Applied request routing to {Service}: {DescribeRules(request.Intent)}",
            $"your request-routing draft ({DescribeRules(request.Intent)})",
            () => _routingEditor?.LoadLatest());

    private async Task PreviewYamlAsync(YamlRequest request)
    {
        RoutingPreview preview = Traffic.PreviewYaml(Namespace, Service, request.Draft);
        if (await ShowPreviewAsync(preview, canApply: true, request.Reason) is { } decision)
        {
            await ApplyYamlAsync(request, decision.Reason);
        }
    }

    private async Task ApplyYamlAsync(YamlRequest request)
    {
        // YAML that moves traffic in a way the text does not show at a glance (a version losing all its traffic,
        // weights that are shares of 110) is applied only once the operator has seen the bars, as Preview shows them.
        RoutingPreview preview = Traffic.PreviewYaml(Namespace, Service, request.Draft);
        if (preview.TrafficWarnings.IsDefaultOrEmpty)
        {
            await ApplyYamlAsync(request, request.Reason);
            return;
        }

        if (await ShowPreviewAsync(preview, canApply: true, request.Reason, $"Confirm how this YAML moves traffic on {Service}") is { } decision)
        {
            await ApplyYamlAsync(request, decision.Reason);
        }
    }

    private Task ApplyYamlAsync(YamlRequest request, string? reason)
    {
        bool again = false;
        return ApplyEditorAsync(
            request.Revision,
            (change, revision, ct) =>
            {
                // On "re-apply on top" the YAML's own resourceVersions are the ones that conflicted: the revision check stands in for them.
                YamlDraft draft = again ? WithoutResourceVersions(request.Draft) : request.Draft;
                again = true;
                return Traffic.ApplyYamlAsync(Namespace, Service, draft, revision, change with { Reason = reason }, ct);
            },
            () => Yaml(Traffic.PreviewYaml(Namespace, Service, WithoutResourceVersions(request.Draft))),
            $"Applied the YAML to {Service}",
            "your YAML (kept in the editor)",
            () => _routingEditor?.LoadLatest());
    }

    /// <summary>The YAML without its <c>metadata.resourceVersion</c> lines (re-applying a draft over a newer state on purpose).</summary>
    public static YamlDraft WithoutResourceVersions(YamlDraft draft)
    {
        ArgumentNullException.ThrowIfNull(draft);
        return new YamlDraft(Strip(draft.VirtualServiceYaml), Strip(draft.DestinationRuleYaml));

        static string Strip(string yaml) => string.Join('\n', yaml.Split('\n')
            .Where(static line => !line.TrimStart().StartsWith("resourceVersion:", StringComparison.Ordinal)));
    }

    private async Task<PreviewDecision?> ShowPreviewAsync(RoutingPreview preview, bool canApply, string? reason, string? heading = null)
    {
        var parameters = new DialogParameters<PreviewDialog>
        {
            { d => d.Reason, reason },
            { d => d.Heading, heading },
            { d => d.Service, Service },
            { d => d.Preview, preview },
            { d => d.CanApply, canApply },
            { d => d.VersionNames, VersionNames },
        };
        IDialogReference dialog = await Dialogs.ShowAsync<PreviewDialog>($"Preview {Service}", parameters, s_wideDialog);
        DialogResult? result = await dialog.Result;
        return result is { Canceled: false } ? result.Data as PreviewDecision ?? new PreviewDecision(null) : null;
    }

    // The request-routing editor and YAML mode write like the sliders: busy page, current actor, the same outcomes.
    private async Task ApplyEditorAsync(
        string? draftRevision,
        Func<ChangeContext, string?, CancellationToken, Task<ChangeOutcome>> write,
        Func<string?> draftYaml,
        string applied,
        string draftText,
        Action loadLatest)
    {
        if (_detail is null)
        {
            return;
        }

        ChangeOutcome outcome = await WriteAsync((change, ct) => write(change, draftRevision, ct));
        switch (outcome)
        {
            case ChangeOutcome.Applied done:
                Refresh();
                StateHasChanged();
                _routingEditor?.Applied(done.Revision);
                Snackbar.Add(applied, Severity.Success);
                break;
            case ChangeOutcome.Conflict conflict:
                string? choice = await ShowConflictAsync(conflict, draftRevision, draft: null, draftText, draftYaml);
                if (choice == ConflictDialog.ReapplyChoice)
                {
                    await ApplyEditorAsync(_detail?.Summary.Routing.Revision, write, draftYaml, applied, draftText, loadLatest);
                }
                else if (choice == ConflictDialog.LoadLatestChoice)
                {
                    loadLatest();
                }

                break;
            default:
                _outcome = OutcomeMessage.From(outcome, "Nothing was applied.");
                break;
        }
    }

    private void Refresh()
    {
        _detail = Traffic.GetService(Namespace, Service);
        _routing = _detail is null ? null : Traffic.GetRouting(Namespace, Service);
        _proxySync = _detail is null ? null : Traffic.GetProxySync(Namespace, Service);
        _history = ReadHistory();
        Remember(_detail);
    }

    // The history needs the right to read the namespace's revision ConfigMaps (the read policy); until the cluster has
    // answered, none is shown, and without that right the tab says why instead of listing who changed what.
    private ServiceHistory? ReadHistory() =>
        _detail is null || _permissions is null ? null
        : _permissions.ReadDenied(ReadScope.History) is { } denied ? Traffic.GetHistory(Namespace, Service) is { } h ? h with { Revisions = [], Problem = denied } : null
        : Traffic.GetHistory(Namespace, Service);

    private void Remember(ServiceDetail? detail)
    {
        if (detail is null || _seen.ContainsKey(detail.Summary.Routing.Revision))
        {
            return;
        }

        _seen[detail.Summary.Routing.Revision] = detail;
        _seenOrder.Enqueue(detail.Summary.Routing.Revision);
        while (_seenOrder.Count > SeenCap)
        {
            _seen.Remove(_seenOrder.Dequeue());
        }
    }

    private Task ToStableAsync() => RollbackAsync(RollbackTarget.Stable);

    private Task RollbackToAsync(RevisionSummary revision) => RollbackAsync(RollbackTarget.Revision(revision.Id));

    // Click 1 opened this: the confirm dialog (what changes, why that version, now -> after, the YAML diff); click 2 applies.
    private async Task RollbackAsync(RollbackTarget target)
    {
        if (_detail is null)
        {
            return;
        }

        ServiceDetail decidedOn = _detail;
        RollbackPreview preview = Traffic.PreviewRollback(Namespace, Service, target);
        PreviewDecision? decision = await RollbackConfirm.AskAsync(Dialogs, Service, preview, ClusterDraft(decidedOn.Summary.Routing).Weights, VersionNames, Namespace);
        if (decision is null)
        {
            return;
        }

        await RunRollbackAsync(target, decidedOn.Summary.Routing.Revision, preview, decision.Reason);
    }

    private async Task RunRollbackAsync(RollbackTarget target, string expectedRevision, RollbackPreview preview, string? reason)
    {
        ChangeOutcome outcome = await WriteAsync((change, ct) =>
            Traffic.RollbackAsync(Namespace, Service, target, expectedRevision, change with { Reason = reason }, ct));
        switch (outcome)
        {
            case ChangeOutcome.Applied:
                Refresh();
                Snackbar.Add($"{Service}: {preview.Description}", Severity.Success);
                break;
            case ChangeOutcome.Conflict conflict:
                string? choice = await ShowConflictAsync(conflict, expectedRevision, new TrafficDraft(preview.WeightsAfter, null),
                    target.ToStable ? "all traffic to stable" : $"roll back to revision {target.ToRevision}",
                    () => Yaml(Traffic.PreviewRollback(Namespace, Service, target).Preview));
                if (choice == ConflictDialog.ReapplyChoice && _detail is not null)
                {
                    await RunRollbackAsync(target, _detail.Summary.Routing.Revision, Traffic.PreviewRollback(Namespace, Service, target), reason);
                }

                break;
            default:
                _outcome = OutcomeMessage.From(outcome, "Nothing was rolled back.");
                break;
        }
    }

    private async Task MarkStableAsync(string version)
    {
        if (_detail is null)
        {
            return;
        }

        string revision = _detail.Summary.Routing.Revision;
        ChangeOutcome outcome = await WriteAsync((change, ct) => Traffic.MarkStableAsync(Namespace, Service, version, revision, change, ct));
        ShowStableOutcome(outcome, $"{version} is now the stable version of {Service}", "Not marked:", "The stable version is unchanged.");
    }

    // Marking and promoting answer alike: a toast, or why not (after a conflict the page shows the latest state to look at).
    private void ShowStableOutcome(ChangeOutcome outcome, string applied, string notDone, string nothingDone)
    {
        switch (outcome)
        {
            case ChangeOutcome.Applied:
                Refresh();
                Snackbar.Add(applied, Severity.Success);
                break;
            case ChangeOutcome.Conflict conflict:
                Refresh();
                _outcome = new OutcomeMessage("conflict", Severity.Warning, notDone, $"{conflict.Message} Look at the latest state and try again.", []);
                break;
            default:
                _outcome = OutcomeMessage.From(outcome, nothingDone);
                break;
        }
    }

    // Click 1 opens the confirm (now -> after, the YAML diff, a reason); click 2 promotes, only if nothing changed since.
    private async Task PromoteAsync(string version)
    {
        if (_detail is null)
        {
            return;
        }

        string revision = _detail.Summary.Routing.Revision;
        PromotePreview preview = Traffic.PreviewPromote(Namespace, Service, version);
        PreviewDecision? decision = await RollbackConfirm.AskPromoteAsync(Dialogs, Service, preview, ClusterDraft(_detail.Summary.Routing).Weights, VersionNames);
        if (decision is null)
        {
            return;
        }

        ChangeOutcome outcome = await WriteAsync((change, ct) => Traffic.PromoteAsync(Namespace, Service, version, revision, change with { Reason = decision.Reason }, ct));
        ShowStableOutcome(outcome, $"{Service}: {preview.Description}", "Not promoted:", "Nothing was promoted.");
    }

    private static string DescribeRules(Mesh.Routing.RoutingIntent intent)
    {
        string rules = intent.Rules.Length == 1 ? "1 rule" : $"{intent.Rules.Length} rules";
        return intent.DefaultRoute is null ? $"{rules}, no default route" : $"{rules} + default route";
    }

    private async Task DeleteAsync()
    {
        if (_detail is null)
        {
            return;
        }

        string revision = _detail.Summary.Routing.Revision;
        var parameters = new DialogParameters<DeleteRoutingDialog>
        {
            { d => d.Service, Service },
            { d => d.Resources, Traffic.DescribeDelete(Namespace, Service) },
        };
        IDialogReference dialog = await Dialogs.ShowAsync<DeleteRoutingDialog>($"Delete routing of {Service}", parameters, s_smallDialog);
        DialogResult? result = await dialog.Result;
        if (result is null || result.Canceled)
        {
            return;
        }

        string? reason = (result.Data as PreviewDecision)?.Reason;
        ChangeOutcome outcome = await WriteAsync((change, ct) => Traffic.DeleteRoutingAsync(Namespace, Service, revision, change with { Reason = reason }, ct));

        switch (outcome)
        {
            case ChangeOutcome.Applied:
                Refresh();
                Snackbar.Add($"Traffic routing of {Service} deleted", Severity.Success);
                break;
            case ChangeOutcome.Conflict conflict:
                _detail = conflict.Current ?? Traffic.GetService(Namespace, Service) ?? _detail;
                _outcome = new OutcomeMessage("conflict", Severity.Warning, "Not deleted:",
                    $"{conflict.Message} Review the latest state and try again.", []);
                break;
            default:
                _outcome = OutcomeMessage.From(outcome, "Nothing was deleted.");
                break;
        }
    }

    // Every write from this page: the page is busy meanwhile, the change is made as the current actor,
    // and it is not tied to the page: a write that has started finishes even if the operator navigates away.
    private async Task<ChangeOutcome> WriteAsync(Func<ChangeContext, CancellationToken, Task<ChangeOutcome>> write)
    {
        _busy = true;
        _outcome = null;
        try
        {
            ChangeContext change = await Session.ChangeAsync(User);
            ChangeOutcome outcome = await write(change, CancellationToken.None);
            if (outcome is ChangeOutcome.Forbidden)
            {
                // The cluster's answer may have changed since the page asked: ask again so the buttons say why.
                _permissions = await Session.PermissionsAsync(Namespace);
            }

            return outcome;
        }
        finally
        {
            _busy = false;
        }
    }

    private static string Describe(TrafficDraft draft)
    {
        string weights = string.Join(" · ", draft.Weights.Where(static w => w.Percent > 0).Select(static w => $"{w.Version} {w.Percent}%"));
        return draft.Mirror is { } mirror ? $"{weights}, mirror {mirror.Percent:0.##}% to {mirror.Version}" : weights;
    }

    public async ValueTask DisposeAsync()
    {
        await _live.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>A write that did not go through, as the page explains it.</summary>
    private sealed record OutcomeMessage(string Kind, Severity Severity, string Title, string Message, ImmutableArray<ValidationMessage> Messages)
    {
        public static OutcomeMessage From(ChangeOutcome outcome, string nothingDone) => outcome switch
        {
            ChangeOutcome.Invalid invalid => new("invalid", Severity.Error, "The change is not valid.", nothingDone, invalid.Messages),
            ChangeOutcome.Forbidden forbidden => new("forbidden", Severity.Error, "Not allowed.", $"{forbidden.Message} {nothingDone}", []),
            ChangeOutcome.NotFound notFound => new("not-found", Severity.Warning, "Not found.", $"{notFound.Message} {nothingDone}", []),
            ChangeOutcome.Unavailable unavailable => new("unavailable", Severity.Error, "The cluster did not answer.", $"{unavailable.Message} {nothingDone}", []),
            _ => new("unknown", Severity.Error, "Unexpected result.", nothingDone, []),
        };
    }
}
