using TrafficConsole.Cluster.Telemetry;
using TrafficConsole.Cluster.Writing;
using TrafficConsole.Mesh.Telemetry;
using TrafficConsole.Web.Model;

namespace TrafficConsole.Web.Services;

// Proxy sync: istiod's Reconciled status read from the cache, timed for the console's own writes by ProxySyncTracker.
internal sealed partial class TrafficService
{
    public ProxySyncInfo GetProxySync(string namespaceName, string service) =>
        Cache.Current.GetServiceView(namespaceName, service) is { } view ? ToProxySync(proxySync.Read(view)) : ProxySyncInfo.None;

    /// <summary>Starts timing an applied write and gives its outcome the service's proxy sync.</summary>
    private ChangeOutcome WithProxySync(string namespaceName, string service, WriteResult result, ChangeOutcome outcome)
    {
        if (result is not WriteResult.Applied written || outcome is not ChangeOutcome.Applied applied)
        {
            return outcome;
        }

        proxySync.Track(namespaceName, service, written);
        return applied with { ProxySync = GetProxySync(namespaceName, service) };
    }

    internal static ProxySyncInfo ToProxySync(ProxySyncReading reading)
    {
        ServiceSync sync = reading.Sync;
        if (sync.Resources.IsDefaultOrEmpty)
        {
            return ProxySyncInfo.None;
        }

        ProxySyncStatus state = sync.State switch
        {
            ProxySyncState.Reconciled => ProxySyncStatus.Reconciled,
            ProxySyncState.Pending => ProxySyncStatus.Pending,
            // A first create carries no status until istiod writes one: waiting, for a while, rather than "not reported".
            _ when reading.WaitingFor is { } waiting && waiting < ProxySyncInfo.NotReportedGrace => ProxySyncStatus.Pending,
            _ => ProxySyncStatus.NotReported,
        };
        return new ProxySyncInfo(state, sync.Generation, sync.ObservedGeneration, state == ProxySyncStatus.Reconciled ? reading.ReconciledAfter : null, reading.AppliedAt, HasRouting: true);
    }
}
