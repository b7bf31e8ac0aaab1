using TrafficConsole.Sandbox.Auth;

namespace TrafficConsole.Sandbox.Tests.Auth;

/// <summary>Tokens of the users the RBAC tests act as, and the JSON of the RBAC objects they create.</summary>
internal static class RbacFixtures
{
    public const string AliceToken = "alice-token-0123456789";
    public const string BobToken = "bob-token-0123456789";
    public const string ViewerToken = "viewer-token-0123456789";
    public const string ConsoleToken = "console-token-0123456789";
    public const string OperatorToken = "operator-token-0123456789";

    public static void AddUsers(SandboxOptions options)
    {
        options.Tokens.Add(new SandboxToken(AliceToken, "alice", "uid-alice", ["dev"]));
        options.Tokens.Add(new SandboxToken(BobToken, "bob", "uid-bob"));
        options.Tokens.Add(new SandboxToken(ViewerToken, "viewer", "uid-viewer"));
        options.Tokens.Add(new SandboxToken(ConsoleToken, "trafficconsole", "uid-console"));
        options.Tokens.Add(new SandboxToken(OperatorToken, "operator-bookinfo", "uid-operator", ["trafficconsole:operators"]));
    }

    public static string Role(string ns, string name, string rules) => $$"""
        {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"{{name}}","namespace":"{{ns}}"},"rules":{{rules}}}
        """;

    public static string ClusterRole(string name, string rules, string labels = "{}") => $$"""
        {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"{{name}}","labels":{{labels}}},"rules":{{rules}}}
        """;

    public static string RoleBinding(string ns, string name, string roleKind, string role, string subjectKind, string subject) => $$"""
        {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"{{name}}","namespace":"{{ns}}"},
         "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"{{roleKind}}","name":"{{role}}"},
         "subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"{{subjectKind}}","name":"{{subject}}"}]}
        """;

    public static string ClusterRoleBinding(string name, string role, string subjectKind, string subject) => $$"""
        {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"{{name}}"},
         "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"{{role}}"},
         "subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"{{subjectKind}}","name":"{{subject}}"}]}
        """;

    public const string ReviewsVirtualService = """
        {"apiVersion":"networking.istio.io/v1","kind":"VirtualService",
         "metadata":{"name":"reviews","namespace":"bookinfo"},
         "spec":{"hosts":["reviews"],"http":[{"route":[{"destination":{"host":"reviews","subset":"v1"},"weight":100}]}]}}
        """;
}
