using TrafficConsole.Packaging.Tests.Infrastructure;

namespace TrafficConsole.Packaging.Tests.Chart;

/// <summary>The chart lints and renders with the real helm, and its values schema stops mistakes before anything is applied.</summary>
public sealed class ChartRenderTests : IDisposable
{
    private readonly ChartRenderer _chart = new();

    public void Dispose() => _chart.Dispose();

    [Theory]
    [InlineData(ValueSet.Defaults)]
    [InlineData(ValueSet.AllOptions)]
    public async Task Helm_lint_passes_in_strict_mode(ValueSet set)
    {
        ToolResult lint = await _chart.Helm.RunAsync(
            ["lint", RepoPaths.Chart, "--strict", "--namespace", ChartRenderer.Namespace, .. ChartRenderer.ValuesArgs(set)],
            stdin: null,
            TimeSpan.FromSeconds(60));

        Assert.True(lint.Succeeded, lint.ToString());
        Assert.Contains("0 chart(s) failed", lint.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Defaults_render_the_hardened_deployment_with_probes_and_a_writable_tmp()
    {
        IReadOnlyList<Manifest> manifests = await _chart.RenderAsync(ValueSet.Defaults);

        Assert.Equal(
            ["ClusterRole", "ClusterRoleBinding", "Deployment", "Role", "RoleBinding", "Secret", "Service", "ServiceAccount"],
            manifests.Select(static m => m.Kind).Order(StringComparer.Ordinal));
        Manifest deployment = manifests.One("Deployment");
        Assert.Equal(ChartRenderer.Namespace, deployment.Namespace);

        var pod = deployment.Map("spec", "template", "spec");
        var podSecurity = (IReadOnlyDictionary<string, object?>)pod["securityContext"]!;
        Assert.Equal("true", podSecurity["runAsNonRoot"]);
        Assert.Equal("1654", podSecurity["runAsUser"]);
        Assert.Equal("RuntimeDefault", ((IReadOnlyDictionary<string, object?>)podSecurity["seccompProfile"]!)["type"]);

        var container = (IReadOnlyDictionary<string, object?>)((IReadOnlyList<object?>)pod["containers"]!).Single()!;
        var security = (IReadOnlyDictionary<string, object?>)container["securityContext"]!;
        Assert.Equal("true", security["runAsNonRoot"]);
        Assert.Equal("true", security["readOnlyRootFilesystem"]);
        Assert.Equal("false", security["allowPrivilegeEscalation"]);
        Assert.Equal(["ALL"], Manifest.Strings(((IReadOnlyDictionary<string, object?>)security["capabilities"]!)["drop"]));
        Assert.Equal("RuntimeDefault", ((IReadOnlyDictionary<string, object?>)security["seccompProfile"]!)["type"]);

        Assert.Equal("/healthz", Get(container, "livenessProbe", "httpGet", "path"));
        Assert.Equal("/readyz", Get(container, "readinessProbe", "httpGet", "path"));
        Assert.Equal("http", Get(container, "readinessProbe", "httpGet", "port"));
        var port = (IReadOnlyDictionary<string, object?>)((IReadOnlyList<object?>)container["ports"]!).Single()!;
        Assert.Equal(("http", "8080"), (port["name"], port["containerPort"]));
        Assert.NotNull(Get(container, "resources", "requests", "cpu"));
        Assert.NotNull(Get(container, "resources", "limits", "memory"));

        // The only writable path: an emptyDir at /tmp (HOME points there too).
        var mount = (IReadOnlyDictionary<string, object?>)((IReadOnlyList<object?>)container["volumeMounts"]!).Single()!;
        Assert.Equal("/tmp", mount["mountPath"]);
        var volume = (IReadOnlyDictionary<string, object?>)((IReadOnlyList<object?>)pod["volumes"]!).Single()!;
        Assert.Equal(mount["name"], volume["name"]);
        Assert.True(volume.ContainsKey("emptyDir"), "the /tmp volume must be an emptyDir");

        Dictionary<string, string?> env = EnvOf(container);
        Assert.Equal("InCluster", env["Cluster__Mode"]);
        Assert.Equal("json", env["Logging__Format"]);
        Assert.Equal("http://+:8080", env["ASPNETCORE_URLS"]);
        Assert.Equal("true", env["ASPNETCORE_FORWARDEDHEADERS_ENABLED"]);
        Assert.Equal("/tmp", env["HOME"]);
        Assert.Equal("token", env["Auth__Strategy"]);
        Assert.Equal("30", env["Auth__WritesPerMinute"]);
        Assert.DoesNotContain(env.Keys, static k => k.StartsWith("Auth__OpenId", StringComparison.Ordinal) || k.StartsWith("Cluster__WatchNamespaces", StringComparison.Ordinal) || k == "Auth__AllowAnonymous");

        Assert.Equal(deployment.Map("spec", "selector", "matchLabels").OrderBy(static kv => kv.Key), manifests.One("Service").Map("spec", "selector").OrderBy(static kv => kv.Key));
        Assert.Equal(manifests.One("ServiceAccount").Name, pod["serviceAccountName"]);
    }

    [Fact]
    public async Task Every_object_carries_the_helm_convention_labels()
    {
        foreach (ValueSet set in Enum.GetValues<ValueSet>())
        {
            foreach (Manifest manifest in await _chart.RenderAsync(set))
            {
                var labels = manifest.Map("metadata", "labels");
                Assert.True(labels.GetValueOrDefault("helm.sh/chart") is string chart && chart.StartsWith("traffic-console-", StringComparison.Ordinal), $"{manifest}: helm.sh/chart");
                Assert.Equal("traffic-console", labels.GetValueOrDefault("app.kubernetes.io/name"));
                Assert.Equal(ChartRenderer.Release, labels.GetValueOrDefault("app.kubernetes.io/instance"));
                Assert.Equal("Helm", labels.GetValueOrDefault("app.kubernetes.io/managed-by"));
                Assert.NotNull(labels.GetValueOrDefault("app.kubernetes.io/version"));
            }
        }
    }

    [Fact]
    public async Task All_options_render_ingress_with_sticky_sessions_network_policy_pdb_and_openid_settings()
    {
        IReadOnlyList<Manifest> manifests = await _chart.RenderAsync(ValueSet.AllOptions);

        Manifest ingress = manifests.One("Ingress");
        var annotations = ingress.Map("metadata", "annotations");
        Assert.Equal("cookie", annotations["nginx.ingress.kubernetes.io/affinity"]);
        Assert.Equal("persistent", annotations["nginx.ingress.kubernetes.io/affinity-mode"]);
        Assert.Equal("trafficconsole-affinity", annotations["nginx.ingress.kubernetes.io/session-cookie-name"]);
        Assert.Equal("nginx", ingress.Text("spec", "ingressClassName"));
        Assert.Contains("traffic.example.com", ingress.List("spec", "rules").OfType<IReadOnlyDictionary<string, object?>>().Select(static r => r["host"]));

        Manifest policy = manifests.One("NetworkPolicy");
        Assert.Equal(["Ingress", "Egress"], Manifest.Strings(policy.At("spec", "policyTypes")));
        var ingressRule = (IReadOnlyDictionary<string, object?>)policy.List("spec", "ingress").Single()!;
        var ingressPort = (IReadOnlyDictionary<string, object?>)((IReadOnlyList<object?>)ingressRule["ports"]!).Single()!;
        Assert.Equal("8080", ingressPort["port"]);
        IReadOnlyList<object?> egress = policy.List("spec", "egress");
        string egressText = string.Join(' ', egress.Select(Flatten));
        Assert.Contains("10.96.0.1/32", egressText, StringComparison.Ordinal);
        Assert.Contains("53 UDP", egressText, StringComparison.Ordinal);
        Assert.Contains("kube-dns", egressText, StringComparison.Ordinal);

        Manifest pdb = manifests.One("PodDisruptionBudget");
        Assert.Equal("1", pdb.Text("spec", "minAvailable"));
        Manifest deployment = manifests.One("Deployment");
        Assert.Equal("2", deployment.Text("spec", "replicas"));
        Assert.Equal(deployment.Map("spec", "selector", "matchLabels").OrderBy(static kv => kv.Key), pdb.Map("spec", "selector", "matchLabels").OrderBy(static kv => kv.Key));

        var container = (IReadOnlyDictionary<string, object?>)deployment.List("spec", "template", "spec", "containers").Single()!;
        Dictionary<string, string?> env = EnvOf(container);
        Assert.Equal("openid", env["Auth__Strategy"]);
        Assert.Equal("https://login.example.com/realms/mesh", env["Auth__OpenId__Issuer"]);
        Assert.Equal("traffic-console", env["Auth__OpenId__ClientId"]);
        Assert.Equal(("bookinfo", "shop"), (env["Cluster__WatchNamespaces__0"], env["Cluster__WatchNamespaces__1"]));

        // The client secret comes from the existing Secret, never inline.
        var secretEnv = container["env"] is IReadOnlyList<object?> list
            ? list.OfType<IReadOnlyDictionary<string, object?>>().Single(static e => e["name"] as string == "Auth__OpenId__ClientSecret")
            : throw new Xunit.Sdk.XunitException("no env");
        Assert.False(secretEnv.ContainsKey("value"));
        Assert.Equal("traffic-console-oidc", Get(secretEnv, "valueFrom", "secretKeyRef", "name"));

        Assert.Equal("team", deployment.Map("spec", "template", "metadata", "labels").Keys.Single(static k => k == "team"));
        Assert.Equal("linux", deployment.Text("spec", "template", "spec", "nodeSelector", "kubernetes.io/os"));
        Assert.NotEmpty(deployment.List("spec", "template", "spec", "tolerations"));
        Assert.NotNull(deployment.At("spec", "template", "spec", "affinity", "podAntiAffinity"));
    }

    [Fact]
    public async Task Network_policy_defaults_admit_the_ingress_controller_and_allow_the_api_server_on_any_address()
    {
        Manifest policy = (await _chart.RenderAsync(ValueSet.Defaults, "--set", "networkPolicy.enabled=true")).One("NetworkPolicy");

        var from = (IReadOnlyDictionary<string, object?>)((IReadOnlyList<object?>)((IReadOnlyDictionary<string, object?>)policy.List("spec", "ingress").Single()!)["from"]!).Single()!;
        Assert.Equal("ingress-nginx", Get(from, "namespaceSelector", "matchLabels", "kubernetes.io/metadata.name"));
        var apiServer = (IReadOnlyDictionary<string, object?>)policy.List("spec", "egress")[0]!;
        Assert.False(apiServer.ContainsKey("to"), "without apiServer.cidrs the API server rule must not restrict the destination");
        Assert.Equal(["443 TCP", "6443 TCP"], ((IReadOnlyList<object?>)apiServer["ports"]!).Select(Flatten));
        Assert.Equal(TrafficConsoleSelector, policy.Map("spec", "podSelector", "matchLabels").OrderBy(static kv => kv.Key).Select(static kv => $"{kv.Key}={kv.Value}"));
    }

    [Fact]
    public async Task Sticky_sessions_can_be_turned_off_and_own_annotations_are_kept()
    {
        Manifest ingress = (await _chart.RenderAsync(ValueSet.AllOptions,
            "--set", "ingress.stickySessions.enabled=false",
            "--set", "ingress.annotations.cert-manager\\.io/cluster-issuer=letsencrypt")).One("Ingress");

        var annotations = ingress.Map("metadata", "annotations");
        Assert.Equal("letsencrypt", annotations["cert-manager.io/cluster-issuer"]);
        Assert.DoesNotContain(annotations.Keys, static k => k.StartsWith("nginx.ingress.kubernetes.io/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Notes_warn_when_several_replicas_run_without_the_sticky_ingress()
    {
        ToolResult install = await _chart.Helm.RunAsync(
            ["install", ChartRenderer.Release, RepoPaths.Chart, "--namespace", ChartRenderer.Namespace, "--dry-run=client", "--set", "replicas=3"],
            stdin: null,
            TimeSpan.FromSeconds(60));

        Assert.True(install.Succeeded, install.ToString());
        Assert.Contains("3 replicas without the ingress", install.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_single_replica_gets_no_pdb_and_two_replicas_get_one()
    {
        Assert.Empty((await _chart.RenderAsync(ValueSet.Defaults)).OfKind("PodDisruptionBudget"));
        Assert.Single((await _chart.RenderAsync(ValueSet.Defaults, "--set", "replicas=2")).OfKind("PodDisruptionBudget"));
    }

    [Fact]
    public async Task Notes_tell_how_to_port_forward_and_open_the_console()
    {
        ToolResult install = await _chart.Helm.RunAsync(
            ["install", ChartRenderer.Release, RepoPaths.Chart, "--namespace", ChartRenderer.Namespace, "--dry-run=client"],
            stdin: null,
            TimeSpan.FromSeconds(60));

        Assert.True(install.Succeeded, install.ToString());
        Assert.Contains($"kubectl --namespace {ChartRenderer.Namespace} port-forward service/{ChartRenderer.Release}-traffic-console 8080:80", install.Stdout, StringComparison.Ordinal);
        Assert.Contains("http://localhost:8080", install.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("replicaz=2", "additional properties 'replicaz' not allowed")]
    [InlineData("auth.strategi=openid", "additional properties 'strategi' not allowed")]
    [InlineData("ingress.enable=true", "additional properties 'enable' not allowed")]
    [InlineData("replicas=two", "/replicas")]
    [InlineData("auth.strategy=ldap", "/auth/strategy")]
    [InlineData("logFormat=xml", "/logFormat")]
    [InlineData("networkPolicy.enabled=yes", "/networkPolicy/enabled")]
    [InlineData("securityContext.readOnlyRootFilesystem=false", "/securityContext/readOnlyRootFilesystem")]
    public async Task The_values_schema_rejects_typos_and_wrong_types_naming_the_key(string setting, string expected)
    {
        ToolResult result = await _chart.TemplateAsync(ValueSet.Defaults, "--set", setting);

        Assert.False(result.Succeeded, $"helm accepted --set {setting}:\n{result.Stdout}");
        Assert.Contains("values don't meet the specifications of the schema", result.Stderr, StringComparison.Ordinal);
        Assert.Contains(expected, result.Stderr, StringComparison.Ordinal);
        Assert.Empty(result.Stdout.Trim());
    }

    [Fact]
    public async Task Openid_without_issuer_client_and_secret_is_refused_naming_each_setting()
    {
        ToolResult result = await _chart.TemplateAsync(ValueSet.Defaults, "--set", "auth.strategy=openid");

        Assert.False(result.Succeeded, result.Stdout);
        Assert.Contains("/auth/openid/issuer", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("/auth/openid/clientId", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("/auth/openid/existingSecret", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_strategy_needs_no_secret_users_bring_their_own_tokens()
    {
        IReadOnlyList<Manifest> manifests = await _chart.RenderAsync(ValueSet.Defaults, "--set", "auth.strategy=token");
        var container = (IReadOnlyDictionary<string, object?>)manifests.One("Deployment").List("spec", "template", "spec", "containers").Single()!;
        Dictionary<string, string?> env = EnvOf(container);

        Assert.Equal("token", env["Auth__Strategy"]);
        Assert.DoesNotContain(env.Keys, static k => k.StartsWith("Auth__Token", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Forwarded_headers_are_trusted_unless_turned_off()
    {
        IReadOnlyList<Manifest> manifests = await _chart.RenderAsync(ValueSet.Defaults, "--set", "trustForwardedHeaders=false");
        var container = (IReadOnlyDictionary<string, object?>)manifests.One("Deployment").List("spec", "template", "spec", "containers").Single()!;

        Assert.DoesNotContain("ASPNETCORE_FORWARDEDHEADERS_ENABLED", EnvOf(container).Keys);
    }

    [Fact]
    public async Task Anonymous_is_refused_by_the_schema_unless_allowed_and_then_passed_to_the_console()
    {
        ToolResult refused = await _chart.TemplateAsync(ValueSet.Defaults, "--set", "auth.strategy=anonymous");
        Assert.False(refused.Succeeded);
        Assert.Contains("allowAnonymous", refused.Stderr, StringComparison.Ordinal);

        IReadOnlyList<Manifest> manifests = await _chart.RenderAsync(ValueSet.Defaults, "--set", "auth.strategy=anonymous", "--set", "auth.allowAnonymous=true");
        var container = (IReadOnlyDictionary<string, object?>)manifests.One("Deployment").List("spec", "template", "spec", "containers").Single()!;
        Dictionary<string, string?> env = EnvOf(container);
        Assert.Equal("anonymous", env["Auth__Strategy"]);
        Assert.Equal("true", env["Auth__AllowAnonymous"]);
    }

    private static readonly string[] TrafficConsoleSelector = ["app.kubernetes.io/instance=tc", "app.kubernetes.io/name=traffic-console"];

    private static Dictionary<string, string?> EnvOf(IReadOnlyDictionary<string, object?> container) =>
        ((IReadOnlyList<object?>)container["env"]!).OfType<IReadOnlyDictionary<string, object?>>()
            .ToDictionary(static e => (string)e["name"]!, static e => e.GetValueOrDefault("value") as string, StringComparer.Ordinal);

    private static object? Get(IReadOnlyDictionary<string, object?> map, params string[] path)
    {
        object? node = map;
        foreach (string key in path)
        {
            node = node is IReadOnlyDictionary<string, object?> m ? m.GetValueOrDefault(key) : null;
        }

        return node;
    }

    private static string Flatten(object? node) => node switch
    {
        IReadOnlyDictionary<string, object?> map when map.ContainsKey("port") && map.ContainsKey("protocol") => $"{map["port"]} {map["protocol"]}",
        IReadOnlyDictionary<string, object?> map => string.Join(' ', map.Select(kv => $"{kv.Key} {Flatten(kv.Value)}")),
        IReadOnlyList<object?> list => string.Join(' ', list.Select(Flatten)),
        _ => node?.ToString() ?? string.Empty,
    };
}
