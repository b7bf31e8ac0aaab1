using System.Net;
using TrafficConsole.Sandbox.Tests.Infrastructure;

namespace TrafficConsole.Sandbox.Tests.Patching;

public sealed class PatchTests
{
    private const string Catalog = "/apis/networking.istio.io/v1/namespaces/shop/virtualservices/catalog";
    private const string Deployment = "/apis/apps/v1/namespaces/bookinfo/deployments/reviews-v1";

    [Fact]
    public async Task Merge_patch_changes_only_what_it_names_and_null_deletes()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (status, body, _) = await cluster.SendAsync(HttpMethod.Patch, Catalog,
            """{"metadata":{"labels":{"team":null,"owner":"me"}},"spec":{"gateways":["mesh"]}}""", "application/merge-patch+json");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("me", body.Str("metadata.labels.owner"));
        Assert.Null(body.At("metadata.labels.team"));
        Assert.Equal("mesh", body.Str("spec.gateways[0]"));
        Assert.Equal("90", body.Str("spec.http[0].route[0].weight"));
    }

    [Fact]
    public async Task Json_patch_applies_operations_and_a_failed_test_changes_nothing()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (status, body, _) = await cluster.SendAsync(HttpMethod.Patch, Catalog, """
            [{"op":"test","path":"/spec/http/0/route/0/weight","value":90},
             {"op":"replace","path":"/spec/http/0/route/0/weight","value":75},
             {"op":"replace","path":"/spec/http/0/route/1/weight","value":25},
             {"op":"add","path":"/spec/hosts/-","value":"catalog"}]
            """, "application/json-patch+json");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("75", body.Str("spec.http[0].route[0].weight"));
        Assert.Equal("catalog", body.Str("spec.hosts[1]"));
        var rv = body.Str("metadata.resourceVersion");

        var (failed, error, _) = await cluster.SendAsync(HttpMethod.Patch, Catalog, """
            [{"op":"test","path":"/spec/http/0/route/0/weight","value":90},
             {"op":"replace","path":"/spec/http/0/route/0/weight","value":1}]
            """, "application/json-patch+json");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, failed);
        Assert.Equal("Status", error.Str("kind"));
        Assert.Contains("test failed", error.Str("message"), StringComparison.Ordinal);
        var current = (await cluster.GetAsync(Catalog)).Body;
        Assert.Equal(rv, current.Str("metadata.resourceVersion"));
        Assert.Equal("75", current.Str("spec.http[0].route[0].weight"));
    }

    [Fact]
    public async Task Strategic_merge_patch_merges_containers_by_name_and_ports_by_containerPort()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (status, body, _) = await cluster.SendAsync(HttpMethod.Patch, Deployment, """
            {"spec":{"template":{"spec":{"containers":[
              {"name":"sidecar","image":"busybox"},
              {"name":"reviews","image":"docker.io/istio/examples-bookinfo-reviews-v1:1.18.0",
               "ports":[{"containerPort":9090,"name":"metrics"}]}]}}}}
            """, "application/strategic-merge-patch+json");
        Assert.Equal(HttpStatusCode.OK, status);
        var containers = body.At("spec.template.spec.containers")!.AsArray();
        Assert.Equal(2, containers.Count);
        var reviews = containers.Single(c => c.Str("name") == "reviews")!;
        Assert.Equal("docker.io/istio/examples-bookinfo-reviews-v1:1.18.0", reviews.Str("image"));
        Assert.Equal(["9080", "9090"], reviews["ports"]!.AsArray().Select(p => p.Str("containerPort")).Order());
        Assert.Equal("IfNotPresent", reviews.Str("imagePullPolicy"));

        var (deleted, afterDelete, _) = await cluster.SendAsync(HttpMethod.Patch, Deployment,
            """{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","$patch":"delete"}]}}}}""", "application/strategic-merge-patch+json");
        Assert.Equal(HttpStatusCode.OK, deleted);
        Assert.Equal(["reviews"], afterDelete.At("spec.template.spec.containers")!.AsArray().Select(c => c.Str("name")));
    }

    [Fact]
    public async Task Strategic_merge_patch_of_a_custom_resource_is_415_as_for_CRDs()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (status, body, _) = await cluster.SendAsync(HttpMethod.Patch, Catalog, """{"spec":{"gateways":["mesh"]}}""",
            "application/strategic-merge-patch+json");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, status);
        Assert.Equal("UnsupportedMediaType", body.Str("reason"));
        Assert.Contains("application/merge-patch+json", body.Str("message"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_patch_content_type_is_415()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (status, body, _) = await cluster.SendAsync(HttpMethod.Patch, Catalog, "spec: {}", "text/plain");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, status);
        Assert.Equal(415, body.Int64Value("code"));
    }

    [Fact]
    public async Task Apply_patch_creates_then_merges_and_records_managed_fields()
    {
        await using var cluster = await TestCluster.StartAsync();
        const string path = "/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices/ratings?fieldManager=console";
        var (created, body, _) = await cluster.SendAsync(HttpMethod.Patch, path, """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: ratings
              labels: {managed-by: console}
            spec:
              hosts: [ratings]
              http:
              - route:
                - destination: {host: ratings, subset: v1}
                  weight: 100
            """, "application/apply-patch+yaml");
        Assert.Equal(HttpStatusCode.Created, created);
        var entry = body.At("metadata.managedFields[0]")!;
        Assert.Equal("console", entry.Str("manager"));
        Assert.Equal("Apply", entry.Str("operation"));
        Assert.Equal("FieldsV1", entry.Str("fieldsType"));
        Assert.NotNull(entry.At("fieldsV1.f:spec.f:hosts"));

        // Another manager adds a field; the applier's next apply keeps it and drops its own removed field.
        await cluster.SendAsync(HttpMethod.Patch, "/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices/ratings?fieldManager=ops",
            """{"spec":{"gateways":["mesh"]}}""", "application/merge-patch+json");
        var (updated, after, _) = await cluster.SendAsync(HttpMethod.Patch, path,
            """{"apiVersion":"networking.istio.io/v1","kind":"VirtualService","metadata":{"name":"ratings"},"spec":{"hosts":["ratings"],"http":[{"route":[{"destination":{"host":"ratings","subset":"v2"},"weight":100}]}]}}""",
            "application/apply-patch+yaml");
        Assert.Equal(HttpStatusCode.OK, updated);
        Assert.Equal("v2", after.Str("spec.http[0].route[0].destination.subset"));
        Assert.Equal("mesh", after.Str("spec.gateways[0]"));
        Assert.Null(after.At("metadata.labels.managed-by"));
        var managers = after.At("metadata.managedFields")!.AsArray().Select(m => $"{m.Str("manager")}/{m.Str("operation")}").Order();
        Assert.Equal(["console/Apply", "ops/Update"], managers);
    }

    [Fact]
    public async Task An_update_moves_only_the_writing_managers_time_as_the_api_server_does()
    {
        var clock = new SteppedClock(new DateTimeOffset(2026, 1, 1, 8, 0, 0, TimeSpan.Zero));
        await using var cluster = await TestCluster.StartAsync(configure: o => o.TimeProvider = clock);
        const string path = "/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices/ratings";
        await cluster.SendAsync(HttpMethod.Post, "/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices?fieldManager=console",
            """{"apiVersion":"networking.istio.io/v1","kind":"VirtualService","metadata":{"name":"ratings"},"spec":{"hosts":["ratings"]}}""");

        clock.Now = clock.Now.AddMinutes(5);
        var (status, body, _) = await cluster.SendAsync(HttpMethod.Patch, path + "?fieldManager=ops", """{"spec":{"gateways":["mesh"]}}""", "application/merge-patch+json");

        Assert.Equal(HttpStatusCode.OK, status);
        var times = body.At("metadata.managedFields")!.AsArray().ToDictionary(m => m.Str("manager")!, m => m.Str("time"));
        Assert.Equal("2026-01-01T08:00:00Z", times["console"]);
        Assert.Equal("2026-01-01T08:05:00Z", times["ops"]);
    }

    private sealed class SteppedClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public async Task Apply_conflicts_with_another_managers_field_unless_forced()
    {
        await using var cluster = await TestCluster.StartAsync();
        const string path = "/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices/ratings";
        const string applied = """{"apiVersion":"networking.istio.io/v1","kind":"VirtualService","metadata":{"name":"ratings"},"spec":{"hosts":["ratings"]}}""";
        await cluster.SendAsync(HttpMethod.Patch, path + "?fieldManager=console", applied, "application/apply-patch+yaml");
        await cluster.SendAsync(HttpMethod.Patch, path + "?fieldManager=kubectl-edit", """{"spec":{"hosts":["ratings","other"]}}""", "application/merge-patch+json");

        var (status, body, _) = await cluster.SendAsync(HttpMethod.Patch, path + "?fieldManager=console", applied, "application/apply-patch+yaml");
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal("Apply failed with 1 conflict: conflict with \"kubectl-edit\" using networking.istio.io/v1: .spec.hosts", body.Str("message"));
        Assert.Equal("FieldManagerConflict", body.Str("details.causes[0].reason"));
        Assert.Equal(2, (await cluster.GetAsync(path)).Body.At("spec.hosts")!.AsArray().Count);

        var (forced, after, _) = await cluster.SendAsync(HttpMethod.Patch, path + "?fieldManager=console&force=true", applied, "application/apply-patch+yaml");
        Assert.Equal(HttpStatusCode.OK, forced);
        Assert.Equal(["ratings"], after.At("spec.hosts")!.AsArray().Select(h => h.Str("")));
    }

    [Fact]
    public async Task Apply_without_fieldManager_is_rejected()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (status, body, _) = await cluster.SendAsync(HttpMethod.Patch, "/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices/x",
            """{"apiVersion":"networking.istio.io/v1","kind":"VirtualService","metadata":{"name":"x"}}""", "application/apply-patch+yaml");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Contains("fieldManager", body.Str("message"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Patch_with_a_stale_resourceVersion_is_a_conflict()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (status, body, _) = await cluster.SendAsync(HttpMethod.Patch, Catalog,
            """{"metadata":{"resourceVersion":"1"},"spec":{"gateways":["mesh"]}}""", "application/merge-patch+json");
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal("Conflict", body.Str("reason"));
    }

    [Fact]
    public async Task Patch_of_a_missing_object_is_404()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (status, _, _) = await cluster.SendAsync(HttpMethod.Patch, "/apis/networking.istio.io/v1/namespaces/shop/virtualservices/none",
            "{}", "application/merge-patch+json");
        Assert.Equal(HttpStatusCode.NotFound, status);
    }
}
