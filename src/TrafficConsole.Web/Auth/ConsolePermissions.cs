using System.Collections.Concurrent;
using System.Collections.Immutable;

using Microsoft.Extensions.Options;

using TrafficConsole.Cluster.Identity;
using TrafficConsole.Mesh.Resources;
using TrafficConsole.Web.Services;

namespace TrafficConsole.Web.Auth;

/// <summary>One thing a user may or may not do to a kind of resource in a namespace, as Kubernetes RBAC words it.</summary>
/// <param name="Verb">get, list, watch, create, update, patch, delete.</param>
/// <param name="Group">The API group ("" for the core group).</param>
/// <param name="Resource">The resource's plural name, e.g. virtualservices.</param>
public sealed record ResourceAccess(string Verb, string Group, string Resource)
{
    /// <inheritdoc />
    public override string ToString() => $"{Verb} {Resource}{(Group.Length == 0 ? string.Empty : "." + Group)}";

    /// <summary>Update VirtualServices: every routing change.</summary>
    public static ResourceAccess UpdateVirtualServices { get; } = new("update", IstioApi.NetworkingGroup, VirtualService.Plural);

    /// <summary>Create VirtualServices: routing for a service that has none.</summary>
    public static ResourceAccess CreateVirtualServices { get; } = new("create", IstioApi.NetworkingGroup, VirtualService.Plural);

    /// <summary>Delete VirtualServices: Delete traffic routing.</summary>
    public static ResourceAccess DeleteVirtualServices { get; } = new("delete", IstioApi.NetworkingGroup, VirtualService.Plural);

    /// <summary>Update DestinationRules: subsets and traffic policies.</summary>
    public static ResourceAccess UpdateDestinationRules { get; } = new("update", IstioApi.NetworkingGroup, DestinationRule.Plural);

    /// <summary>Create DestinationRules.</summary>
    public static ResourceAccess CreateDestinationRules { get; } = new("create", IstioApi.NetworkingGroup, DestinationRule.Plural);

    /// <summary>Delete DestinationRules.</summary>
    public static ResourceAccess DeleteDestinationRules { get; } = new("delete", IstioApi.NetworkingGroup, DestinationRule.Plural);

    /// <summary>Update HTTPRoutes (Gateway API routing).</summary>
    public static ResourceAccess UpdateHttpRoutes { get; } = new("update", IstioApi.GatewayApiGroup, HttpRoute.Plural);


    /// <summary>List VirtualServices: reading a namespace's routing (the hub's JoinNamespace).</summary>
    public static ResourceAccess ListVirtualServices { get; } = new("list", IstioApi.NetworkingGroup, VirtualService.Plural);

    /// <summary>Watch VirtualServices: live updates of a namespace.</summary>
    public static ResourceAccess WatchVirtualServices { get; } = new("watch", IstioApi.NetworkingGroup, VirtualService.Plural);

    /// <summary>List DestinationRules: the subsets and policies shown with the routing.</summary>
    public static ResourceAccess ListDestinationRules { get; } = new("list", IstioApi.NetworkingGroup, DestinationRule.Plural);

    /// <summary>List ConfigMaps: the revision ConfigMaps a namespace's history and audit are read from.</summary>
    public static ResourceAccess ListConfigMaps { get; } = new("list", string.Empty, "configmaps");

    /// <summary>
    /// What reading a namespace's routing needs (the services list, service page, rollouts, REST and hub show it, live):
    /// its routing resources. Not Services or Deployments: Istio-only roles (VirtualServices and DestinationRules) are common,
    /// and what the console shows of a service is its routing.
    /// </summary>
    public static ImmutableArray<ResourceAccess> ReadRouting { get; } = [ListVirtualServices, WatchVirtualServices, ListDestinationRules];

    /// <summary>What reading a namespace's history and audit needs: its routing, and the ConfigMaps the revisions are kept in.</summary>
    public static ImmutableArray<ResourceAccess> ReadHistory { get; } = [.. ReadRouting, ListConfigMaps];

    /// <summary>What the UI asks about for each namespace.</summary>
    public static ImmutableArray<ResourceAccess> All { get; } =
    [
        UpdateVirtualServices, CreateVirtualServices, DeleteVirtualServices,
        UpdateDestinationRules, CreateDestinationRules, DeleteDestinationRules,
        UpdateHttpRoutes, .. ReadHistory,
    ];

    /// <summary>What reading in <paramref name="scope"/> needs.</summary>
    public static ImmutableArray<ResourceAccess> NeededToRead(ReadScope scope) => scope == ReadScope.History ? ReadHistory : ReadRouting;
}

/// <summary>
/// Marks a page (or REST endpoint) that shows a namespace's history or audit: reading it needs <see cref="ReadScope.History"/>,
/// not only the routing. Pages and endpoints without it read <see cref="ReadScope.Routing"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, Inherited = false)]
public sealed class ReadsHistoryAttribute : Attribute;

/// <summary>What a read shows of a namespace, for the one read policy (<see cref="NamespacePermissions.ReadDenied"/>).</summary>
public enum ReadScope
{
    /// <summary>Its services and their routing: services list, service page, rollouts, REST reads, the hub.</summary>
    Routing,

    /// <summary>Its recorded history and audit (who changed what, and why), kept in revision ConfigMaps.</summary>
    History,
}

/// <summary>The cluster's answer for one <see cref="ResourceAccess"/>.</summary>
/// <param name="Access">What was asked.</param>
/// <param name="Allowed">Whether the cluster allows it.</param>
/// <param name="Reason">Why not, in words for the user; null when allowed.</param>
public sealed record AccessDecision(ResourceAccess Access, bool Allowed, string? Reason);

/// <summary>What a user may do in one namespace, as the UI disables its actions (each reason says why).</summary>
/// <param name="Namespace">The namespace.</param>
/// <param name="User">Who, as the cluster knows them (null: the console's own credentials).</param>
/// <param name="Decisions">One decision per asked <see cref="ResourceAccess"/>.</param>
public sealed record NamespacePermissions(string Namespace, string? User, ImmutableArray<AccessDecision> Decisions)
{
    /// <summary>Everything allowed (anonymous strategy: the API server still applies the console's own RBAC).</summary>
    public static NamespacePermissions Unrestricted(string namespaceName) =>
        new(namespaceName, null, [.. ResourceAccess.All.Select(static a => new AccessDecision(a, true, null))]);

    /// <summary>Why the routing (sliders, rule editor, YAML, and rollback/stable which write the same resources) cannot be applied; null when it can.</summary>
    public string? ApplyDeniedReason => Denied(ResourceAccess.UpdateVirtualServices, ResourceAccess.UpdateDestinationRules);

    /// <summary>Why routing cannot be deleted; null when it can.</summary>
    public string? DeleteDeniedReason => Denied(ResourceAccess.DeleteVirtualServices, ResourceAccess.DeleteDestinationRules);

    /// <summary>Why the namespace's routing cannot be read (live); null when it can. The cluster's reason, as asked.</summary>
    public string? ReadDeniedReason => Denied(ResourceAccess.ReadRouting.AsSpan());

    /// <summary>Why the namespace's history and audit cannot be read; null when they can.</summary>
    public string? HistoryDeniedReason => Denied(ResourceAccess.ReadHistory.AsSpan());

    /// <summary>
    /// The read policy, the one place pages, REST and the hub take it from: null when <paramref name="scope"/> of this
    /// namespace may be read, else a sentence for the user that names the namespace and the cluster's reason.
    /// </summary>
    public string? ReadDenied(ReadScope scope) =>
        Denied(ResourceAccess.NeededToRead(scope).AsSpan()) is { } reason
            ? scope == ReadScope.History
                ? $"You may not read the history of namespace {Namespace}: {reason}"
                : $"You may not read routing in namespace {Namespace}: {reason}"
            : null;

    /// <summary>The reason the first of <paramref name="needed"/> that is denied gives, or null when all are allowed.</summary>
    public string? Denied(params ReadOnlySpan<ResourceAccess> needed)
    {
        foreach (ResourceAccess access in needed)
        {
            AccessDecision? decision = Decisions.FirstOrDefault(d => d.Access == access);
            if (decision is null)
            {
                return $"The console did not ask whether you may {access} in {Namespace}.";
            }

            if (!decision.Allowed)
            {
                return decision.Reason;
            }
        }

        return null;
    }
}

/// <summary>
/// What the signed-in user may do, asked of the cluster (<c>SelfSubjectAccessReview</c> as the user) and kept briefly per
/// user and namespace (forgotten on sign-out). Pages disable actions with <see cref="NamespacePermissions"/>; the service
/// layer refuses writes with the same decision before writing (<see cref="CheckAsync"/>); pages, REST and the hub show a
/// namespace only when <see cref="ReadDeniedAsync"/> lets the user read it.
/// </summary>
public interface IConsolePermissions
{
    /// <summary>True when writes must carry a signed-in user's <see cref="ChangeContext.As"/> (openid and token strategies).</summary>
    bool RequiresIdentity { get; }

    /// <summary>What <paramref name="identity"/> may do in <paramref name="namespaceName"/>.</summary>
    Task<NamespacePermissions> GetAsync(ClusterIdentity? identity, string namespaceName, CancellationToken cancellationToken = default);

    /// <summary>Null when <paramref name="change"/>'s user may do all of <paramref name="needed"/> in the namespace, else why not.</summary>
    Task<string?> CheckAsync(ChangeContext change, string namespaceName, IEnumerable<ResourceAccess> needed, CancellationToken cancellationToken = default);

    /// <summary>
    /// The read policy for one namespace (<see cref="NamespacePermissions.ReadDenied"/>): null when <paramref name="identity"/>
    /// may read <paramref name="scope"/> of <paramref name="namespaceName"/>, else why not. Pages, REST and the hub all ask this.
    /// </summary>
    async Task<string?> ReadDeniedAsync(ClusterIdentity? identity, string namespaceName, ReadScope scope, CancellationToken cancellationToken = default) =>
        (await GetAsync(identity, namespaceName, cancellationToken).ConfigureAwait(false)).ReadDenied(scope);

    /// <summary>Those of <paramref name="namespaces"/> (in their order) whose <paramref name="scope"/> <paramref name="identity"/> may read.</summary>
    async Task<ImmutableArray<string>> ReadableAsync(ClusterIdentity? identity, IEnumerable<string> namespaces, ReadScope scope, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(namespaces);
        string[] all = [.. namespaces];
        string?[] denied = await Task.WhenAll(all.Select(ns => ReadDeniedAsync(identity, ns, scope, cancellationToken))).ConfigureAwait(false);
        return [.. all.Where((_, i) => denied[i] is null)];
    }

    /// <summary>Forgets every answer kept for <paramref name="identity"/> (sign-out): the next user of that session asks afresh.</summary>
    void Forget(ClusterIdentity identity)
    {
    }
}

/// <summary>SelfSubjectAccessReviews as the user, cached for <see cref="AuthOptions.PermissionCacheDuration"/>.</summary>
internal sealed partial class ConsolePermissions(IAccessReviews reviews, IOptions<AuthOptions> options, TimeProvider time, ILogger<ConsolePermissions> logger) : IConsolePermissions
{
    private readonly ConcurrentDictionary<(string User, string Namespace, ResourceAccess Access), (AccessDecision Decision, DateTimeOffset At)> _decisions = new();

    public bool RequiresIdentity => options.Value.Resolved != AuthStrategy.Anonymous;

    public async Task<NamespacePermissions> GetAsync(ClusterIdentity? identity, string namespaceName, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(namespaceName);
        if (!RequiresIdentity)
        {
            return NamespacePermissions.Unrestricted(namespaceName);
        }

        if (identity is null)
        {
            return new NamespacePermissions(namespaceName, null, [.. ResourceAccess.All.Select(NotSignedIn)]);
        }

        ImmutableArray<AccessDecision> decisions = await DecideAsync(identity, namespaceName, ResourceAccess.All, cancellationToken).ConfigureAwait(false);
        return new NamespacePermissions(namespaceName, identity.User, decisions);
    }

    // Asks only what the read needs (3 or 4 reviews, cached), not every write as well: the namespace lists ask this per namespace.
    public async Task<string?> ReadDeniedAsync(ClusterIdentity? identity, string namespaceName, ReadScope scope, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(namespaceName);
        if (!RequiresIdentity)
        {
            return null;
        }

        ImmutableArray<ResourceAccess> needed = ResourceAccess.NeededToRead(scope);
        ImmutableArray<AccessDecision> decisions = identity is null
            ? [.. needed.Select(NotSignedIn)]
            : await DecideAsync(identity, namespaceName, needed, cancellationToken).ConfigureAwait(false);
        return new NamespacePermissions(namespaceName, identity?.User, decisions).ReadDenied(scope);
    }

    public async Task<ImmutableArray<string>> ReadableAsync(ClusterIdentity? identity, IEnumerable<string> namespaces, ReadScope scope, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(namespaces);
        if (!RequiresIdentity)
        {
            return [.. namespaces];
        }

        string[] all = [.. namespaces];
        string?[] denied = await Task.WhenAll(all.Select(ns => ReadDeniedAsync(identity, ns, scope, cancellationToken))).ConfigureAwait(false);
        return [.. all.Where((_, i) => denied[i] is null)];
    }

    public void Forget(ClusterIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        foreach ((string User, string Namespace, ResourceAccess Access) key in _decisions.Keys)
        {
            if (key.User == identity.CacheKey)
            {
                _decisions.TryRemove(key, out _);
            }
        }
    }

    private static AccessDecision NotSignedIn(ResourceAccess access) =>
        new(access, false, access.Verb is "get" or "list" or "watch" ? "Sign in to see what the cluster lets you read." : "Sign in to change traffic.");

    public async Task<string?> CheckAsync(ChangeContext change, string namespaceName, IEnumerable<ResourceAccess> needed, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (!RequiresIdentity)
        {
            return null;
        }

        if (change.As is not { } identity)
        {
            return $"{change.Actor} is not signed in with a cluster identity, so nothing is written (Auth:Strategy is {options.Value.Resolved.ToString().ToLowerInvariant()}).";
        }

        ImmutableArray<AccessDecision> decisions = await DecideAsync(identity, namespaceName, [.. needed.Distinct()], cancellationToken).ConfigureAwait(false);
        return decisions.FirstOrDefault(static d => !d.Allowed)?.Reason;
    }

    private async Task<ImmutableArray<AccessDecision>> DecideAsync(ClusterIdentity identity, string namespaceName, ImmutableArray<ResourceAccess> needed, CancellationToken cancellationToken)
    {
        DateTimeOffset now = time.GetUtcNow();
        TimeSpan keep = options.Value.PermissionCacheDuration;
        AccessDecision[] result = new AccessDecision[needed.Length];
        List<int> missing = [];
        for (int i = 0; i < needed.Length; i++)
        {
            if (_decisions.TryGetValue((identity.CacheKey, namespaceName, needed[i]), out var cached) && now - cached.At < keep)
            {
                result[i] = cached.Decision;
            }
            else
            {
                missing.Add(i);
            }
        }

        if (missing.Count > 0)
        {
            ImmutableArray<AccessAnswer> answers = await reviews.ReviewAsync(
                identity, namespaceName, [.. missing.Select(i => new AccessQuery(needed[i].Verb, needed[i].Group, needed[i].Resource))], cancellationToken).ConfigureAwait(false);
            for (int j = 0; j < missing.Count; j++)
            {
                AccessDecision asked = Decide(identity, namespaceName, needed[missing[j]], answers[j]);
                result[missing[j]] = asked;
                if (_decisions.Count > 50_000)
                {
                    _decisions.Clear();
                }

                _decisions[(identity.CacheKey, namespaceName, needed[missing[j]])] = (asked, now);
            }
        }

        return [.. result];
    }

    // The cluster's answer in words for the user: what to ask for, or that the sign-in or the API server failed.
    private AccessDecision Decide(ClusterIdentity identity, string namespaceName, ResourceAccess access, AccessAnswer answer)
    {
        switch (answer)
        {
            case AccessAnswer.Allowed:
                return new AccessDecision(access, true, null);
            case AccessAnswer.Denied denied:
                string why = denied.Reason is { Length: > 0 } reason ? $" ({reason})" : string.Empty;
                LogDenied(logger, identity.User, namespaceName, access);
                return new AccessDecision(access, false, $"{identity.User} may not {access} in namespace {namespaceName}{why}. Ask a cluster admin for a Role that allows it.");
            case AccessAnswer.NotSignedIn:
                return new AccessDecision(access, false, "Your sign-in is no longer accepted by the Kubernetes API server: sign in again.");
            case AccessAnswer.NotAnswered failed:
                return new AccessDecision(access, false, $"The Kubernetes API server could not say whether {identity.User} may {access} in {namespaceName}: {failed.Detail}");
            default:
                throw new ArgumentOutOfRangeException(nameof(answer), answer, "Unknown access answer.");
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Actor} may not {Access} in {Namespace}")]
    private static partial void LogDenied(ILogger logger, string actor, string @Namespace, ResourceAccess access);
}
