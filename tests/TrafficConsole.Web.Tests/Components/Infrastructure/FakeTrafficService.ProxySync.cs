using System.Collections.Concurrent;

using TrafficConsole.Web.Model;

namespace TrafficConsole.Web.Tests.Components.Infrastructure;

public sealed partial class FakeTrafficService
{
    private readonly ConcurrentDictionary<(string Namespace, string Name), ProxySyncInfo> _proxySyncs = new();

    public ProxySyncInfo GetProxySync(string namespaceName, string service) =>
        _proxySyncs.TryGetValue((namespaceName, service), out ProxySyncInfo? sync) ? sync : ProxySyncInfo.None;

    /// <summary>Sets what istiod reports for the service and, when it is known, tells subscribers (as a status write's watch event does).</summary>
    public void SetProxySync(string namespaceName, string service, ProxySyncInfo sync)
    {
        _proxySyncs[(namespaceName, service)] = sync;
        if (GetService(namespaceName, service) is { } detail)
        {
            Change(detail);
        }
    }
}
