using MudBlazor;

using TrafficConsole.Web.Model;

namespace TrafficConsole.Web.Components.Dialogs;

/// <summary>
/// The confirm step of every rollback (to a revision, "All traffic to stable" on the service page and the overview):
/// the preview dialog with what changes, why that version, the weights now and after, the YAML diff and a reason.
/// </summary>
public static class RollbackConfirm
{
    private static readonly DialogOptions WideOptions = new() { MaxWidth = MaxWidth.Large, FullWidth = true, CloseButton = true };

    /// <summary>The title of the emergency confirm for <paramref name="service"/>.</summary>
    public static string StableHeading(string service) => $"All traffic of {service} to stable?";

    /// <summary>
    /// Shows the confirm dialog; the operator's decision (with the reason), or null when they cancelled. With
    /// <paramref name="namespaceName"/>, each version's error rate and p99 latency show next to the weights.
    /// </summary>
    public static async Task<PreviewDecision?> AskAsync(
        IDialogService dialogs,
        string service,
        RollbackPreview preview,
        IReadOnlyList<WeightShare> before,
        IReadOnlyList<string> versionNames,
        string? namespaceName = null)
    {
        ArgumentNullException.ThrowIfNull(dialogs);
        ArgumentNullException.ThrowIfNull(preview);
        bool toStable = preview.Target.ToStable;
        string applyText = toStable
            ? $"Confirm: all traffic to {preview.Stable?.Version ?? "stable"}"
            : $"Roll back to {preview.Target.ToRevision}";
        var parameters = new DialogParameters<PreviewDialog>
        {
            { d => d.Service, service },
            { d => d.Namespace, namespaceName },
            { d => d.Preview, preview.Preview },
            { d => d.Heading, toStable ? StableHeading(service) : $"Roll {service} back to revision {preview.Target.ToRevision}?" },
            // For "to stable" the alert below says which version and why; the line above it just says what happens.
            { d => d.Description, toStable && preview.Stable?.Version is { } version ? $"All traffic to {version}" : preview.Description },
            { d => d.Stable, preview.Stable },
            { d => d.Before, before },
            { d => d.After, preview.WeightsAfter },
            { d => d.AfterLabel, "After the rollback" },
            { d => d.VersionNames, versionNames },
            { d => d.ApplyText, applyText },
            { d => d.Danger, true },
        };
        IDialogReference dialog = await dialogs.ShowAsync<PreviewDialog>(toStable ? StableHeading(service) : $"Roll back {service}", parameters, WideOptions);
        DialogResult? result = await dialog.Result;
        return result is { Canceled: false, Data: PreviewDecision decision } ? decision : null;
    }

    /// <summary>The confirm of "Promote": all traffic to the version, marked stable; the operator's decision, or null.</summary>
    public static async Task<PreviewDecision?> AskPromoteAsync(
        IDialogService dialogs,
        string service,
        PromotePreview preview,
        IReadOnlyList<WeightShare> before,
        IReadOnlyList<string> versionNames)
    {
        ArgumentNullException.ThrowIfNull(dialogs);
        ArgumentNullException.ThrowIfNull(preview);
        string heading = $"Promote {preview.Version} of {service}?";
        var parameters = new DialogParameters<PreviewDialog>
        {
            { d => d.Service, service },
            { d => d.Preview, preview.Preview },
            { d => d.Heading, heading },
            { d => d.Description, preview.Description },
            { d => d.Before, before },
            { d => d.After, preview.WeightsAfter },
            { d => d.AfterLabel, "After the promotion" },
            { d => d.VersionNames, versionNames },
            { d => d.ApplyText, $"Confirm: promote {preview.Version}" },
        };
        IDialogReference dialog = await dialogs.ShowAsync<PreviewDialog>(heading, parameters, WideOptions);
        DialogResult? result = await dialog.Result;
        return result is { Canceled: false, Data: PreviewDecision decision } ? decision : null;
    }

    /// <summary>
    /// Why "All traffic to stable" cannot be offered for a service, in the operator's words; null when it can:
    /// no stable version, read-only routing, or everything already on the stable version.
    /// </summary>
    public static string? StableBlockedReason(RoutingKind kind, string? readOnlyReason, IReadOnlyList<WeightShare> effective, StableVersionInfo? stable)
    {
        ArgumentNullException.ThrowIfNull(effective);
        if (stable?.Version is not { } version)
        {
            return $"No stable version: {stable?.Explanation ?? "the history is not available."}";
        }

        if (kind == RoutingKind.ReadOnly)
        {
            return $"The routing is read-only here: {readOnlyReason ?? "it is too complex for the console to rewrite."}";
        }

        return kind == RoutingKind.Split && effective.Any(w => w.Version == version && w.Percent == 100)
            ? $"All traffic already goes to the stable version {version}."
            : null;
    }

    /// <summary>The preview's resources as one multi-document YAML (the draft column of the conflict view).</summary>
    public static string YamlOf(RoutingPreview preview)
    {
        ArgumentNullException.ThrowIfNull(preview);
        return string.Join("---\n", new[] { preview.VirtualServiceYaml, preview.DestinationRuleYaml, preview.HttpRouteYaml }.Where(static y => !string.IsNullOrEmpty(y)));
    }
}
