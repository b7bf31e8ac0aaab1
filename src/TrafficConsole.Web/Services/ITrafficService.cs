using TrafficConsole.Web.Model;

namespace TrafficConsole.Web.Services;

/// <summary>
/// The whole service layer: what the REST API and the SignalR hub use. Pages and controls inject the narrow interface they
/// use (<see cref="IServiceReader"/>, <see cref="IRoutingChanges"/>, <see cref="IRolloutHistory"/>,
/// <see cref="ITrafficReadings"/>); all are the one <c>TrafficService</c> singleton.
/// </summary>
public interface ITrafficService : IServiceReader, IRoutingChanges, IRolloutHistory, ITrafficReadings
{
    /// <summary>
    /// The REST <c>traffic</c> view: what a split of whole percentages would write as the intent's default route
    /// (<c>RoutingIntentPlanner.PlanSplit</c>: the percentages checked, then the one planner); changes nothing.
    /// </summary>
    RoutingPreview Preview(string namespaceName, string service, TrafficDraft draft);

    /// <summary>
    /// The REST <c>traffic</c> view: writes the split as the intent's default route through the one write path if the service
    /// is still at <paramref name="expectedRevision"/> (null: no check). Pages edit the intent itself (<see cref="IRoutingChanges"/>).
    /// </summary>
    Task<ChangeOutcome> ApplyAsync(string namespaceName, string service, TrafficDraft draft, string? expectedRevision, ChangeContext change, CancellationToken cancellationToken = default);
}

/// <summary>A batch of live changes: services that changed, and the connection state if it changed.</summary>
/// <remarks>
/// <para><c>Resync</c>: True when changes may have been missed (the subscription began after the caller's reads and the
/// cluster moved in between): <c>Services</c> is empty and the caller re-reads everything it shows.</para>
/// </remarks>
public sealed record TrafficUpdate(IReadOnlyList<ServiceChangedEvent> Services, ConnectionHealth? Health, bool Resync = false);
