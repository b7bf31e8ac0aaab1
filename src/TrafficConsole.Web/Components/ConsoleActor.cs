using Microsoft.AspNetCore.Components.Authorization;

using TrafficConsole.Web.Services;

namespace TrafficConsole.Web.Components;

/// <summary>Who a page's write is made as: the service page's rule, shared by the rollouts overview and its dialogs.</summary>
public static class ConsoleActor
{
    /// <summary>
    /// The actor resolved from the page request when there was one (<see cref="ConsoleUser"/>), else from the
    /// circuit's user (a circuit has no remote address), by the same <see cref="IActorAccessor"/> as the REST API.
    /// </summary>
    public static async Task<string> ResolveAsync(ConsoleUser? user, Task<AuthenticationState>? authenticationState, IActorAccessor actors)
    {
        ArgumentNullException.ThrowIfNull(actors);
        if (user?.Actor is { Length: > 0 } actor)
        {
            return actor;
        }

        System.Security.Claims.ClaimsPrincipal? principal = authenticationState is null ? null : (await authenticationState.ConfigureAwait(false)).User;
        return actors.GetActor(principal, remoteAddress: null);
    }
}
