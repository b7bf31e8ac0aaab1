using Microsoft.AspNetCore.Components;

using MudBlazor;

using TrafficConsole.Web.Components.Dialogs;
using TrafficConsole.Web.Model;
using TrafficConsole.Web.Services;

namespace TrafficConsole.Web.Components.Pages.ServiceTabs;

/// <summary>The service page's versions card, with "Mark as stable" and "Promote" written through the page's one write flow.</summary>
public partial class VersionsCard
{
    [Inject]
    public required IRolloutHistory Rollouts { get; init; }

    [Inject]
    public required IDialogService Dialogs { get; init; }

    /// <summary>The page's shared state and write flow.</summary>
    [Parameter, EditorRequired]
    public ServiceChanges Changes { get; set; } = null!;

    /// <summary>The service as last read.</summary>
    [Parameter, EditorRequired]
    public ServiceDetail Detail { get; set; } = null!;

    /// <summary>The service's history (for its stable version); null until read.</summary>
    [Parameter]
    public ServiceHistory? History { get; set; }

    private ServiceSummary Summary => Detail.Summary;

    private string? MarkStableBlockedReason =>
        Changes.BlockedReason ?? (Detail.RoutingResources.IsDefaultOrEmpty
            ? "The stable version is kept on the VirtualService: apply a routing first."
            : Summary.Routing.Kind == RoutingKind.ReadOnly ? Summary.Routing.ReadOnlyReason : null);

    // Promote writes the routes as well as the mark: what blocks either blocks it.
    private string? PromoteBlockedReason => MarkStableBlockedReason;

    private async Task MarkStableAsync(string version)
    {
        string revision = Summary.Routing.Revision;
        ChangeOutcome outcome = await Changes.WriteAsync((change, ct) => Rollouts.MarkStableAsync(Changes.Namespace, Changes.Service, version, revision, change, ct));
        await Changes.ShowOutcomeAsync(outcome, new ChangeWords($"{version} is now the stable version of {Changes.Service}", "The stable version is unchanged.") { NotDone = "Not marked:" });
    }

    // Click 1 opens the confirm (now -> after, the YAML diff, a reason); click 2 promotes, only if nothing changed since.
    private async Task PromoteAsync(string version)
    {
        string revision = Summary.Routing.Revision;
        PromotePreview preview = Rollouts.PreviewPromote(Changes.Namespace, Changes.Service, version);
        PreviewDecision? decision = await RollbackConfirm.AskPromoteAsync(Dialogs, Changes.Service, preview, ServiceDetailPage.ClusterDraft(Summary.Routing).Weights, Changes.VersionNames);
        if (decision is null)
        {
            return;
        }

        ChangeOutcome outcome = await Changes.WriteAsync((change, ct) => Rollouts.PromoteAsync(Changes.Namespace, Changes.Service, version, revision, change with { Reason = decision.Reason }, ct));
        await Changes.ShowOutcomeAsync(outcome, new ChangeWords($"{Changes.Service}: {preview.Description}", "Nothing was promoted.") { NotDone = "Not promoted:" });
    }
}
