using System.Collections.Frozen;
using Microsoft.AspNetCore.Http;
using TrafficConsole.Sandbox.Api;
using TrafficConsole.Sandbox.Api.Routing;

namespace TrafficConsole.Sandbox.Auth;

/// <summary>
/// Bearer-token authentication as kube-apiserver's token-file authenticator: the admin token, the configured static
/// tokens, and anonymous requests as <see cref="AnonymousAccess"/> says.
/// </summary>
internal sealed class Authenticator
{
    private readonly FrozenDictionary<string, UserInfo> _byToken;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _revoked = new(StringComparer.Ordinal);

    public Authenticator(string adminToken, IEnumerable<SandboxToken> tokens, AnonymousAccess anonymous)
    {
        Anonymous = anonymous;
        var byToken = new Dictionary<string, UserInfo>(StringComparer.Ordinal) { [adminToken] = UserInfo.Admin };
        foreach (var token in tokens)
        {
            if (!byToken.TryAdd(token.Token, UserInfo.Authenticated(token.User, token.Uid, token.Groups)))
            {
                throw new ArgumentException(
                    $"SandboxOptions.Tokens: the token of user '{token.User}' is used twice (or is the admin token).", nameof(tokens));
            }
        }

        _byToken = byToken.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public AnonymousAccess Anonymous { get; }

    /// <summary>The user a token stands for, or null when the sandbox does not know it.</summary>
    public UserInfo? ByToken(string token) => _revoked.ContainsKey(token) ? null : _byToken.GetValueOrDefault(token);

    /// <summary>Stops accepting <paramref name="token"/> (not the admin token); true when it was known.</summary>
    public bool Revoke(string token)
    {
        if (!_byToken.TryGetValue(token, out UserInfo? user) || ReferenceEquals(user, UserInfo.Admin))
        {
            return false;
        }

        _revoked[token] = true;
        return true;
    }

    /// <summary>The caller of <paramref name="request"/>; 401 for an unknown token, or for no token when anonymous requests are refused.</summary>
    public UserInfo Authenticate(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.Length == 0)
        {
            if (Anonymous == AnonymousAccess.Refused && !IsPublicInfo(RequestPipeline.PathAsSent(request.HttpContext)))
            {
                throw ApiException.Unauthorized();
            }

            return UserInfo.Anonymous;
        }

        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            throw ApiException.Unauthorized();
        }

        return ByToken(header[7..].Trim()) ?? throw ApiException.Unauthorized();
    }

    /// <summary>Health and version: open to everyone (system:public-info-viewer), so probes need no credentials.</summary>
    private static bool IsPublicInfo(string? path) =>
        path is "/healthz" or "/livez" or "/readyz" or "/version" or "/version/";
}
