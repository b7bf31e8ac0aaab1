using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;

using k8s;
using k8s.Models;

using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Services;
using TrafficConsole.Mesh.Validation;

namespace TrafficConsole.Mesh.Routing;

/// <summary>
/// Which routing resources of a service a plan writes to or deletes, and the conventions for those it creates. Conventions
/// follow Kiali: resources named after the service, host <c>svc.ns.svc.cluster.local</c>, one subset per version selected
/// by its version label, label <c>app.kubernetes.io/managed-by: trafficconsole</c> on what we create.
/// </summary>
public static class RoutingResources
{
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

        foreach (HttpRoute route in view.HttpRoutes.Where(r => RoutingFacts.AttachesTo(r, view.Service)))
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
        VirtualService[] candidates = [.. view.VirtualServices.Where(vs => string.Equals(vs.Namespace, view.Namespace, StringComparison.Ordinal) && RoutingFacts.AppliesToMesh(vs))];
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
