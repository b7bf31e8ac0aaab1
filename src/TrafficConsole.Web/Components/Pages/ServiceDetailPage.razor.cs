using System.Collections.Immutable;

using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

using MudBlazor;

using TrafficConsole.Web.Auth;
using TrafficConsole.Web.Components.Controls;
using TrafficConsole.Web.Components.Dialogs;
using TrafficConsole.Web.Model;
using TrafficConsole.Web.Services;

namespace TrafficConsole.Web.Components.Pages;

/// <summary>One service: its versions, the routing in the cluster, and the traffic shifting panel; updated live.</summary>
public partial class ServiceDetailPage : IAsyncDisposable
{
    private static readonly DialogOptions s_wideDialog = new() { MaxWidth = MaxWidth.Large, FullWidth = true, CloseButton = true };
    private static readonly DialogOptions s_smallDialog = new() { MaxWidth = MaxWidth.Small, FullWidth = true, CloseButton = true };

    private ServiceDetail? _detail;
    private TrafficShiftingPanel? _panel;
    private ServiceRouting? _routing;
    private RoutingEditor? _routingEditor;
    private OutcomeMessage? _outcome;
    private ConnectionHealth? _health;
    private bool _busy;
    private string? _watchedKey;
    private NamespacePermissions? _permissions;
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
        _health = Traffic.Health;
        Refresh();
        _permissions = await Session.PermissionsAsync(Namespace);
        string ns = Namespace, service = Service;
        await _live.RestartAsync(ct => WatchAsync(ns, service, ct));
    }

    private async Task WatchAsync(string ns, string service, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (TrafficUpdate update in Traffic.WatchAsync(ns, cancellationToken).ConfigureAwait(false))
            {
                bool mine = update.Services.Any(s => s.Namespace == ns && s.Service == service);
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
            await ApplyAsync(request);
        }
    }

    private async Task ApplyAsync(DraftRequest request)
    {
        if (_detail is null)
        {
            return;
        }

        ChangeOutcome outcome = await WriteAsync((change, ct) => Traffic.ApplyAsync(Namespace, Service, request.Draft, request.Revision, change, ct));

        switch (outcome)
        {
            case ChangeOutcome.Applied:
                Refresh();
                Snackbar.Add($"Applied to {Service}: {Describe(request.Draft)}", Severity.Success);
                break;
            case ChangeOutcome.Conflict conflict:
                await ShowConflictAsync(conflict, request.Draft);
                break;
            default:
                _outcome = OutcomeMessage.From(outcome, "Nothing was applied.");
                break;
        }
    }

    private async Task ShowConflictAsync(ChangeOutcome.Conflict conflict, TrafficDraft draft)
    {
        // Show the newer state right away: the panel keeps the draft and marks it stale.
        _detail = conflict.Current ?? Traffic.GetService(Namespace, Service) ?? _detail;
        StateHasChanged();

        var parameters = new DialogParameters<ConflictDialog>
        {
            { d => d.Service, Service },
            { d => d.Message, conflict.Message },
            { d => d.Current, _detail },
            { d => d.Draft, draft },
            { d => d.VersionNames, VersionNames },
        };
        IDialogReference dialog = await Dialogs.ShowAsync<ConflictDialog>($"{Service} changed", parameters, s_smallDialog);
        DialogResult? result = await dialog.Result;
        if (result is { Canceled: false, Data: ConflictDialog.LoadLatestChoice })
        {
            _panel?.LoadLatest();
        }
    }

    private async Task PreviewRoutingAsync(RoutingRequest request)
    {
        RoutingPreview preview = Traffic.PreviewRouting(Namespace, Service, request.Intent);
        if (await ShowPreviewAsync(preview, _routingEditor?.ApplyBlockedReason is null))
        {
            await ApplyRoutingAsync(request);
        }
    }

    private Task ApplyRoutingAsync(RoutingRequest request) =>
        ApplyEditorAsync(
            (change, ct) => Traffic.ApplyRoutingAsync(Namespace, Service, request.Intent, request.Revision, change, ct),
            $"Applied request routing to {Service}: {DescribeRules(request.Intent)}",
            $"your request-routing draft ({DescribeRules(request.Intent)})",
            () => _routingEditor?.LoadLatest());

    private async Task PreviewYamlAsync(YamlRequest request)
    {
        RoutingPreview preview = Traffic.PreviewYaml(Namespace, Service, request.Draft);
        if (await ShowPreviewAsync(preview, canApply: true))
        {
            await ApplyYamlAsync(request);
        }
    }

    private Task ApplyYamlAsync(YamlRequest request) =>
        ApplyEditorAsync(
            (change, ct) => Traffic.ApplyYamlAsync(Namespace, Service, request.Draft, request.Revision, change, ct),
            $"Applied the YAML to {Service}",
            "your YAML (kept in the editor)",
            () => _routingEditor?.LoadLatest());

    private async Task<bool> ShowPreviewAsync(RoutingPreview preview, bool canApply)
    {
        var parameters = new DialogParameters<PreviewDialog>
        {
            { d => d.Service, Service },
            { d => d.Preview, preview },
            { d => d.CanApply, canApply },
            { d => d.VersionNames, VersionNames },
        };
        IDialogReference dialog = await Dialogs.ShowAsync<PreviewDialog>($"Preview {Service}", parameters, s_wideDialog);
        DialogResult? result = await dialog.Result;
        return result is { Canceled: false };
    }

    // The request-routing editor and YAML mode write like the sliders: busy page, current actor, the same outcomes.
    private async Task ApplyEditorAsync(Func<ChangeContext, CancellationToken, Task<ChangeOutcome>> write, string applied, string draftText, Action loadLatest)
    {
        if (_detail is null)
        {
            return;
        }

        ChangeOutcome outcome = await WriteAsync(write);
        switch (outcome)
        {
            case ChangeOutcome.Applied done:
                Refresh();
                StateHasChanged();
                _routingEditor?.Applied(done.Revision);
                Snackbar.Add(applied, Severity.Success);
                break;
            case ChangeOutcome.Conflict conflict:
                _detail = conflict.Current ?? Traffic.GetService(Namespace, Service) ?? _detail;
                _routing = Traffic.GetRouting(Namespace, Service) ?? _routing;
                StateHasChanged();
                var parameters = new DialogParameters<ConflictDialog>
                {
                    { d => d.Service, Service },
                    { d => d.Message, conflict.Message },
                    { d => d.Current, _detail },
                    { d => d.DraftText, draftText },
                    { d => d.VersionNames, VersionNames },
                };
                IDialogReference dialog = await Dialogs.ShowAsync<ConflictDialog>($"{Service} changed", parameters, s_smallDialog);
                DialogResult? result = await dialog.Result;
                if (result is { Canceled: false, Data: ConflictDialog.LoadLatestChoice })
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

        ChangeOutcome outcome = await WriteAsync((change, ct) => Traffic.DeleteRoutingAsync(Namespace, Service, revision, change, ct));

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
