using System.Net;
using System.Security.Claims;
using Microsoft.Extensions.Options;
using TrafficConsole.Cluster.Identity;
using TrafficConsole.Web.Auth;
using TrafficConsole.Web.Hosting;

namespace TrafficConsole.Web.Services;

/// <summary>
/// Who is making a change: the signed-in user's name for the audit log, and their identity for the cluster.
/// </summary>
public interface IActorAccessor
{
    /// <summary>The actor for a user and the address the request came from.</summary>
    string GetActor(ClaimsPrincipal? user, IPAddress? remoteAddress);

    /// <summary>Who the user's writes are made as in the cluster; null means the console's own credentials.</summary>
    ClusterIdentity? GetClusterIdentity(ClaimsPrincipal? user) => null;
}

/// <summary>Helpers to resolve the actor from the usual request objects.</summary>
public static class ActorAccessorExtensions
{
    public static string GetActor(this IActorAccessor accessor, HttpContext? httpContext)
    {
        ArgumentNullException.ThrowIfNull(accessor);
        return accessor.GetActor(httpContext?.User, httpContext?.Connection.RemoteIpAddress);
    }

    /// <summary>
    /// The <see cref="ChangeContext"/> for a write made in this request: the actor and the user's cluster identity.
    /// Every write endpoint builds its context with this, so the service layer can check and write as the user.
    /// </summary>
    public static ChangeContext ChangeFor(this IActorAccessor accessor, HttpContext? httpContext, string? reason = null)
    {
        ArgumentNullException.ThrowIfNull(accessor);
        return accessor.ChangeFor(httpContext?.User, httpContext?.Connection.RemoteIpAddress, reason);
    }

    /// <summary>The <see cref="ChangeContext"/> for a write by <paramref name="user"/> (pages pass the circuit's user).</summary>
    public static ChangeContext ChangeFor(this IActorAccessor accessor, ClaimsPrincipal? user, IPAddress? remoteAddress, string? reason = null)
    {
        ArgumentNullException.ThrowIfNull(accessor);
        return new ChangeContext(accessor.GetActor(user, remoteAddress)) { As = accessor.GetClusterIdentity(user), Reason = reason };
    }
}

/// <summary>
/// The signed-in user's name (openid, token); without sign-in: the authenticated name if there is one, else <c>Console:DefaultActor</c>,
/// else "anonymous@&lt;remote ip&gt;".
/// </summary>
internal sealed class ActorAccessor(IOptionsMonitor<ConsoleOptions> options, IClusterIdentityResolver identities) : IActorAccessor
{
    public ClusterIdentity? GetClusterIdentity(ClaimsPrincipal? user) => identities.Resolve(user);

    public string GetActor(ClaimsPrincipal? user, IPAddress? remoteAddress)
    {
        if (user?.Identity is { IsAuthenticated: true, Name: { Length: > 0 } name })
        {
            return name;
        }

        string? configured = options.CurrentValue.DefaultActor;
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured.Trim();
        }

        if (remoteAddress is null)
        {
            return "anonymous";
        }

        IPAddress address = remoteAddress.IsIPv4MappedToIPv6 ? remoteAddress.MapToIPv4() : remoteAddress;
        return $"anonymous@{address}";
    }
}
