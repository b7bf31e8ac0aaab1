using TrafficConsole.Sandbox.Auth;
using TrafficConsole.Sandbox.Tests.Auth;
using TrafficConsole.Sandbox.Tests.Infrastructure;

namespace TrafficConsole.Sandbox.Tests.Kubectl;

/// <summary>
/// The real kubectl against an HTTPS sandbox (kubectl sends tokens and impersonation only over TLS), as the admin and
/// as users from static tokens: whoami, can-i, and the server's own refusal text.
/// </summary>
public sealed class KubectlAuthTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private TestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _cluster = await TestCluster.StartAsync(dataDirectory: _dir.Path, configure: o =>
        {
            o.Https = true;
            o.Anonymous = AnonymousAccess.Refused;
            RbacFixtures.AddUsers(o);
        });
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        _dir.Dispose();
    }

    private KubectlRunner As(string? user, string? token)
    {
        var kubeconfig = user is null
            ? _cluster.Server.KubeconfigPath!
            : _cluster.Server.WriteKubeconfig(Path.Combine(_dir.Path, $"kubeconfig-{user}"), token, user);
        return new KubectlRunner(kubeconfig, Path.Combine(_dir.Path, $"kube-cache-{user ?? "admin"}"));
    }

    [Fact]
    public async Task The_written_kubeconfig_trusts_the_sandboxs_certificate_and_carries_the_admin_token()
    {
        Assert.Equal("https", _cluster.Server.Url.Scheme);

        var result = await As(null, null).RunAsync("get", "ns");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("bookinfo", result.Stdout, StringComparison.Ordinal);
        var whoami = await As(null, null).RunAsync("auth", "whoami");
        Assert.Contains("sandbox-admin", whoami.Stdout, StringComparison.Ordinal);
        Assert.Contains("[system:masters system:authenticated]", whoami.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Auth_whoami_names_the_token_user_and_the_impersonated_user()
    {
        var viewer = await As("viewer", RbacFixtures.ViewerToken).RunAsync("auth", "whoami", "-o", "jsonpath={.status.userInfo.username}");
        Assert.True(viewer.ExitCode == 0, viewer.ToString());
        Assert.Equal("viewer", viewer.Stdout);

        var impersonated = await As("trafficconsole", RbacFixtures.ConsoleToken)
            .RunAsync("auth", "whoami", "--as", "alice", "--as-group", "release-managers", "-o", "jsonpath={.status.userInfo.groups}");
        Assert.True(impersonated.ExitCode == 0, impersonated.ToString());
        Assert.Equal("""["release-managers","system:authenticated"]""", impersonated.Stdout);

        // Discovery through client-go's Raw() reports a refusal as "unknown"; the review's typed request prints the Status.
        var refused = await As("viewer", RbacFixtures.ViewerToken).RunAsync("auth", "can-i", "get", "pods", "--as", "alice");
        Assert.True(refused.ExitCode != 0, refused.ToString());
        Assert.True(refused.Stderr.Contains("users \"alice\" is forbidden: User \"viewer\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope",
            StringComparison.Ordinal), refused.ToString());
    }

    [Fact]
    public async Task Auth_can_i_answers_yes_and_no_by_the_users_bindings()
    {
        var operatorBookinfo = As("operator-bookinfo", RbacFixtures.OperatorToken);
        var yes = await operatorBookinfo.RunAsync("auth", "can-i", "update", "virtualservices.networking.istio.io", "-n", "bookinfo");
        Assert.True(yes.ExitCode == 0, yes.ToString());
        Assert.Equal("yes", yes.Stdout.Trim());

        var no = await operatorBookinfo.RunAsync("auth", "can-i", "update", "virtualservices.networking.istio.io", "-n", "shop");
        Assert.True(no.ExitCode == 1 && no.Stdout.Trim() == "no", no.ToString());

        var viewerDelete = await As("viewer", RbacFixtures.ViewerToken).RunAsync("auth", "can-i", "delete", "destinationrules.networking.istio.io", "-A");
        Assert.True(viewerDelete.Stdout.Trim() == "no", viewerDelete.ToString());

        var asViewer = await As(null, null).RunAsync("auth", "can-i", "list", "virtualservices.networking.istio.io", "-A", "--as", "viewer");
        Assert.True(asViewer.ExitCode == 0 && asViewer.Stdout.Trim() == "yes", asViewer.ToString());
    }

    [Fact]
    public async Task Auth_can_i_list_shows_the_rules_in_the_namespace()
    {
        var result = await As("operator-bookinfo", RbacFixtures.OperatorToken).RunAsync("auth", "can-i", "--list", "-n", "bookinfo");

        Assert.True(result.ExitCode == 0, result.ToString());
        var line = result.Stdout.Split('\n').Single(l => l.StartsWith("virtualservices.networking.istio.io ", StringComparison.Ordinal));
        Assert.Contains("[get list watch create update patch]", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_kubectl_patch_prints_the_servers_forbidden_message_and_changes_nothing()
    {
        var before = _cluster.Server.Store.Get(TrafficConsole.Sandbox.Api.ResourceCatalog.VirtualServices, "shop", "cart")!.ToJsonString();

        var result = await As("viewer", RbacFixtures.ViewerToken).RunAsync("patch", "virtualservice", "cart", "-n", "shop", "--type", "merge",
            "-p", """{"metadata":{"labels":{"x":"y"}}}""");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("Error from server (Forbidden): virtualservices.networking.istio.io \"cart\" is forbidden: User \"viewer\" cannot patch " +
            "resource \"virtualservices\" in API group \"networking.istio.io\" in the namespace \"shop\"", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, _cluster.Server.Store.Get(TrafficConsole.Sandbox.Api.ResourceCatalog.VirtualServices, "shop", "cart")!.ToJsonString());
    }
}
