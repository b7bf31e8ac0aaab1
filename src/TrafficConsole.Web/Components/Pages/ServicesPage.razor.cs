using Microsoft.AspNetCore.Components;

using MudBlazor;

using TrafficConsole.Mesh.Telemetry;

using TrafficConsole.Web.Model;
using TrafficConsole.Web.Services;

namespace TrafficConsole.Web.Components.Pages;

/// <summary>The services of one namespace with versions, routing at a glance and validation, updated live.</summary>
public partial class ServicesPage : IAsyncDisposable
{
    // More changes than this in one update (a reconnect names every service) re-read the list instead of patching it row by row.
    private const int ReReadAbove = 64;

    private List<ServiceSummary> _rows = [];
    private string? _search;
    private bool _namespaceKnown = true;
    private string? _watchedNamespace;
    private readonly LiveLoop _live = new();
    private readonly LiveLoop _liveHealth = new();
    private TelemetryStatus _telemetry = TelemetryStatus.NotConfigured;
    private NamespaceTrafficReadout? _health;
    private bool _failingOnly;

    [Inject]
    public required IServiceReader Traffic { get; init; }

    [Inject]
    public required ITrafficReadings Readings { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    /// <summary>The namespace from the URL.</summary>
    [Parameter]
    public string Namespace { get; set; } = string.Empty;

    // Long lists scroll inside the grid (virtualized, header fixed); short ones take the room they need.
    private string? GridHeight => _rows.Count > 15 ? "calc(100vh - 250px)" : null;

    private int RoutedCount => _rows.Count(static r => r.Routing.Kind != RoutingKind.None);

    private string CountText
    {
        get
        {
            int shown = string.IsNullOrWhiteSpace(_search) && !_failingOnly ? _rows.Count : _rows.Count(MatchesSearch);
            return shown == _rows.Count ? $"{_rows.Count} services" : $"{shown} of {_rows.Count} services";
        }
    }

    private List<BreadcrumbItem> Breadcrumbs =>
    [
        new BreadcrumbItem(Namespace, href: null, disabled: true),
        new BreadcrumbItem("services", href: null, disabled: true),
    ];

    protected override async Task OnParametersSetAsync()
    {
        if (_watchedNamespace == Namespace)
        {
            return;
        }

        // Same component, new namespace: stop the old subscription before starting the next.
        await _live.StopAsync();
        await _liveHealth.StopAsync();
        _watchedNamespace = Namespace;
        _search = null;
        _health = null;
        _telemetry = Readings.Telemetry;
        long since = Traffic.Version;
        _rows = [.. Traffic.ListServices(Namespace)];
        _namespaceKnown = _rows.Count > 0 || Traffic.Namespaces.Contains(Namespace);
        string ns = Namespace;
        await _live.RestartAsync(ct => WatchAsync(ns, since, ct));
        if (_telemetry.State != TelemetryState.NotConfigured)
        {
            await _liveHealth.RestartAsync(ct => WatchHealthAsync(ns, ct));
        }
    }

    // Each reading of the shared telemetry monitor re-grades the rows (their worst version); the rows themselves stay.
    private async Task WatchHealthAsync(string ns, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (NamespaceTrafficReadout readout in Readings.WatchTrafficAsync(ns, TelemetryWindow.Default, cancellationToken).ConfigureAwait(false))
            {
                await InvokeAsync(() =>
                {
                    _health = readout;
                    _telemetry = readout.Status;
                    // A new list makes the grid sort and filter again by the new health.
                    _rows = [.. _rows];
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

    private ServiceHealth? HealthOf(ServiceSummary row) => _health?.HealthOf(row.Namespace, row.Name);

    // Failing first; rows without figures last.
    private double HealthSortKey(ServiceSummary row) => HealthOf(row)?.SortKey ?? 9;

    private void SetFailingOnly(bool value) => _failingOnly = value;

    private async Task WatchAsync(string ns, long since, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (TrafficUpdate update in Traffic.WatchAsync(ns, since, cancellationToken).ConfigureAwait(false))
            {
                if (update.Services.Count == 0 && !update.Resync)
                {
                    continue;
                }

                await InvokeAsync(() =>
                {
                    if (update.Resync)
                    {
                        ReRead();
                    }
                    else
                    {
                        ApplyChanges(update.Services);
                    }

                    StateHasChanged();
                }).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Navigated away or switched namespace.
        }
    }

    // Replaces only the rows that changed, keeping the others (and the grid's scroll and sort) as they are.
    private void ApplyChanges(IReadOnlyList<ServiceChangedEvent> changes)
    {
        if (changes.Count > ReReadAbove)
        {
            // A reconnect names every service: one fresh read beats a search per change, which is quadratic in the rows.
            ReRead();
            return;
        }

        var rows = new List<ServiceSummary>(_rows);
        foreach (ServiceChangedEvent change in changes)
        {
            if (change.Namespace != Namespace)
            {
                continue;
            }

            int index = rows.FindIndex(r => r.Name == change.Service);
            ServiceSummary? current = Traffic.GetService(Namespace, change.Service)?.Summary;
            if (current is null)
            {
                if (index >= 0)
                {
                    rows.RemoveAt(index);
                }
            }
            else if (index >= 0)
            {
                rows[index] = current;
            }
            else
            {
                rows.Add(current);
            }
        }

        _rows = rows;
        _namespaceKnown = true;
    }

    private void ReRead()
    {
        _rows = [.. Traffic.ListServices(Namespace)];
        _namespaceKnown = _rows.Count > 0 || Traffic.Namespaces.Contains(Namespace);
    }

    private bool MatchesSearch(ServiceSummary row)
    {
        if (_failingOnly && HealthOf(row) is not { IsFailingOrDegraded: true })
        {
            return false;
        }

        if (string.IsNullOrWhiteSpace(_search))
        {
            return true;
        }

        string term = _search.Trim();
        return row.Name.Contains(term, StringComparison.OrdinalIgnoreCase)
            || row.Versions.Any(v => v.Name.Contains(term, StringComparison.OrdinalIgnoreCase))
            || (row.LastChangedBy?.Contains(term, StringComparison.OrdinalIgnoreCase) ?? false);
    }

    private string DetailHref(ServiceSummary row) =>
        $"namespaces/{Uri.EscapeDataString(Namespace)}/services/{Uri.EscapeDataString(row.Name)}";

    private static IReadOnlyList<string> VersionNames(ServiceSummary row) => [.. row.Versions.Select(static v => v.Name)];

    private static string RoutingSortKey(ServiceSummary row) =>
        $"{(int)row.Routing.Kind}:{string.Join(',', row.Routing.Effective.Select(static w => w.Percent.ToString("D3", System.Globalization.CultureInfo.InvariantCulture)))}";

    private static int WorstSeverity(ServiceSummary row) =>
        row.Validation.IsDefaultOrEmpty ? -1 : row.Validation.Max(static m => (int)m.Severity);

    private static string RowClass(ServiceSummary row, int index) =>
        row.Validation.Any(static m => m.Severity == MessageSeverity.Error) ? "tc-row tc-row--error" : "tc-row";

    // The whole row opens the service (the name stays a real link for keyboards and new tabs).
    private void OpenRow(DataGridRowClickEventArgs<ServiceSummary> args) => Navigation.NavigateTo(DetailHref(args.Item));

    public async ValueTask DisposeAsync()
    {
        await _live.DisposeAsync();
        await _liveHealth.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
