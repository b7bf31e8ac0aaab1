using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;

using k8s;
using k8s.Models;

using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Services;
using TrafficConsole.Mesh.Validation;

namespace TrafficConsole.Mesh.Routing;

/// <summary>Turns a split into the desired VirtualService and DestinationRule, merged over whatever exists.</summary>
/// <remarks>
/// Conventions follow Kiali: resources named after the service, host <c>svc.ns.svc.cluster.local</c>, one
/// subset per version selected by its version label, label <c>app.kubernetes.io/managed-by: trafficconsole</c>
/// on what we create. Existing resources (written by anyone) are merged into: every field the sliders do not
/// own is kept, only the catch-all route's destinations and mirror change and missing subsets are added.
/// </remarks>
public static class RoutingPlanner
{
    /// <summary>Plans writing <paramref name="split"/> for the service of <paramref name="view"/>.</summary>
    /// <param name="view">The service as last read.</param>
    /// <param name="split">The weights (summing to 100) and optional mirror.</param>
    /// <param name="istioApiVersion">The apiVersion for resources created new (<c>networking.istio.io/v1</c> or <c>v1beta1</c>); existing ones keep theirs.</param>
    public static RoutingPlan PlanApply(ServiceView view, TrafficSplit split, string istioApiVersion)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(split);
        return Plan(view, split, istioApiVersion) with { Namespace = view.Namespace, ServiceName = view.Name };
    }

    private static RoutingPlan Plan(ServiceView view, TrafficSplit split, string istioApiVersion)
    {
        string revision = view.Routing.Revision;

        if (view.Routing.HttpRouteName is not null && view.Routing.Kind != RoutingKind.ReadOnly)
        {
            // Gateway API mesh routing: the split goes into the HTTPRoute's default rule; no VirtualService is made.
            ImmutableArray<ValidationIssue> splitIssues = TrafficSplitValidator.Validate(view, split);
            return splitIssues.HasErrors()
                ? RoutingPlan.Refused("The split is not valid: " + string.Join(" ", splitIssues.Where(static i => i.Severity == Severity.Error).Select(static i => i.Message)), splitIssues, revision)
                : HttpRouteIntent.PlanSplit(view, split, splitIssues);
        }

        if (!IstioApi.IsNetworkingApiVersion(istioApiVersion))
        {
            return RoutingPlan.Refused($"'{istioApiVersion}' is not an Istio networking API version (expected {IstioApi.V1} or {IstioApi.V1Beta1}).", [], revision);
        }

        if (view.Routing.Kind == RoutingKind.ReadOnly)
        {
            return RoutingPlan.Refused(view.Routing.ReadOnlyReason ?? "The routing of this service cannot be edited with the sliders.", [], revision);
        }

        ImmutableArray<ValidationIssue> issues = TrafficSplitValidator.Validate(view, split);
        if (issues.HasErrors())
        {
            return RoutingPlan.Refused("The split is not valid: " + string.Join(" ", issues.Where(static i => i.Severity == Severity.Error).Select(static i => i.Message)), issues, revision);
        }

        if (split.Mirror is not null && view.Routing.OtherMirror is { } other)
        {
            return RoutingPlan.Refused($"The catch-all route already mirrors to {other}; Istio allows one mirror per route, so remove that mirror before mirroring to a version.", issues, revision);
        }

        VirtualService? currentVs = FindVirtualService(view);
        DestinationRule? currentDr = FindDestinationRule(view);

        HttpRouteRule? currentCatchAll = CatchAllOf(currentVs);

        // Like Kiali, every version of the split gets a subset (weight 0 included) so a later slider move only touches the route.
        IEnumerable<string> needed = split.Weights
            .Select(static w => w.Version)
            .Concat(split.Mirror is null ? [] : [split.Mirror.Version]);
        (Dictionary<string, string> subsetFor, List<Subset> newSubsets) = AssignSubsets(view, currentDr, needed);

        HttpRouteRule catchAll = BuildCatchAll(view, split, currentVs, currentCatchAll, subsetFor);
        (VirtualService desiredVs, ResourceAction vsAction) = BuildVirtualService(view, currentVs, catchAll, istioApiVersion);
        (DestinationRule? desiredDr, ResourceAction drAction) = BuildDestinationRule(view, currentDr, newSubsets, istioApiVersion);

        if (vsAction == ResourceAction.Update && ManagerOf(currentVs!) is { } vsManager)
        {
            issues = issues.Add(ManagedElsewhere(currentVs!, vsManager));
        }

        if (drAction == ResourceAction.Update && ManagerOf(currentDr!) is { } drManager)
        {
            issues = issues.Add(ManagedElsewhere(currentDr!, drManager));
        }

        return new RoutingPlan
        {
            Split = split,
            Issues = issues,
            ExpectedRevision = revision,
            VirtualService = desiredVs,
            VirtualServiceAction = vsAction,
            CurrentVirtualService = currentVs,
            DestinationRule = desiredDr,
            DestinationRuleAction = drAction,
            CurrentDestinationRule = currentDr,
        };
    }

    /// <summary>Lists what "Delete traffic routing" removes: the VirtualServices and DestinationRules that target only this service.</summary>
    public static DeletePlan PlanDelete(ServiceView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        ImmutableArray<ResourceRef>.Builder delete = ImmutableArray.CreateBuilder<ResourceRef>();
        ImmutableArray<KeptResource>.Builder keep = ImmutableArray.CreateBuilder<KeptResource>();
        foreach (VirtualService vs in view.VirtualServices)
        {
            var reference = ResourceRef.Of(vs, VirtualService.Plural);
            string[] others = [.. (vs.Spec?.Hosts ?? []).Where(h => !HostNames.Targets(h, vs.Namespace, view.Name, view.Namespace))];
            if (others.Length > 0)
            {
                keep.Add(new(reference, $"It also routes {string.Join(", ", others)}; deleting it would change their routing too."));
            }
            else
            {
                delete.Add(reference);
            }
        }

        foreach (DestinationRule dr in view.DestinationRules)
        {
            delete.Add(ResourceRef.Of(dr, DestinationRule.Plural));
        }

        foreach (HttpRoute route in view.HttpRoutes.Where(r => RoutingReader.AttachesTo(r, view.Service)))
        {
            // The console edits HTTPRoutes in place; the chart grants no delete, and it never created them.
            keep.Add(new(ResourceRef.Of(route, HttpRoute.Plural), "It is a Gateway API HTTPRoute, which TrafficConsole edits but does not delete; delete it with kubectl to go back to plain Kubernetes routing."));
        }

        return new DeletePlan
        {
            Namespace = view.Namespace,
            ServiceName = view.Name,
            Delete = delete.ToImmutable(),
            Keep = keep.ToImmutable(),
            ExpectedRevision = view.Routing.Revision,
        };
    }

    /// <summary>
    /// The subset of each needed version: an existing subset that selects the version wins; otherwise the version's own
    /// name, made unique, as a new subset. Unversioned versions and a whole-service-only service get none.
    /// </summary>
    internal static (Dictionary<string, string> SubsetFor, List<Subset> NewSubsets) AssignSubsets(ServiceView view, DestinationRule? currentDr, IEnumerable<string> needed)
    {
        var subsetFor = new Dictionary<string, string>(StringComparer.Ordinal);
        var newSubsets = new List<Subset>();
        if (view.Versions.Length == 1 && !view.Versions[0].IsVersioned)
        {
            return (subsetFor, newSubsets);
        }

        var taken = new HashSet<string>((currentDr?.Spec?.Subsets ?? []).Select(static s => s.Name ?? string.Empty), StringComparer.Ordinal);
        foreach (string versionName in needed.Distinct(StringComparer.Ordinal).Where(v => view.FindVersion(v)?.IsVersioned == true))
        {
            ServiceVersion version = view.FindVersion(versionName)!;
            string? existing = ExistingSubsetOf(view, currentDr, versionName);
            if (existing is not null)
            {
                subsetFor[versionName] = existing;
                continue;
            }

            string name = taken.Contains(version.SubsetName) || version.SubsetName.Length == 0
                ? SubsetNames.Assign([version.Name], taken)[version.Name]
                : version.SubsetName;
            taken.Add(name);
            subsetFor[versionName] = name;
            newSubsets.Add(new Subset { Name = name, Labels = version.SubsetLabels });
        }

        return (subsetFor, newSubsets);
    }

    /// <summary>The first subset of <paramref name="dr"/> that selects exactly <paramref name="versionName"/>, or null.</summary>
    internal static string? ExistingSubsetOf(ServiceView view, DestinationRule? dr, string versionName) =>
        (dr?.Spec?.Subsets ?? [])
            .Select(static s => s.Name)
            .FirstOrDefault(n => n is not null && view.Routing.SubsetVersions.TryGetValue(n, out string? v) && string.Equals(v, versionName, StringComparison.Ordinal));

    internal static VirtualService? FindVirtualService(ServiceView view)
    {
        if (view.Routing.VirtualServiceName is { } routingName)
        {
            return view.VirtualServices.First(vs => string.Equals($"{vs.Namespace}/{vs.Name}", routingName, StringComparison.Ordinal));
        }

        // No VirtualService routes http for the host yet: reuse one of the service's own namespace that applies to the mesh.
        VirtualService[] candidates = [.. view.VirtualServices.Where(vs => string.Equals(vs.Namespace, view.Namespace, StringComparison.Ordinal) && RoutingReader.AppliesToMesh(vs))];
        return candidates.FirstOrDefault(vs => string.Equals(vs.Name, view.Name, StringComparison.Ordinal)) ?? candidates.FirstOrDefault();
    }

    internal static DestinationRule? FindDestinationRule(ServiceView view)
    {
        DestinationRule? withSubsets = view.DestinationRules.FirstOrDefault(static dr => dr.Spec?.Subsets is { Count: > 0 });
        if (withSubsets is not null)
        {
            return withSubsets;
        }

        DestinationRule[] sameNamespace = [.. view.DestinationRules.Where(dr => string.Equals(dr.Namespace, view.Namespace, StringComparison.Ordinal) && dr.Spec?.WorkloadSelector is null)];
        return sameNamespace.FirstOrDefault(dr => string.Equals(dr.Name, view.Name, StringComparison.Ordinal)) ?? sameNamespace.FirstOrDefault();
    }

    private static HttpRouteRule? CatchAllOf(VirtualService? vs)
    {
        IReadOnlyList<HttpRouteRule> http = vs?.Spec?.Http ?? [];
        int index = RoutingReader.IndexOfCatchAll(http);
        return index < 0 ? null : http[index];
    }

    private static HttpRouteRule BuildCatchAll(ServiceView view, TrafficSplit split, VirtualService? currentVs, HttpRouteRule? current, Dictionary<string, string> subsetFor)
    {
        IReadOnlyList<HttpRouteDestination> currentRoute = current?.Route ?? [];
        string vsNamespace = currentVs?.Namespace ?? view.Namespace;

        // Keep the host spelling and port the existing destinations use; new ones use the FQDN.
        HttpRouteDestination? template = currentRoute.FirstOrDefault(d => HostNames.Targets(d.Destination?.Host, vsNamespace, view.Name, view.Namespace));
        string host = template?.Destination?.Host ?? view.Host;
        PortSelector? port = template?.Destination?.Port;

        var route = new List<HttpRouteDestination>();
        var placed = new HashSet<string>(StringComparer.Ordinal);
        if (view.Versions.Length == 1 && !view.Versions[0].IsVersioned)
        {
            route.Add((template ?? new HttpRouteDestination()) with
            {
                Destination = (template?.Destination ?? new Destination()) with { Host = host, Subset = null, Port = port },
                Weight = 100,
            });
        }
        else
        {
            foreach (HttpRouteDestination existing in currentRoute)
            {
                string? version = existing.Destination?.Subset is { } s && view.Routing.SubsetVersions.TryGetValue(s, out string? v) ? v : null;
                if (version is null || !placed.Add(version))
                {
                    // A destination without subset (the whole service) or a duplicate is replaced by per-version ones.
                    continue;
                }

                route.Add(existing with { Weight = split.WeightOf(version) });
            }

            foreach (VersionWeight weight in split.Weights.Where(w => w.Weight > 0 && !placed.Contains(w.Version)))
            {
                placed.Add(weight.Version);
                route.Add(new HttpRouteDestination
                {
                    Destination = new Destination { Host = host, Subset = subsetFor[weight.Version], Port = port },
                    Weight = weight.Weight,
                });
            }
        }

        HttpRouteRule rule = (current ?? new HttpRouteRule()) with { Route = route };
        bool mirrorIsOurs = current?.Mirror is null || (current.Mirror.Subset is not null && HostNames.Targets(current.Mirror.Host, vsNamespace, view.Name, view.Namespace));
        if (split.Mirror is { } mirror)
        {
            Destination mirrorDestination = (mirrorIsOurs ? current?.Mirror : null) ?? new Destination { Port = port };
            rule = rule with
            {
                Mirror = mirrorDestination with { Host = host, Subset = subsetFor[mirror.Version] },
                MirrorPercentage = (rule.MirrorPercentage ?? new Percent()) with { Value = mirror.Percent },
                Extra = Without(rule.Extra, "mirrorPercent"),
            };
        }
        else if (mirrorIsOurs && current?.Mirror is not null)
        {
            rule = rule with { Mirror = null, MirrorPercentage = null, Extra = Without(rule.Extra, "mirrorPercent") };
        }

        return rule;
    }

    private static (VirtualService Desired, ResourceAction Action) BuildVirtualService(ServiceView view, VirtualService? current, HttpRouteRule catchAll, string apiVersion)
    {
        if (current is null)
        {
            var created = new VirtualService
            {
                ApiVersion = apiVersion,
                Metadata = NewMetadata(view),
                Spec = new VirtualServiceSpec { Hosts = [view.Host], Http = [catchAll] },
            };
            return (created, ResourceAction.Create);
        }

        VirtualService desired = MeshJson.DeepClone(current);
        VirtualServiceSpec spec = desired.Spec ?? new VirtualServiceSpec { Hosts = [view.Host] };
        List<HttpRouteRule> http = [.. spec.Http ?? []];
        int index = RoutingReader.IndexOfCatchAll(http);
        if (index < 0)
        {
            http.Add(catchAll);
        }
        else
        {
            http[index] = catchAll;
        }

        desired.Spec = spec with { Http = http };
        return (desired, SameJson(current, desired) ? ResourceAction.Unchanged : ResourceAction.Update);
    }

    private static (DestinationRule? Desired, ResourceAction Action) BuildDestinationRule(ServiceView view, DestinationRule? current, List<Subset> newSubsets, string apiVersion)
    {
        if (current is null)
        {
            if (newSubsets.Count == 0)
            {
                return (null, ResourceAction.Unchanged);
            }

            var created = new DestinationRule
            {
                ApiVersion = apiVersion,
                Metadata = NewMetadata(view),
                Spec = new DestinationRuleSpec { Host = view.Host, Subsets = newSubsets },
            };
            return (created, ResourceAction.Create);
        }

        DestinationRule desired = MeshJson.DeepClone(current);
        DestinationRuleSpec spec = desired.Spec ?? new DestinationRuleSpec { Host = view.Host };
        desired.Spec = spec with { Subsets = [.. spec.Subsets ?? [], .. newSubsets] };
        return (desired, newSubsets.Count == 0 ? ResourceAction.Unchanged : ResourceAction.Update);
    }

    /// <summary>The tool that manages a resource from outside the cluster (and may revert our change), or null.</summary>
    public static string? ManagerOf(IKubernetesObject<V1ObjectMeta> resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        IDictionary<string, string> labels = resource.Metadata?.Labels ?? new Dictionary<string, string>();
        IDictionary<string, string> annotations = resource.Metadata?.Annotations ?? new Dictionary<string, string>();
        if (annotations.ContainsKey("argocd.argoproj.io/tracking-id") || labels.ContainsKey("argocd.argoproj.io/instance"))
        {
            return "Argo CD";
        }

        if (labels.ContainsKey("kustomize.toolkit.fluxcd.io/name") || labels.ContainsKey("helm.toolkit.fluxcd.io/name"))
        {
            return "Flux";
        }

        if (labels.TryGetValue(IstioApi.ManagedByLabel, out string? manager) && !string.Equals(manager, IstioApi.ManagedByValue, StringComparison.Ordinal))
        {
            return manager;
        }

        return annotations.ContainsKey("meta.helm.sh/release-name") ? "Helm" : null;
    }

    internal static ValidationIssue ManagedElsewhere<TSpec>(IstioResource<TSpec> resource, string manager)
        where TSpec : class =>
        new(ValidationCodes.ManagedElsewhere, Severity.Warning, $"{resource.Kind}/{resource.Name}",
            $"{resource.Kind} {resource.Namespace}/{resource.Name} is managed by {manager}; it may revert this change at its next sync. Make the change in its source too.");

    internal static V1ObjectMeta NewMetadata(ServiceView view) => new()
    {
        Name = view.Name,
        NamespaceProperty = view.Namespace,
        Labels = new Dictionary<string, string>(StringComparer.Ordinal) { [IstioApi.ManagedByLabel] = IstioApi.ManagedByValue },
    };

    internal static Dictionary<string, JsonElement>? Without(IDictionary<string, JsonElement>? extra, string key)
    {
        if (extra is null)
        {
            return null;
        }

        var copy = new Dictionary<string, JsonElement>(extra, StringComparer.Ordinal);
        copy.Remove(key);
        return copy.Count == 0 ? null : copy;
    }

    internal static bool SameJson(object a, object b) =>
        JsonNode.DeepEquals(JsonSerializer.SerializeToNode(a, a.GetType(), MeshJson.Options), JsonSerializer.SerializeToNode(b, b.GetType(), MeshJson.Options));
}
