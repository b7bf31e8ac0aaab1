using TrafficConsole.Web.Model;

namespace TrafficConsole.Web.Services;

/// <summary>
/// Reading a cluster's services from the shared cache (viewers never call the API server): the connection, namespaces,
/// services with their versions and routing, the editable routing, proxy sync, and the live changes.
/// </summary>
public interface IServiceReader
{
    ClusterInfo Cluster { get; }

    ConnectionHealth Health { get; }

    /// <summary>Namespaces in the cluster, sorted.</summary>
    IReadOnlyList<string> Namespaces { get; }

    /// <summary>Services of one namespace with their versions and routing; empty when the namespace is unknown.</summary>
    IReadOnlyList<ServiceSummary> ListServices(string namespaceName);

    /// <summary>One service, or null when it does not exist.</summary>
    ServiceDetail? GetService(string namespaceName, string service);

    /// <summary>The editable request routing of a service (rules, default route, hosts, policy), or null when the service does not exist.</summary>
    ServiceRouting? GetRouting(string namespaceName, string service);

    /// <summary>
    /// Grows with every change the console sees. A page reads it before the reads it shows and passes it to
    /// <see cref="WatchAsync(string?, long, CancellationToken)"/>, so a change landing in between is not lost.
    /// </summary>
    long Version { get; }

    /// <summary>Live changes from now on; see <see cref="WatchAsync(string?, long, CancellationToken)"/>.</summary>
    IAsyncEnumerable<TrafficUpdate> WatchAsync(string? namespaceName, CancellationToken cancellationToken);

    /// <summary>
    /// Live changes for one namespace (null: all) after <paramref name="sinceVersion"/> (a <see cref="Version"/>
    /// read earlier), whoever made them, plus connection changes. What changed between that version and the subscription
    /// comes first, with the connection state; if the console no longer remembers that far back, the first update is a
    /// <see cref="TrafficUpdate.Resync"/>: re-read everything.
    /// Dispose the subscription to stop. Bursts are batched.
    /// </summary>
    IAsyncEnumerable<TrafficUpdate> WatchAsync(string? namespaceName, long sinceVersion, CancellationToken cancellationToken);

    /// <summary>
    /// Whether Istio's proxies have the service's routing (istiod's Reconciled status), and how long the console's last
    /// write took to reach them; <see cref="ProxySyncInfo.None"/> for an unknown service or one without routing resources.
    /// </summary>
    ProxySyncInfo GetProxySync(string namespaceName, string service);
}
