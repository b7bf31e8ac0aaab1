using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;

namespace TrafficConsole.Cluster.Identity;

/// <summary>
/// Who a call to the Kubernetes API is made as: a user the console impersonates on its own credentials
/// (<c>Impersonate-User</c>/<c>Impersonate-Group</c>), or a user's own bearer token. Null where an API takes one
/// means the console's own credentials.
/// </summary>
public abstract record ClusterIdentity
{
    private protected ClusterIdentity(string user, ImmutableArray<string> groups)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(user);
        User = user;
        Groups = groups.IsDefault ? [] : groups;
    }

    /// <summary>The user name as the API server knows it.</summary>
    public string User { get; }

    /// <summary>The user's groups (sent as <c>Impersonate-Group</c> when impersonating).</summary>
    public ImmutableArray<string> Groups { get; }

    /// <summary>A stable key for caches (permissions per user): never the token itself.</summary>
    public abstract string CacheKey { get; }

    /// <summary>The console impersonates <paramref name="user"/> in <paramref name="groups"/>.</summary>
    public static ClusterIdentity Impersonate(string user, IEnumerable<string>? groups = null) =>
        new Impersonated(user, [.. (groups ?? []).Where(static g => !string.IsNullOrWhiteSpace(g)).Distinct(StringComparer.Ordinal)]);

    /// <summary>Calls are made with the user's own bearer token.</summary>
    public static ClusterIdentity WithToken(string user, IEnumerable<string>? groups, string token) =>
        new BearerToken(user, [.. (groups ?? []).Distinct(StringComparer.Ordinal)], token);

    /// <inheritdoc />
    public override string ToString() => Groups.IsEmpty ? User : $"{User} ({string.Join(", ", Groups)})";

    /// <summary>Impersonation on the console's own credentials (openid sign-in).</summary>
    public sealed record Impersonated : ClusterIdentity
    {
        internal Impersonated(string user, ImmutableArray<string> groups)
            : base(user, groups)
        {
        }

        /// <inheritdoc />
        public override string CacheKey => "impersonate:" + User + "\n" + string.Join("\n", Groups.Order(StringComparer.Ordinal));

        /// <inheritdoc />
        public override string ToString() => base.ToString();
    }

    /// <summary>The user's own Kubernetes bearer token (token sign-in). The token is never part of <see cref="ToString"/>.</summary>
    public sealed record BearerToken : ClusterIdentity
    {
        internal BearerToken(string user, ImmutableArray<string> groups, string token)
            : base(user, groups)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(token);
            Token = token;
        }

        /// <summary>The bearer token. Never log it.</summary>
        public string Token { get; }

        /// <inheritdoc />
        public override string CacheKey => "token:" + Fingerprint(Token);

        /// <inheritdoc />
        public override string ToString() => base.ToString();

        /// <summary>A one-way fingerprint of a token, for cache keys (SHA-256, hex).</summary>
        public static string Fingerprint(string token) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
    }
}
