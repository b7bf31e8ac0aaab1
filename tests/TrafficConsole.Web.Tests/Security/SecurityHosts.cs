using System.Net.Http.Headers;
using System.Text.Json.Serialization;

using k8s;
using k8s.Models;

using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

using TrafficConsole.Sandbox.Auth;
using TrafficConsole.Web.Hubs;

namespace TrafficConsole.Web.Tests.Security;

/// <summary>Console hosts with sign-in on, for the security tests.</summary>
internal static class SecurityHosts
{
    /// <summary>The seeded <c>viewer</c>: the sandbox's RBAC lets it read the mesh kinds everywhere and change nothing.</summary>
    public const string Viewer = "viewer";

    /// <summary>The bearer token of <see cref="Viewer"/>.</summary>
    public const string ViewerToken = "viewer-token-for-tests";

    /// <summary>A user no Role names: the sandbox authenticates it and RBAC allows it nothing.</summary>
    public const string Stranger = "stranger";

    /// <summary>The bearer token of <see cref="Stranger"/>.</summary>
    public const string StrangerToken = "stranger-token-for-tests";

    /// <summary>A user the tests make an operator of <c>bookinfo</c> only (<see cref="GrantAsync"/>): nothing in <c>shop</c>.</summary>
    public const string BookinfoOperator = "bookinfo-only";

    /// <summary>The bearer token of <see cref="BookinfoOperator"/>.</summary>
    public const string BookinfoOperatorToken = "bookinfo-only-token-for-tests";

    /// <summary>
    /// The token strategy against the test's sandbox, which enforces RBAC: it accepts the admin token,
    /// <see cref="ViewerToken"/> and <see cref="StrangerToken"/>. Nothing stands in for the cluster's answers.
    /// </summary>
    public static Task<ConsoleTestHost> TokenAsync(Action<ConsoleTestHostOptions>? configure = null)
    {
        ConsoleTestHostOptions options = new();
        options.Settings["Auth:Strategy"] = "token";
        options.SandboxTokens.Add(new SandboxToken(ViewerToken, Viewer, "uid-viewer"));
        options.SandboxTokens.Add(new SandboxToken(StrangerToken, Stranger, "uid-stranger"));
        options.SandboxTokens.Add(new SandboxToken(BookinfoOperatorToken, BookinfoOperator, "uid-bookinfo-only"));
        configure?.Invoke(options);
        return ConsoleTestHost.StartAsync(options);
    }

    /// <summary>Binds <paramref name="user"/> to a Role (or, with <paramref name="clusterRole"/>, a ClusterRole) in <paramref name="ns"/> only, as a cluster admin would.</summary>
    public static Task GrantAsync(this ConsoleTestHost host, string user, string ns, string role, bool clusterRole = false) =>
        host.Kubernetes.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(
            new V1RoleBinding
            {
                Metadata = new V1ObjectMeta { Name = $"{user}-{role.Replace(':', '-')}", NamespaceProperty = ns },
                RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = clusterRole ? "ClusterRole" : "Role", Name = role },
                Subjects = [new Rbacv1Subject { ApiGroup = "rbac.authorization.k8s.io", Kind = "User", Name = user }],
            },
            ns);

    /// <summary>An operator of <c>bookinfo</c> and nothing else: the seeded viewer ClusterRole and routing editor Role, bound in bookinfo.</summary>
    public static async Task MakeBookinfoOperatorAsync(this ConsoleTestHost host)
    {
        await host.GrantAsync(BookinfoOperator, "bookinfo", "trafficconsole:mesh-viewer", clusterRole: true);
        await host.GrantAsync(BookinfoOperator, "bookinfo", "trafficconsole:routing-editor");
    }

    /// <summary>A client that sends <paramref name="token"/> as its bearer token.</summary>
    public static HttpClient BearerClient(this ConsoleTestHost host, string token)
    {
        HttpClient client = host.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>A hub connection with a bearer token (not started).</summary>
    public static HubConnection HubConnection(this ConsoleTestHost host, string token) =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(host.BaseUrl, TrafficHub.Path.TrimStart('/')), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .AddJsonProtocol(static o => o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter()))
            .Build();
}
