using System.Collections.Immutable;

namespace TrafficConsole.Cluster.Cache;

/// <summary>What happened.</summary>
public enum MeshChangeType
{
    Added,
    Modified,
    Deleted,

    /// <summary>The connection health changed (<see cref="MeshChange.ResourceKind"/> is <see cref="MeshResourceKind.ApiServer"/>).</summary>
    HealthChanged,
}

/// <summary>A service by namespace and name.</summary>
public readonly record struct ServiceRef(string Namespace, string Name)
{
    public override string ToString() => $"{Namespace}/{Name}";
}

/// <summary>One change the cache saw, with the services it affects so a page can re-render only those.</summary>
/// <param name="Type">Added, modified, deleted, or a health change.</param>
/// <param name="ResourceKind">The kind of resource that changed.</param>
/// <param name="Namespace">Its namespace; for a Namespace resource, its own name; null for health changes.</param>
/// <param name="Name">Its name (for health changes, the new state).</param>
/// <param name="ResourceVersion">Its resourceVersion after the change (the last one known for deletions).</param>
/// <param name="AffectedServices">
/// The services whose view this changes: a VirtualService/DestinationRule affects the services its hosts
/// point at (before and after the change), a Deployment those whose selector matches its pods.
/// </param>
public sealed record MeshChange(
    MeshChangeType Type,
    MeshResourceKind ResourceKind,
    string? Namespace,
    string Name,
    string? ResourceVersion,
    ImmutableArray<ServiceRef> AffectedServices)
{
    public override string ToString() =>
        $"{Type} {ResourceKind} {Namespace}/{Name}@{ResourceVersion} -> [{string.Join(", ", AffectedServices)}]";
}

/// <summary>Changes delivered together (bursts are batched), with the snapshot that includes them.</summary>
/// <param name="Snapshot">The snapshot after the last change of this batch.</param>
/// <param name="Changes">The changes, oldest first.</param>
/// <param name="IsResync">
/// True when this subscriber fell behind and changes were dropped: reload everything from <paramref name="Snapshot"/>.
/// </param>
public sealed record MeshChangeBatch(MeshSnapshot Snapshot, ImmutableArray<MeshChange> Changes, bool IsResync)
{
    /// <summary>The connection health as of this batch.</summary>
    public CacheHealth Health => Snapshot.Health;

    /// <summary>The distinct services this batch affects.</summary>
    public ImmutableArray<ServiceRef> AffectedServices => [.. Changes.SelectMany(static c => c.AffectedServices).Distinct()];

    /// <summary>True when the view of the service may have changed (or everything must be reloaded).</summary>
    public bool Affects(string @namespace, string service) =>
        IsResync || Changes.Any(c => c.AffectedServices.Contains(new ServiceRef(@namespace, service)));

    /// <summary>True when the batch carries a change of connection health or sync state.</summary>
    public bool HealthChanged => Changes.Any(static c => c.Type == MeshChangeType.HealthChanged);
}
