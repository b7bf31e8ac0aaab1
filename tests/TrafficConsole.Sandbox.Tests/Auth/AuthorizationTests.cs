using System.Net;
using k8s;
using k8s.Autorest;
using TrafficConsole.Sandbox.Tests.Infrastructure;
using static TrafficConsole.Sandbox.Tests.Auth.RbacFixtures;

namespace TrafficConsole.Sandbox.Tests.Auth;

/// <summary>Roles, ClusterRoles and bindings decide every request, with kube-apiserver's 403 Status when they say no.</summary>
public sealed class AuthorizationTests : IAsyncLifetime
{
    private const string VsPath = "/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices";
    private TestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _cluster = await TestCluster.StartAsync(configure: AddUsers);
        Assert.Equal(HttpStatusCode.Created, (await _cluster.PostAsync(VsPath, ReviewsVirtualService)).Status);
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private async Task AdminCreateAsync(string path, string body) =>
        Assert.Equal(HttpStatusCode.Created, (await _cluster.PostAsync(path, body)).Status);

    private const string LabelPatch = """{"metadata":{"labels":{"touched":"yes"}}}""";

    [Fact]
    public async Task A_denied_update_is_a_403_Status_worded_like_kube_apiserver_and_changes_nothing()
    {
        var before = await _cluster.GetAsync($"{VsPath}/reviews");
        var body = before.Body.ToJsonString().Replace("\"v1\",\"weight\":100", "\"v2\",\"weight\":100", StringComparison.Ordinal);

        var (status, error) = await _cluster.SendAsAsync(BobToken, HttpMethod.Put, $"{VsPath}/reviews", body);

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("Status", error.Str("kind"));
        Assert.Equal("Failure", error.Str("status"));
        Assert.Equal("Forbidden", error.Str("reason"));
        Assert.Equal(403, error.Int64Value("code"));
        Assert.Equal("virtualservices.networking.istio.io \"reviews\" is forbidden: User \"bob\" cannot update resource \"virtualservices\" " +
            "in API group \"networking.istio.io\" in the namespace \"bookinfo\"", error.Str("message"));
        Assert.Equal("reviews", error.Str("details.name"));
        Assert.Equal("networking.istio.io", error.Str("details.group"));
        Assert.Equal("virtualservices", error.Str("details.kind"));

        var after = await _cluster.GetAsync($"{VsPath}/reviews");
        Assert.Equal(before.Body.Str("metadata.resourceVersion"), after.Body.Str("metadata.resourceVersion"));
        Assert.Equal("v1", after.Body.Str("spec.http[0].route[0].destination.subset"));
    }

    [Fact]
    public async Task Collection_requests_are_refused_with_the_collection_message_and_cluster_scope()
    {
        var (status, error) = await _cluster.SendAsAsync(BobToken, HttpMethod.Get, VsPath);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("virtualservices.networking.istio.io is forbidden: User \"bob\" cannot list resource \"virtualservices\" " +
            "in API group \"networking.istio.io\" in the namespace \"bookinfo\"", error.Str("message"));
        Assert.Null(error.At("details.name"));

        var all = await _cluster.SendAsAsync(BobToken, HttpMethod.Get, "/apis/networking.istio.io/v1/virtualservices");
        Assert.Equal("virtualservices.networking.istio.io is forbidden: User \"bob\" cannot list resource \"virtualservices\" " +
            "in API group \"networking.istio.io\" at the cluster scope", all.Body.Str("message"));

        var create = await _cluster.SendAsAsync(BobToken, HttpMethod.Post, "/api/v1/namespaces/bookinfo/configmaps",
            """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}""");
        Assert.Equal("configmaps is forbidden: User \"bob\" cannot create resource \"configmaps\" in API group \"\" in the namespace \"bookinfo\"",
            create.Body.Str("message"));
    }

    [Fact]
    public async Task A_RoleBinding_allows_the_update_and_deleting_it_denies_again()
    {
        await AdminCreateAsync("/apis/rbac.authorization.k8s.io/v1/namespaces/bookinfo/roles",
            Role("bookinfo", "routing", """[{"apiGroups":["networking.istio.io"],"resources":["virtualservices"],"verbs":["get","patch"]}]"""));
        Assert.Equal(HttpStatusCode.Forbidden,
            (await _cluster.SendAsAsync(BobToken, HttpMethod.Patch, $"{VsPath}/reviews", LabelPatch, "application/merge-patch+json")).Status);

        await AdminCreateAsync("/apis/rbac.authorization.k8s.io/v1/namespaces/bookinfo/rolebindings",
            RoleBinding("bookinfo", "bob-routing", "Role", "routing", "User", "bob"));
        var allowed = await _cluster.SendAsAsync(BobToken, HttpMethod.Patch, $"{VsPath}/reviews", LabelPatch, "application/merge-patch+json");
        Assert.Equal(HttpStatusCode.OK, allowed.Status);
        Assert.Equal("yes", allowed.Body.Str("metadata.labels.touched"));

        var deleted = await _cluster.SendAsAsync(_cluster.Server.AdminToken, HttpMethod.Delete,
            "/apis/rbac.authorization.k8s.io/v1/namespaces/bookinfo/rolebindings/bob-routing");
        Assert.Equal(HttpStatusCode.OK, deleted.Status);
        var denied = await _cluster.SendAsAsync(BobToken, HttpMethod.Patch, $"{VsPath}/reviews", """{"metadata":{"labels":{"touched":"again"}}}""",
            "application/merge-patch+json");
        Assert.Equal(HttpStatusCode.Forbidden, denied.Status);
        Assert.Equal("yes", (await _cluster.GetAsync($"{VsPath}/reviews")).Body.Str("metadata.labels.touched"));
    }

    [Fact]
    public async Task A_RoleBinding_grants_only_in_its_namespace_and_a_ClusterRoleBinding_everywhere()
    {
        await AdminCreateAsync("/apis/rbac.authorization.k8s.io/v1/clusterroles",
            ClusterRole("vs-reader", """[{"apiGroups":["networking.istio.io"],"resources":["virtualservices"],"verbs":["get","list","watch"]}]"""));
        await AdminCreateAsync("/apis/rbac.authorization.k8s.io/v1/namespaces/shop/rolebindings",
            RoleBinding("shop", "bob-reads", "ClusterRole", "vs-reader", "User", "bob"));

        using var bob = _cluster.ClientFor(BobToken);
        var shop = await bob.CustomObjects.ListNamespacedCustomObjectAsync("networking.istio.io", "v1", "shop", "virtualservices");
        Assert.NotNull(shop);
        var inBookinfo = await Assert.ThrowsAsync<HttpOperationException>(() =>
            bob.CustomObjects.ListNamespacedCustomObjectAsync("networking.istio.io", "v1", "bookinfo", "virtualservices"));
        Assert.Equal(HttpStatusCode.Forbidden, inBookinfo.Response.StatusCode);
        var everywhere = await Assert.ThrowsAsync<HttpOperationException>(() =>
            bob.CustomObjects.ListClusterCustomObjectAsync("networking.istio.io", "v1", "virtualservices"));
        Assert.Equal(HttpStatusCode.Forbidden, everywhere.Response.StatusCode);

        await AdminCreateAsync("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", ClusterRoleBinding("bob-reads-all", "vs-reader", "User", "bob"));
        Assert.NotNull(await bob.CustomObjects.ListClusterCustomObjectAsync("networking.istio.io", "v1", "virtualservices"));
        Assert.NotNull(await bob.CustomObjects.GetNamespacedCustomObjectAsync("networking.istio.io", "v1", "bookinfo", "virtualservices", "reviews"));
    }

    [Fact]
    public async Task Group_subjects_match_the_users_groups()
    {
        await AdminCreateAsync("/apis/rbac.authorization.k8s.io/v1/namespaces/bookinfo/rolebindings",
            RoleBinding("bookinfo", "dev-reads", "ClusterRole", "trafficconsole:mesh-viewer", "Group", "dev"));

        Assert.Equal(HttpStatusCode.OK, (await _cluster.SendAsAsync(AliceToken, HttpMethod.Get, VsPath)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await _cluster.SendAsAsync(BobToken, HttpMethod.Get, VsPath)).Status);
    }

    [Fact]
    public async Task ResourceNames_limit_a_rule_to_the_named_objects()
    {
        await AdminCreateAsync("/apis/rbac.authorization.k8s.io/v1/namespaces/bookinfo/roles",
            Role("bookinfo", "only-reviews", """[{"apiGroups":[""],"resources":["services"],"resourceNames":["reviews"],"verbs":["get"]}]"""));
        await AdminCreateAsync("/apis/rbac.authorization.k8s.io/v1/namespaces/bookinfo/rolebindings",
            RoleBinding("bookinfo", "bob-only-reviews", "Role", "only-reviews", "User", "bob"));

        Assert.Equal(HttpStatusCode.OK, (await _cluster.SendAsAsync(BobToken, HttpMethod.Get, "/api/v1/namespaces/bookinfo/services/reviews")).Status);
        var ratings = await _cluster.SendAsAsync(BobToken, HttpMethod.Get, "/api/v1/namespaces/bookinfo/services/ratings");
        Assert.Equal(HttpStatusCode.Forbidden, ratings.Status);
        Assert.Equal("services \"ratings\" is forbidden: User \"bob\" cannot get resource \"services\" in API group \"\" in the namespace \"bookinfo\"",
            ratings.Body.Str("message"));
        Assert.Equal(HttpStatusCode.Forbidden, (await _cluster.SendAsAsync(BobToken, HttpMethod.Get, "/api/v1/namespaces/bookinfo/services")).Status);
    }

    [Fact]
    public async Task Subresources_are_authorized_as_resource_slash_subresource()
    {
        await AdminCreateAsync("/apis/rbac.authorization.k8s.io/v1/namespaces/bookinfo/roles",
            Role("bookinfo", "deployments", """[{"apiGroups":["apps"],"resources":["deployments"],"verbs":["get","patch"]}]"""));
        await AdminCreateAsync("/apis/rbac.authorization.k8s.io/v1/namespaces/bookinfo/rolebindings",
            RoleBinding("bookinfo", "bob-deployments", "Role", "deployments", "User", "bob"));
        const string scalePath = "/apis/apps/v1/namespaces/bookinfo/deployments/reviews-v1/scale";
        const string scale = """{"spec":{"replicas":3}}""";

        var denied = await _cluster.SendAsAsync(BobToken, HttpMethod.Patch, scalePath, scale, "application/merge-patch+json");
        Assert.Equal(HttpStatusCode.Forbidden, denied.Status);
        Assert.Equal("deployments.apps \"reviews-v1\" is forbidden: User \"bob\" cannot patch resource \"deployments/scale\" " +
            "in API group \"apps\" in the namespace \"bookinfo\"", denied.Body.Str("message"));
        Assert.Equal("deployments", denied.Body.Str("details.kind"));

        await AdminCreateAsync("/apis/rbac.authorization.k8s.io/v1/namespaces/bookinfo/roles",
            Role("bookinfo", "scaler", """[{"apiGroups":["apps"],"resources":["deployments/scale"],"verbs":["patch"]}]"""));
        await AdminCreateAsync("/apis/rbac.authorization.k8s.io/v1/namespaces/bookinfo/rolebindings",
            RoleBinding("bookinfo", "bob-scaler", "Role", "scaler", "User", "bob"));
        var allowed = await _cluster.SendAsAsync(BobToken, HttpMethod.Patch, scalePath, scale, "application/merge-patch+json");
        Assert.Equal(HttpStatusCode.OK, allowed.Status);
        Assert.Equal(3, allowed.Body.Int64Value("spec.replicas"));

        // "deployments/scale" does not grant the deployment itself, nor its status.
        var status = await _cluster.SendAsAsync(BobToken, HttpMethod.Patch, "/apis/apps/v1/namespaces/bookinfo/deployments/reviews-v1/status",
            """{"status":{"replicas":9}}""", "application/merge-patch+json");
        Assert.Equal(HttpStatusCode.Forbidden, status.Status);
    }

    [Fact]
    public async Task An_aggregated_ClusterRole_grants_the_rules_of_the_roles_its_selector_matches()
    {
        await AdminCreateAsync("/apis/rbac.authorization.k8s.io/v1/clusterroles", """
            {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"mesh-aggregate"},
             "aggregationRule":{"clusterRoleSelectors":[{"matchLabels":{"example.com/aggregate-to-mesh":"true"}}]},"rules":[]}
            """);
        await AdminCreateAsync("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", ClusterRoleBinding("bob-aggregate", "mesh-aggregate", "User", "bob"));
        Assert.Equal(HttpStatusCode.Forbidden, (await _cluster.SendAsAsync(BobToken, HttpMethod.Get, "/apis/apps/v1/deployments")).Status);

        await AdminCreateAsync("/apis/rbac.authorization.k8s.io/v1/clusterroles",
            ClusterRole("deployments-reader", """[{"apiGroups":["apps"],"resources":["deployments"],"verbs":["list"]}]""",
                """{"example.com/aggregate-to-mesh":"true"}"""));

        Assert.Equal(HttpStatusCode.OK, (await _cluster.SendAsAsync(BobToken, HttpMethod.Get, "/apis/apps/v1/deployments")).Status);
    }

    [Fact]
    public async Task A_watch_is_authorized_when_it_starts()
    {
        var denied = await _cluster.SendAsAsync(ViewerToken, HttpMethod.Get, "/api/v1/namespaces/bookinfo/secrets?watch=true");
        Assert.Equal(HttpStatusCode.Forbidden, denied.Status);
        Assert.Equal("secrets is forbidden: User \"viewer\" cannot watch resource \"secrets\" in API group \"\" in the namespace \"bookinfo\"",
            denied.Body.Str("message"));

        using var viewer = _cluster.ClientFor(ViewerToken);
        var events = new List<string>();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await foreach (var (type, _) in viewer.CustomObjects.WatchListNamespacedCustomObjectAsync("networking.istio.io", "v1", "bookinfo",
            "virtualservices", cancellationToken: cts.Token))
        {
            events.Add(type.ToString());
            break;
        }

        Assert.Equal(["Added"], events);
    }

    [Fact]
    public async Task An_update_that_would_create_needs_create_too()
    {
        await AdminCreateAsync("/apis/rbac.authorization.k8s.io/v1/namespaces/bookinfo/roles",
            Role("bookinfo", "patch-only", """[{"apiGroups":["networking.istio.io"],"resources":["destinationrules"],"verbs":["patch"]}]"""));
        await AdminCreateAsync("/apis/rbac.authorization.k8s.io/v1/namespaces/bookinfo/rolebindings",
            RoleBinding("bookinfo", "bob-patch-only", "Role", "patch-only", "User", "bob"));

        var (status, body) = await _cluster.SendAsAsync(BobToken, HttpMethod.Patch,
            "/apis/networking.istio.io/v1/namespaces/bookinfo/destinationrules/reviews?fieldManager=bob",
            """{"apiVersion":"networking.istio.io/v1","kind":"DestinationRule","metadata":{"name":"reviews"},"spec":{"host":"reviews"}}""",
            "application/apply-patch+yaml");

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("cannot create resource \"destinationrules\"", body.Str("message"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await _cluster.GetAsync("/apis/networking.istio.io/v1/namespaces/bookinfo/destinationrules/reviews")).Status);
    }

    [Fact]
    public async Task The_seeded_example_principals_view_and_operate_bookinfo_only()
    {
        var viewerPatch = await _cluster.SendAsAsync(ViewerToken, HttpMethod.Patch, $"{VsPath}/reviews", LabelPatch, "application/merge-patch+json");
        Assert.Equal(HttpStatusCode.Forbidden, viewerPatch.Status);
        Assert.Equal(HttpStatusCode.OK, (await _cluster.SendAsAsync(ViewerToken, HttpMethod.Get, "/apis/networking.istio.io/v1/virtualservices")).Status);
        Assert.Equal(HttpStatusCode.OK, (await _cluster.SendAsAsync(ViewerToken, HttpMethod.Get, "/apis/apps/v1/namespaces/shop/deployments")).Status);

        var operatorBookinfo = ("Impersonate-User", "operator-bookinfo");
        Assert.Equal(HttpStatusCode.OK, (await _cluster.SendAsAsync(ConsoleToken, HttpMethod.Patch, $"{VsPath}/reviews", LabelPatch,
            "application/merge-patch+json", operatorBookinfo)).Status);
        var shop = await _cluster.SendAsAsync(ConsoleToken, HttpMethod.Patch, "/apis/networking.istio.io/v1/namespaces/shop/virtualservices/cart",
            LabelPatch, "application/merge-patch+json", operatorBookinfo);
        Assert.Equal(HttpStatusCode.Forbidden, shop.Status);
        Assert.Equal("virtualservices.networking.istio.io \"cart\" is forbidden: User \"operator-bookinfo\" cannot patch resource \"virtualservices\" " +
            "in API group \"networking.istio.io\" in the namespace \"shop\"", shop.Body.Str("message"));
    }

    [Fact]
    public async Task A_namespace_is_in_itself_so_a_RoleBinding_there_can_grant_reading_it()
    {
        Assert.Equal(HttpStatusCode.Forbidden, (await _cluster.SendAsAsync(BobToken, HttpMethod.Get, "/api/v1/namespaces/bookinfo")).Status);
        await AdminCreateAsync("/apis/rbac.authorization.k8s.io/v1/namespaces/bookinfo/roles",
            Role("bookinfo", "ns-reader", """[{"apiGroups":[""],"resources":["namespaces"],"verbs":["get"]}]"""));
        await AdminCreateAsync("/apis/rbac.authorization.k8s.io/v1/namespaces/bookinfo/rolebindings",
            RoleBinding("bookinfo", "bob-ns", "Role", "ns-reader", "User", "bob"));

        Assert.Equal(HttpStatusCode.OK, (await _cluster.SendAsAsync(BobToken, HttpMethod.Get, "/api/v1/namespaces/bookinfo")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await _cluster.SendAsAsync(BobToken, HttpMethod.Get, "/api/v1/namespaces/shop")).Status);
    }

    [Fact]
    public async Task Authenticated_users_may_read_discovery_but_nothing_else_without_a_binding()
    {
        Assert.Equal(HttpStatusCode.OK, (await _cluster.SendAsAsync(BobToken, HttpMethod.Get, "/apis")).Status);
        Assert.Equal(HttpStatusCode.OK, (await _cluster.SendAsAsync(BobToken, HttpMethod.Get, "/apis/networking.istio.io/v1")).Status);
        var nodes = await _cluster.SendAsAsync(BobToken, HttpMethod.Get, "/api/v1/namespaces");
        Assert.Equal("namespaces is forbidden: User \"bob\" cannot list resource \"namespaces\" in API group \"\" at the cluster scope",
            nodes.Body.Str("message"));
    }
}
