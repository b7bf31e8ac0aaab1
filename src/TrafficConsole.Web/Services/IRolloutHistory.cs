using TrafficConsole.Web.Model;

namespace TrafficConsole.Web.Services;

/// <summary>
/// A service's recorded history and the rollout actions built on it: compare, roll back, mark stable, promote, the
/// rollouts in flight, rolling back a namespace, and the audit list.
/// </summary>
public interface IRolloutHistory
{
    /// <summary>The recorded history of a service's routing (newest first) and its stable version; null when the service does not exist.</summary>
    ServiceHistory? GetHistory(string namespaceName, string service);

    /// <summary>Two revisions of a service side by side; null when either is unknown.</summary>
    RevisionComparison? CompareRevisions(string namespaceName, string service, string fromId, string toId);

    /// <summary>What a rollback to a revision or to the stable version would write, with validation; changes nothing.</summary>
    RollbackPreview PreviewRollback(string namespaceName, string service, RollbackTarget target);

    /// <summary>
    /// Rolls back if the service is still at <paramref name="expectedRevision"/> (null: no check): a normal apply of the
    /// revision's snapshot, or every route to the stable version. Recorded as a revision like every change.
    /// </summary>
    Task<ChangeOutcome> RollbackAsync(string namespaceName, string service, RollbackTarget target, string? expectedRevision, ChangeContext change, CancellationToken cancellationToken = default);

    /// <summary>Marks <paramref name="version"/> as the service's stable version (an annotation on its VirtualService or HTTPRoute).</summary>
    Task<ChangeOutcome> MarkStableAsync(string namespaceName, string service, string version, string? expectedRevision, ChangeContext change, CancellationToken cancellationToken = default);

    /// <summary>What "Promote" of <paramref name="version"/> would write (all traffic to it, marked stable), with validation; changes nothing.</summary>
    PromotePreview PreviewPromote(string namespaceName, string service, string version);

    /// <summary>
    /// Promotes <paramref name="version"/> if the service is still at <paramref name="expectedRevision"/> (null: no check):
    /// all traffic to it and it marked stable, in one write, recorded in the history with the action "promote".
    /// </summary>
    Task<ChangeOutcome> PromoteAsync(string namespaceName, string service, string version, string? expectedRevision, ChangeContext change, CancellationToken cancellationToken = default);

    /// <summary>Every service in one namespace (null: all) whose traffic is split over versions or routed by rules.</summary>
    IReadOnlyList<RolloutSummary> ListRollouts(string? namespaceName);

    /// <summary>What "Roll back all rollouts in flight" would do in a namespace; changes nothing.</summary>
    NamespaceRollbackPlan PlanNamespaceRollback(string namespaceName);

    /// <summary>Sends all traffic of every service in <paramref name="plan"/> that is not blocked to its stable version, each only if still at the planned revision.</summary>
    Task<NamespaceRollbackResult> RollbackNamespaceAsync(NamespaceRollbackPlan plan, ChangeContext change, CancellationToken cancellationToken = default);

    /// <summary>The changes recorded in a namespace, newest first, filtered.</summary>
    IReadOnlyList<AuditEntry> GetAudit(string namespaceName, AuditQuery query);
}
