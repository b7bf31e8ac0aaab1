using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

using k8s;
using k8s.Models;

using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Services;
using TrafficConsole.Mesh.Validation;

namespace TrafficConsole.Mesh.Analysis;

/// <summary>
/// Checks resources one by one the way Istio's admission webhook and CRD schema would (<see cref="ValidateResource"/>),
/// and a whole snapshot together for cross-resource mistakes, like <c>istioctl analyze</c> (<see cref="Analyze"/>).
/// </summary>
/// <remarks>
/// <see cref="Analyze"/> is a superset: it reports every resource's own findings too (with the VirtualServices'
/// subsets looked up in the snapshot's DestinationRules, so TC2004 appears only there), then the TC5xxx findings.
/// </remarks>
public static class MeshAnalyzer
{
    private const string ClusterSuffix = "." + HostNames.ClusterDomain;

    // Fields whose values are maps (name -> match or label value): a null value there is a null match, not an absent field.
    private static readonly string[] MapFields = ["withoutHeaders", "queryParams", "sourceLabels", "labels", "selector", "matchLabels", "set", "add"];

    /// <summary>Findings for one resource on its own (a VirtualService, DestinationRule, Gateway or HTTPRoute); errors mean Istio would reject it.</summary>
    /// <param name="resource">A typed model, or a <see cref="JsonNode"/>/<see cref="JsonElement"/> of one; any other kind gets a TC6000 finding.</param>
    public static ImmutableArray<ValidationIssue> ValidateResource(object resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        if (resource is VirtualService or DestinationRule or IstioGateway or HttpRoute && NullEntries(resource) is { Length: > 0 } nulls)
        {
            return nulls;
        }

        return resource switch
        {
            VirtualService vs => VirtualServiceValidator.Validate(vs, VirtualServiceValidationContext.Standalone),
            DestinationRule dr => DestinationRuleValidator.Validate(dr),
            IstioGateway gateway => IstioGatewayValidator.Validate(gateway),
            HttpRoute route => HttpRouteValidator.Validate(route),
            JsonObject node => ValidateJson(node),
            JsonNode other => [Unsupported($"A {other.GetValueKind().ToString().ToLowerInvariant()}", null)],
            JsonElement element => JsonNode.Parse(element.GetRawText()) is { } parsed ? ValidateResource(parsed) : [Unsupported("null", null)],
            IKubernetesObject kubernetesObject => [Unsupported(kubernetesObject.Kind, kubernetesObject.ApiVersion)],
            _ => [Unsupported(resource.GetType().Name, null)],
        };
    }

    /// <summary>Cross-resource findings over <paramref name="resources"/>: missing subsets, hosts or gateways, conflicting VirtualServices, shadowed rules...</summary>
    public static ImmutableArray<ResourceIssue> Analyze(ClusterResources resources)
    {
        ArgumentNullException.ThrowIfNull(resources);
        var issues = new List<ResourceIssue>();

        // A resource with empty (null) list entries or match values is reported as such and left out of the rest.
        resources = resources with
        {
            VirtualServices = Sound(resources.VirtualServices, issues),
            DestinationRules = Sound(resources.DestinationRules, issues),
            Gateways = Sound(resources.Gateways, issues),
            HttpRoutes = Sound(resources.HttpRoutes, issues),
        };
        VirtualServiceValidationContext context = VirtualServiceValidationContext.With(resources.DestinationRules);
        foreach (VirtualService vs in resources.VirtualServices)
        {
            issues.AddRange(VirtualServiceValidator.Validate(vs, context).Select(i => On(vs, i)));
            if (resources.KnowsWorkloads)
            {
                issues.AddRange(UnknownDestinationHosts(vs, resources).Select(i => On(vs, i)));
            }

            issues.AddRange(GatewayReferences(vs, resources).Select(i => On(vs, i)));
        }

        foreach (DestinationRule dr in resources.DestinationRules)
        {
            ImmutableArray<Workload>? members = resources.KnowsWorkloads ? WorkloadsOfHost(dr, resources) : null;
            issues.AddRange(DestinationRuleValidator.Validate(dr, members).Select(i => On(dr, i)));
            if (members is { } known)
            {
                issues.AddRange(SubsetsWithoutReadyPods(dr, known).Select(i => On(dr, i)));
            }
        }

        issues.AddRange(resources.Gateways.SelectMany(g => IstioGatewayValidator.Validate(g).Select(i => On(g, i))));
        foreach (HttpRoute route in resources.HttpRoutes)
        {
            issues.AddRange(HttpRouteValidator.Validate(route).Select(i => On(route, i)));
            if (resources.KnowsWorkloads)
            {
                issues.AddRange(UnknownBackends(route, resources).Select(i => On(route, i)));
            }
        }

        issues.AddRange(VirtualServiceConflicts(resources.VirtualServices));
        issues.AddRange(DestinationRuleConflicts(resources.DestinationRules));

        // Group by resource (stable: a resource's own findings first, then the cross-resource ones).
        return [.. issues
            .Select((issue, order) => (issue, order))
            .OrderBy(static x => KindOrder(x.issue.Kind))
            .ThenBy(static x => x.issue.Namespace, StringComparer.Ordinal)
            .ThenBy(static x => x.issue.Name, StringComparer.Ordinal)
            .ThenBy(static x => x.order)
            .Select(static x => x.issue)];
    }

    private static ImmutableArray<T> Sound<T>(ImmutableArray<T> resources, List<ResourceIssue> issues)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ImmutableArray<T>.Builder sound = ImmutableArray.CreateBuilder<T>(resources.Length);
        foreach (T resource in resources)
        {
            ImmutableArray<ValidationIssue> nulls = NullEntries(resource);
            if (nulls.IsEmpty)
            {
                sound.Add(resource);
            }
            else
            {
                issues.AddRange(nulls.Select(i => new ResourceIssue(
                    resource.Kind is { Length: > 0 } kind ? kind : KindOf(resource), resource.Metadata?.NamespaceProperty ?? string.Empty, resource.Metadata?.Name ?? string.Empty, i)));
            }
        }

        return sound.ToImmutable();
    }

    /// <summary>TC6020 for every null list entry or null map value in the spec: Istio rejects them, and nothing else can be judged safely.</summary>
    private static ImmutableArray<ValidationIssue> NullEntries(object resource)
    {
        var found = ImmutableArray.CreateBuilder<ValidationIssue>();
        if (JsonSerializer.SerializeToNode(resource, resource.GetType(), MeshJson.Options)?["spec"] is { } spec)
        {
            FindNulls(spec, "spec", map: false, found);
        }

        return found.ToImmutable();
    }

    private static void FindNulls(JsonNode node, string path, bool map, ImmutableArray<ValidationIssue>.Builder found)
    {
        if (node is JsonArray array)
        {
            for (int i = 0; i < array.Count; i++)
            {
                string at = $"{path}[{Index(i)}]";
                if (array[i] is { } item)
                {
                    FindNulls(item, at, map: false, found);
                }
                else
                {
                    found.Add(new(ValidationCodes.MalformedResource, Severity.Error, at, $"{at} is empty (null); Istio rejects empty list entries. Remove it or fill it in."));
                }
            }
        }
        else if (node is JsonObject obj)
        {
            foreach ((string key, JsonNode? value) in obj)
            {
                string at = map ? $"{path}[{key}]" : $"{path}.{key}";
                if (value is not null)
                {
                    bool childIsMap = MapFields.Contains(key, StringComparer.Ordinal) || (key == "headers" && path.EndsWith(']') && path.Contains(".match[", StringComparison.Ordinal));
                    FindNulls(value, at, map: !map && childIsMap, found);
                }
                else if (map)
                {
                    found.Add(new(ValidationCodes.MalformedResource, Severity.Error, at, $"'{key}' has no value (null); Istio rejects it. Write {{}} to match any value, or remove it."));
                }
            }
        }
    }

    private static ImmutableArray<ValidationIssue> ValidateJson(JsonObject node)
    {
        string? kind = (node["kind"] as JsonValue)?.TryGetValue(out string? k) == true ? k : null;
        string? apiVersion = (node["apiVersion"] as JsonValue)?.TryGetValue(out string? v) == true ? v : null;
        string group = apiVersion?.Contains('/', StringComparison.Ordinal) == true ? apiVersion[..apiVersion.IndexOf('/', StringComparison.Ordinal)] : string.Empty;
        try
        {
            return (kind, group) switch
            {
                (VirtualService.KindName, IstioApi.NetworkingGroup) => ValidateResource(Read<VirtualService>(node)),
                (DestinationRule.KindName, IstioApi.NetworkingGroup) => ValidateResource(Read<DestinationRule>(node)),
                (IstioGateway.KindName, IstioApi.NetworkingGroup) => ValidateResource(Read<IstioGateway>(node)),
                (HttpRoute.KindName, IstioApi.GatewayApiGroup) => ValidateResource(Read<HttpRoute>(node)),
                _ => [Unsupported(kind ?? "(no kind)", apiVersion)],
            };
        }
        catch (JsonException e)
        {
            return [new(ValidationCodes.MalformedResource, Severity.Error, e.Path is { Length: > 1 } path ? path.TrimStart('$', '.') : "(resource)",
                $"The {kind} does not have the shape of its schema, so Istio rejects it: {e.Message}")];
        }
    }

    private static T Read<T>(JsonNode node) =>
        node.Deserialize<T>(MeshJson.Options) ?? throw new JsonException("The resource is empty.");

    private static ValidationIssue Unsupported(string kind, string? apiVersion) =>
        new(ValidationCodes.UnsupportedKind, Severity.Warning, "kind",
            $"{kind}{(apiVersion is null ? string.Empty : $" ({apiVersion})")} is not a kind TrafficConsole checks (VirtualService, DestinationRule, Gateway, HTTPRoute); it was not validated.");

    // Destinations (and mirrors) to hosts that are no service of the snapshot.
    private static IEnumerable<ValidationIssue> UnknownDestinationHosts(VirtualService vs, ClusterResources resources)
    {
        var known = new HashSet<string>(resources.Services.Select(static s => s.Host), StringComparer.Ordinal);
        foreach ((Destination destination, string path) in DestinationsOf(vs))
        {
            if (destination.Host is not { Length: > 0 } host || host.Contains('*', StringComparison.Ordinal))
            {
                continue;
            }

            string resolved = HostNames.Resolve(host, vs.Namespace);
            if (known.Contains(resolved))
            {
                continue;
            }

            yield return resolved.EndsWith(ClusterSuffix, StringComparison.Ordinal)
                ? new(ValidationCodes.UnknownDestinationHost, Severity.Error, path + ".host",
                    $"Host {host} resolves to {resolved}, which is no service of the cluster; requests routed there fail (503 or no route). Check the name and namespace.")
                : new(ValidationCodes.ExternalDestinationHost, Severity.Warning, path + ".host",
                    $"Host {host} is not a service of the cluster; it works only if a ServiceEntry defines it (ServiceEntries are not analyzed).");
        }
    }

    // Service backends of an HTTPRoute that the snapshot does not have.
    private static IEnumerable<ValidationIssue> UnknownBackends(HttpRoute route, ClusterResources resources)
    {
        IReadOnlyList<HttpRouteRuleSpec> rules = route.Spec?.Rules ?? [];
        for (int r = 0; r < rules.Count; r++)
        {
            IReadOnlyList<HttpBackendRef> backends = rules[r].BackendRefs ?? [];
            for (int b = 0; b < backends.Count; b++)
            {
                HttpBackendRef backend = backends[b];
                bool service = backend.Kind is null or "Service" && string.IsNullOrEmpty(backend.Group);
                if (!service || string.IsNullOrEmpty(backend.Name))
                {
                    continue;
                }

                string host = HostNames.Fqdn(backend.Name, backend.Namespace ?? route.Namespace);
                if (!resources.Services.Any(s => string.Equals(s.Host, host, StringComparison.Ordinal)))
                {
                    yield return new(ValidationCodes.UnknownDestinationHost, Severity.Error, $"spec.rules[{Index(r)}].backendRefs[{Index(b)}].name",
                        $"Backend Service {backend.Namespace ?? route.Namespace}/{backend.Name} does not exist; its share of requests gets 500.");
                }
            }
        }
    }

    private static IEnumerable<(Destination Destination, string Path)> DestinationsOf(VirtualService vs)
    {
        IReadOnlyList<HttpRouteRule> http = vs.Spec?.Http ?? [];
        for (int r = 0; r < http.Count; r++)
        {
            string rulePath = $"spec.http[{Index(r)}]";
            IReadOnlyList<HttpRouteDestination> route = http[r].Route ?? [];
            for (int d = 0; d < route.Count; d++)
            {
                if (route[d].Destination is { } destination)
                {
                    yield return (destination, $"{rulePath}.route[{Index(d)}].destination");
                }
            }

            if (http[r].Mirror is { } mirror)
            {
                yield return (mirror, rulePath + ".mirror");
            }

            if (http[r].Extra?.TryGetValue("mirrors", out JsonElement mirrors) == true && mirrors.ValueKind == JsonValueKind.Array)
            {
                int m = 0;
                foreach (JsonElement entry in mirrors.EnumerateArray())
                {
                    if (entry.ValueKind == JsonValueKind.Object && entry.TryGetProperty("destination", out JsonElement d) && d.ValueKind == JsonValueKind.Object
                        && d.Deserialize<Destination>(MeshJson.Options) is { } target)
                    {
                        yield return (target, $"{rulePath}.mirrors[{Index(m)}].destination");
                    }

                    m++;
                }
            }
        }
    }

    // Gateways named by spec.gateways and match.gateways that the snapshot lacks, and hosts a gateway does not serve.
    private static IEnumerable<ValidationIssue> GatewayReferences(VirtualService vs, ClusterResources resources)
    {
        var references = new List<(string Reference, string Path)>();
        IReadOnlyList<string> top = vs.Spec?.Gateways ?? [];
        references.AddRange(top.Select((g, i) => (g, $"spec.gateways[{Index(i)}]")));
        IReadOnlyList<HttpRouteRule> http = vs.Spec?.Http ?? [];
        for (int r = 0; r < http.Count; r++)
        {
            IReadOnlyList<HttpMatchRequest> matches = http[r].Match ?? [];
            for (int m = 0; m < matches.Count; m++)
            {
                references.AddRange((matches[m].Gateways ?? []).Select((g, i) => (g, $"spec.http[{Index(r)}].match[{Index(m)}].gateways[{Index(i)}]")));
            }
        }

        foreach ((string reference, string path) in references)
        {
            if (reference == ResourceRules.MeshGateway || ResourceRules.GatewayReferenceProblem(reference) is not null)
            {
                continue;
            }

            string resolved = ResourceRules.ResolveGateway(reference, vs.Namespace);
            IstioGateway? gateway = resources.Gateways.FirstOrDefault(g => string.Equals($"{g.Namespace}/{g.Name}", resolved, StringComparison.Ordinal));
            if (gateway is null)
            {
                yield return new(ValidationCodes.UnknownGateway, Severity.Error, path,
                    $"Gateway {resolved} does not exist, so the routes bound to it serve nothing.{(reference.Contains('/', StringComparison.Ordinal) ? string.Empty : $" A bare name means a Gateway in the VirtualService's namespace ({vs.Namespace}); write namespace/name for another one.")}");
            }
            else if (path.StartsWith("spec.gateways", StringComparison.Ordinal) && !ServesAnyHost(gateway, vs))
            {
                string served = string.Join(", ", (gateway.Spec?.Servers ?? []).SelectMany(static s => s.Hosts ?? []).Distinct(StringComparer.Ordinal));
                yield return new(ValidationCodes.HostNotOnGateway, Severity.Warning, path,
                    $"Gateway {resolved} serves {(served.Length == 0 ? "no hosts" : served)}, none of the VirtualService's hosts ({string.Join(", ", vs.Spec?.Hosts ?? [])}); its routes are never used there.");
            }
        }
    }

    private static bool ServesAnyHost(IstioGateway gateway, VirtualService vs)
    {
        IEnumerable<string> hosts = (vs.Spec?.Hosts ?? []).Select(static h => h.Trim().ToLowerInvariant());
        return (gateway.Spec?.Servers ?? []).SelectMany(static s => s.Hosts ?? []).Any(entry =>
        {
            string[] parts = entry.Split('/', 2);
            string allowedNamespace = parts.Length == 2 ? parts[0] : "*";
            bool visible = allowedNamespace == "*" || (allowedNamespace == "." ? gateway.Namespace : allowedNamespace) == vs.Namespace;
            string pattern = parts[^1].ToLowerInvariant();
            return visible && hosts.Any(h => HostsOverlap(pattern, h) || HostsOverlap(pattern, HostNames.Resolve(h, vs.Namespace)));
        });
    }

    private static bool HostsOverlap(string a, string b) =>
        a == "*" || b == "*" || string.Equals(a, b, StringComparison.Ordinal)
        || (a.StartsWith("*.", StringComparison.Ordinal) && b.EndsWith(a[1..], StringComparison.Ordinal))
        || (b.StartsWith("*.", StringComparison.Ordinal) && a.EndsWith(b[1..], StringComparison.Ordinal));

    private static ImmutableArray<Workload>? WorkloadsOfHost(DestinationRule dr, ClusterResources resources)
    {
        if (dr.Spec?.Host is not { Length: > 0 } host)
        {
            return null;
        }

        string resolved = HostNames.Resolve(host, dr.Namespace);
        KubeService? service = resources.Services.FirstOrDefault(s => string.Equals(s.Host, resolved, StringComparison.Ordinal));
        return service is null || service.Selector.Count == 0
            ? null // an external host, or endpoints managed by hand: the snapshot cannot tell which pods back it
            : [.. ServiceViewBuilder.VersionsOf(service, resources.Workloads).SelectMany(static v => v.Workloads)];
    }

    private static IEnumerable<ValidationIssue> SubsetsWithoutReadyPods(DestinationRule dr, ImmutableArray<Workload> members)
    {
        IReadOnlyList<Subset> subsets = dr.Spec?.Subsets ?? [];
        for (int i = 0; i < subsets.Count; i++)
        {
            IReadOnlyDictionary<string, string> labels = subsets[i].Labels ?? ImmutableDictionary<string, string>.Empty;
            Workload[] selected = [.. members.Where(w => RoutingFacts.Selects(labels, w.PodLabels))];
            if (selected.Length > 0 && selected.All(static w => w.ReadyReplicas == 0))
            {
                yield return new(ValidationCodes.SubsetWithoutReadyPods, Severity.Warning, $"spec.subsets[{Index(i)}].labels",
                    $"Subset '{subsets[i].Name}' selects {string.Join(", ", selected.Select(static w => w.Name))}, which has no ready pods: requests routed to it fail until pods are ready.");
            }
        }
    }

    private static IEnumerable<ResourceIssue> VirtualServiceConflicts(ImmutableArray<VirtualService> virtualServices)
    {
        // (host, gateway) -> the VirtualServices and the index of the host in each.
        var owners = new Dictionary<(string Host, string Gateway), List<(VirtualService Vs, int HostIndex)>>();
        foreach (VirtualService vs in virtualServices)
        {
            IReadOnlyList<string> hosts = vs.Spec?.Hosts ?? [];
            IReadOnlyList<string> gateways = vs.Spec?.Gateways is { Count: > 0 } g ? g : [ResourceRules.MeshGateway];
            for (int h = 0; h < hosts.Count; h++)
            {
                if (string.IsNullOrWhiteSpace(hosts[h]))
                {
                    continue;
                }

                string host = HostNames.Resolve(hosts[h], vs.Namespace);
                foreach (string gateway in gateways.Select(x => ResourceRules.ResolveGateway(x, vs.Namespace)).Distinct(StringComparer.Ordinal))
                {
                    List<(VirtualService, int)> list = owners.TryGetValue((host, gateway), out List<(VirtualService, int)>? existing) ? existing : owners[(host, gateway)] = [];
                    if (!list.Any(x => ReferenceEquals(x.Item1, vs)))
                    {
                        list.Add((vs, h));
                    }
                }
            }
        }

        var reported = new HashSet<(VirtualService, int, string)>();
        foreach (((string host, string gateway), List<(VirtualService Vs, int HostIndex)> list) in owners.Where(static o => o.Value.Count > 1))
        {
            bool mesh = gateway == ResourceRules.MeshGateway;
            string code = mesh ? ValidationCodes.ConflictingVirtualServices : ValidationCodes.MergedGatewayVirtualServices;
            foreach ((VirtualService vs, int hostIndex) in list)
            {
                if (!reported.Add((vs, hostIndex, code + gateway)))
                {
                    continue;
                }

                string others = string.Join(", ", list.Where(x => !ReferenceEquals(x.Vs, vs)).Select(static x => $"{x.Vs.Namespace}/{x.Vs.Name}"));
                ValidationIssue issue = mesh
                    ? new(code, Severity.Error, $"spec.hosts[{Index(hostIndex)}]",
                        $"VirtualService {others} also routes host {host} for sidecars (mesh); Istio uses only one of them, so the other's rules are ignored. Merge them into one VirtualService.")
                    : new(code, Severity.Warning, $"spec.hosts[{Index(hostIndex)}]",
                        $"VirtualService {others} also routes host {host} on gateway {gateway}; Istio merges their rules in an order you do not control, so a catch-all in one can hide the other's rules.");
                yield return On(vs, issue);
            }
        }
    }

    private static IEnumerable<ResourceIssue> DestinationRuleConflicts(ImmutableArray<DestinationRule> destinationRules)
    {
        IEnumerable<IGrouping<(string Namespace, string Host), DestinationRule>> groups = destinationRules
            .Where(static dr => dr.Spec?.Host is { Length: > 0 } && dr.Spec.WorkloadSelector is null or { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined })
            .GroupBy(static dr => (dr.Namespace, HostNames.Resolve(dr.Spec!.Host!, dr.Namespace)))
            .Where(static g => g.Count() > 1);
        foreach (IGrouping<(string Namespace, string Host), DestinationRule> group in groups)
        {
            foreach (DestinationRule dr in group)
            {
                string others = string.Join(", ", group.Where(x => !ReferenceEquals(x, dr)).Select(static x => x.Name));
                yield return On(dr, new(ValidationCodes.ConflictingDestinationRules, Severity.Warning, "spec.host",
                    $"DestinationRule {others} in {group.Key.Namespace} also configures host {group.Key.Host}; Istio merges them, keeps only the first traffic policy and one definition of each subset name. Merge them into one."));
            }
        }
    }

    private static ResourceIssue On<TSpec>(IstioResource<TSpec> resource, ValidationIssue issue)
        where TSpec : class =>
        new(resource.Kind is { Length: > 0 } kind ? kind : KindOf(resource), resource.Namespace, resource.Name, issue);

    private static string KindOf(object resource) => resource switch
    {
        VirtualService => VirtualService.KindName,
        DestinationRule => DestinationRule.KindName,
        IstioGateway => IstioGateway.KindName,
        HttpRoute => HttpRoute.KindName,
        _ => resource.GetType().Name,
    };

    private static int KindOrder(string kind) => kind switch
    {
        VirtualService.KindName => 0,
        DestinationRule.KindName => 1,
        IstioGateway.KindName => 2,
        HttpRoute.KindName => 3,
        _ => 4,
    };

    private static string Index(int i) => i.ToString(CultureInfo.InvariantCulture);
}
