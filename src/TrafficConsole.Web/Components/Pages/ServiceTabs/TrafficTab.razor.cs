using System.Collections.Immutable;

using Microsoft.AspNetCore.Components;

using MudBlazor;

using TrafficConsole.Mesh.Routing;
using TrafficConsole.Web.Components.Controls;
using TrafficConsole.Web.Components.Dialogs;
using TrafficConsole.Web.Model;

using RoutingKind = TrafficConsole.Web.Model.RoutingKind;
using TrafficConsole.Web.Services;

namespace TrafficConsole.Web.Components.Pages.ServiceTabs;

/// <summary>
/// The service page's "Traffic shifting" tab. The sliders edit the default route of the routing intent read at the
/// draft's revision (<see cref="RoutingIntent.WithDefaultSplit"/>), previewed and written like the rule editor's drafts,
/// and they are read-only exactly when the rule editor cannot edit that route (<see cref="ServiceRouting.DefaultRouteReadOnlyReason"/>).
/// </summary>
public partial class TrafficTab
{
    private static readonly DialogOptions SmallDialog = new() { MaxWidth = MaxWidth.Small, FullWidth = true, CloseButton = true };
    private TrafficShiftingPanel? _panel;

    [Inject]
    public required IRoutingChanges RoutingChanges { get; init; }

    [Inject]
    public required IDialogService Dialogs { get; init; }

    /// <summary>The page's shared state and write flow.</summary>
    [Parameter, EditorRequired]
    public ServiceChanges Changes { get; set; } = null!;

    /// <summary>The service as last read.</summary>
    [Parameter, EditorRequired]
    public ServiceDetail Detail { get; set; } = null!;

    /// <summary>Its routing intent, read with <see cref="Detail"/>.</summary>
    [Parameter]
    public ServiceRouting? Routing { get; set; }

    /// <summary>Raised when the slider draft becomes unsaved or saved.</summary>
    [Parameter]
    public EventCallback<bool> DirtyChanged { get; set; }

    /// <summary>True while the sliders hold a draft that is not applied.</summary>
    public bool IsDirty => _panel?.IsDirty ?? false;

    /// <summary>The draft in words ("v1 30% · v2 70%"), for the leave-the-page question.</summary>
    public string DraftText => _panel is null ? string.Empty : Describe(_panel.Draft);

    private string? ReadOnlyReason => Routing is null ? "The routing could not be read." : Routing.DefaultRouteReadOnlyReason;

    /// <summary>Messages about the intent's default route at the paths the sliders' messages have always had (<see cref="SplitPaths"/>).</summary>
    public static ImmutableArray<ValidationMessage> ForSliders(ImmutableArray<ValidationMessage> messages) => SplitPaths.FromIntent(messages);

    private static ChangeOutcome ForSliders(ChangeOutcome outcome) =>
        outcome is ChangeOutcome.Invalid invalid ? invalid with { Messages = ForSliders(invalid.Messages) } : outcome;

    private static RoutingPreview ForSliders(RoutingPreview preview) => preview with { Validation = ForSliders(preview.Validation) };

    // The draft over the routing it started from: every rule and the default route's options stay, its split is the draft.
    private RoutingIntent IntentOf(TrafficDraft draft, string? revision) =>
        (Changes.RoutingAt(revision)?.Intent ?? new RoutingIntent()).WithDefaultSplit(draft.ToSplit());

    private async Task PreviewAsync(DraftRequest request)
    {
        RoutingPreview preview = ForSliders(RoutingChanges.PreviewRouting(Changes.Namespace, Changes.Service, IntentOf(request.Draft, request.Revision)));
        PreviewDecision? decision = await Changes.ShowPreviewAsync(preview, _panel?.ApplyBlockedReason is null, request.Reason, heading: null, parameters =>
        {
            parameters.Add(d => d.After, request.Draft.Weights);
            parameters.Add(d => d.Before, ServiceDetailPage.ClusterDraft(Detail.Summary.Routing).Weights);
            parameters.Add(d => d.BeforeIsImplied, Detail.Summary.Routing.Kind == RoutingKind.None);
        });
        if (decision is not null)
        {
            // Apply what was previewed, based on the revision the draft started from.
            await ApplyAsync(request, decision.Reason);
        }
    }

    private Task ApplyAsync(DraftRequest request) => ApplyAsync(request, request.Reason);

    private async Task ApplyAsync(DraftRequest request, string? reason)
    {
        RoutingIntent intent = IntentOf(request.Draft, request.Revision);
        ChangeOutcome outcome = ForSliders(await Changes.WriteAsync((change, ct) =>
            RoutingChanges.ApplyRoutingAsync(Changes.Namespace, Changes.Service, intent, request.Revision, change with { Reason = reason }, ct)));
        var words = new ChangeWords($"Applied to {Changes.Service}: {Describe(request.Draft)}", "Nothing was applied.")
        {
            // Over the state now: the latest routing with the draft's split.
            Draft = new ConflictDraft(request.Revision, request.Draft, Text: null,
                () => ServiceChanges.YamlOf(RoutingChanges.PreviewRouting(Changes.Namespace, Changes.Service, IntentOf(request.Draft, revision: null)))),
        };
        switch (await Changes.ShowOutcomeAsync(outcome, words))
        {
            case WriteFollowUp.Reapply:
                await ApplyAsync(request with { Revision = Changes.Detail?.Summary.Routing.Revision }, reason);
                break;
            case WriteFollowUp.LoadLatest:
                _panel?.LoadLatest();
                break;
        }
    }

    private async Task DeleteAsync()
    {
        string revision = Detail.Summary.Routing.Revision;
        var parameters = new DialogParameters<DeleteRoutingDialog>
        {
            { d => d.Service, Changes.Service },
            { d => d.Resources, RoutingChanges.DescribeDelete(Changes.Namespace, Changes.Service) },
        };
        IDialogReference dialog = await Dialogs.ShowAsync<DeleteRoutingDialog>($"Delete routing of {Changes.Service}", parameters, SmallDialog);
        DialogResult? result = await dialog.Result;
        if (result is null || result.Canceled)
        {
            return;
        }

        string? reason = (result.Data as PreviewDecision)?.Reason;
        ChangeOutcome outcome = await Changes.WriteAsync((change, ct) =>
            RoutingChanges.DeleteRoutingAsync(Changes.Namespace, Changes.Service, revision, change with { Reason = reason }, ct));
        await Changes.ShowOutcomeAsync(outcome, new ChangeWords($"Traffic routing of {Changes.Service} deleted", "Nothing was deleted.")
        {
            NotDone = "Not deleted:",
            ConflictAdvice = "Review the latest state and try again.",
        });
    }

    /// <summary>A split draft in words: <c>v1 30% · v2 70%, mirror 10% to v3</c>.</summary>
    public static string Describe(TrafficDraft draft)
    {
        ArgumentNullException.ThrowIfNull(draft);
        string weights = string.Join(" · ", draft.Weights.Where(static w => w.Percent > 0).Select(static w => $"{w.Version} {w.Percent}%"));
        return draft.Mirror is { } mirror ? $"{weights}, mirror {mirror.Percent:0.##}% to {mirror.Version}" : weights;
    }
}
