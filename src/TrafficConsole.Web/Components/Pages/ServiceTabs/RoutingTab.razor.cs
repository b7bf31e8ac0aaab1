using Microsoft.AspNetCore.Components;

using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Yaml;
using TrafficConsole.Web.Components.Controls;
using TrafficConsole.Web.Model;
using TrafficConsole.Web.Services;

namespace TrafficConsole.Web.Components.Pages.ServiceTabs;

/// <summary>
/// The service page's "Request routing" tab: the rule editor and its YAML mode, previewed and written through the
/// page's one write flow.
/// </summary>
public partial class RoutingTab
{
    private RoutingEditor? _editor;

    [Inject]
    public required IRoutingChanges RoutingChanges { get; init; }

    /// <summary>The page's shared state and write flow.</summary>
    [Parameter, EditorRequired]
    public ServiceChanges Changes { get; set; } = null!;

    /// <summary>The service as last read.</summary>
    [Parameter, EditorRequired]
    public ServiceDetail Detail { get; set; } = null!;

    /// <summary>Its routing intent, read with <see cref="Detail"/>.</summary>
    [Parameter, EditorRequired]
    public ServiceRouting Routing { get; set; } = null!;

    /// <summary>Raised when the editor's draft becomes unsaved or saved.</summary>
    [Parameter]
    public EventCallback<bool> DirtyChanged { get; set; }

    /// <summary>True while the editor holds a draft that is not applied.</summary>
    public bool IsDirty => _editor?.IsDirty ?? false;

    private async Task PreviewRoutingAsync(RoutingRequest request)
    {
        RoutingPreview preview = RoutingChanges.PreviewRouting(Changes.Namespace, Changes.Service, request.Intent);
        if (await Changes.ShowPreviewAsync(preview, _editor?.ApplyBlockedReason is null, request.Reason) is { } decision)
        {
            await ApplyRoutingAsync(request, decision.Reason);
        }
    }

    private Task ApplyRoutingAsync(RoutingRequest request) => ApplyRoutingAsync(request, request.Reason);

    private Task ApplyRoutingAsync(RoutingRequest request, string? reason) =>
        ApplyEditorAsync(
            request.Revision,
            (change, revision, ct) => RoutingChanges.ApplyRoutingAsync(Changes.Namespace, Changes.Service, request.Intent, revision, change with { Reason = reason }, ct),
            () => ServiceChanges.YamlOf(RoutingChanges.PreviewRouting(Changes.Namespace, Changes.Service, request.Intent)),
            $"Applied request routing to {Changes.Service}: {DescribeRules(request.Intent)}",
            $"your request-routing draft ({DescribeRules(request.Intent)})");

    private async Task PreviewYamlAsync(YamlRequest request)
    {
        RoutingPreview preview = RoutingChanges.PreviewYaml(Changes.Namespace, Changes.Service, request.Draft);
        if (await Changes.ShowPreviewAsync(preview, canApply: true, request.Reason) is { } decision)
        {
            await ApplyYamlAsync(request, decision.Reason);
        }
    }

    private async Task ApplyYamlAsync(YamlRequest request)
    {
        // YAML that moves traffic in a way the text does not show at a glance (a version losing all its traffic,
        // weights that are shares of 110) is applied only once the operator has seen the bars, as Preview shows them.
        RoutingPreview preview = RoutingChanges.PreviewYaml(Changes.Namespace, Changes.Service, request.Draft);
        if (preview.TrafficWarnings.IsDefaultOrEmpty)
        {
            await ApplyYamlAsync(request, request.Reason);
            return;
        }

        if (await Changes.ShowPreviewAsync(preview, canApply: true, request.Reason, $"Confirm how this YAML moves traffic on {Changes.Service}") is { } decision)
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
                return RoutingChanges.ApplyYamlAsync(Changes.Namespace, Changes.Service, draft, revision, change with { Reason = reason }, ct);
            },
            () => ServiceChanges.YamlOf(RoutingChanges.PreviewYaml(Changes.Namespace, Changes.Service, WithoutResourceVersions(request.Draft))),
            $"Applied the YAML to {Changes.Service}",
            "your YAML (kept in the editor)");
    }

    /// <summary>The YAML without its <c>metadata.resourceVersion</c> (re-applying a draft over a newer state on purpose).</summary>
    public static YamlDraft WithoutResourceVersions(YamlDraft draft)
    {
        ArgumentNullException.ThrowIfNull(draft);
        return new YamlDraft(ResourceVersions.Remove(draft.VirtualServiceYaml), ResourceVersions.Remove(draft.DestinationRuleYaml));
    }

    // The request-routing editor and YAML mode write like the sliders: busy page, current actor, the same outcomes.
    private async Task ApplyEditorAsync(
        string? draftRevision,
        Func<ChangeContext, string?, CancellationToken, Task<ChangeOutcome>> write,
        Func<string?> draftYaml,
        string applied,
        string draftText)
    {
        ChangeOutcome outcome = await Changes.WriteAsync((change, ct) => write(change, draftRevision, ct));
        var words = new ChangeWords(applied, "Nothing was applied.") { Draft = new ConflictDraft(draftRevision, Split: null, draftText, draftYaml) };
        switch (await Changes.ShowOutcomeAsync(outcome, words))
        {
            case WriteFollowUp.Applied when outcome is ChangeOutcome.Applied done:
                _editor?.Applied(done.Revision);
                break;
            case WriteFollowUp.Reapply:
                await ApplyEditorAsync(Changes.Detail?.Summary.Routing.Revision, write, draftYaml, applied, draftText);
                break;
            case WriteFollowUp.LoadLatest:
                _editor?.LoadLatest();
                break;
        }
    }

    private static string DescribeRules(RoutingIntent intent)
    {
        string rules = intent.Rules.Length == 1 ? "1 rule" : $"{intent.Rules.Length} rules";
        return intent.DefaultRoute is null ? $"{rules}, no default route" : $"{rules} + default route";
    }
}
