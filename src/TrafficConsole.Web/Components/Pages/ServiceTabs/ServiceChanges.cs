using System.Collections.Immutable;

using MudBlazor;

using TrafficConsole.Web.Auth;
using TrafficConsole.Web.Components.Dialogs;
using TrafficConsole.Web.Model;
using TrafficConsole.Web.Services;

namespace TrafficConsole.Web.Components.Pages.ServiceTabs;

/// <summary>
/// What the service page and its tabs share: the service as last read (detail, routing, history, proxy sync), the
/// connection and permissions, the one write flow (busy page, current actor) and the one place that turns a write's
/// outcome into UI (<see cref="ShowOutcomeAsync"/>: a toast, the conflict dialog, or a message above the editors).
/// </summary>
/// <remarks>Created by the page per circuit; every change of state raises <see cref="Changed"/> so the page renders it.</remarks>
public sealed class ServiceChanges(IServiceReader reader, IRolloutHistory history, IDialogService dialogs, ISnackbar snackbar, ConsoleSession session)
{
    private static readonly DialogOptions ConflictDialogOptions = new() { MaxWidth = MaxWidth.ExtraLarge, FullWidth = true, CloseButton = true };
    private static readonly DialogOptions WideDialog = new() { MaxWidth = MaxWidth.Large, FullWidth = true, CloseButton = true };
    private const int SeenCap = 32;

    // The states the page has shown, by revision: a draft's revision names the state it started from (the conflict view's
    // first column, and the routing the sliders' draft is applied over).
    private readonly Dictionary<string, (ServiceDetail Detail, ServiceRouting? Routing)> _seen = new(StringComparer.Ordinal);
    private readonly Queue<string> _seenOrder = new();

    /// <summary>Raised when anything the page shows changed (a read, busy, an outcome message).</summary>
    public event Action? Changed;

    /// <summary>The namespace of the service.</summary>
    public string Namespace { get; private set; } = string.Empty;

    /// <summary>The service.</summary>
    public string Service { get; private set; } = string.Empty;

    /// <summary>The user the page's writes are made as.</summary>
    public ConsoleUser? User { get; set; }

    /// <summary>The service as last read; null when it does not exist.</summary>
    public ServiceDetail? Detail { get; private set; }

    /// <summary>Its editable routing (the one routing model both editors edit), read with <see cref="Detail"/>.</summary>
    public ServiceRouting? Routing { get; private set; }

    /// <summary>Whether Istio's proxies have the routing.</summary>
    public ProxySyncInfo? ProxySync { get; private set; }

    /// <summary>The history, when the user may read it (see <see cref="Refresh"/>).</summary>
    public ServiceHistory? History { get; private set; }

    /// <summary>The API server connection.</summary>
    public ConnectionHealth? Health { get; set; }

    /// <summary>What the cluster lets the user do in the namespace; null until it answered.</summary>
    public NamespacePermissions? Permissions { get; private set; }

    /// <summary>True while a write is in flight.</summary>
    public bool Busy { get; private set; }

    /// <summary>Why the last write did not go through, as the page shows it above the editors; null when none.</summary>
    public OutcomeMessage? Outcome { get; private set; }

    /// <summary>Why nothing can be applied right now; null when it can.</summary>
    public string? BlockedReason => Health?.State == ConnectionState.Unreachable
        ? "The Kubernetes API server is unreachable; apply once it answers again."
        : Permissions?.ApplyDeniedReason;

    /// <summary>Why Delete traffic routing is not allowed; null when it is.</summary>
    public string? DeleteBlockedReason => Permissions?.DeleteDeniedReason;

    /// <summary>The version names in display order (the colours of bars).</summary>
    public IReadOnlyList<string> VersionNames => Detail is null ? [] : [.. Detail.Summary.Versions.Select(static v => v.Name)];

    /// <summary>Starts over for another service (nothing seen yet, no message).</summary>
    public void Open(string namespaceName, string service)
    {
        Namespace = namespaceName;
        Service = service;
        Outcome = null;
        Permissions = null;
        _seen.Clear();
        _seenOrder.Clear();
    }

    /// <summary>Reads the user's permissions in the namespace again (after a refusal the buttons say why).</summary>
    public async Task LoadPermissionsAsync()
    {
        Permissions = await session.PermissionsAsync(Namespace);
        History = ReadHistory();
        NotifyChanged();
    }

    /// <summary>Reads the service, its routing, proxy sync and history from the cache.</summary>
    public void Refresh()
    {
        Detail = reader.GetService(Namespace, Service);
        Routing = Detail is null ? null : reader.GetRouting(Namespace, Service);
        ProxySync = Detail is null ? null : reader.GetProxySync(Namespace, Service);
        History = ReadHistory();
        Remember(Detail, Routing);
        NotifyChanged();
    }

    /// <summary>Clears the message above the editors.</summary>
    public void DismissOutcome()
    {
        Outcome = null;
        NotifyChanged();
    }

    /// <summary>The state the page showed at <paramref name="revision"/>, when it still remembers it.</summary>
    public ServiceDetail? SeenAt(string? revision) => revision is not null && _seen.TryGetValue(revision, out var seen) ? seen.Detail : null;

    /// <summary>The routing the page read at <paramref name="revision"/>; the latest one when it does not remember that revision.</summary>
    public ServiceRouting? RoutingAt(string? revision) =>
        revision is not null && _seen.TryGetValue(revision, out var seen) && seen.Routing is not null ? seen.Routing : Routing;

    /// <summary>
    /// Every write from the page: busy meanwhile, made as the current actor, and not tied to the page (a write that has
    /// started finishes even if the operator navigates away).
    /// </summary>
    public async Task<ChangeOutcome> WriteAsync(Func<ChangeContext, CancellationToken, Task<ChangeOutcome>> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        Busy = true;
        Outcome = null;
        NotifyChanged();
        try
        {
            ChangeContext change = await session.ChangeAsync(User);
            ChangeOutcome outcome = await write(change, CancellationToken.None);
            if (outcome is ChangeOutcome.Forbidden)
            {
                // The cluster's answer may have changed since the page asked: ask again so the buttons say why.
                Permissions = await session.PermissionsAsync(Namespace);
            }

            return outcome;
        }
        finally
        {
            Busy = false;
            NotifyChanged();
        }
    }

    /// <summary>
    /// The one place a write's outcome becomes UI. Applied: the latest state and a toast. Conflict: with a draft, the
    /// three-column conflict dialog (the operator's choice comes back); without, the latest state and a message. Anything
    /// else: a message saying why nothing was done. The caller only acts on the choice (re-apply, load latest).
    /// </summary>
    public async Task<WriteFollowUp> ShowOutcomeAsync(ChangeOutcome outcome, ChangeWords words)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        ArgumentNullException.ThrowIfNull(words);
        switch (outcome)
        {
            case ChangeOutcome.Applied:
                Refresh();
                snackbar.Add(words.Applied, Severity.Success);
                return WriteFollowUp.Applied;
            case ChangeOutcome.Conflict conflict when words.Draft is { } draft:
                return await ShowConflictAsync(conflict, draft) switch
                {
                    ConflictDialog.ReapplyChoice => WriteFollowUp.Reapply,
                    ConflictDialog.LoadLatestChoice => WriteFollowUp.LoadLatest,
                    _ => WriteFollowUp.None,
                };
            case ChangeOutcome.Conflict conflict:
                ShowLatest(conflict);
                Outcome = new OutcomeMessage("conflict", Severity.Warning, words.NotDone, $"{conflict.Message} {words.ConflictAdvice}", []);
                NotifyChanged();
                return WriteFollowUp.None;
            default:
                Outcome = OutcomeMessage.From(outcome, words.NothingDone);
                NotifyChanged();
                return WriteFollowUp.None;
        }
    }

    /// <summary>The preview dialog; returns the operator's decision, or null when they closed it.</summary>
    public async Task<PreviewDecision?> ShowPreviewAsync(RoutingPreview preview, bool canApply, string? reason, string? heading = null, Action<DialogParameters<PreviewDialog>>? more = null)
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
        more?.Invoke(parameters);
        IDialogReference dialog = await dialogs.ShowAsync<PreviewDialog>($"Preview {Service}", parameters, WideDialog);
        DialogResult? result = await dialog.Result;
        return result is { Canceled: false } ? result.Data as PreviewDecision ?? new PreviewDecision(null) : null;
    }

    /// <summary>The YAML a preview would write, or null when the draft cannot be written (no "re-apply" then).</summary>
    public static string? YamlOf(RoutingPreview preview)
    {
        ArgumentNullException.ThrowIfNull(preview);
        return preview.Validation.Any(static m => m.Severity == MessageSeverity.Error) && !preview.CanApply ? null : RollbackConfirm.YamlOf(preview);
    }

    /// <summary>
    /// "All traffic to stable" or a roll back to a revision: the confirm (now → after, the YAML diff, a reason), then the
    /// write at the revision the operator decided on.
    /// </summary>
    public async Task RollbackAsync(RollbackTarget target)
    {
        if (Detail is null)
        {
            return;
        }

        ServiceDetail decidedOn = Detail;
        RollbackPreview preview = history.PreviewRollback(Namespace, Service, target);
        PreviewDecision? decision = await RollbackConfirm.AskAsync(dialogs, Service, preview, ServiceDetailPage.ClusterDraft(decidedOn.Summary.Routing).Weights, VersionNames, Namespace);
        if (decision is not null)
        {
            await RunRollbackAsync(target, decidedOn.Summary.Routing.Revision, preview, decision.Reason);
        }
    }

    private async Task RunRollbackAsync(RollbackTarget target, string expectedRevision, RollbackPreview preview, string? reason)
    {
        ChangeOutcome outcome = await WriteAsync((change, ct) => history.RollbackAsync(Namespace, Service, target, expectedRevision, change with { Reason = reason }, ct));
        var words = new ChangeWords($"{Service}: {preview.Description}", "Nothing was rolled back.")
        {
            Draft = new ConflictDraft(expectedRevision, new TrafficDraft(preview.WeightsAfter, null),
                target.ToStable ? "all traffic to stable" : $"roll back to revision {target.ToRevision}",
                () => YamlOf(history.PreviewRollback(Namespace, Service, target).Preview)),
        };
        if (await ShowOutcomeAsync(outcome, words) == WriteFollowUp.Reapply && Detail is not null)
        {
            await RunRollbackAsync(target, Detail.Summary.Routing.Revision, history.PreviewRollback(Namespace, Service, target), reason);
        }
    }

    // The three-column conflict view; returns the operator's choice (null: closed, the draft stays).
    private async Task<string?> ShowConflictAsync(ChangeOutcome.Conflict conflict, ConflictDraft draft)
    {
        ServiceDetail? startedFrom = SeenAt(draft.Revision);

        // Show the newer state right away: the editors keep the draft and mark it stale.
        ShowLatest(conflict);

        // What the draft would write over the state now (the service layer plans it over the cache).
        string? yaml = draft.Yaml();
        var parameters = new DialogParameters<ConflictDialog>
        {
            { d => d.Service, Service },
            { d => d.Conflict, conflict },
            { d => d.StartedFrom, startedFrom },
            { d => d.Current, Detail },
            { d => d.Draft, draft.Split },
            { d => d.DraftText, draft.Text },
            { d => d.DraftYaml, yaml },
            { d => d.CanReapply, yaml is not null },
            { d => d.VersionNames, VersionNames },
        };
        IDialogReference dialog = await dialogs.ShowAsync<ConflictDialog>($"{Service} changed", parameters, ConflictDialogOptions);
        DialogResult? result = await dialog.Result;
        return result is { Canceled: false, Data: string choice } ? choice : null;
    }

    // After a conflict: the newer state the write met (or the cache's), so the page shows what changed.
    private void ShowLatest(ChangeOutcome.Conflict conflict)
    {
        Detail = conflict.Current ?? reader.GetService(Namespace, Service) ?? Detail;
        Routing = reader.GetRouting(Namespace, Service) ?? Routing;
        History = ReadHistory() ?? History;
        Remember(Detail, Routing);
        NotifyChanged();
    }

    // The history needs the right to read the namespace's revision ConfigMaps (the read policy); until the cluster has
    // answered, none is shown, and without that right the tab says why instead of listing who changed what.
    private ServiceHistory? ReadHistory() =>
        Detail is null || Permissions is null ? null
        : Permissions.ReadDenied(ReadScope.History) is { } denied ? history.GetHistory(Namespace, Service) is { } h ? h with { Revisions = [], Problem = denied } : null
        : history.GetHistory(Namespace, Service);

    private void Remember(ServiceDetail? detail, ServiceRouting? routing)
    {
        if (detail is null)
        {
            return;
        }

        string revision = detail.Summary.Routing.Revision;
        if (_seen.TryGetValue(revision, out var seen))
        {
            // The routing read at this revision is kept with the first detail seen at it.
            if (seen.Routing is null && routing?.Revision == revision)
            {
                _seen[revision] = (seen.Detail, routing);
            }

            return;
        }

        _seen[revision] = (detail, routing?.Revision == revision ? routing : null);
        _seenOrder.Enqueue(revision);
        while (_seenOrder.Count > SeenCap)
        {
            _seen.Remove(_seenOrder.Dequeue());
        }
    }

    private void NotifyChanged() => Changed?.Invoke();
}

/// <summary>What the page does after showing a write's outcome.</summary>
public enum WriteFollowUp
{
    /// <summary>Nothing more (a message is shown, or the operator kept editing).</summary>
    None,

    /// <summary>Written; the page shows the new state.</summary>
    Applied,

    /// <summary>The operator chose to write the draft again over the newer state.</summary>
    Reapply,

    /// <summary>The operator threw the draft away: load the cluster's state into the editor.</summary>
    LoadLatest,
}

/// <summary>The words for one kind of write, as <see cref="ServiceChanges.ShowOutcomeAsync"/> says its outcome.</summary>
/// <param name="Applied">The toast when it was written.</param>
/// <param name="NothingDone">The sentence under a refusal ("Nothing was applied.").</param>
public sealed record ChangeWords(string Applied, string NothingDone)
{
    /// <summary>The operator's draft, for the three-column conflict dialog; null: a conflict is a message and the latest state.</summary>
    public ConflictDraft? Draft { get; init; }

    /// <summary>The title of a conflict shown as a message ("Not marked:").</summary>
    public string NotDone { get; init; } = "Not applied:";

    /// <summary>What to do after a conflict shown as a message.</summary>
    public string ConflictAdvice { get; init; } = "Look at the latest state and try again.";
}

/// <summary>The operator's draft as the conflict dialog shows it.</summary>
/// <param name="Revision">The revision the draft started from.</param>
/// <param name="Split">The draft as a split (sliders, rollback), or null.</param>
/// <param name="Text">The draft in words, when it is not (only) a split.</param>
/// <param name="Yaml">What the draft would write over the state now, or null when it cannot be written.</param>
public sealed record ConflictDraft(string? Revision, TrafficDraft? Split, string? Text, Func<string?> Yaml);

/// <summary>A write that did not go through, as the page explains it above the editors.</summary>
public sealed record OutcomeMessage(string Kind, Severity Severity, string Title, string Message, ImmutableArray<ValidationMessage> Messages)
{
    /// <summary>The message for a refusal: invalid, forbidden, not found, unavailable.</summary>
    public static OutcomeMessage From(ChangeOutcome outcome, string nothingDone) => outcome switch
    {
        ChangeOutcome.Invalid invalid => new("invalid", Severity.Error, "The change is not valid.", nothingDone, invalid.Messages),
        ChangeOutcome.Forbidden forbidden => new("forbidden", Severity.Error, "Not allowed.", $"{forbidden.Message} {nothingDone}", []),
        ChangeOutcome.NotFound notFound => new("not-found", Severity.Warning, "Not found.", $"{notFound.Message} {nothingDone}", []),
        ChangeOutcome.Unavailable unavailable => new("unavailable", Severity.Error, "The cluster did not answer.", $"{unavailable.Message} {nothingDone}", []),
        _ => new("unknown", Severity.Error, "Unexpected result.", nothingDone, []),
    };
}
