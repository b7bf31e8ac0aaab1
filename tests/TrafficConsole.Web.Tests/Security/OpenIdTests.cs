using System.Net;
using System.Text.Json;

using TrafficConsole.TestIdentityProvider;

namespace TrafficConsole.Web.Tests.Security;

/// <summary>
/// The openid strategy against a real OpenID Connect provider on loopback (OpenIddict) and the sandbox's real RBAC:
/// alice (group traffic-operators) may change routing in bookinfo, bob (traffic-viewers) may only read it; the console
/// impersonates them, so the sandbox's authorizer and audit see the user.
/// </summary>
public sealed class OpenIdTests : IAsyncLifetime
{
    private TestOpenIdProvider? _provider;
    private ConsoleTestHost? _host;

    private TestOpenIdProvider Provider => _provider!;

    private ConsoleTestHost Host => _host!;

    public async Task InitializeAsync()
    {
        _provider = await TestOpenIdProvider.StartAsync();
        _host = await StartConsoleAsync(_provider);
        KubectlRunner.Result rbac = await _host.KubectlApplyAsync(Rbac);
        Assert.True(rbac.ExitCode == 0, rbac.ToString());
    }

    /// <summary>Operators edit routing in bookinfo; viewers read it. Nobody has anything in shop.</summary>
    internal const string Rbac = """
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata: { name: traffic-operator }
        rules:
        - apiGroups: [networking.istio.io, gateway.networking.k8s.io]
          resources: [virtualservices, destinationrules, httproutes, gateways]
          verbs: [get, list, watch, create, update, patch, delete]
        - apiGroups: [""]
          resources: [configmaps]
          verbs: [get, list, watch, create, update]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata: { name: traffic-viewer }
        rules:
        - apiGroups: [networking.istio.io, gateway.networking.k8s.io]
          resources: [virtualservices, destinationrules, httproutes, gateways]
          verbs: [get, list, watch]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: { name: traffic-operators, namespace: bookinfo }
        roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: traffic-operator }
        subjects: [{ apiGroup: rbac.authorization.k8s.io, kind: Group, name: traffic-operators }]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: { name: traffic-viewers, namespace: bookinfo }
        roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: traffic-viewer }
        subjects: [{ apiGroup: rbac.authorization.k8s.io, kind: Group, name: traffic-viewers }]
        """;

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        if (_provider is not null)
        {
            await _provider.DisposeAsync();
        }
    }

    /// <summary>A console with <c>Auth:Strategy=openid</c> against <paramref name="provider"/>.</summary>
    internal static async Task<ConsoleTestHost> StartConsoleAsync(TestOpenIdProvider provider, Action<ConsoleTestHostOptions>? configure = null)
    {
        ConsoleTestHost host = await SecurityHosts.TokenAsync(o =>
        {
            configure?.Invoke(o);
            o.Settings["Auth:Strategy"] = "openid";
            o.Settings["Auth:OpenId:Issuer"] = provider.Issuer.ToString();
            o.Settings["Auth:OpenId:ClientId"] = TestOpenIdProvider.ClientId;
            o.Settings["Auth:OpenId:RequireHttpsMetadata"] = "false";
            o.Settings["Auth:OpenId:Scopes:0"] = "profile";
            o.Settings["Auth:OpenId:Scopes:1"] = "groups";
        });
        await provider.AllowRedirectAsync(host.BaseUrl);
        return host;
    }

    [Fact]
    public async Task An_operators_access_token_reads_and_writes_and_the_change_is_recorded_as_them()
    {
        string token = await Provider.AccessTokenAsync("alice", "alice-password");
        using HttpClient client = Host.BearerClient(token);

        (HttpResponseMessage read, _) = await HttpJson.GetAsync(client, "api/v1/namespaces");
        (HttpResponseMessage write, JsonElement body) = await HttpJson.PutAsync(client, "api/v1/namespaces/bookinfo/services/reviews/traffic",
            """{ "weights": { "v1": 20, "v2": 80, "v3": 0 } }""");

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.True(write.StatusCode == HttpStatusCode.OK, body.ToString());
        JsonElement vs = (await IstioObjects.VirtualServiceAsync(Host.Kubernetes, "bookinfo", "reviews"))!.Value;
        Assert.Equal("alice", IstioObjects.Annotation(vs, "trafficconsole.io/changed-by"));
        // The sandbox saw the write as alice in her group, impersonated by the console's own credentials.
        Assert.Contains(Host.Sandbox!.Audit.Entries, e => e.User == "alice" && e.Groups.Contains("traffic-operators")
            && e.ImpersonatedBy == "sandbox-admin" && e.Resource == "virtualservices" && e.Namespace == "bookinfo" && e.Code is 200 or 201);
        Assert.DoesNotContain(Host.Sandbox.Audit.Entries, e => e.User == "sandbox-admin" && e.Resource == "virtualservices");
        Assert.DoesNotContain(token, Host.Log.RenderAll(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_viewers_access_token_reads_but_a_write_is_403_with_the_reason()
    {
        string token = await Provider.AccessTokenAsync("bob", "bob-password");
        using HttpClient client = Host.BearerClient(token);

        (HttpResponseMessage read, _) = await HttpJson.GetAsync(client, "api/v1/namespaces/bookinfo/services");
        (HttpResponseMessage write, JsonElement problem) = await HttpJson.PutAsync(client, "api/v1/namespaces/bookinfo/services/details/traffic",
            """{ "weights": { "v1": 100 } }""");

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, write.StatusCode);
        Assert.Contains("bob may not update virtualservices.networking.istio.io in namespace bookinfo", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Null(await IstioObjects.VirtualServiceAsync(Host.Kubernetes, "bookinfo", "details"));
    }

    [Fact]
    public async Task The_hub_lets_a_user_follow_only_namespaces_the_cluster_lets_them_read()
    {
        string token = await Provider.AccessTokenAsync("bob", "bob-password");
        await using Microsoft.AspNetCore.SignalR.Client.HubConnection hub = Host.HubConnection(token);
        await hub.StartAsync();

        var bookinfo = await Microsoft.AspNetCore.SignalR.Client.HubConnectionExtensions.InvokeAsync<System.Collections.Immutable.ImmutableArray<TrafficConsole.Web.Model.ServiceChangedEvent>>(hub, "JoinNamespace", "bookinfo");
        Microsoft.AspNetCore.SignalR.HubException refused = await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(
            () => Microsoft.AspNetCore.SignalR.Client.HubConnectionExtensions.InvokeAsync<System.Collections.Immutable.ImmutableArray<TrafficConsole.Web.Model.ServiceChangedEvent>>(hub, "JoinNamespace", "shop"));

        Assert.NotEmpty(bookinfo);
        Assert.Contains("bob may not list virtualservices.networking.istio.io in namespace shop", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_token_or_a_forged_one_is_401()
    {
        using HttpClient none = Host.CreateClient();
        using HttpClient forged = Host.BearerClient("eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSIsImF1ZCI6InRyYWZmaWMtY29uc29sZSJ9.");

        (HttpResponseMessage anonymous, _) = await HttpJson.GetAsync(none, "api/v1/namespaces");
        (HttpResponseMessage bad, JsonElement problem) = await HttpJson.GetAsync(forged, "api/v1/namespaces");

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, bad.StatusCode);
        Assert.Contains("access token was not accepted", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
