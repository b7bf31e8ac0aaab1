using System.Collections.Immutable;

using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Validation;

namespace TrafficConsole.Mesh.Routing;

/// <summary>What a plan does to one resource.</summary>
public enum ResourceAction
{
    /// <summary>Nothing to write: the resource is absent and not needed, or already as desired.</summary>
    Unchanged,

    /// <summary>Create it (it does not exist).</summary>
    Create,

    /// <summary>Replace it, sending the resourceVersion it was read at (optimistic concurrency).</summary>
    Update,
}

/// <summary>The desired VirtualService and DestinationRule for a split, or the reason it cannot be applied.</summary>
public sealed record RoutingPlan
{
    /// <summary>The namespace of the service the plan is for.</summary>
    public string Namespace { get; init; } = string.Empty;

    /// <summary>The name of the service the plan is for.</summary>
    public string ServiceName { get; init; } = string.Empty;

    /// <summary>True when the split cannot be applied; see <see cref="RefusalReason"/> and <see cref="Issues"/>. Nothing is to be written.</summary>
    public bool IsRefused { get; init; }

    public string? RefusalReason { get; init; }

    /// <summary>Validation findings (errors when refused; warnings may accompany an applicable plan).</summary>
    public ImmutableArray<ValidationIssue> Issues { get; init; } = [];

    /// <summary>The split this plan writes.</summary>
    public TrafficSplit? Split { get; init; }

    /// <summary>The revision of the routing the plan was made from (<see cref="RoutingState.Revision"/>).</summary>
    public string ExpectedRevision { get; init; } = RoutingState.NoRevision;

    /// <summary>The desired VirtualService (metadata.resourceVersion set when it is an update).</summary>
    public VirtualService? VirtualService { get; init; }

    public ResourceAction VirtualServiceAction { get; init; }

    /// <summary>The VirtualService as it is in the cluster, for the preview diff; null when it is created.</summary>
    public VirtualService? CurrentVirtualService { get; init; }

    /// <summary>The desired DestinationRule (metadata.resourceVersion set when it is an update).</summary>
    public DestinationRule? DestinationRule { get; init; }

    public ResourceAction DestinationRuleAction { get; init; }

    /// <summary>The DestinationRule as it is in the cluster, for the preview diff; null when it is created.</summary>
    public DestinationRule? CurrentDestinationRule { get; init; }

    /// <summary>
    /// The desired Gateway API HTTPRoute (metadata.resourceVersion set) when the service's routing is owned by one;
    /// such a plan writes no VirtualService or DestinationRule. See <see cref="HttpRouteReader"/>.
    /// </summary>
    public HttpRoute? HttpRoute { get; init; }

    public ResourceAction HttpRouteAction { get; init; }

    /// <summary>The HTTPRoute as it is in the cluster, for the preview diff.</summary>
    public HttpRoute? CurrentHttpRoute { get; init; }

    /// <summary>
    /// Routing resources of the service to delete after the writes, each with the resourceVersion it was read at
    /// (a rollback to a revision that did not have them).
    /// </summary>
    public ImmutableArray<ResourceRef> Deletes { get; init; } = [];

    /// <summary>True when there is something to write.</summary>
    public bool HasChanges => !IsRefused && (VirtualServiceAction != ResourceAction.Unchanged || DestinationRuleAction != ResourceAction.Unchanged || HttpRouteAction != ResourceAction.Unchanged || !Deletes.IsDefaultOrEmpty);

    /// <summary>A refused plan.</summary>
    public static RoutingPlan Refused(string reason, ImmutableArray<ValidationIssue> issues, string expectedRevision) =>
        new() { IsRefused = true, RefusalReason = reason, Issues = issues.IsDefault ? [] : issues, ExpectedRevision = expectedRevision };

    /// <summary>The resources the plan writes, in a safe order: the DestinationRule first when it adds subsets, so the VirtualService never names a missing one.</summary>
    public IEnumerable<ResourceRef> Writes
    {
        get
        {
            if (IsRefused)
            {
                yield break;
            }

            if (DestinationRule is { } dr && DestinationRuleAction != ResourceAction.Unchanged)
            {
                yield return ResourceRef.Of(dr, Resources.DestinationRule.Plural);
            }

            if (VirtualService is { } vs && VirtualServiceAction != ResourceAction.Unchanged)
            {
                yield return ResourceRef.Of(vs, Resources.VirtualService.Plural);
            }

            if (HttpRoute is { } route && HttpRouteAction != ResourceAction.Unchanged)
            {
                yield return ResourceRef.Of(route, Resources.HttpRoute.Plural);
            }
        }
    }
}

/// <summary>The resources "Delete traffic routing" removes, and those it leaves.</summary>
public sealed record DeletePlan
{
    /// <summary>The namespace of the service the plan is for.</summary>
    public string Namespace { get; init; } = string.Empty;

    /// <summary>The name of the service the plan is for.</summary>
    public string ServiceName { get; init; } = string.Empty;

    /// <summary>Resources to delete (each targets only this service).</summary>
    public ImmutableArray<ResourceRef> Delete { get; init; } = [];

    /// <summary>Resources that target this service but are kept, with the reason (e.g. they route other hosts too).</summary>
    public ImmutableArray<KeptResource> Keep { get; init; } = [];

    /// <summary>The revision of the routing the plan was made from.</summary>
    public string ExpectedRevision { get; init; } = RoutingState.NoRevision;

    /// <summary>True when some resource to delete was not created by TrafficConsole: the UI should say so before deleting.</summary>
    public bool DeletesForeignResources => Delete.Any(static r => !r.ManagedByTrafficConsole);

    public bool IsEmpty => Delete.IsEmpty;
}

/// <summary>A reference to one namespaced Istio resource.</summary>
public sealed record ResourceRef(
    string ApiVersion,
    string Kind,
    string Plural,
    string Namespace,
    string Name,
    string? ResourceVersion,
    bool ManagedByTrafficConsole)
{
    /// <summary>A reference to <paramref name="resource"/>.</summary>
    public static ResourceRef Of<TSpec>(IstioResource<TSpec> resource, string plural)
        where TSpec : class
    {
        ArgumentNullException.ThrowIfNull(resource);
        return new(resource.ApiVersion, resource.Kind, plural, resource.Namespace, resource.Name, resource.ResourceVersion,
            resource.GetLabel(IstioApi.ManagedByLabel) == IstioApi.ManagedByValue);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Kind} {Namespace}/{Name}";
}

/// <summary>A resource that is left in place, and why.</summary>
public sealed record KeptResource(ResourceRef Resource, string Reason);
