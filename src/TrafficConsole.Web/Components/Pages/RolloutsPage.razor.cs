using System.Collections.Immutable;
using System.Globalization;

using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

using MudBlazor;

using TrafficConsole.Mesh.Telemetry;
using TrafficConsole.Web.Auth;
using TrafficConsole.Web.Components.Dialogs;
using TrafficConsole.Web.Model;
using TrafficConsole.Web.Services;

namespace TrafficConsole.Web.Components.Pages;

/// <summary>
/// The team lead's overview: every service whose traffic is split or rule-routed, in one or all namespaces, filtered,
/// sorted, exported and updated live; "All traffic to stable" per row and for a whole namespace.
/// </summary>
public partial class RolloutsPage : IAsyncDisposable
{
    private const string AllNamespaces = "";
    private const string AnyFilter = "";
    private static readonly DialogOptions WideDialog = new() { MaxWidth = MaxWidth.Large, FullWidth = true, CloseButton = true };

    private List<RolloutSummary> _all = [];
    private List<RolloutSummary> _rows = [];
    private string? _namespace;
    private NamespacePermissions? _namespacePermissions;
    // The read policy: only namespaces whose routing the user may read are listed (empty until the cluster has answered).
    private ImmutableArray<string> _readable = [];
    private ImmutableArray<string> _withHistory = [];
    private string? _namespaceDenied;
    private string? _search;
    private string _origin = AnyFilter;
    private string _validation = AnyFilter;
    private bool _busy;
    private ConnectionHealth? _health;
    private Notice? _notice;
    private bool _started;
    private readonly LiveLoop _live = new();
    private readonly LiveLoop _liveHealth = new();
    private const string FailingFilter = "failing";
    private string _healthFilter = AnyFilter;
    private TelemetryStatus _telemetry = TelemetryStatus.NotConfigured;
    private NamespaceTrafficReadout? _traffic;
    private readonly SemaphoreSlim _changed = new(0, 1);

    [Inject]
    public required IRolloutHistory History { get; init; }

    [Inject]
    public required IServiceReader Traffic { get; init; }

    [Inject]
    public required ITrafficReadings Readings { get; init; }

    [Inject]
    public required IDialogService Dialogs { get; init; }

    [Inject]
    public required ISnackbar Snackbar { get; init; }

    [Inject]
    public required ConsoleSession Session { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    [CascadingParameter]
    public Task<AuthenticationState>? AuthenticationState { get; set; }

    [CascadingParameter]
    public ConsoleUser? User { get; set; }

    /// <summary><c>?namespace=</c>: the namespace to show first (none: all).</summary>
    [SupplyParameterFromQuery(Name = "namespace")]
    public string? NamespaceQuery { get; set; }

    /// <summary>The rows the grid shows after the filters.</summary>
    public IReadOnlyList<RolloutSummary> Rows => _rows;

    private string? GridHeight => _rows.Count > 12 ? "calc(100vh - 260px)" : null;

    private string CountText => _rows.Count == _all.Count ? $"{_all.Count} rollouts" : $"{_rows.Count} of {_all.Count} rollouts";

    private string? BlockedReason => _health?.State == ConnectionState.Unreachable
        ? "The Kubernetes API server is unreachable; roll back once it answers again."
        : null;

    // The namespace-wide rollback changes every service of the selected namespace: the cluster says whether this user may.
    private string? NamespaceBlockedReason => BlockedReason ?? _namespacePermissions?.ApplyDeniedReason;

    // The backend serves the same rows; the links carry the namespace filter.
    private string JsonHref => _namespace is null ? "api/v1/rollouts" : $"api/v1/rollouts?namespace={Uri.EscapeDataString(_namespace)}";

    private string CsvHref => _namespace is null ? "api/v1/rollouts?format=csv" : $"api/v1/rollouts?format=csv&namespace={Uri.EscapeDataString(_namespace)}";

    private static List<BreadcrumbItem> Breadcrumbs =>
    [
        new BreadcrumbItem("rollouts", href: null, disabled: true),
    ];

    protected override async Task OnParametersSetAsync()
    {
        if (_started)
        {
            return;
        }

        _started = true;
        long since = Traffic.Version;
        _health = Traffic.Health;
        _namespace = string.IsNullOrWhiteSpace(NamespaceQuery) ? null : NamespaceQuery;
        (_readable, _withHistory, _namespaceDenied) = await AskReadableAsync(_namespace, CancellationToken.None);
        Requery();
        await LoadPermissionsAsync();
        await _live.RestartAsync(ct => Task.WhenAll(ListenAsync(since, ct), RefreshAsync(ct)));
        _telemetry = Readings.Telemetry;
        await RestartHealthAsync();
    }

    private async Task RestartHealthAsync()
    {
        if (_telemetry.State == TelemetryState.NotConfigured)
        {
            return;
        }

        string? ns = _namespace;
        _traffic = null;
        await _liveHealth.RestartAsync(ct => WatchHealthAsync(ns, ct));
    }

    // Each reading of the shared telemetry monitor re-grades the rows by their worst version.
    private async Task WatchHealthAsync(string? ns, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (NamespaceTrafficReadout readout in Readings.WatchTrafficAsync(ns, TelemetryWindow.Default, cancellationToken).ConfigureAwait(false))
            {
                await InvokeAsync(() =>
                {
                    _traffic = readout;
                    _telemetry = readout.Status;
                    ApplyFilters();
                    StateHasChanged();
                }).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Navigated away or switched namespace.
        }
    }

    private bool HealthShown => _telemetry.State != TelemetryState.NotConfigured;

    private ServiceHealth? HealthOf(RolloutSummary row) => _traffic?.HealthOf(row.Namespace, row.Service);

    // Failing first; rows without figures last.
    private double HealthSortKey(RolloutSummary row) => HealthOf(row)?.SortKey ?? 9;

    private void SetHealthFilter(string value)
    {
        _healthFilter = value ?? AnyFilter;
        ApplyFilters();
    }

    // Every service change in any namespace marks the list stale; the refresher re-queries once for however many arrived.
    private async Task ListenAsync(long since, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (TrafficUpdate update in Traffic.WatchAsync(null, since, cancellationToken).ConfigureAwait(false))
            {
                if (update.Health is { } health)
                {
                    await InvokeAsync(() =>
                    {
                        _health = health;
                        StateHasChanged();
                    }).ConfigureAwait(false);
                }

                bool relevant = update.Resync || (update.Services.Count > 0 && (_namespace is null || update.Services.Any(s => s.Namespace == _namespace)));
                if (relevant && _changed.CurrentCount == 0)
                {
                    try
                    {
                        _changed.Release();
                    }
                    catch (SemaphoreFullException)
                    {
                        // Already signalled: the refresher has not picked the last one up yet.
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Navigated away.
        }
    }

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await _changed.WaitAsync(cancellationToken).ConfigureAwait(false);
                // Asked on each re-query (answers are cached briefly): a namespace created or granted since shows up.
                (ImmutableArray<string> readable, ImmutableArray<string> withHistory, string? denied) = await AskReadableAsync(_namespace, cancellationToken).ConfigureAwait(false);
                await InvokeAsync(() =>
                {
                    (_readable, _withHistory, _namespaceDenied) = (readable, withHistory, denied);
                    Requery();
                    StateHasChanged();
                }).ConfigureAwait(false);

                // At most a few re-queries a second however busy the cluster is; changes meanwhile coalesce into the next one.
                await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Navigated away.
        }
    }

    private void Requery()
    {
        _all = _namespaceDenied is not null ? [] :
        [
            .. History.ListRollouts(_namespace)
                .Where(r => _readable.Contains(r.Namespace, StringComparer.Ordinal))
                .Select(r => _withHistory.Contains(r.Namespace, StringComparer.Ordinal) ? r : r.WithoutHistory()),
        ];
        ApplyFilters();
    }

    // The namespaces the user may read (and of those, whose history), and why the chosen one (if any) may not be read.
    private async Task<(ImmutableArray<string> Readable, ImmutableArray<string> WithHistory, string? Denied)> AskReadableAsync(string? ns, CancellationToken cancellationToken)
    {
        ImmutableArray<string> readable = await Session.ReadableAsync(Traffic.Namespaces, cancellationToken: cancellationToken).ConfigureAwait(false);
        ImmutableArray<string> withHistory = await Session.ReadableAsync(readable, ReadScope.History, cancellationToken).ConfigureAwait(false);
        string? denied = ns is null || readable.Contains(ns, StringComparer.Ordinal) ? null : await Session.ReadDeniedAsync(ns, ReadScope.Routing, cancellationToken).ConfigureAwait(false);
        return (readable, withHistory, denied);
    }

    private void ApplyFilters() => _rows = [.. _all.Where(Matches)];

    private bool Matches(RolloutSummary row)
    {
        if (_healthFilter == FailingFilter && HealthOf(row) is not { IsFailingOrDegraded: true })
        {
            return false;
        }

        if (_origin.Length > 0 && !string.Equals(row.LastOrigin?.ToString(), _origin, StringComparison.Ordinal))
        {
            return false;
        }

        bool validationOk = _validation switch
        {
            "problems" => row.WorstValidation is MessageSeverity.Warning or MessageSeverity.Error,
            "error" => row.WorstValidation is MessageSeverity.Error,
            "ok" => row.WorstValidation is null,
            _ => true,
        };
        if (!validationOk)
        {
            return false;
        }

        if (string.IsNullOrWhiteSpace(_search))
        {
            return true;
        }

        string term = _search.Trim();
        return row.Service.Contains(term, StringComparison.OrdinalIgnoreCase)
            || row.Namespace.Contains(term, StringComparison.OrdinalIgnoreCase)
            || row.Weights.Any(w => w.Version.Contains(term, StringComparison.OrdinalIgnoreCase))
            || (row.LastChangedBy?.Contains(term, StringComparison.OrdinalIgnoreCase) ?? false);
    }

    private async Task LoadPermissionsAsync() =>
        _namespacePermissions = _namespace is { } ns ? await Session.PermissionsAsync(ns) : null;

    private async Task SetNamespace(string value)
    {
        _namespace = string.IsNullOrEmpty(value) ? null : value;
        (_readable, _withHistory, _namespaceDenied) = await AskReadableAsync(_namespace, CancellationToken.None);
        Requery();
        await LoadPermissionsAsync();
        await RestartHealthAsync();
        // Keep the URL shareable: the filter is in it.
        Navigation.NavigateTo(_namespace is null ? "rollouts" : $"rollouts?namespace={Uri.EscapeDataString(_namespace)}", forceLoad: false, replace: true);
    }

    private void SetSearch(string? value)
    {
        _search = value;
        ApplyFilters();
    }

    private void SetOrigin(string value)
    {
        _origin = value ?? AnyFilter;
        ApplyFilters();
    }

    private void SetValidation(string value)
    {
        _validation = value ?? AnyFilter;
        ApplyFilters();
    }

    private static string DetailHref(RolloutSummary row) =>
        $"namespaces/{Uri.EscapeDataString(row.Namespace)}/services/{Uri.EscapeDataString(row.Service)}";

    private static IReadOnlyList<string> VersionNames(RolloutSummary row) => [.. row.Weights.Select(static w => w.Version)];

    private static string SplitSortKey(RolloutSummary row) =>
        string.Join(',', row.Weights.Select(static w => w.Percent.ToString("D3", CultureInfo.InvariantCulture)));

    private static string RowClass(RolloutSummary row, int index) =>
        row.WorstValidation == MessageSeverity.Error ? "tc-row--error" : string.Empty;

    /// <summary>How long a rollout has been in flight, e.g. "45 min", "3 h 10 min", "4 days".</summary>
    public static string InFlight(DateTimeOffset? since) => since is { } at ? Duration(DateTimeOffset.UtcNow - at) : "—";

    /// <summary>A duration in the overview's words.</summary>
    public static string Duration(TimeSpan age) => age.TotalMinutes switch
    {
        < 1 => "just started",
        < 60 => $"{(int)age.TotalMinutes} min",
        < 48 * 60 => age.Minutes == 0 ? $"{(int)age.TotalHours} h" : $"{(int)age.TotalHours} h {age.Minutes} min",
        _ => $"{(int)age.TotalDays} days",
    };

    private string? ToStableBlockedReason(RolloutSummary row) =>
        BlockedReason ?? RollbackConfirm.StableBlockedReason(row.Kind, null, row.Weights, row.Stable);


    // Click 1 (the row's button) opens the confirm; click 2 (Confirm) applies, only if the service is still as listed.
    private async Task ToStableAsync(RolloutSummary row)
    {
        // The cluster decides who may roll back; say why before asking, rather than after the confirm.
        if ((await Session.PermissionsAsync(row.Namespace)).ApplyDeniedReason is { } denied)
        {
            _notice = new Notice(Severity.Error, $"{row.Namespace}/{row.Service} cannot be rolled back by you: {denied}");
            return;
        }

        RollbackPreview preview = History.PreviewRollback(row.Namespace, row.Service, RollbackTarget.Stable);
        PreviewDecision? decision = await RollbackConfirm.AskAsync(Dialogs, row.Service, preview, row.Weights, VersionNames(row), row.Namespace);
        if (decision is null)
        {
            return;
        }

        _busy = true;
        _notice = null;
        ChangeOutcome outcome;
        try
        {
            ChangeContext change = await Session.ChangeAsync(User, decision.Reason);
            outcome = await History.RollbackAsync(row.Namespace, row.Service, RollbackTarget.Stable, row.Revision, change, CancellationToken.None);
        }
        finally
        {
            _busy = false;
        }

        Requery();
        switch (outcome)
        {
            case ChangeOutcome.Applied:
                Snackbar.Add($"{row.Namespace}/{row.Service}: {preview.Description}", Severity.Success);
                break;
            case ChangeOutcome.Conflict conflict:
                _notice = new Notice(Severity.Warning,
                    $"{row.Namespace}/{row.Service} was not rolled back: {conflict.Message} The row shows the newer state; nothing was overwritten. Look at it and click To stable again.");
                break;
            default:
                _notice = new Notice(Severity.Error, $"{row.Namespace}/{row.Service} was not rolled back: {Describe(outcome)}");
                break;
        }
    }

    private async Task RollBackNamespaceAsync()
    {
        if (_namespace is not { } ns)
        {
            return;
        }

        var parameters = new DialogParameters<NamespaceRollbackDialog>
        {
            { d => d.Plan, History.PlanNamespaceRollback(ns) },
            { d => d.Change, await Session.ChangeAsync(User) },
        };
        IDialogReference dialog = await Dialogs.ShowAsync<NamespaceRollbackDialog>($"Roll back {ns}", parameters, WideDialog);
        await dialog.Result;
        Requery();
    }

    /// <summary>A write's outcome in one sentence (the overview and the namespace rollback list it per service).</summary>
    public static string Describe(ChangeOutcome outcome) => outcome switch
    {
        ChangeOutcome.Applied applied => $"done (revision {applied.Revision})",
        ChangeOutcome.Conflict conflict => $"changed meanwhile, nothing written: {conflict.Message}",
        ChangeOutcome.Invalid invalid => "refused: " + string.Join("; ", invalid.Messages.Select(static m => $"{m.Code} {m.Message}")),
        ChangeOutcome.Forbidden forbidden => $"not allowed: {forbidden.Message}",
        ChangeOutcome.NotFound notFound => $"not found: {notFound.Message}",
        ChangeOutcome.Unavailable unavailable => $"the cluster did not answer: {unavailable.Message}",
        _ => "unexpected result",
    };

    public async ValueTask DisposeAsync()
    {
        await _live.DisposeAsync();
        await _liveHealth.DisposeAsync();
        _changed.Dispose();
        GC.SuppressFinalize(this);
    }

    private sealed record Notice(Severity Severity, string Text);
}
