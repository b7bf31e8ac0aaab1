using k8s.Models;

using TrafficConsole.Mesh.Resources;

namespace TrafficConsole.Cluster.Tests.Infrastructure;

/// <summary>Routing resources the tests write with their own client, as kubectl would.</summary>
public static class TestResources
{
    public static VirtualService VirtualService(string ns, string name, string host, params (string Subset, int Weight)[] routes) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new VirtualServiceSpec
        {
            Hosts = [host],
            Http =
            [
                new HttpRouteRule
                {
                    Route = [.. routes.Select(r => new HttpRouteDestination { Destination = new Destination { Host = host, Subset = r.Subset }, Weight = r.Weight })],
                },
            ],
        },
    };

    public static DestinationRule DestinationRule(string ns, string name, string host, params string[] versions) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new DestinationRuleSpec
        {
            Host = host,
            Subsets = [.. versions.Select(v => new Subset { Name = v, Labels = new Dictionary<string, string> { ["version"] = v } })],
        },
    };
}
