using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using k8s;
using TrafficConsole.Sandbox.Api;
using TrafficConsole.Sandbox.Tests.Infrastructure;

namespace TrafficConsole.Sandbox.Tests.Kubectl;

/// <summary>The real kubectl against a sandbox with a data directory, through the kubeconfig it writes.</summary>
public sealed class KubectlTests : IAsyncLifetime
{
    private const string RoutingYaml = """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: reviews
          namespace: bookinfo
        spec:
          hosts:
          - reviews
          http:
          - route:
            - destination:
                host: reviews
                subset: v1
              weight: 80
            - destination:
                host: reviews
                subset: v2
              weight: 20
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata:
          name: reviews
          namespace: bookinfo
        spec:
          host: reviews
          subsets:
          - name: v1
            labels:
              version: v1
          - name: v2
            labels:
              version: v2
        """;

    private readonly TempDirectory _dir = new();
    private TestCluster _cluster = null!;
    private KubectlRunner _kubectl = null!;

    public async Task InitializeAsync()
    {
        _cluster = await TestCluster.StartAsync(dataDirectory: _dir.Path);
        _kubectl = new KubectlRunner(_cluster.Server.KubeconfigPath!, Path.Combine(_dir.Path, "kube-cache"));
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        _dir.Dispose();
    }

    private async Task<KubectlRunner.Result> OkAsync(params string[] args)
    {
        var result = await _kubectl.RunAsync(args);
        Assert.True(result.ExitCode == 0, $"kubectl {string.Join(' ', args)} failed: {result}");
        return result;
    }

    private async Task<string> WriteAsync(string name, string content)
    {
        var path = Path.Combine(_dir.Path, name);
        await File.WriteAllTextAsync(path, content);
        return path;
    }

    private static void MakeExecutable(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private JsonNode StoredVirtualService(string ns, string name) =>
        JsonSerializer.SerializeToNode(_cluster.Server.Store.Get(ResourceCatalog.VirtualServices, ns, name))!;

    [Fact]
    public async Task Get_namespaces_prints_a_table()
    {
        var result = await OkAsync("get", "ns");
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^NAME\s+STATUS\s+AGE$", lines[0]);
        Assert.Equal(["bookinfo", "default", "kube-system", "shop"], lines[1..].Select(l => l.Split(' ')[0]));
        Assert.All(lines[1..], l => Assert.Contains("Active", l, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Api_resources_lists_virtualservices_and_destinationrules_with_short_names()
    {
        var result = await OkAsync("api-resources");
        Assert.Matches(new Regex(@"^virtualservices\s+vs\s+networking\.istio\.io/v1\s+true\s+VirtualService$", RegexOptions.Multiline), result.Stdout);
        Assert.Matches(new Regex(@"^destinationrules\s+dr\s+networking\.istio\.io/v1\s+true\s+DestinationRule$", RegexOptions.Multiline), result.Stdout);
        Assert.Matches(new Regex(@"^deployments\s+deploy\s+apps/v1\s+true\s+Deployment$", RegexOptions.Multiline), result.Stdout);
        Assert.DoesNotContain("error", result.Stderr, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Get_services_and_deployments_in_bookinfo()
    {
        var svc = await OkAsync("get", "svc", "-n", "bookinfo");
        Assert.Matches(@"NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE", svc.Stdout);
        foreach (var name in new[] { "details", "productpage", "ratings", "reviews" })
        {
            Assert.Matches(new Regex($@"^{name}\s+ClusterIP\s+10\.96\.\d+\.\d+\s+<none>\s+9080/TCP\s+\d+s$", RegexOptions.Multiline), svc.Stdout);
        }

        var deploy = await OkAsync("get", "deploy", "-n", "bookinfo");
        Assert.Matches(new Regex(@"^reviews-v2\s+1/1\s+1\s+1\s+\d+s$", RegexOptions.Multiline), deploy.Stdout);
    }

    [Fact]
    public async Task Client_side_apply_creates_and_reapplies_after_an_edit()
    {
        var file = await WriteAsync("routing.yaml", RoutingYaml);
        var first = await OkAsync("apply", "-f", file);
        Assert.Contains("virtualservice.networking.istio.io/reviews created", first.Stdout, StringComparison.Ordinal);
        Assert.Contains("destinationrule.networking.istio.io/reviews created", first.Stdout, StringComparison.Ordinal);
        Assert.Equal(80, StoredVirtualService("bookinfo", "reviews").At("spec.http[0].route[0].weight")!.GetValue<int>());

        await File.WriteAllTextAsync(file, RoutingYaml.Replace("weight: 80", "weight: 60", StringComparison.Ordinal)
            .Replace("weight: 20", "weight: 40", StringComparison.Ordinal));
        var second = await OkAsync("apply", "-f", file);
        Assert.Contains("virtualservice.networking.istio.io/reviews configured", second.Stdout, StringComparison.Ordinal);
        Assert.Contains("destinationrule.networking.istio.io/reviews unchanged", second.Stdout, StringComparison.Ordinal);
        var stored = StoredVirtualService("bookinfo", "reviews");
        Assert.Equal(60, stored.At("spec.http[0].route[0].weight")!.GetValue<int>());
        Assert.Equal(40, stored.At("spec.http[0].route[1].weight")!.GetValue<int>());
        Assert.Equal(2, stored.Int64Value("metadata.generation"));

        var get = await OkAsync("get", "vs", "reviews", "-n", "bookinfo");
        Assert.Matches(new Regex(@"^reviews\s+\[reviews\]\s+\d+s$", RegexOptions.Multiline), get.Stdout);
    }

    [Fact]
    public async Task Server_side_apply_creates_updates_and_records_kubectl_as_manager()
    {
        var file = await WriteAsync("routing.yaml", RoutingYaml);
        var first = await OkAsync("apply", "--server-side", "-f", file);
        Assert.Contains("virtualservice.networking.istio.io/reviews serverside-applied", first.Stdout, StringComparison.Ordinal);

        await File.WriteAllTextAsync(file, RoutingYaml.Replace("weight: 80", "weight: 50", StringComparison.Ordinal)
            .Replace("weight: 20", "weight: 50", StringComparison.Ordinal));
        await OkAsync("apply", "--server-side", "-f", file);
        var stored = StoredVirtualService("bookinfo", "reviews");
        Assert.Equal(50, stored.At("spec.http[0].route[0].weight")!.GetValue<int>());
        var manager = stored.At("metadata.managedFields[0]")!;
        Assert.Equal("kubectl", manager.Str("manager"));
        Assert.Equal("Apply", manager.Str("operation"));
    }

    [Fact]
    public async Task Server_side_apply_reports_a_conflict_and_force_conflicts_resolves_it()
    {
        var file = await WriteAsync("routing.yaml", RoutingYaml);
        await OkAsync("apply", "--server-side", "-f", file);
        await OkAsync("patch", "vs", "reviews", "-n", "bookinfo", "--type=merge", "-p", """{"spec":{"hosts":["reviews","reviews.bookinfo"]}}""");

        var conflict = await _kubectl.RunAsync("apply", "--server-side", "-f", file);
        Assert.NotEqual(0, conflict.ExitCode);
        Assert.Contains("conflict", conflict.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(".spec.hosts", conflict.Stderr, StringComparison.Ordinal);

        await OkAsync("apply", "--server-side", "--force-conflicts", "-f", file);
        Assert.Single(StoredVirtualService("bookinfo", "reviews").At("spec.hosts")!.AsArray());
    }

    [Fact]
    public async Task Patch_merge_changes_the_virtual_service()
    {
        var result = await OkAsync("patch", "vs", "catalog", "-n", "shop", "--type=merge", "-p",
            """{"spec":{"http":[{"route":[{"destination":{"host":"catalog","subset":"v2"},"weight":100}]}]}}""");
        Assert.Contains("virtualservice.networking.istio.io/catalog patched", result.Stdout, StringComparison.Ordinal);
        var stored = StoredVirtualService("shop", "catalog");
        Assert.Equal("v2", stored.Str("spec.http[0].route[0].destination.subset"));
        Assert.Single(stored.At("spec.http")!.AsArray());
    }

    [Fact]
    public async Task Scale_deployment_makes_four_pods_with_its_labels()
    {
        var result = await OkAsync("scale", "deploy", "reviews-v1", "--replicas=4", "-n", "bookinfo");
        Assert.Contains("deployment.apps/reviews-v1 scaled", result.Stdout, StringComparison.Ordinal);
        var pods = await OkAsync("get", "pods", "-n", "bookinfo", "-l", "app=reviews,version=v1", "-o", "name");
        Assert.Equal(4, pods.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        var deploy = await OkAsync("get", "deploy", "reviews-v1", "-n", "bookinfo");
        Assert.Matches(new Regex(@"^reviews-v1\s+4/4\s+4\s+4\s+", RegexOptions.Multiline), deploy.Stdout);
    }

    [Fact]
    public async Task Delete_virtual_service_removes_it()
    {
        var result = await OkAsync("delete", "vs", "cart", "-n", "shop");
        Assert.Contains("virtualservice.networking.istio.io \"cart\" deleted", result.Stdout, StringComparison.Ordinal);
        Assert.Null(_cluster.Server.Store.Get(ResourceCatalog.VirtualServices, "shop", "cart"));
        var missing = await _kubectl.RunAsync("get", "vs", "cart", "-n", "shop");
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("virtualservices.networking.istio.io \"cart\" not found", missing.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_watch_prints_a_line_when_a_virtual_service_changes()
    {
        using var watch = _kubectl.StartStreaming("get", "vs", "-n", "shop", "-w");
        await watch.WaitForLineAsync(l => l.StartsWith("catalog", StringComparison.Ordinal), TimeSpan.FromSeconds(30));

        await _cluster.Client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new k8s.Models.V1Patch("""{"spec":{"gateways":["shop-gateway"]}}""", k8s.Models.V1Patch.PatchType.MergePatch),
            "networking.istio.io", "v1", "shop", "virtualservices", "cart");
        var line = await watch.WaitForLineAsync(l => l.Contains("shop-gateway", StringComparison.Ordinal), TimeSpan.FromSeconds(15));
        Assert.Matches(@"^cart\s+\[shop-gateway\]\s+\[cart\]", line);
    }

    [Fact]
    public async Task Invalid_resources_are_refused_with_the_servers_message()
    {
        var file = await WriteAsync("bad.yaml", RoutingYaml.Replace("weight: 80", "weight: -80", StringComparison.Ordinal));
        var result = await _kubectl.RunAsync("apply", "-f", file);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("spec.http[0].route[0].weight", result.Stderr, StringComparison.Ordinal);
        Assert.Null(_cluster.Server.Store.Get(ResourceCatalog.VirtualServices, "bookinfo", "reviews"));
    }

    [Fact]
    public async Task Get_yaml_and_v1beta1_views_work()
    {
        var yaml = await OkAsync("get", "virtualservices.v1beta1.networking.istio.io", "catalog", "-n", "shop", "-o", "yaml");
        Assert.Contains("apiVersion: networking.istio.io/v1beta1", yaml.Stdout, StringComparison.Ordinal);
        Assert.Contains("weight: 90", yaml.Stdout, StringComparison.Ordinal);

        var jsonPath = await OkAsync("get", "vs", "catalog", "-n", "shop", "-o", "jsonpath={.spec.http[0].route[1].weight}");
        Assert.Equal("10", jsonPath.Stdout.Trim());
    }

    [Fact]
    public async Task Rollout_status_and_wait_see_the_deployment_ready()
    {
        var rollout = await OkAsync("rollout", "status", "deploy/reviews-v2", "-n", "bookinfo", "--timeout=20s");
        Assert.Contains("deployment \"reviews-v2\" successfully rolled out", rollout.Stdout, StringComparison.Ordinal);
        var wait = await OkAsync("wait", "--for=condition=Available", "deploy/reviews-v2", "-n", "bookinfo", "--timeout=20s");
        Assert.Contains("condition met", wait.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_of_a_deployment_merges_containers_and_scales_pods()
    {
        const string deployment = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              namespace: default
            spec:
              replicas: 2
              selector:
                matchLabels: {app: web, version: v1}
              template:
                metadata:
                  labels: {app: web, version: v1}
                spec:
                  containers:
                  - name: web
                    image: nginx:1
                    env: [{name: A, value: "1"}, {name: B, value: "2"}]
                  - name: side
                    image: busybox
            """;
        var file = await WriteAsync("deploy.yaml", deployment);
        await OkAsync("apply", "-f", file);
        await File.WriteAllTextAsync(file, deployment.Replace("nginx:1", "nginx:2", StringComparison.Ordinal)
            .Replace("replicas: 2", "replicas: 3", StringComparison.Ordinal)
            .Replace("\n      - name: side\n        image: busybox", "", StringComparison.Ordinal));
        var result = await OkAsync("apply", "-f", file);
        Assert.Contains("deployment.apps/web configured", result.Stdout, StringComparison.Ordinal);

        var images = await OkAsync("get", "deploy", "web", "-o", "jsonpath={.spec.template.spec.containers[*].image}");
        Assert.Equal("nginx:2", images.Stdout.Trim());
        var pods = await OkAsync("get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].spec.containers[0].image}");
        Assert.Equal(["nginx:2", "nginx:2", "nginx:2"], pods.Stdout.Trim().Split(' '));
    }

    [Fact]
    public async Task Imperative_creates_that_send_protobuf_work()
    {
        await OkAsync("create", "ns", "team");
        await OkAsync("create", "deployment", "web", "--image=nginx:1", "--replicas=2", "--port=80", "-n", "team");
        await OkAsync("create", "configmap", "cfg", "--from-literal=a=b", "-n", "team");
        await OkAsync("create", "secret", "generic", "s1", "--from-literal=p=q", "-n", "team");
        await OkAsync("create", "serviceaccount", "robot", "-n", "team");
        await OkAsync("create", "service", "clusterip", "api", "--tcp=80:8080", "-n", "team");
        await OkAsync("create", "role", "reader", "--verb=get", "--resource=pods", "-n", "team");
        await OkAsync("create", "rolebinding", "rb", "--role=reader", "--user=bob", "-n", "team");

        var store = _cluster.Server.Store;
        var deployment = JsonSerializer.SerializeToNode(store.Get(ResourceCatalog.Deployments, "team", "web"))!;
        Assert.Equal(2, deployment.Int64Value("spec.replicas"));
        Assert.Equal("nginx:1", deployment.Str("spec.template.spec.containers[0].image"));
        Assert.Equal(80, deployment.Int64Value("spec.template.spec.containers[0].ports[0].containerPort"));
        Assert.Equal("web", deployment.Str("spec.selector.matchLabels.app"));
        Assert.Equal(2, store.List(ResourceCatalog.Pods, "team").Count);
        Assert.Equal("b", JsonSerializer.SerializeToNode(store.Get(ResourceCatalog.ConfigMaps, "team", "cfg"))!.Str("data.a"));
        Assert.Equal("cQ==", JsonSerializer.SerializeToNode(store.Get(ResourceCatalog.Secrets, "team", "s1"))!.Str("data.p"));
        Assert.NotNull(store.Get(ResourceCatalog.ServiceAccounts, "team", "robot"));
        var service = JsonSerializer.SerializeToNode(store.Get(ResourceCatalog.Services, "team", "api"))!;
        Assert.Equal(8080, service.Int64Value("spec.ports[0].targetPort"));
        Assert.Equal("ClusterIP", service.Str("spec.type"));
        var role = JsonSerializer.SerializeToNode(store.Get(ResourceCatalog.Roles, "team", "reader"))!;
        Assert.Equal("", role.Str("rules[0].apiGroups[0]"));
        Assert.Equal("pods", role.Str("rules[0].resources[0]"));
        var binding = JsonSerializer.SerializeToNode(store.Get(ResourceCatalog.RoleBindings, "team", "rb"))!;
        Assert.Equal("bob", binding.Str("subjects[0].name"));
        Assert.Equal("reader", binding.Str("roleRef.name"));
    }

    [Fact]
    public async Task Describe_and_get_events_work_with_no_events()
    {
        var events = await OkAsync("get", "events", "-n", "bookinfo");
        Assert.Contains("No resources found in bookinfo namespace.", events.Stderr + events.Stdout, StringComparison.Ordinal);
        var describe = await OkAsync("describe", "vs", "catalog", "-n", "shop");
        Assert.Contains("Weight:", describe.Stdout, StringComparison.Ordinal);
        Assert.Contains("Events:", describe.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Edit_changes_the_weights_and_an_invalid_edit_is_refused()
    {
        var editor = await WriteAsync("editor.sh", "#!/bin/sh\nsed -i \"s/weight: 90/weight: 70/; s/weight: 10/weight: 30/\" \"$1\"\n");
        MakeExecutable(editor);
        _kubectl.Environment["KUBE_EDITOR"] = editor;
        var edited = await OkAsync("edit", "vs", "catalog", "-n", "shop");
        Assert.Contains("virtualservice.networking.istio.io/catalog edited", edited.Stdout, StringComparison.Ordinal);
        var stored = StoredVirtualService("shop", "catalog");
        Assert.Equal(70, stored.At("spec.http[0].route[0].weight")!.GetValue<int>());
        Assert.Equal(30, stored.At("spec.http[0].route[1].weight")!.GetValue<int>());

        var bad = await WriteAsync("bad-editor.sh", "#!/bin/sh\nsed -i \"s/weight: 70/weight: -70/\" \"$1\"\n");
        MakeExecutable(bad);
        _kubectl.Environment["KUBE_EDITOR"] = bad;
        var refused = await _kubectl.RunAsync("edit", "vs", "catalog", "-n", "shop");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("is invalid", refused.Stderr + refused.Stdout, StringComparison.Ordinal);
        Assert.Equal(70, StoredVirtualService("shop", "catalog").At("spec.http[0].route[0].weight")!.GetValue<int>());
    }

    [Fact]
    public async Task Logs_say_that_the_sandbox_runs_nothing()
    {
        var logs = await OkAsync("logs", "deploy/reviews-v1", "-n", "bookinfo");
        Assert.Contains("the sandbox runs no containers", logs.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Auth_can_i_and_whoami_are_answered()
    {
        var canI = await OkAsync("auth", "can-i", "patch", "virtualservices.networking.istio.io", "-n", "shop");
        Assert.Equal("yes", canI.Stdout.Trim());
        var whoami = await OkAsync("auth", "whoami");
        Assert.Contains("Username", whoami.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delete_namespace_waits_until_what_was_in_it_is_gone()
    {
        var deleted = await OkAsync("delete", "ns", "shop");
        Assert.Contains("namespace \"shop\" deleted", deleted.Stdout, StringComparison.Ordinal);
        var services = await OkAsync("get", "svc", "-n", "shop", "-o", "name");
        Assert.Equal("", services.Stdout.Trim());
        var ns = await OkAsync("get", "ns", "-o", "name");
        Assert.DoesNotContain("namespace/shop", ns.Stdout, StringComparison.Ordinal);
    }
}
