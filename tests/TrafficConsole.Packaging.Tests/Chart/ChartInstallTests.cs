using TrafficConsole.Packaging.Tests.Infrastructure;

namespace TrafficConsole.Packaging.Tests.Chart;

/// <summary>The rendered chart against an API server: server-side dry run with kubectl, then a real helm install, upgrade and uninstall.</summary>
public sealed class ChartInstallTests : IAsyncLifetime, IDisposable
{
    private readonly ChartRenderer _chart = new();
    private SandboxCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _cluster = await SandboxCluster.StartAsync();
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    public void Dispose() => _chart.Dispose();

    [Theory]
    [InlineData(ValueSet.Defaults)]
    [InlineData(ValueSet.AllOptions)]
    public async Task Rendered_manifests_pass_a_server_side_dry_run_and_create_nothing(ValueSet set)
    {
        ToolResult rendered = await _chart.TemplateAsync(set);
        Assert.True(rendered.Succeeded, rendered.ToString());
        IReadOnlyList<Manifest> manifests = Manifest.ParseAll(rendered.Stdout);
        await _cluster.KubectlAsync(null, "create", "namespace", ChartRenderer.Namespace);

        ToolResult apply = await _cluster.KubectlAsync(rendered.Stdout, "apply", "--dry-run=server", "-f", "-");

        foreach (Manifest manifest in manifests)
        {
            // kubectl names objects kind.group/name ("clusterrole.rbac.authorization.k8s.io/tc-traffic-console").
            string group = manifest.ApiVersion.Contains('/', StringComparison.Ordinal) ? "." + manifest.ApiVersion[..manifest.ApiVersion.IndexOf('/', StringComparison.Ordinal)] : string.Empty;
            string resource = $"{manifest.Kind.ToLowerInvariant()}{group}/{manifest.Name}";
            Assert.Contains($"{resource} created (server dry run)", apply.Stdout, StringComparison.Ordinal);
        }

        // A dry run writes nothing.
        ToolResult get = await _cluster.Kubectl.RunAsync("get", "deployment", $"{ChartRenderer.Release}-traffic-console", "-n", ChartRenderer.Namespace);
        Assert.False(get.Succeeded);
        Assert.Contains("NotFound", get.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Helm_installs_upgrades_and_uninstalls_the_release()
    {
        string name = $"{ChartRenderer.Release}-traffic-console";
        string ns = ChartRenderer.Namespace;

        ToolResult install = await HelmAsync(["install", ChartRenderer.Release, RepoPaths.Chart, "--namespace", ns, "--create-namespace", .. ChartRenderer.ValuesArgs(ValueSet.AllOptions)]);
        Assert.Contains("STATUS: deployed", install.Stdout, StringComparison.Ordinal);
        Assert.Contains("https://traffic.example.com/", install.Stdout, StringComparison.Ordinal);

        await _cluster.KubectlAsync(null, "get", "-n", ns, $"deployment/{name}", $"service/{name}", $"serviceaccount/{name}", $"ingress/{name}", $"networkpolicy/{name}", $"poddisruptionbudget/{name}");
        await _cluster.KubectlAsync(null, "get", $"clusterrole/{name}", $"clusterrolebinding/{name}");
        await _cluster.KubectlAsync(null, "get", "-n", "bookinfo", $"role/{name}", $"rolebinding/{name}");
        await _cluster.KubectlAsync(null, "get", "-n", "shop", $"role/{name}", $"rolebinding/{name}");
        ToolResult image = await _cluster.KubectlAsync(null, "get", "-n", ns, $"deployment/{name}", "-o", "jsonpath={.spec.template.spec.containers[0].image} {.spec.replicas}");
        Assert.Equal("ghcr.io/trafficconsole/traffic-console:0.1.0 2", image.Stdout.Trim());
        ToolResult releaseSecrets = await _cluster.KubectlAsync(null, "get", "secrets", "-n", ns, "-l", "owner=helm", "-o", "name");
        Assert.Contains($"secret/sh.helm.release.v1.{ChartRenderer.Release}.v1", releaseSecrets.Stdout, StringComparison.Ordinal);

        // Back to the defaults: the objects only the options asked for go away.
        await HelmAsync(["upgrade", ChartRenderer.Release, RepoPaths.Chart, "--namespace", ns, "--reset-values"]);
        await AssertGoneAsync(ns, $"ingress/{name}", $"networkpolicy/{name}", $"poddisruptionbudget/{name}");
        await AssertGoneAsync("bookinfo", $"role/{name}", $"rolebinding/{name}");
        ToolResult replicas = await _cluster.KubectlAsync(null, "get", "-n", ns, $"deployment/{name}", "-o", "jsonpath={.spec.replicas}");
        Assert.Equal("1", replicas.Stdout.Trim());

        ToolResult list = await HelmAsync(["list", "--namespace", ns, "--output", "json"]);
        Assert.Contains("\"revision\":\"2\"", list.Stdout, StringComparison.Ordinal);

        await HelmAsync(["uninstall", ChartRenderer.Release, "--namespace", ns, "--wait", "--timeout", "60s"]);
        await AssertGoneAsync(ns, $"deployment/{name}", $"service/{name}", $"serviceaccount/{name}");
        await AssertGoneAsync(null, $"clusterrole/{name}", $"clusterrolebinding/{name}");
        ToolResult after = await _cluster.KubectlAsync(null, "get", "secrets", "-n", ns, "-l", "owner=helm", "-o", "name");
        Assert.Equal(string.Empty, after.Stdout.Trim());
    }

    private async Task<ToolResult> HelmAsync(string[] args)
    {
        ToolResult result = await _cluster.Helm.RunAsync(args, stdin: null, TimeSpan.FromSeconds(90));
        Assert.True(result.Succeeded, result.ToString());
        return result;
    }

    private async Task AssertGoneAsync(string? ns, params string[] objects)
    {
        foreach (string obj in objects)
        {
            string[] args = ns is null ? ["get", obj] : ["get", "-n", ns, obj];
            ToolResult get = await _cluster.Kubectl.RunAsync(args);
            Assert.False(get.Succeeded, $"{obj} still exists:\n{get}");
            Assert.Contains("NotFound", get.Stderr, StringComparison.Ordinal);
        }
    }
}
