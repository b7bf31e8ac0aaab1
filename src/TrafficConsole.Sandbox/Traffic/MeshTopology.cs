using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Services;
using TrafficConsole.Sandbox.Api;
using TrafficConsole.Sandbox.Storage;

namespace TrafficConsole.Sandbox.Traffic;

/// <summary>A workload as a destination of one service: its labels in the metrics, its ready pods and how it answers.</summary>
/// <param name="Workload">The Deployment.</param>
/// <param name="Labels">The destination labels of a request it answers through this service.</param>
/// <param name="ErrorRate">Share of requests it answers with 503 (<see cref="TrafficSimulator.ErrorRateAnnotation"/>).</param>
/// <param name="LatencyMs">Mean time it takes (<see cref="TrafficSimulator.LatencyAnnotation"/>).</param>
internal sealed record Endpoint(Workload Workload, DestinationLabels Labels, double ErrorRate, double LatencyMs)
{
    public int Ready => Math.Max(0, Workload.ReadyReplicas);
}

/// <summary>A service the simulator knows: its workloads, and how Istio routes to it from the mesh.</summary>
internal sealed class ServiceNode
{
    public required KubeService Service { get; init; }

    public required ImmutableArray<Endpoint> Endpoints { get; init; }

    /// <summary>True when its namespace is labelled for sidecar injection: its clients send requests.</summary>
    public required bool Injected { get; init; }

    /// <summary>The clients calling it: a traffic generator in its namespace.</summary>
    public required SourceLabels Client { get; init; }

    /// <summary>The VirtualService sidecars use for its host (the oldest one bound to the mesh), or null.</summary>
    public VirtualService? Route { get; set; }

    /// <summary>The DestinationRule for its host that a client in its namespace uses, or null.</summary>
    public DestinationRule? Rule { get; set; }

    public DestinationLabels Unknown => DestinationLabels.Unknown(Service.Host, Service.Name, Service.Namespace);
}

/// <summary>
/// What the simulator routes over, read from the store: services with their workloads (versions told apart by
/// <see cref="ServiceViewBuilder.VersionLabelOf"/>), the VirtualServices and DestinationRules for their hosts. Rebuilt
/// when the store's resourceVersion moves.
/// </summary>
internal sealed class MeshTopology
{
    public const string ClientName = "sandbox-traffic";
    private const double DefaultLatencyMs = 25;
    private const double MaxLatencyMs = 600_000;

    private MeshTopology(long resourceVersion, ImmutableArray<ServiceNode> services)
    {
        ResourceVersion = resourceVersion;
        Services = services;
        ByHost = services.ToDictionary(s => s.Service.Host, StringComparer.Ordinal);
    }

    public long ResourceVersion { get; }

    /// <summary>Every service with a selector, by namespace and name.</summary>
    public ImmutableArray<ServiceNode> Services { get; }

    /// <summary>Services by FQDN.</summary>
    public IReadOnlyDictionary<string, ServiceNode> ByHost { get; }

    public static MeshTopology Read(SandboxStore store)
    {
        var version = store.ResourceVersion;
        var injected = store.List(ResourceCatalog.Namespaces)
            .Where(ns => Json.Labels(ns) is var labels
                && (labels.GetValueOrDefault("istio-injection") == "enabled" || labels.ContainsKey("istio.io/rev")))
            .Select(ns => Json.Name(ns) ?? "")
            .ToHashSet(StringComparer.Ordinal);
        var deployments = store.List(ResourceCatalog.Deployments).Select(d => (Workload: ToWorkload(d), Deployment: d)).ToList();
        var virtualServices = Typed<VirtualService>(store.List(ResourceCatalog.VirtualServices))
            .Where(vs => vs.Spec?.Gateways is not { Count: > 0 } gateways || gateways.Contains("mesh", StringComparer.Ordinal))
            .OrderBy(vs => vs.Metadata.CreationTimestamp ?? DateTime.MaxValue)
            .ThenBy(vs => vs.Namespace, StringComparer.Ordinal).ThenBy(vs => vs.Name, StringComparer.Ordinal)
            .ToList();
        var destinationRules = Typed<DestinationRule>(store.List(ResourceCatalog.DestinationRules))
            .OrderBy(dr => dr.Metadata.CreationTimestamp ?? DateTime.MaxValue)
            .ThenBy(dr => dr.Namespace, StringComparer.Ordinal).ThenBy(dr => dr.Name, StringComparer.Ordinal)
            .ToList();

        var services = new List<ServiceNode>();
        foreach (var obj in store.List(ResourceCatalog.Services))
        {
            var service = ToService(obj);
            if (service.Selector.Count == 0)
            {
                continue;
            }

            var endpoints = deployments
                .Where(d => d.Workload.Namespace == service.Namespace && Selects(service.Selector, d.Workload.PodLabels))
                .OrderBy(d => d.Workload.Name, StringComparer.Ordinal)
                .Select(d => ToEndpoint(service, d.Workload, d.Deployment))
                .ToImmutableArray();
            var node = new ServiceNode
            {
                Service = service,
                Endpoints = endpoints,
                Injected = injected.Contains(service.Namespace),
                Client = new SourceLabels(ClientName, service.Namespace, ClientName),
                Route = virtualServices.FirstOrDefault(vs => ServiceViewBuilder.Targets(vs, service)),
            };

            // Istio looks for a DestinationRule in the client's namespace (here the service's) first, then elsewhere; the oldest wins.
            node.Rule = destinationRules.Where(dr => ServiceViewBuilder.Targets(dr, service))
                .OrderBy(dr => dr.Namespace == service.Namespace ? 0 : 1)
                .FirstOrDefault();
            services.Add(node);
        }

        return new MeshTopology(version, [.. services]);
    }

    /// <summary>The endpoints of <paramref name="node"/> a subset selects (all of them without a subset), or null when the subset is not defined.</summary>
    public static IEnumerable<Endpoint>? Subset(ServiceNode node, string? subset)
    {
        if (string.IsNullOrEmpty(subset))
        {
            return node.Endpoints;
        }

        var labels = node.Rule?.Spec?.Subsets?.FirstOrDefault(s => s?.Name == subset)?.Labels;
        if (labels is null)
        {
            return null;
        }

        return node.Endpoints.Where(e => Selects(labels, e.Workload.PodLabels));
    }

    private static bool Selects(IReadOnlyDictionary<string, string> selector, IReadOnlyDictionary<string, string> labels) =>
        selector.All(kv => labels.TryGetValue(kv.Key, out var value) && value == kv.Value);

    private static Endpoint ToEndpoint(KubeService service, Workload workload, JsonObject deployment)
    {
        var pod = workload.PodLabels;
        var version = ServiceViewBuilder.VersionLabelOf(pod)?.Value;
        var app = pod.GetValueOrDefault("app") ?? pod.GetValueOrDefault("app.kubernetes.io/name");
        var labels = new DestinationLabels(
            service.Host,
            service.Name,
            service.Namespace,
            workload.Name,
            workload.Namespace,
            app ?? "unknown",
            version ?? "unknown",
            pod.GetValueOrDefault("service.istio.io/canonical-name") ?? pod.GetValueOrDefault("app.kubernetes.io/name") ?? app ?? workload.Name,
            pod.GetValueOrDefault("service.istio.io/canonical-revision") ?? pod.GetValueOrDefault("app.kubernetes.io/version") ?? version ?? "latest");
        var annotations = (deployment["metadata"] as JsonObject)?["annotations"] as JsonObject;
        var errorRate = Number(annotations?[TrafficSimulator.ErrorRateAnnotation]) is { } e and >= 0 and <= 1 ? e : 0;
        var latency = Number(annotations?[TrafficSimulator.LatencyAnnotation]) is { } l and > 0 and <= MaxLatencyMs ? l : DefaultLatencyMs;
        return new Endpoint(workload, labels, errorRate, latency);
    }

    private static double? Number(JsonNode? node) =>
        Json.Str(node) is { } text && double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
            ? value
            : null;

    private static KubeService ToService(JsonObject obj) => new()
    {
        Namespace = Json.Namespace(obj) ?? "",
        Name = Json.Name(obj) ?? "",
        Selector = Strings(((obj["spec"] as JsonObject)?["selector"]) as JsonObject),
    };

    private static Workload ToWorkload(JsonObject obj)
    {
        var spec = obj["spec"] as JsonObject;
        return new Workload
        {
            Namespace = Json.Namespace(obj) ?? "",
            Name = Json.Name(obj) ?? "",
            PodLabels = Strings(((spec?["template"] as JsonObject)?["metadata"] as JsonObject)?["labels"] as JsonObject),
            Labels = Json.Labels(obj).ToImmutableDictionary(StringComparer.Ordinal),
            DesiredReplicas = (int)(Json.Int(spec?["replicas"]) ?? 1),
            ReadyReplicas = (int)(Json.Int((obj["status"] as JsonObject)?["readyReplicas"]) ?? 0),
        };
    }

    private static ImmutableDictionary<string, string> Strings(JsonObject? map) =>
        map is null
            ? ImmutableDictionary<string, string>.Empty
            : map.Where(kv => Json.Str(kv.Value) is not null).ToImmutableDictionary(kv => kv.Key, kv => Json.Str(kv.Value)!, StringComparer.Ordinal);

    private static IEnumerable<T> Typed<T>(IEnumerable<JsonObject> objects)
        where T : class
    {
        foreach (var obj in objects)
        {
            T? typed;
            try
            {
                typed = obj.Deserialize<T>(MeshJson.Options);
            }
            catch (JsonException)
            {
                // A resource the typed model cannot read routes nothing here, as istiod ignores one it cannot convert.
                continue;
            }

            if (typed is not null)
            {
                yield return typed;
            }
        }
    }
}
