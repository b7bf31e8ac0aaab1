using TrafficConsole.Web.Model;

namespace TrafficConsole.Web.Services;

/// <summary>
/// Rollout history, rollback, the stable version, the rollouts overview and the audit list.
/// CONTRACT STUB: the history branch replaces every body below.
/// </summary>
internal sealed partial class TrafficService
{
    public ServiceHistory? GetHistory(string namespaceName, string service) => throw new NotImplementedException();

    public RevisionComparison? CompareRevisions(string namespaceName, string service, string fromId, string toId) => throw new NotImplementedException();

    public RollbackPreview PreviewRollback(string namespaceName, string service, RollbackTarget target) => throw new NotImplementedException();

    public Task<ChangeOutcome> RollbackAsync(string namespaceName, string service, RollbackTarget target, string? expectedRevision, ChangeContext change, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    public Task<ChangeOutcome> MarkStableAsync(string namespaceName, string service, string version, string? expectedRevision, ChangeContext change, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    public IReadOnlyList<RolloutSummary> ListRollouts(string? namespaceName) => throw new NotImplementedException();

    public NamespaceRollbackPlan PlanNamespaceRollback(string namespaceName) => throw new NotImplementedException();

    public Task<NamespaceRollbackResult> RollbackNamespaceAsync(NamespaceRollbackPlan plan, ChangeContext change, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    public IReadOnlyList<AuditEntry> GetAudit(string namespaceName, AuditQuery query) => throw new NotImplementedException();
}
