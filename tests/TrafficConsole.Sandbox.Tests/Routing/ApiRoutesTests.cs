using System.Net;
using System.Text.Json.Nodes;
using TrafficConsole.Sandbox.Auth;
using TrafficConsole.Sandbox.Tests.Infrastructure;
using static TrafficConsole.Sandbox.Tests.Auth.RbacFixtures;

namespace TrafficConsole.Sandbox.Tests.Routing;

/// <summary>
/// The route table answers every path and verb as kube-apiserver does: a Status for a path nothing serves and for a verb
/// a resource does not allow, RBAC asked before either, and the overlapping Kubernetes URL shapes read the right way.
/// </summary>
public sealed class ApiRoutesTests : IAsyncLifetime
{
    private const string VsPath = "/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices";
    private const string ConfigMapPath = "/api/v1/namespaces/bookinfo/configmaps";
    private TestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _cluster = await TestCluster.StartAsync(configure: AddUsers);
        Assert.Equal(HttpStatusCode.Created, (await _cluster.PostAsync(VsPath, ReviewsVirtualService)).Status);
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Theory]
    [InlineData("/foo")]
    [InlineData("/foo.json")]
    [InlineData("/version/x")]
    [InlineData("/api/v2")]
    [InlineData("/api/v2/pods")]
    [InlineData("/apis/networking.istio.io/v9")]
    [InlineData("/apis/networking.istio.io/v9/virtualservices")]
    [InlineData("/apis/nope.example.com/v1/things")]
    [InlineData("/api/v1/nothings")]
    [InlineData("/apis/networking.istio.io/v1/virtualservices/reviews")]
    [InlineData("/api/v1/namespaces/bookinfo/configmaps/a/b/c")]
    [InlineData("/api/v1/namespaces/bookinfo/services/reviews/nosuchsubresource")]
    public async Task A_path_nothing_serves_is_a_NotFound_Status(string path)
    {
        var (status, body, _) = await _cluster.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, status);
        AssertStatus(body, 404, "NotFound", "the server could not find the requested resource");
    }

    [Fact]
    public async Task An_unknown_path_is_asked_of_RBAC_as_a_path_but_a_resource_shaped_one_is_not()
    {
        var (status, body) = await _cluster.SendAsAsync(BobToken, HttpMethod.Get, "/foo");
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("forbidden: User \"bob\" cannot get path \"/foo\"", body.Str("message"));

        // A resource of a group version nobody serves: kube-apiserver answers 404 without asking RBAC about a path.
        var (unserved, _) = await _cluster.SendAsAsync(BobToken, HttpMethod.Get, "/apis/nope.example.com/v1/things");
        Assert.Equal(HttpStatusCode.NotFound, unserved);
    }

    [Theory]
    [InlineData("POST", VsPath + "/reviews")]
    [InlineData("PUT", VsPath)]
    [InlineData("PATCH", VsPath)]
    [InlineData("DELETE", VsPath + "/reviews/status")]
    [InlineData("OPTIONS", VsPath)]
    [InlineData("PROPFIND", VsPath + "/reviews")]
    [InlineData("POST", "/apis/networking.istio.io/v1/virtualservices")]
    [InlineData("PUT", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews")]
    public async Task A_verb_the_resource_does_not_allow_is_a_MethodNotAllowed_Status(string method, string path)
    {
        var (status, body, _) = await _cluster.SendAsync(new HttpMethod(method), path, "{}", "application/merge-patch+json");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, status);
        AssertStatus(body, 405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
    }

    [Fact]
    public async Task HEAD_on_a_resource_is_refused_with_405()
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, VsPath + "/reviews");
        using var response = await _cluster.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    [Fact]
    public async Task A_verb_no_route_serves_is_still_asked_of_RBAC_first_and_its_refusal_audited()
    {
        var (status, body) = await _cluster.SendAsAsync(BobToken, HttpMethod.Options, VsPath);

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("virtualservices.networking.istio.io is forbidden: User \"bob\" cannot options resource \"virtualservices\" " +
            "in API group \"networking.istio.io\" in the namespace \"bookinfo\"", body.Str("message"));
        Assert.Contains(_cluster.Server.Audit.Entries, e => e is { User: "bob", Verb: "options", Resource: "virtualservices", Code: 403 });
    }

    [Fact]
    public async Task Empty_segments_route_as_if_absent_while_RBAC_sees_the_path_as_sent()
    {
        var root = _cluster.Server.Url.ToString().TrimEnd('/');

        var (discovery, resources, _) = await _cluster.GetAsync(root + "//api//v1");
        Assert.Equal(HttpStatusCode.OK, discovery);
        Assert.Equal("APIResourceList", resources.Str("kind"));

        var (listed, list, _) = await _cluster.GetAsync(root + "/api//v1/namespaces");
        Assert.Equal(HttpStatusCode.OK, listed);
        Assert.Equal("NamespaceList", list.Str("kind"));

        var (refused, body) = await _cluster.SendAsAsync(BobToken, HttpMethod.Get, root + "//foo");
        Assert.Equal(HttpStatusCode.Forbidden, refused);
        Assert.Equal("forbidden: User \"bob\" cannot get path \"//foo\"", body.Str("message"));
    }

    [Theory]
    [InlineData("status")]
    [InlineData("scale")]
    [InlineData("watch")]
    [InlineData("namespaces")]
    public async Task An_object_named_like_a_path_keyword_is_that_object(string name)
    {
        var created = await _cluster.PostAsync(ConfigMapPath,
            $$$"""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"{{{name}}}"},"data":{"k":"v"}}""");
        Assert.Equal(HttpStatusCode.Created, created.Status);

        var (status, body, _) = await _cluster.GetAsync($"{ConfigMapPath}/{name}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("ConfigMap", body.Str("kind"));
        Assert.Equal(name, body.Str("metadata.name"));

        var (deleted, _, _) = await _cluster.SendAsync(HttpMethod.Delete, $"{ConfigMapPath}/{name}");
        Assert.Equal(HttpStatusCode.OK, deleted);
    }

    [Fact]
    public async Task A_namespace_is_a_cluster_scoped_object_and_the_scope_of_its_resources()
    {
        var (status, ns, _) = await _cluster.GetAsync("/api/v1/namespaces/bookinfo");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Namespace", ns.Str("kind"));

        var (listed, list, _) = await _cluster.GetAsync(ConfigMapPath);
        Assert.Equal(HttpStatusCode.OK, listed);
        Assert.Equal("ConfigMapList", list.Str("kind"));

        var (group, resources, _) = await _cluster.GetAsync("/apis/networking.istio.io/v1");
        Assert.Equal(HttpStatusCode.OK, group);
        Assert.Equal("APIResourceList", resources.Str("kind"));
    }

    [Fact]
    public async Task The_stats_page_needs_no_token_where_every_other_path_does()
    {
        await using var cluster = await TestCluster.StartAsync(SandboxSeed.None, configure: o => o.Anonymous = AnonymousAccess.Refused);
        using var http = new HttpClient { BaseAddress = cluster.Server.Url };

        using var stats = await http.GetAsync("/stats/prometheus");
        Assert.Equal(HttpStatusCode.OK, stats.StatusCode);
        Assert.StartsWith("text/plain", stats.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Unauthorized, (await cluster.SendAsAsync(null, HttpMethod.Post, "/stats/prometheus", "{}")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await cluster.SendAsAsync(null, HttpMethod.Get, "/api")).Status);

        // With a token, any other verb on the stats path is a path nothing serves.
        var (status, body) = await cluster.SendAsAsync(cluster.Server.AdminToken, HttpMethod.Post, "/stats/prometheus", "{}");
        Assert.Equal(HttpStatusCode.NotFound, status);
        AssertStatus(body, 404, "NotFound", "the server could not find the requested resource");
    }

    private static void AssertStatus(JsonObject body, int code, string reason, string message)
    {
        Assert.Equal("Status", body.Str("kind"));
        Assert.Equal("Failure", body.Str("status"));
        Assert.Equal(reason, body.Str("reason"));
        Assert.Equal(code, body.Int64Value("code"));
        Assert.Equal(message, body.Str("message"));
    }
}
