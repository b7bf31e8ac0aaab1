using Microsoft.AspNetCore.Components;

using MudBlazor;

using TrafficConsole.Web.Auth;
using TrafficConsole.Web.Model;
using TrafficConsole.Web.Services;

namespace TrafficConsole.Web.Components.Pages;

/// <summary>The changes recorded in one namespace, newest first, filtered by who, service and time; each links to the service's history.</summary>
[ReadsHistory]
public partial class AuditPage : IAsyncDisposable
{
    private static readonly (string Key, string Label, TimeSpan? Span)[] Ranges =
    [
        ("all", "any time", null),
        ("1h", "last hour", TimeSpan.FromHours(1)),
        ("24h", "last 24 hours", TimeSpan.FromHours(24)),
        ("7d", "last 7 days", TimeSpan.FromDays(7)),
        ("30d", "last 30 days", TimeSpan.FromDays(30)),
    ];

    private List<AuditEntry> _entries = [];
    private string? _actor;
    private string? _service;
    private string _range = "all";
    private string? _watchedNamespace;
    private readonly LiveLoop _live = new();

    [Inject]
    public required IRolloutHistory History { get; init; }

    [Inject]
    public required IServiceReader Traffic { get; init; }

    /// <summary>The namespace from the URL.</summary>
    [Parameter]
    public string Namespace { get; set; } = string.Empty;

    /// <summary><c>?service=</c>: start filtered to one service.</summary>
    [SupplyParameterFromQuery(Name = "service")]
    public string? ServiceQuery { get; set; }

    private bool Filtered => !string.IsNullOrWhiteSpace(_actor) || !string.IsNullOrWhiteSpace(_service) || _range != "all";

    private string? GridHeight => _entries.Count > 15 ? "calc(100vh - 250px)" : null;

    private List<BreadcrumbItem> Breadcrumbs =>
    [
        new BreadcrumbItem(Namespace, href: $"namespaces/{Uri.EscapeDataString(Namespace)}/services"),
        new BreadcrumbItem("audit", href: null, disabled: true),
    ];

    protected override async Task OnParametersSetAsync()
    {
        if (_watchedNamespace == Namespace)
        {
            return;
        }

        await _live.StopAsync();
        _watchedNamespace = Namespace;
        _actor = null;
        _service = string.IsNullOrWhiteSpace(ServiceQuery) ? null : ServiceQuery;
        _range = "all";
        long since = Traffic.Version;
        Requery();
        string ns = Namespace;
        await _live.RestartAsync(ct => WatchAsync(ns, since, ct));
    }

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
                    Requery();
                    StateHasChanged();
                }).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Navigated away or switched namespace.
        }
    }

    /// <summary>The query the filters stand for, with "last N" measured from <paramref name="now"/>.</summary>
    public static AuditQuery QueryOf(string? actor, string? service, string range, DateTimeOffset now)
    {
        TimeSpan? span = Ranges.FirstOrDefault(r => r.Key == range).Span;
        return new AuditQuery(
            string.IsNullOrWhiteSpace(actor) ? null : actor.Trim(),
            string.IsNullOrWhiteSpace(service) ? null : service.Trim(),
            span is { } s ? now - s : null,
            null);
    }

    private void Requery() => _entries = [.. History.GetAudit(Namespace, QueryOf(_actor, _service, _range, DateTimeOffset.UtcNow))];

    private void SetActor(string? value)
    {
        _actor = value;
        Requery();
    }

    private void SetService(string? value)
    {
        _service = value;
        Requery();
    }

    private void SetRange(string value)
    {
        _range = value ?? "all";
        Requery();
    }

    private static string HistoryHref(AuditEntry entry) =>
        $"namespaces/{Uri.EscapeDataString(entry.Namespace)}/services/{Uri.EscapeDataString(entry.Service)}?tab=history";

    public async ValueTask DisposeAsync()
    {
        await _live.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
