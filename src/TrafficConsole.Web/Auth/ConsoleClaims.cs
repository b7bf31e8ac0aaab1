using System.Collections.Immutable;
using System.Security.Claims;

using Microsoft.Extensions.Options;

using TrafficConsole.Cluster.Identity;

namespace TrafficConsole.Web.Auth;

/// <summary>The claims the console puts on a signed-in user, whatever the strategy.</summary>
public static class ConsoleClaims
{
    /// <summary>The Kubernetes user name (also the principal's Name).</summary>
    public const string User = "tc:user";

    /// <summary>One claim per Kubernetes group.</summary>
    public const string Group = "tc:group";

    /// <summary>The server-side session that holds a token sign-in's Kubernetes token (token strategy only).</summary>
    public const string Session = "tc:sid";

    /// <summary>The authentication type of console principals.</summary>
    public const string AuthenticationType = "TrafficConsole";

    /// <summary>A principal for a Kubernetes user.</summary>
    public static ClaimsPrincipal Principal(string user, IEnumerable<string> groups, string? session, string authenticationType = AuthenticationType)
    {
        List<Claim> claims = [new(User, user), new(ClaimTypes.Name, user)];
        claims.AddRange(groups.Select(static g => new Claim(Group, g)));
        if (session is not null)
        {
            claims.Add(new Claim(Session, session));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, authenticationType, ClaimTypes.Name, ClaimTypes.Role));
    }

    /// <summary>The user's groups.</summary>
    public static ImmutableArray<string> GroupsOf(ClaimsPrincipal user) =>
        [.. user.FindAll(Group).Select(static c => c.Value)];
}

/// <summary>Who a signed-in principal is to the Kubernetes API.</summary>
public interface IClusterIdentityResolver
{
    /// <summary>The identity calls are made as; null means the console's own credentials (anonymous strategy, or nobody signed in).</summary>
    ClusterIdentity? Resolve(ClaimsPrincipal? user);
}

/// <summary>openid: impersonation of the user and groups; token: the session's token; anonymous: none.</summary>
internal sealed class ClusterIdentityResolver(IOptions<AuthOptions> options, TokenSessions sessions) : IClusterIdentityResolver
{
    public ClusterIdentity? Resolve(ClaimsPrincipal? user)
    {
        if (user?.Identity is not { IsAuthenticated: true } || user.FindFirst(ConsoleClaims.User)?.Value is not { Length: > 0 } name)
        {
            return null;
        }

        ImmutableArray<string> groups = ConsoleClaims.GroupsOf(user);
        return options.Value.Resolved switch
        {
            AuthStrategy.OpenId => ClusterIdentity.Impersonate(name, groups),
            AuthStrategy.Token => user.FindFirst(ConsoleClaims.Session)?.Value is { } sid && sessions.TokenOf(sid) is { } token
                ? ClusterIdentity.WithToken(name, groups, token)
                : null,
            _ => null,
        };
    }
}
