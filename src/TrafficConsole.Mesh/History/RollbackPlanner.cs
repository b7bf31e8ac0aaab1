using System.Collections.Immutable;

using k8s;
using k8s.Models;

using TrafficConsole.Mesh.Analysis;
using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Services;
using TrafficConsole.Mesh.Validation;

namespace TrafficConsole.Mesh.History;

/// <summary>
/// Plans a rollback as a normal <see cref="RoutingPlan"/> (same writer, same conflict checks): a recorded snapshot
/// restored over the current resources, all traffic to the stable version, or marking a version stable.
/// </summary>
public static class RollbackPlanner
{
    /// <summary>
    /// Writes the snapshot's resources over the current ones (with the current resourceVersions; created when absent
    /// now) and deletes the service's routing resources the snapshot lacks.
    /// </summary>
    /// <param name="view">The service now.</param>
    /// <param name="snapshot">The revision's snapshot.</param>
    /// <param name="istioApiVersion">The cluster's Istio networking apiVersion, for the refusal when it serves none.</param>
    public static RoutingPlan Restore(ServiceView view, RevisionSnapshot snapshot, string istioApiVersion)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(snapshot);
        string revision = view.Routing.Revision;
        RoutingPlan Refuse(string reason) => RoutingPlan.Refused(reason, [], revision) with { Namespace = view.Namespace, ServiceName = view.Name };

        if (snapshot.VirtualServices.Length > 1 || snapshot.DestinationRules.Length > 1 || snapshot.HttpRoutes.Length > 1)
        {
            return Refuse("The revision holds more than one VirtualService, DestinationRule or HTTPRoute for this service; restore it with kubectl.");
        }

        if ((!snapshot.VirtualServices.IsEmpty || !snapshot.DestinationRules.IsEmpty) && !IstioApi.IsNetworkingApiVersion(istioApiVersion))
        {
            return Refuse($"The cluster serves no Istio networking API ('{istioApiVersion}'), so the revision's VirtualService cannot be restored.");
        }

        ImmutableArray<ResourceRef>.Builder deletes = ImmutableArray.CreateBuilder<ResourceRef>();
        foreach (VirtualService vs in view.VirtualServices.Where(v => !snapshot.VirtualServices.Any(s => SameName(s, v))))
        {
            string[] others = [.. (vs.Spec?.Hosts ?? []).Where(h => !HostNames.Targets(h, vs.Namespace, view.Name, view.Namespace))];
            if (others.Length > 0)
            {
                return Refuse($"VirtualService {vs.Namespace}/{vs.Name} also routes {string.Join(", ", others)}; restoring the revision would delete it. Restore it with kubectl.");
            }

            deletes.Add(ResourceRef.Of(vs, VirtualService.Plural));
        }

        foreach (DestinationRule dr in view.DestinationRules.Where(d => !snapshot.DestinationRules.Any(s => SameName(s, d))))
        {
            deletes.Add(ResourceRef.Of(dr, DestinationRule.Plural));
        }

        HttpRoute[] attached = [.. view.HttpRoutes.Where(r => RoutingFacts.AttachesTo(r, view.Service))];
        if (attached.FirstOrDefault(r => !snapshot.HttpRoutes.Any(s => SameName(s, r))) is { } extraRoute)
        {
            return Refuse($"HTTPRoute {extraRoute.Namespace}/{extraRoute.Name} did not exist in that revision; TrafficConsole does not delete HTTPRoutes, delete it with kubectl first.");
        }

        (VirtualService? vsDesired, ResourceAction vsAction, VirtualService? vsCurrent) = Over(snapshot.VirtualServices, view.VirtualServices);
        (DestinationRule? drDesired, ResourceAction drAction, DestinationRule? drCurrent) = Over(snapshot.DestinationRules, view.DestinationRules);
        (HttpRoute? hrDesired, ResourceAction hrAction, HttpRoute? hrCurrent) = Over(snapshot.HttpRoutes, [.. attached]);
        if (hrAction == ResourceAction.Create)
        {
            return Refuse($"HTTPRoute {hrDesired!.Namespace}/{hrDesired.Name} no longer exists; TrafficConsole edits HTTPRoutes but does not create them.");
        }

        ImmutableArray<ValidationIssue> rejected =
        [
            .. NewErrors(vsCurrent, vsAction == ResourceAction.Unchanged ? null : vsDesired),
            .. NewErrors(drCurrent, drAction == ResourceAction.Unchanged ? null : drDesired),
        ];
        if (!rejected.IsEmpty)
        {
            return RoutingPlan.Refused(
                "Istio would reject the restored revision: " + string.Join(" ", rejected.Select(static i => $"{i.Path}: {i.Message}")),
                rejected,
                revision) with { Namespace = view.Namespace, ServiceName = view.Name };
        }

        return new RoutingPlan
        {
            Namespace = view.Namespace,
            ServiceName = view.Name,
            ExpectedRevision = revision,
            VirtualService = vsDesired,
            VirtualServiceAction = vsAction,
            CurrentVirtualService = vsCurrent,
            DestinationRule = drDesired,
            DestinationRuleAction = drAction,
            CurrentDestinationRule = drCurrent,
            HttpRoute = hrDesired,
            HttpRouteAction = hrAction,
            CurrentHttpRoute = hrCurrent,
            Deletes = deletes.ToImmutable(),
        };
    }

    /// <summary>
    /// Every destination of every editable route (rules and the default route) to <paramref name="stable"/> at 100%,
    /// mirrors dropped; everything else (matches, retries, timeouts, read-only rules, policies) kept.
    /// </summary>
    /// <param name="view">The service now.</param>
    /// <param name="stable">The version to send all traffic to.</param>
    /// <param name="istioApiVersion">The apiVersion for resources created new.</param>
    public static RoutingPlan ToStable(ServiceView view, string stable, string istioApiVersion)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentException.ThrowIfNullOrEmpty(stable);
        string revision = view.Routing.Revision;
        if (view.FindVersion(stable) is not { IsVersioned: true })
        {
            return RoutingPlan.Refused($"{view.Name} has no version '{stable}'.", [], revision) with { Namespace = view.Namespace, ServiceName = view.Name };
        }

        if (view.Routing.Kind == RoutingKind.ReadOnly)
        {
            return RoutingPlan.Refused(view.Routing.ReadOnlyReason ?? "The routing of this service cannot be edited.", [], revision) with { Namespace = view.Namespace, ServiceName = view.Name };
        }

        if (view.Routing.Kind != RoutingKind.Rules)
        {
            return RoutingIntentPlanner.PlanSplit(view, TrafficSplit.AllTo(Rollouts.VersionsOf(view), stable), istioApiVersion);
        }

        RoutingIntentReading reading = RoutingIntentReader.Read(view);
        if (reading.Intent is not { } intent)
        {
            return RoutingPlan.Refused(reading.Problem ?? "The routing of this service cannot be edited.", [], revision) with { Namespace = view.Namespace, ServiceName = view.Name };
        }

        var all = new TrafficSplit([new VersionWeight(stable, 100)]);
        RouteRule ToStable(RouteRule rule) => rule.ReadOnlyReason is null ? rule with { Destinations = all } : rule;
        RoutingIntent rolledBack = intent with
        {
            Rules = [.. intent.Rules.Select(ToStable)],
            DefaultRoute = intent.DefaultRoute is { } d ? ToStable(d) : null,
        };
        return RoutingIntentPlanner.PlanApply(view, rolledBack, istioApiVersion);
    }

    /// <summary>Sets the stable-version annotation on the resource that holds the routes; nothing else changes.</summary>
    /// <param name="view">The service now.</param>
    /// <param name="version">The version to mark stable.</param>
    public static RoutingPlan MarkStable(ServiceView view, string version)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(version);
        string revision = view.Routing.Revision;
        RoutingPlan Refuse(string reason) => RoutingPlan.Refused(reason, [], revision) with { Namespace = view.Namespace, ServiceName = view.Name };
        if (view.FindVersion(version) is not { IsVersioned: true })
        {
            return Refuse($"{view.Name} has no version '{version}' (it has {string.Join(", ", Rollouts.VersionsOf(view))}).");
        }

        switch (StableVersions.RoutingResourceOf(view))
        {
            case VirtualService vs:
                {
                    VirtualService desired = Annotated(vs, version, out bool changed);
                    return new RoutingPlan
                    {
                        Namespace = view.Namespace,
                        ServiceName = view.Name,
                        ExpectedRevision = revision,
                        VirtualService = desired,
                        VirtualServiceAction = changed ? ResourceAction.Update : ResourceAction.Unchanged,
                        CurrentVirtualService = vs,
                    };
                }

            case HttpRoute hr:
                {
                    HttpRoute desired = Annotated(hr, version, out bool changed);
                    return new RoutingPlan
                    {
                        Namespace = view.Namespace,
                        ServiceName = view.Name,
                        ExpectedRevision = revision,
                        HttpRoute = desired,
                        HttpRouteAction = changed ? ResourceAction.Update : ResourceAction.Unchanged,
                        CurrentHttpRoute = hr,
                    };
                }

            default:
                return Refuse($"{view.Name} has no VirtualService to keep the mark on; apply a traffic split first.");
        }
    }

    /// <summary>
    /// <see cref="ToStable"/> to <paramref name="version"/> with the stable mark set on the resource that holds the
    /// routes, in one plan: the operator's "this canary is the new stable" as one write.
    /// </summary>
    /// <param name="view">The service now.</param>
    /// <param name="version">The version to send all traffic to and mark stable.</param>
    /// <param name="istioApiVersion">The apiVersion for resources created new.</param>
    public static RoutingPlan Promote(ServiceView view, string version, string istioApiVersion)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentException.ThrowIfNullOrEmpty(version);
        RoutingPlan plan = ToStable(view, version, istioApiVersion);
        if (plan.IsRefused)
        {
            return plan;
        }

        if (plan.HttpRoute is { } route)
        {
            HttpRoute desired = Annotated(route, version, out bool changed);
            return plan with { HttpRoute = desired, HttpRouteAction = changed && plan.HttpRouteAction == ResourceAction.Unchanged ? ResourceAction.Update : plan.HttpRouteAction };
        }

        if (plan.VirtualService is { } vs)
        {
            VirtualService desired = Annotated(vs, version, out bool changed);
            return plan with { VirtualService = desired, VirtualServiceAction = changed && plan.VirtualServiceAction == ResourceAction.Unchanged ? ResourceAction.Update : plan.VirtualServiceAction };
        }

        // Traffic is already all on it and the routes were left as they are: the mark alone.
        return MarkStable(view, version);
    }

    private static T Annotated<T>(T resource, string version, out bool changed)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        T copy = MeshJson.DeepClone(resource);
        copy.Metadata ??= new V1ObjectMeta();
        copy.Metadata.Annotations ??= new Dictionary<string, string>();
        changed = !copy.Metadata.Annotations.TryGetValue(StableVersions.Annotation, out string? old) || !string.Equals(old, version, StringComparison.Ordinal);
        copy.Metadata.Annotations[StableVersions.Annotation] = version;
        return copy;
    }

    private static (T? Desired, ResourceAction Action, T? Current) Over<T>(ImmutableArray<T> recorded, ImmutableArray<T> now)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        if (recorded.IsDefaultOrEmpty)
        {
            return (null, ResourceAction.Unchanged, null);
        }

        T target = recorded[0];
        T? current = now.FirstOrDefault(n => SameName(n, target));
        T desired = RevisionSnapshot.Clean(target);
        if (current is null)
        {
            return (desired, ResourceAction.Create, null);
        }

        desired.Metadata.ResourceVersion = current.Metadata?.ResourceVersion;
        bool same = RoutingResources.SameJson(RevisionSnapshot.Clean(current), RevisionSnapshot.Clean(desired));
        return (desired, same ? ResourceAction.Unchanged : ResourceAction.Update, current);
    }

    private static List<ValidationIssue> NewErrors(object? current, object? desired)
    {
        if (desired is null)
        {
            return [];
        }

        HashSet<string> before = current is null ? [] : [.. MeshAnalyzer.ValidateResource(current).Where(static i => i.Severity == Severity.Error).Select(static i => i.Code)];
        return [.. MeshAnalyzer.ValidateResource(desired).Where(i => i.Severity == Severity.Error && !before.Contains(i.Code))];
    }

    private static bool SameName(IKubernetesObject<V1ObjectMeta> a, IKubernetesObject<V1ObjectMeta> b) =>
        string.Equals(a.Metadata?.Name, b.Metadata?.Name, StringComparison.Ordinal)
        && string.Equals(a.Metadata?.NamespaceProperty, b.Metadata?.NamespaceProperty, StringComparison.Ordinal);
}
