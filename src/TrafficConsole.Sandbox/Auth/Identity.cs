using System.Collections.Immutable;

namespace TrafficConsole.Sandbox.Auth;

/// <summary>Who a request runs as, after authentication and impersonation (Kubernetes' user.Info).</summary>
/// <param name="Name">The user name RBAC subjects of kind User match, e.g. <c>alice</c> or <c>system:serviceaccount:ns:sa</c>.</param>
/// <param name="Uid">The user's uid, empty when unknown.</param>
/// <param name="Groups">Groups RBAC subjects of kind Group match (authenticated users always have <c>system:authenticated</c>).</param>
public sealed record UserInfo(string Name, string Uid, ImmutableArray<string> Groups)
{
    /// <summary>The user anonymous requests run as.</summary>
    public static UserInfo Anonymous { get; } = new("system:anonymous", "", ["system:unauthenticated"]);

    /// <summary>The sandbox's administrator (the kubeconfig's token).</summary>
    public static UserInfo Admin { get; } = new(AdminName, "", [MastersGroup, AuthenticatedGroup]);

    /// <summary>The administrator's user name.</summary>
    public const string AdminName = "sandbox-admin";

    /// <summary>The superuser group: every request of a member is allowed, as in kube-apiserver.</summary>
    public const string MastersGroup = "system:masters";

    /// <summary>The group every authenticated user is in.</summary>
    public const string AuthenticatedGroup = "system:authenticated";

    /// <summary>The group anonymous requests are in.</summary>
    public const string UnauthenticatedGroup = "system:unauthenticated";

    /// <summary>A key naming the user and groups, for caching what they may do.</summary>
    internal string CacheKey { get; } = Name + "\n" + string.Join('\n', Groups.IsDefault ? [] : Groups);

    internal bool IsSuperuser => Groups.Contains(MastersGroup, StringComparer.Ordinal);

    /// <summary>The user with <c>system:authenticated</c> added when missing (what kube-apiserver does for every authenticated user).</summary>
    internal static UserInfo Authenticated(string name, string uid, IEnumerable<string> groups)
    {
        var list = groups.Where(g => g.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        if (name != Anonymous.Name && !list.Contains(AuthenticatedGroup, StringComparer.Ordinal))
        {
            list.Add(AuthenticatedGroup);
        }

        return new UserInfo(name, uid, [.. list]);
    }

    /// <inheritdoc />
    public bool Equals(UserInfo? other) =>
        other is not null && CacheKey == other.CacheKey && Uid == other.Uid;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(CacheKey, Uid);
}

/// <summary>One static bearer token and the user it authenticates, as a line of kube-apiserver's <c>--token-auth-file</c>.</summary>
/// <param name="Token">The bearer token.</param>
/// <param name="User">The user name.</param>
/// <param name="Uid">The user's uid.</param>
/// <param name="Groups">The user's groups (<c>system:authenticated</c> is added by the sandbox).</param>
public sealed record SandboxToken(string Token, string User, string Uid = "", ImmutableArray<string> Groups = default)
{
    /// <summary>The groups, never default.</summary>
    public ImmutableArray<string> Groups { get; init; } = Groups.IsDefault ? [] : Groups;

    /// <summary>Does not print the token.</summary>
    public override string ToString() => $"SandboxToken {{ User = {User}, Uid = {Uid}, Groups = [{string.Join(", ", Groups)}] }}";
}

/// <summary>What the sandbox does with a request that carries no bearer token.</summary>
public enum AnonymousAccess
{
    /// <summary>
    /// Anonymous requests may do everything, as before the sandbox had RBAC (kubectl and helm send no token over plain
    /// HTTP). The request runs as <c>system:anonymous</c>; a built-in binding gives <c>system:unauthenticated</c> cluster-admin.
    /// </summary>
    ClusterAdmin,

    /// <summary>Anonymous requests run as <c>system:anonymous</c> and RBAC decides (kube-apiserver's <c>--anonymous-auth=true</c>).</summary>
    Rbac,

    /// <summary>
    /// Anonymous requests get 401 Unauthorized (kube-apiserver's <c>--anonymous-auth=false</c>), except the health and
    /// version endpoints, which stay open.
    /// </summary>
    Refused,
}
