using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Text.Json.Nodes;

namespace TrafficConsole.Sandbox.Auth;

/// <summary>
/// kube-apiserver's bootstrap policy that every cluster has and that the sandbox does not store (so data directories
/// written before RBAC keep working): the roles below, bound as the real cluster binds them. A stored object of the
/// same name takes precedence.
/// </summary>
internal static class Builtin
{
    /// <summary>The name of the binding that gives anonymous requests everything under <see cref="AnonymousAccess.ClusterAdmin"/>.</summary>
    public const string AnonymousAdminBinding = "sandbox:anonymous-cluster-admin";

    public static ImmutableArray<PolicyRule> ClusterAdmin { get; } =
    [
        new(["*"], ["*"], ["*"], [], []),
        new(["*"], [], [], [], ["*"]),
    ];

    public static FrozenDictionary<string, ImmutableArray<PolicyRule>> ClusterRoles { get; } = new Dictionary<string, ImmutableArray<PolicyRule>>
    {
        ["cluster-admin"] = ClusterAdmin,
        ["system:basic-user"] =
        [
            new(["create"], ["authorization.k8s.io"], ["selfsubjectaccessreviews", "selfsubjectrulesreviews"], [], []),
            new(["create"], ["authentication.k8s.io"], ["selfsubjectreviews"], [], []),
        ],
        ["system:discovery"] =
        [
            new(["get"], [], [], [],
                ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*", "/readyz", "/version", "/version/"]),
        ],
        ["system:public-info-viewer"] =
        [
            new(["get"], [], [], [], ["/healthz", "/livez", "/readyz", "/version", "/version/"]),
        ],
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static IEnumerable<JsonObject> ClusterRoleBindings(AnonymousAccess anonymous)
    {
        yield return Binding("cluster-admin", "cluster-admin", UserInfo.MastersGroup);
        yield return Binding("system:basic-user", "system:basic-user", UserInfo.AuthenticatedGroup);
        yield return Binding("system:discovery", "system:discovery", UserInfo.AuthenticatedGroup);
        yield return Binding("system:public-info-viewer", "system:public-info-viewer", UserInfo.AuthenticatedGroup, UserInfo.UnauthenticatedGroup);
        if (anonymous == AnonymousAccess.ClusterAdmin)
        {
            yield return Binding(AnonymousAdminBinding, "cluster-admin", UserInfo.UnauthenticatedGroup);
        }
    }

    private static JsonObject Binding(string name, string clusterRole, params string[] groups) => new()
    {
        ["apiVersion"] = "rbac.authorization.k8s.io/v1",
        ["kind"] = "ClusterRoleBinding",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["roleRef"] = new JsonObject { ["apiGroup"] = "rbac.authorization.k8s.io", ["kind"] = "ClusterRole", ["name"] = clusterRole },
        ["subjects"] = new JsonArray([.. groups.Select(g => (JsonNode)new JsonObject
        {
            ["apiGroup"] = "rbac.authorization.k8s.io",
            ["kind"] = "Group",
            ["name"] = g,
        })]),
    };
}
