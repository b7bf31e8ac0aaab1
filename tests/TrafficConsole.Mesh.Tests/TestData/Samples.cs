using System.Collections.Immutable;

using k8s.Models;

using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Services;

namespace TrafficConsole.Mesh.Tests.TestData;

/// <summary>Bookinfo-shaped inputs shared by the tests.</summary>
internal static class Samples
{
    public const string Ns = "bookinfo";

    public static KubeService Reviews { get; } = new()
    {
        Namespace = Ns,
        Name = "reviews",
        Selector = ImmutableDictionary<string, string>.Empty.Add("app", "reviews"),
        Ports = [new ServicePort("http", 9080)],
    };

    public static Workload Deployment(string name, IReadOnlyDictionary<string, string> podLabels, int ready = 1, int desired = -1, string ns = Ns) => new()
    {
        Namespace = ns,
        Name = name,
        PodLabels = podLabels,
        ReadyReplicas = ready,
        DesiredReplicas = desired < 0 ? ready : desired,
    };

    public static Workload ReviewsVersion(string version, int ready = 1) =>
        Deployment($"reviews-{version}", Labels(("app", "reviews"), ("version", version)), ready);

    public static ImmutableArray<Workload> ReviewsV1V2V3 { get; } = [ReviewsVersion("v1"), ReviewsVersion("v2"), ReviewsVersion("v3")];

    public static ImmutableDictionary<string, string> Labels(params (string Key, string Value)[] pairs) =>
        pairs.ToImmutableDictionary(static p => p.Key, static p => p.Value, StringComparer.Ordinal);

    public static V1ObjectMeta Meta(string name, string ns = Ns, string? resourceVersion = null) =>
        new() { Name = name, NamespaceProperty = ns, ResourceVersion = resourceVersion };

    /// <summary>A DestinationRule with one subset per version, selected by the <c>version</c> label.</summary>
    public static DestinationRule SubsetRule(string name = "reviews", string host = "reviews", string rv = "200", params string[] versions) => new()
    {
        Metadata = Meta(name, resourceVersion: rv),
        Spec = new DestinationRuleSpec
        {
            Host = host,
            Subsets = [.. (versions.Length == 0 ? ["v1", "v2", "v3"] : versions).Select(static v => new Subset { Name = v, Labels = Labels(("version", v)) })],
        },
    };

    /// <summary>A VirtualService with one catch-all route over the given subsets and weights.</summary>
    public static VirtualService SplitService(string rv = "100", params (string Subset, int? Weight)[] route) => new()
    {
        Metadata = Meta("reviews", resourceVersion: rv),
        Spec = new VirtualServiceSpec
        {
            Hosts = ["reviews"],
            Http = [new HttpRouteRule { Route = [.. route.Select(static r => Dest("reviews", r.Subset, r.Weight))] }],
        },
    };

    public static HttpRouteDestination Dest(string host, string? subset, int? weight = null) =>
        new() { Destination = new Destination { Host = host, Subset = subset }, Weight = weight };

    public static ServiceView View(IEnumerable<VirtualService>? vss = null, IEnumerable<DestinationRule>? drs = null, IEnumerable<Workload>? workloads = null) =>
        ServiceViewBuilder.Build(Reviews, workloads ?? ReviewsV1V2V3, vss ?? [], drs ?? []);
}
