using TrafficConsole.Web.Model;

namespace TrafficConsole.Web.Services;

public partial interface ITrafficService
{
    /// <summary>
    /// Whether Istio's proxies have the service's routing (istiod's Reconciled status), and how long the console's last
    /// write took to reach them; <see cref="ProxySyncInfo.None"/> for an unknown service or one without routing resources.
    /// </summary>
    ProxySyncInfo GetProxySync(string namespaceName, string service);
}
