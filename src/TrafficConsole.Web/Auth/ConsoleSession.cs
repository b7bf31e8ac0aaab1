using System.Collections.Immutable;
using System.Security.Claims;

using Microsoft.AspNetCore.Components.Authorization;

using TrafficConsole.Web.Components;
using TrafficConsole.Web.Services;

namespace TrafficConsole.Web.Auth;

/// <summary>
/// The signed-in user of one Blazor circuit, for components: the <see cref="ChangeContext"/> to pass to every write, and
/// what the user may do in a namespace (to disable actions with the reason). Inject it in any page that writes.
/// </summary>
public sealed class ConsoleSession(AuthenticationStateProvider authentication, IActorAccessor actors, IConsolePermissions permissions)
{
    /// <summary>The circuit's user.</summary>
    public async Task<ClaimsPrincipal> UserAsync() => (await authentication.GetAuthenticationStateAsync().ConfigureAwait(false)).User;

    /// <summary>
    /// The context of a write by this circuit's user: the actor and their cluster identity. <paramref name="page"/> is the
    /// cascaded <see cref="ConsoleUser"/> (it knows the browser's address, which a circuit does not, for anonymous actors).
    /// </summary>
    public async Task<ChangeContext> ChangeAsync(ConsoleUser? page, string? reason = null)
    {
        ClaimsPrincipal user = await UserAsync().ConfigureAwait(false);
        ChangeContext change = actors.ChangeFor(user, remoteAddress: null, reason);
        return user.Identity is not { IsAuthenticated: true } && page?.Actor is { Length: > 0 } actor ? change with { Actor = actor } : change;
    }

    /// <summary>What this circuit's user may do in <paramref name="namespaceName"/> (cached briefly per user and namespace).</summary>
    public async Task<NamespacePermissions> PermissionsAsync(string namespaceName, CancellationToken cancellationToken = default)
    {
        ClaimsPrincipal user = await UserAsync().ConfigureAwait(false);
        return await permissions.GetAsync(actors.GetClusterIdentity(user), namespaceName, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Null when this circuit's user may read <paramref name="scope"/> of <paramref name="namespaceName"/>, else why not (the read policy).</summary>
    public async Task<string?> ReadDeniedAsync(string namespaceName, ReadScope scope, CancellationToken cancellationToken = default)
    {
        ClaimsPrincipal user = await UserAsync().ConfigureAwait(false);
        return await permissions.ReadDeniedAsync(actors.GetClusterIdentity(user), namespaceName, scope, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Those of <paramref name="namespaces"/> whose routing (or with <paramref name="scope"/>, history) this circuit's user may read, in their order.</summary>
    public async Task<ImmutableArray<string>> ReadableAsync(IEnumerable<string> namespaces, ReadScope scope = ReadScope.Routing, CancellationToken cancellationToken = default)
    {
        ClaimsPrincipal user = await UserAsync().ConfigureAwait(false);
        return await permissions.ReadableAsync(actors.GetClusterIdentity(user), namespaces, scope, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>True when the console requires sign-in (openid, token).</summary>
    public bool SignInRequired => permissions.RequiresIdentity;
}
