using System.Collections.Immutable;

using k8s;
using k8s.Models;

namespace TrafficConsole.Cluster.Discovery;

/// <summary>Reads <c>/apis</c> to learn which Istio and Gateway API versions the cluster serves.</summary>
public static class ApiDiscovery
{
    public const string IstioNetworkingGroup = "networking.istio.io";
    public const string GatewayApiGroup = "gateway.networking.k8s.io";

    // Newest first: the first one served wins.
    private static readonly string[] SupportedIstioVersions = ["v1", "v1beta1"];

    public static async Task<ServedApis> DiscoverAsync(IKubernetes client, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        using k8s.Autorest.HttpOperationResponse<V1APIGroupList> response =
            await client.Apis.GetAPIVersionsWithHttpMessagesAsync(cancellationToken: cancellationToken);
        return FromGroups(response.Body);
    }

    /// <summary>Interprets an <c>/apis</c> answer.</summary>
    public static ServedApis FromGroups(V1APIGroupList? groups)
    {
        IList<V1APIGroup> all = groups?.Groups ?? [];
        ImmutableArray<string> istioVersions = VersionsOf(all, IstioNetworkingGroup);
        string? istio = SupportedIstioVersions.FirstOrDefault(v => istioVersions.Contains(v, StringComparer.Ordinal));
        bool gateway = VersionsOf(all, GatewayApiGroup).Contains("v1", StringComparer.Ordinal);
        return new ServedApis(istio, gateway) { IstioNetworkingVersions = istioVersions };
    }

    private static ImmutableArray<string> VersionsOf(IList<V1APIGroup> groups, string name) =>
        [.. groups
            .Where(g => string.Equals(g.Name, name, StringComparison.Ordinal))
            .SelectMany(static g => g.Versions ?? [])
            .Select(static v => v.Version)
            .Where(static v => !string.IsNullOrEmpty(v))
            .Distinct(StringComparer.Ordinal)];
}
