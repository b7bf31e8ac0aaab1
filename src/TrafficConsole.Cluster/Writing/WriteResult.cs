using System.Collections.Immutable;

using k8s;
using k8s.Models;

using TrafficConsole.Mesh.Services;

namespace TrafficConsole.Cluster.Writing;

/// <summary>Why the API server (or the plan) rejected a field.</summary>
/// <param name="Field">The field path, e.g. <c>spec.http[0].route[1].weight</c>, when known.</param>
/// <param name="Message">What is wrong, for people.</param>
/// <param name="Reason">A machine-readable reason (API server cause type or validation code), when known.</param>
public sealed record InvalidCause(string? Field, string Message, string? Reason = null)
{
    public override string ToString() => Field is null ? Message : $"{Field}: {Message}";
}

/// <summary>A resource that was written (created, replaced or deleted) with its new resourceVersion.</summary>
public sealed record ResourceWrite(string Kind, string Namespace, string Name, string Action, string? ResourceVersion)
{
    /// <summary>The action of a deleted resource.</summary>
    public const string Deleted = "deleted";

    /// <summary>The object exactly as the API server answered the write (null for a delete): what the history records.</summary>
    public IKubernetesObject<V1ObjectMeta>? Result { get; init; }

    public override string ToString() => $"{Kind} {Namespace}/{Name} {Action}" + (ResourceVersion is null ? string.Empty : $" (rv {ResourceVersion})");
}

/// <summary>
/// The outcome of a write, as a value: <see cref="Applied"/>, <see cref="Conflict"/>, <see cref="Invalid"/>,
/// <see cref="Forbidden"/>, <see cref="NotFound"/> or <see cref="Unavailable"/>.
/// </summary>
public abstract record WriteResult
{
    private WriteResult()
    {
    }

    /// <summary>
    /// What was written before the write failed. Not empty means a partial write: e.g. the DestinationRule
    /// got its new subsets but the VirtualService was not changed. The message says so.
    /// </summary>
    public ImmutableArray<ResourceWrite> Written { get; init; } = [];

    public bool IsApplied => this is Applied;

    /// <summary>True when something was written although the whole write did not succeed.</summary>
    public bool IsPartial => this is not Applied && !Written.IsDefaultOrEmpty;

    /// <summary>One sentence for people.</summary>
    public abstract string Describe();

    private protected string WithPartial(string message) =>
        IsPartial ? $"{message} Already written before the failure: {string.Join("; ", Written)}." : message;

    /// <summary>Written, and the cache shows it (or the wait for it ran out; see <see cref="CacheCaughtUp"/>).</summary>
    /// <param name="Revision">The routing revision after the write (<c>vs:&lt;rv&gt;,dr:&lt;rv&gt;</c>).</param>
    public sealed record Applied(string Revision) : WriteResult
    {
        /// <summary>The service as the cache shows it after the write.</summary>
        public ServiceView? View { get; init; }

        /// <summary>
        /// The service's routing revision exactly as this write left it (from the written objects, not the cache, so a
        /// later write of someone else never shows here); null when unknown.
        /// </summary>
        public string? ResultingRevision { get; init; }

        /// <summary>
        /// The service exactly as this write left it: the resources it started from with the objects the API server
        /// returned in place (never a later writer's change, unlike <see cref="View"/>); null when unknown.
        /// </summary>
        public ServiceView? ResultingView { get; init; }

        /// <summary>False when the cache did not show the write within the wait; the write itself succeeded.</summary>
        public bool CacheCaughtUp { get; init; } = true;

        /// <summary>When the API server accepted the last write (the console's clock), before the cache caught up: where proxy sync time starts.</summary>
        public DateTimeOffset? AppliedAt { get; init; }

        public override string Describe() => $"Applied (revision {Revision}).";
    }

    /// <summary>Someone changed the routing since the user started: nothing of theirs was overwritten.</summary>
    /// <param name="Current">The service as it is now, so the user can redo the change on top.</param>
    /// <param name="Message">What happened, for people.</param>
    public sealed record Conflict(ServiceView? Current, string Message) : WriteResult
    {
        public override string Describe() => WithPartial(Message);
    }

    /// <summary>The plan or the API server rejected the content.</summary>
    public sealed record Invalid(IReadOnlyList<InvalidCause> Causes) : WriteResult
    {
        public string Message { get; init; } = "The change is not valid.";

        public override string Describe() =>
            WithPartial(Causes.Count == 0 ? Message : $"{Message} {string.Join("; ", Causes)}");
    }

    /// <summary>The credentials may not write these resources (RBAC).</summary>
    public sealed record Forbidden(string Message) : WriteResult
    {
        public override string Describe() => WithPartial(Message);
    }

    /// <summary>A resource (or its namespace, or the API) does not exist.</summary>
    public sealed record NotFound(string Message) : WriteResult
    {
        public override string Describe() => WithPartial(Message);
    }

    /// <summary>The API server could not be reached or failed (5xx, timeout, connection refused).</summary>
    public sealed record Unavailable(string Message) : WriteResult
    {
        public override string Describe() => WithPartial(Message);
    }
}
