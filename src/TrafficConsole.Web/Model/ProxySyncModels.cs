namespace TrafficConsole.Web.Model;

/// <summary>Whether Istio's proxies have a service's routing, as istiod reports it.</summary>
public enum ProxySyncStatus
{
    /// <summary>No routing resource carries istiod's status: the cluster does not report (PILOT_ENABLE_STATUS off).</summary>
    NotReported,

    /// <summary>istiod reports an older generation, or not yet for a write of this console.</summary>
    Pending,

    /// <summary>istiod reports every routing resource Reconciled at its current generation.</summary>
    Reconciled,
}

/// <summary>A service's proxy sync for the page and REST.</summary>
/// <param name="State">What istiod reports now.</param>
/// <param name="Generation">The VirtualService's generation (else the DestinationRule's).</param>
/// <param name="ObservedGeneration">The generation istiod's status of that resource speaks of.</param>
/// <param name="ReconciledAfter">How long the console's last write took to reach the proxies, once it did.</param>
/// <param name="AppliedAt">When the console's last write applied, while that write is what the service runs.</param>
/// <param name="HasRouting">False when the service has no VirtualService or DestinationRule (nothing to sync).</param>
public sealed record ProxySyncInfo(ProxySyncStatus State, long? Generation, long? ObservedGeneration, TimeSpan? ReconciledAfter, DateTimeOffset? AppliedAt, bool HasRouting)
{
    /// <summary>How long a write of this console is "waiting for the proxies" while no resource carries a status yet (a first create).</summary>
    public static readonly TimeSpan NotReportedGrace = TimeSpan.FromSeconds(30);

    /// <summary>Nothing to tell (no routing resources).</summary>
    public static ProxySyncInfo None { get; } = new(ProxySyncStatus.NotReported, null, null, null, null, HasRouting: false);

    /// <summary>True while a write of this console waits for the proxies (the page counts the time up).</summary>
    public bool IsWaiting => State == ProxySyncStatus.Pending && AppliedAt is not null && ReconciledAfter is null;
}
