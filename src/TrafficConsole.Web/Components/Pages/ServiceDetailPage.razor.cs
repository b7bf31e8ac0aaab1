using System.Collections.Immutable;

using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Routing;

using MudBlazor;

using TrafficConsole.Web.Auth;
using TrafficConsole.Web.Components.Dialogs;
using TrafficConsole.Web.Components.Pages.ServiceTabs;
using TrafficConsole.Web.Model;
using TrafficConsole.Web.Services;

namespace TrafficConsole.Web.Components.Pages;

/// <summary>
/// One service: its versions, the routing in the cluster, and the tabs that edit it (traffic shifting, request routing,
/// history), with "All traffic to stable"; updated live. The page loads, follows live changes and shows the header; each
/// tab owns its own handlers, and every write goes through the shared <see cref="ServiceChanges"/>.
/// </summary>
public partial class ServiceDetailPage : IAsyncDisposable
{
    private const int HistoryTab = 2;

    private ServiceChanges? _changes;
    private TrafficTab? _trafficTab;
    private RoutingTab? _routingTab;
    private string? _watchedKey;
    private int _tabIndex;
    private bool _shiftingDirty;
    private bool _routingDirty;
    private bool _loading;
    private readonly LiveLoop _live = new();

    [Inject]
    public required IServiceReader Traffic { get; init; }

    [Inject]
    public required IRolloutHistory Rollouts { get; init; }

    [Inject]
    public required IDialogService Dialogs { get; init; }

    [Inject]
    public required ISnackbar Snackbar { get; init; }

    [Inject]
    public required ConsoleSession Session { get; init; }

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
    public bool HasDraft => (_trafficTab?.IsDirty ?? false) || (_routingTab?.IsDirty ?? false);

    /// <summary>Why "All traffic to stable" is disabled; null when it is enabled.</summary>
    public string? ToStableBlockedReason
    {
        get
        {
            if (Changes.Detail is not { } detail)
            {
                return "The service does not exist.";
            }

            if (Changes.BlockedReason is { } blocked)
            {
                return blocked;
            }

            RoutingSummary routing = detail.Summary.Routing;
            return RollbackConfirm.StableBlockedReason(routing.Kind, routing.ReadOnlyReason, routing.Effective, Changes.History?.Stable);
        }
    }

    // Created with the page's services on first use; tabs get it as a parameter.
    private ServiceChanges Changes => _changes ??= CreateChanges();

    private string ServicesHref => $"namespaces/{Uri.EscapeDataString(Namespace)}/services";

    private IReadOnlyList<string> VersionNames => Changes.VersionNames;

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

    private ServiceChanges CreateChanges()
    {
        var changes = new ServiceChanges(Traffic, Rollouts, Dialogs, Snackbar, Session);
        // A write, its outcome or a re-read changes what the header and the tabs show: render it (while loading, the
        // page renders once it has loaded).
        changes.Changed += () =>
        {
            if (!_loading)
            {
                _ = InvokeAsync(StateHasChanged);
            }
        };
        return changes;
    }

    protected override async Task OnParametersSetAsync()
    {
        Changes.User = User;
        string key = $"{Namespace}/{Service}";
        if (key == _watchedKey)
        {
            return;
        }

        _loading = true;
        try
        {
            await LoadAsync(key);
        }
        finally
        {
            _loading = false;
        }
    }

    private async Task LoadAsync(string key)
    {
        await _live.StopAsync();
        _watchedKey = key;
        // Read before anything the page shows: what changes from here on, even while permissions load, is delivered.
        long since = Traffic.Version;
        Changes.Open(Namespace, Service);
        Changes.Health = Traffic.Health;
        _tabIndex = string.Equals(Tab, "history", StringComparison.OrdinalIgnoreCase) ? HistoryTab : 0;
        Changes.Refresh();
        await Changes.LoadPermissionsAsync();
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
                        Changes.Health = update.Health;
                    }

                    if (mine)
                    {
                        // The editors keep an unsaved draft and mark it stale; without a draft they follow.
                        Changes.Refresh();
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

        string what = (_trafficTab?.IsDirty ?? false, _routingTab?.IsDirty ?? false) switch
        {
            (true, true) => "a traffic-shifting draft and a request-routing draft",
            (true, false) => $"a traffic-shifting draft ({_trafficTab!.DraftText})",
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

    private Task ToStableAsync() => Changes.RollbackAsync(RollbackTarget.Stable);

    public async ValueTask DisposeAsync()
    {
        await _live.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
