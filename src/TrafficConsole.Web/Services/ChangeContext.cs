using TrafficConsole.Cluster.Identity;

namespace TrafficConsole.Web.Services;

/// <summary>
/// Who makes a change and why, as every write of the service layer records it: in the audit log, on the resources
/// (<c>trafficconsole.io/changed-by</c>) and in the rollout history.
/// </summary>
/// <param name="Actor">The person (or tool) making the change, as the audit log names them.</param>
public sealed record ChangeContext(string Actor)
{
    /// <summary>The longest reason kept; longer ones are refused at the point of entry (REST 422, a field error in the UI).</summary>
    public const int MaxReasonLength = 500;

    /// <summary>Why <paramref name="reason"/> cannot be kept ("at most 500 characters"), or null when it can.</summary>
    public static string? ReasonProblem(string? reason) => reason is { Length: > MaxReasonLength }
        ? $"Reason: at most {MaxReasonLength} characters ({reason.Length} typed)."
        : null;

    /// <summary>The reason as recorded: trimmed, null when blank.</summary>
    public static string? ReasonOf(string? typed) => string.IsNullOrWhiteSpace(typed) ? null : typed.Trim();

    /// <summary>Why, as typed by the operator at apply (optional; shown in the history and the audit list).</summary>
    public string? Reason { get; init; }

    /// <summary>
    /// Who the change is made as in the cluster (impersonation or the user's token); null means the console's own credentials,
    /// which the service layer accepts only under the anonymous strategy.
    /// </summary>
    public ClusterIdentity? As { get; init; }
}
