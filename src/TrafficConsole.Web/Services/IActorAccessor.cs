using System.Net;
using System.Security.Claims;
using Microsoft.Extensions.Options;
using TrafficConsole.Web.Hosting;

namespace TrafficConsole.Web.Services;

/// <summary>
/// Who is making a change, in the one place that sign-in will replace later.
/// </summary>
public interface IActorAccessor
{
    /// <summary>The actor for a user and the address the request came from.</summary>
    string GetActor(ClaimsPrincipal? user, IPAddress? remoteAddress);
}

/// <summary>Helpers to resolve the actor from the usual request objects.</summary>
public static class ActorAccessorExtensions
{
    public static string GetActor(this IActorAccessor accessor, HttpContext? httpContext)
    {
        ArgumentNullException.ThrowIfNull(accessor);
        return accessor.GetActor(httpContext?.User, httpContext?.Connection.RemoteIpAddress);
    }
}

/// <summary>
/// Without sign-in: the authenticated name if there is one, else <c>Console:DefaultActor</c>,
/// else "anonymous@&lt;remote ip&gt;".
/// </summary>
internal sealed class ActorAccessor(IOptionsMonitor<ConsoleOptions> options) : IActorAccessor
{
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
