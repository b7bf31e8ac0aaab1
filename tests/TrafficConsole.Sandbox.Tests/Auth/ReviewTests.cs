using System.Net;
using System.Text.Json.Nodes;
using TrafficConsole.Sandbox.Tests.Infrastructure;
using static TrafficConsole.Sandbox.Tests.Auth.RbacFixtures;

namespace TrafficConsole.Sandbox.Tests.Auth;

/// <summary>Access, rules, self and token reviews answered by the same authenticator and authorizer as every request.</summary>
public sealed class ReviewTests : IAsyncLifetime
{
    private TestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await TestCluster.StartAsync(configure: AddUsers);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private static string AccessReview(string verb, string group, string resource, string ns, string name = "", string subresource = "") => $$$"""
        {"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectAccessReview",
         "spec":{"resourceAttributes":{"verb":"{{{verb}}}","group":"{{{group}}}","resource":"{{{resource}}}","namespace":"{{{ns}}}","name":"{{{name}}}","subresource":"{{{subresource}}}"} } }
        """;

    private async Task<JsonObject> ReviewAsync(string token, string path, string body, params (string, string)[] headers)
    {
        var (status, json) = await _cluster.SendAsAsync(token, HttpMethod.Post, path, body, "application/json", headers);
        Assert.True(status == HttpStatusCode.Created, $"{status}: {json.ToJsonString()}");
        return json;
    }

    [Fact]
    public async Task SelfSubjectAccessReview_answers_what_the_request_itself_would_get_with_RBACs_reason()
    {
        const string path = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";
        var update = await ReviewAsync(ConsoleToken, path, AccessReview("update", "networking.istio.io", "virtualservices", "bookinfo"),
            ("Impersonate-User", "operator-bookinfo"));
        Assert.Equal("true", update.Str("status.allowed"));
        Assert.Equal("RBAC: allowed by RoleBinding \"trafficconsole:operators/bookinfo\" of Role \"trafficconsole:routing-editor\" to User \"operator-bookinfo\"",
            update.Str("status.reason"));

        var inShop = await ReviewAsync(ConsoleToken, path, AccessReview("update", "networking.istio.io", "virtualservices", "shop"),
            ("Impersonate-User", "operator-bookinfo"));
        Assert.Equal("false", inShop.Str("status.allowed"));

        var viewerList = await ReviewAsync(ViewerToken, path, AccessReview("list", "networking.istio.io", "virtualservices", ""));
        Assert.Equal("true", viewerList.Str("status.allowed"));
        Assert.Equal("RBAC: allowed by ClusterRoleBinding \"trafficconsole:mesh-viewers\" of ClusterRole \"trafficconsole:mesh-viewer\" to User \"viewer\"",
            viewerList.Str("status.reason"));

        var admin = await ReviewAsync(_cluster.Server.AdminToken, path, AccessReview("delete", "", "secrets", "kube-system"));
        Assert.Equal("true", admin.Str("status.allowed"));

        var path403 = await ReviewAsync(BobToken, path,
            """{"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectAccessReview","spec":{"nonResourceAttributes":{"path":"/metrics","verb":"get"}}}""");
        Assert.Equal("false", path403.Str("status.allowed"));
    }

    [Fact]
    public async Task SelfSubjectRulesReview_lists_the_rules_in_a_namespace()
    {
        const string path = "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews";
        const string bookinfo = """{"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectRulesReview","spec":{"namespace":"bookinfo"}}""";
        var review = await ReviewAsync(ConsoleToken, path, bookinfo, ("Impersonate-User", "operator-bookinfo"));
        var rules = review.At("status.resourceRules")!.AsArray().Select(r => r!.ToJsonString()).ToList();
        Assert.Contains("""{"verbs":["get","list","watch","create","update","patch"],"apiGroups":["networking.istio.io"],"resources":["virtualservices","destinationrules"]}""", rules);
        Assert.Contains("""{"verbs":["create"],"apiGroups":["authorization.k8s.io"],"resources":["selfsubjectaccessreviews","selfsubjectrulesreviews"]}""", rules);
        Assert.Equal("false", review.Str("status.incomplete"));

        var shop = await ReviewAsync(ConsoleToken, path, bookinfo.Replace("bookinfo", "shop", StringComparison.Ordinal), ("Impersonate-User", "operator-bookinfo"));
        Assert.DoesNotContain(shop.At("status.resourceRules")!.AsArray(), r => r!.ToJsonString().Contains("\"update\"", StringComparison.Ordinal));

        var missing = await _cluster.SendAsAsync(BobToken, HttpMethod.Post, path,
            """{"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectRulesReview","spec":{}}""");
        Assert.Equal(HttpStatusCode.BadRequest, missing.Status);
        Assert.Equal("no namespace on request", missing.Body.Str("message"));
    }

    [Fact]
    public async Task TokenReview_authenticates_a_token_for_callers_allowed_to_create_tokenreviews()
    {
        const string path = "/apis/authentication.k8s.io/v1/tokenreviews";
        var body = $$$"""{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"{{{AliceToken}}}"}}""";

        var review = await ReviewAsync(ConsoleToken, path, body);
        Assert.Equal("true", review.Str("status.authenticated"));
        Assert.Equal("alice", review.Str("status.user.username"));
        Assert.Equal("uid-alice", review.Str("status.user.uid"));
        Assert.Equal(["dev", "system:authenticated"], review.At("status.user.groups")!.AsArray().Select(g => (string)g!).ToArray());

        var unknown = await ReviewAsync(ConsoleToken, path, body.Replace(AliceToken, "nope", StringComparison.Ordinal));
        Assert.Equal("false", unknown.Str("status.authenticated"));
        Assert.Null(unknown.At("status.user.username"));

        var (status, denied) = await _cluster.SendAsAsync(AliceToken, HttpMethod.Post, path, body);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("tokenreviews.authentication.k8s.io is forbidden: User \"alice\" cannot create resource \"tokenreviews\" " +
            "in API group \"authentication.k8s.io\" at the cluster scope", denied.Str("message"));
    }
}
