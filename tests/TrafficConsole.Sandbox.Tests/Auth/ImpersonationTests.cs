using System.Net;
using TrafficConsole.Sandbox.Tests.Infrastructure;
using static TrafficConsole.Sandbox.Tests.Auth.RbacFixtures;

namespace TrafficConsole.Sandbox.Tests.Auth;

/// <summary>Impersonate-User / -Group / -Uid: allowed only to callers that may impersonate, and then RBAC sees the impersonated user.</summary>
public sealed class ImpersonationTests : IAsyncLifetime
{
    private const string Whoami = """{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}""";
    private const string WhoamiPath = "/apis/authentication.k8s.io/v1/selfsubjectreviews";
    private TestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await TestCluster.StartAsync(configure: AddUsers);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_caller_allowed_to_impersonate_runs_as_the_impersonated_user_and_groups()
    {
        var (status, body) = await _cluster.SendAsAsync(ConsoleToken, HttpMethod.Post, WhoamiPath, Whoami, "application/json",
            ("Impersonate-User", "alice@example.com"), ("Impersonate-Group", "release-managers"),
            ("Impersonate-Uid", "1234"));

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("alice@example.com", body.Str("status.userInfo.username"));
        Assert.Equal("1234", body.Str("status.userInfo.uid"));
        Assert.Equal(["release-managers", "system:authenticated"],
            body.At("status.userInfo.groups")!.AsArray().Select(g => (string)g!).ToArray());
    }

    [Fact]
    public async Task RBAC_then_decides_as_the_impersonated_user_and_the_audit_log_names_both()
    {
        var path = "/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices";
        var viewerWrite = await _cluster.SendAsAsync(ConsoleToken, HttpMethod.Post, path, ReviewsVirtualService, "application/json",
            ("Impersonate-User", "viewer"));
        Assert.Equal(HttpStatusCode.Forbidden, viewerWrite.Status);
        Assert.Equal("virtualservices.networking.istio.io is forbidden: User \"viewer\" cannot create resource \"virtualservices\" " +
            "in API group \"networking.istio.io\" in the namespace \"bookinfo\"", viewerWrite.Body.Str("message"));

        var operatorWrite = await _cluster.SendAsAsync(ConsoleToken, HttpMethod.Post, path, ReviewsVirtualService, "application/json",
            ("Impersonate-User", "operator-bookinfo"));
        Assert.Equal(HttpStatusCode.Created, operatorWrite.Status);

        var audit = _cluster.Server.Audit.Entries;
        Assert.Contains(audit, e => e is { User: "viewer", ImpersonatedBy: "trafficconsole", Verb: "create", Resource: "virtualservices", Code: 403 });
        var created = Assert.Single(audit, e => e.Code == 201);
        Assert.Equal(("operator-bookinfo", "trafficconsole", "bookinfo", "networking.istio.io"),
            (created.User, created.ImpersonatedBy, created.Namespace, created.ApiGroup));
    }

    [Fact]
    public async Task A_caller_that_may_not_impersonate_gets_kube_apiservers_403()
    {
        var (status, body) = await _cluster.SendAsAsync(ViewerToken, HttpMethod.Get, "/apis/networking.istio.io/v1/virtualservices", null,
            "application/json", ("Impersonate-User", "alice"));

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("users \"alice\" is forbidden: User \"viewer\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope",
            body.Str("message"));
        Assert.Equal("Forbidden", body.Str("reason"));
        Assert.Equal("users", body.Str("details.kind"));
        Assert.Contains(_cluster.Server.Audit.Entries, e => e is { User: "viewer", Verb: "impersonate", Resource: "users", Name: "alice", Code: 403 });
    }

    [Fact]
    public async Task ResourceNames_limit_whom_and_which_groups_a_caller_may_impersonate()
    {
        Assert.Equal(HttpStatusCode.Created, (await _cluster.PostAsync("/apis/rbac.authorization.k8s.io/v1/clusterroles", ClusterRole("impersonate-carol",
            """[{"apiGroups":[""],"resources":["users"],"resourceNames":["carol"],"verbs":["impersonate"]}]"""))).Status);
        Assert.Equal(HttpStatusCode.Created, (await _cluster.PostAsync("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
            ClusterRoleBinding("bob-impersonates-carol", "impersonate-carol", "User", "bob"))).Status);

        var carol = await _cluster.SendAsAsync(BobToken, HttpMethod.Post, WhoamiPath, Whoami, "application/json", ("Impersonate-User", "carol"));
        Assert.Equal("carol", carol.Body.Str("status.userInfo.username"));

        var dave = await _cluster.SendAsAsync(BobToken, HttpMethod.Post, WhoamiPath, Whoami, "application/json", ("Impersonate-User", "dave"));
        Assert.Equal(HttpStatusCode.Forbidden, dave.Status);

        var withGroup = await _cluster.SendAsAsync(BobToken, HttpMethod.Post, WhoamiPath, Whoami, "application/json",
            ("Impersonate-User", "carol"), ("Impersonate-Group", "system:masters"));
        Assert.Equal(HttpStatusCode.Forbidden, withGroup.Status);
        Assert.Equal("groups \"system:masters\" is forbidden: User \"bob\" cannot impersonate resource \"groups\" in API group \"\" at the cluster scope",
            withGroup.Body.Str("message"));

        var withUid = await _cluster.SendAsAsync(BobToken, HttpMethod.Post, WhoamiPath, Whoami, "application/json",
            ("Impersonate-User", "carol"), ("Impersonate-Uid", "1234"));
        Assert.Equal("uids.authentication.k8s.io \"1234\" is forbidden: User \"bob\" cannot impersonate resource \"uids\" " +
            "in API group \"authentication.k8s.io\" at the cluster scope", withUid.Body.Str("message"));
    }

    [Fact]
    public async Task Impersonating_a_service_account_needs_impersonate_on_serviceaccounts_and_gives_its_groups()
    {
        var (status, body) = await _cluster.SendAsAsync(ConsoleToken, HttpMethod.Post, WhoamiPath, Whoami, "application/json",
            ("Impersonate-User", "system:serviceaccount:bookinfo:bookinfo-reviews"));

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(["system:serviceaccounts", "system:serviceaccounts:bookinfo", "system:authenticated"],
            body.At("status.userInfo.groups")!.AsArray().Select(g => (string)g!).ToArray());

        var denied = await _cluster.SendAsAsync(BobToken, HttpMethod.Post, WhoamiPath, Whoami, "application/json",
            ("Impersonate-User", "system:serviceaccount:bookinfo:bookinfo-reviews"));
        Assert.Equal("serviceaccounts \"bookinfo-reviews\" is forbidden: User \"bob\" cannot impersonate resource \"serviceaccounts\" " +
            "in API group \"\" in the namespace \"bookinfo\"", denied.Body.Str("message"));
    }

    [Fact]
    public async Task Impersonating_groups_without_a_user_is_a_bad_request()
    {
        var (status, body) = await _cluster.SendAsAsync(ConsoleToken, HttpMethod.Get, "/api/v1/namespaces", null, "application/json",
            ("Impersonate-Group", "dev"));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("requested impersonation of groups without impersonating a user", body.Str("message"));
    }

    [Fact]
    public async Task Impersonating_extras_needs_impersonate_on_userextras()
    {
        var (status, body) = await _cluster.SendAsAsync(ConsoleToken, HttpMethod.Post, WhoamiPath, Whoami, "application/json",
            ("Impersonate-User", "alice"), ("Impersonate-Extra-Scopes", "view"));

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("userextras.authentication.k8s.io \"view\" is forbidden: User \"trafficconsole\" cannot impersonate resource " +
            "\"userextras/scopes\" in API group \"authentication.k8s.io\" at the cluster scope", body.Str("message"));
    }
}
