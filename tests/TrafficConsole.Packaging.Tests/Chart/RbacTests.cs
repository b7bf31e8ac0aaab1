using TrafficConsole.Packaging.Tests.Infrastructure;

namespace TrafficConsole.Packaging.Tests.Chart;

/// <summary>
/// The rendered RBAC against <see cref="ConsoleApiCalls"/>: every call the console makes is allowed,
/// nothing beyond the table and its documented extras is granted, impersonation only with openid.
/// </summary>
public sealed class RbacTests : IDisposable
{
    private const string ServiceAccount = ChartRenderer.Release + "-traffic-console";
    private readonly ChartRenderer _chart = new();

    public void Dispose() => _chart.Dispose();

    [Fact]
    public async Task Default_cluster_role_allows_every_call_the_console_makes_across_all_namespaces()
    {
        RbacGrants grants = await GrantsAsync(ValueSet.Defaults);

        // The one namespaced grant: the key ring Secret in the release's namespace.
        Assert.Equal([ChartRenderer.Namespace], grants.Namespaces);
        Assert.All(grants.In(ChartRenderer.Namespace), static r => Assert.Equal([ConsoleApiCalls.KeyRingSecretName], r.ResourceNames));
        List<ApiCall> denied = [.. ConsoleApiCalls.All.Where(c => !grants.Allows(c, ns: null))];
        Assert.True(denied.Count == 0, "Denied: " + string.Join("; ", denied));
    }

    [Theory]
    [InlineData(ValueSet.Defaults)]
    [InlineData(ValueSet.AllOptions)]
    public async Task Nothing_is_granted_beyond_the_table_and_its_documented_extras(ValueSet set)
    {
        RbacGrants grants = await GrantsAsync(set);
        bool openid = set == ValueSet.AllOptions;
        HashSet<(string, string, string)> allowed =
        [
            .. ConsoleApiCalls.All.Select(static c => (c.Group, c.Resource, c.Verb)),
            .. ConsoleApiCalls.Extras.Select(static e => (e.Group, e.Resource, e.Verb)),
            .. ConsoleApiCalls.KeyRing.Select(static c => (c.Group, c.Resource, c.Verb)),
            .. (openid ? ConsoleApiCalls.OpenIdExtras : []).Select(static e => (e.Group, e.Resource, e.Verb)),
        ];

        foreach (PolicyRule rule in grants.AllRules)
        {
            Assert.DoesNotContain("*", rule.ApiGroups);
            Assert.DoesNotContain("*", rule.Resources);
            Assert.DoesNotContain("*", rule.Verbs);
            Assert.Empty(rule.NonResourceUrls);
        }

        List<string> beyond = [.. grants.AllRules.SelectMany(static r => r.Grants()).Where(g => !allowed.Contains(g)).Select(static g => $"{g.Verb} {g.Group}/{g.Resource}").Distinct()];
        Assert.True(beyond.Count == 0, "Granted but not in ConsoleApiCalls (add the call to the table, or remove the grant): " + string.Join("; ", beyond));

        // Of secrets, only the key ring, by name: no rule reads secrets in general.
        Assert.All(grants.AllRules.Where(static r => r.Resources.Contains("secrets")), static r => Assert.Equal([ConsoleApiCalls.KeyRingSecretName], r.ResourceNames));
    }

    [Theory]
    [InlineData("anonymous", false)]
    [InlineData("token", false)]
    [InlineData("openid", true)]
    public async Task Impersonation_is_granted_only_with_openid(string strategy, bool expected)
    {
        string[] settings = strategy switch
        {
            "openid" => ["--set", "auth.strategy=openid", "--set", "auth.openid.issuer=https://idp.example.com", "--set", "auth.openid.clientId=tc", "--set", "auth.openid.existingSecret=oidc"],
            "token" => ["--set", "auth.strategy=token"],
            _ => ["--set", "auth.strategy=anonymous", "--set", "auth.allowAnonymous=true"],
        };
        RbacGrants grants = await GrantsAsync(ValueSet.Defaults, settings);

        bool users = grants.Allows(new ApiCall("", "users", "impersonate", CallScope.ClusterScoped, "test"), null);
        bool groups = grants.Allows(new ApiCall("", "groups", "impersonate", CallScope.ClusterScoped, "test"), null);
        Assert.Equal((expected, expected), (users, groups));
        Assert.DoesNotContain(grants.AllRules, static r => r.Verbs.Contains("impersonate") && r.Resources.Any(static x => x is not "users" and not "groups"));
    }

    [Fact]
    public async Task Watch_namespaces_grant_the_namespaced_calls_only_in_those_namespaces()
    {
        IReadOnlyList<Manifest> manifests = await _chart.RenderAsync(ValueSet.AllOptions);
        RbacGrants grants = new(manifests, ServiceAccount, ChartRenderer.Namespace);

        Assert.Equal(["bookinfo", "shop", ChartRenderer.Namespace], grants.Namespaces.Order(StringComparer.Ordinal));
        Assert.Equal(["bookinfo", "shop"], manifests.OfKind("Role").Where(static r => !r.Name.EndsWith("-keys", StringComparison.Ordinal))
            .Select(static r => r.Namespace).Order(StringComparer.Ordinal));
        foreach (ApiCall call in ConsoleApiCalls.All)
        {
            if (call.Scope == CallScope.ClusterScoped)
            {
                Assert.True(grants.Allows(call, null), $"{call} must stay allowed (namespaces are cluster-scoped)");
                continue;
            }

            Assert.True(grants.Allows(call, "bookinfo"), $"{call} denied in bookinfo");
            Assert.True(grants.Allows(call, "shop"), $"{call} denied in shop");
            Assert.False(grants.Allows(call, "kube-system"), $"{call} allowed in kube-system, which is not watched");
            Assert.False(grants.Allows(call, null), $"{call} allowed across all namespaces although watchNamespaces is set");
        }

        // The ClusterRole keeps only cluster-scoped kinds.
        Assert.Equal(
            ["groups", "namespaces", "users"],
            grants.ClusterWide.SelectMany(static r => r.Resources).Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_key_ring_secret_is_created_named_to_the_console_and_the_only_secret_it_may_touch()
    {
        IReadOnlyList<Manifest> manifests = await _chart.RenderAsync(ValueSet.Defaults);
        RbacGrants grants = new(manifests, ServiceAccount, ChartRenderer.Namespace);

        Manifest secret = Assert.Single(manifests.OfKind("Secret"));
        Assert.Equal(ConsoleApiCalls.KeyRingSecretName, secret.Name);
        Assert.Null(secret.At("data"));
        foreach (ApiCall call in ConsoleApiCalls.KeyRing)
        {
            Assert.True(grants.AllowsNamed(call, ChartRenderer.Namespace, ConsoleApiCalls.KeyRingSecretName), $"{call} denied on the key ring");
            Assert.False(grants.AllowsNamed(call, ChartRenderer.Namespace, "some-other-secret"), $"{call} allowed on another Secret");
            Assert.False(grants.AllowsNamed(call, "kube-system", ConsoleApiCalls.KeyRingSecretName), $"{call} allowed outside the release's namespace");
            Assert.False(grants.Allows(call, ChartRenderer.Namespace), $"{call} allowed on every Secret of the namespace");
        }

        var container = (IReadOnlyDictionary<string, object?>)manifests.One("Deployment").List("spec", "template", "spec", "containers").Single()!;
        var env = ((IReadOnlyList<object?>)container["env"]!).OfType<IReadOnlyDictionary<string, object?>>().ToDictionary(static e => (string)e["name"]!);
        Assert.Equal(ConsoleApiCalls.KeyRingSecretName, env["DataProtection__KeysSecret"]["value"]);
        var fieldRef = (IReadOnlyDictionary<string, object?>)((IReadOnlyDictionary<string, object?>)env["DataProtection__KeysNamespace"]["valueFrom"]!)["fieldRef"]!;
        Assert.Equal("metadata.namespace", fieldRef["fieldPath"]);

        IReadOnlyList<Manifest> off = await _chart.RenderAsync(ValueSet.Defaults, "--set", "keyRingSecret.enabled=false");
        Assert.Empty(off.OfKind("Secret"));
        Assert.DoesNotContain(off.OfKind("Role"), static r => r.Name.EndsWith("-keys", StringComparison.Ordinal));
        Assert.DoesNotContain(((IReadOnlyList<object?>)((IReadOnlyDictionary<string, object?>)off.One("Deployment").List("spec", "template", "spec", "containers").Single()!)["env"]!)
            .OfType<IReadOnlyDictionary<string, object?>>(), static e => (string?)e["name"] == "DataProtection__KeysSecret");
    }

    [Fact]
    public async Task Rbac_create_false_renders_no_roles_or_bindings()
    {
        IReadOnlyList<Manifest> manifests = await _chart.RenderAsync(ValueSet.AllOptions, "--set", "rbac.create=false");

        Assert.DoesNotContain(manifests, static m => m.ApiVersion.StartsWith("rbac.authorization.k8s.io/", StringComparison.Ordinal));
        Assert.Single(manifests.OfKind("Deployment"));
    }

    [Fact]
    public async Task The_chart_readme_lists_every_call_in_the_table()
    {
        string readme = await File.ReadAllTextAsync(Path.Combine(RepoPaths.Chart, "README.md"));

        foreach (IGrouping<(string Group, string Resource), ApiCall> kind in ConsoleApiCalls.All.Concat(ConsoleApiCalls.KeyRing).GroupBy(static c => (c.Group, c.Resource)))
        {
            string group = kind.Key.Group.Length == 0 ? "core" : kind.Key.Group;
            string verbs = string.Join(", ", kind.Select(static c => c.Verb));
            string row = $"| {group} | {kind.Key.Resource} | {verbs} |";
            Assert.True(readme.Contains(row, StringComparison.Ordinal), $"README.md lacks the row: {row}");
        }
    }

    private async Task<RbacGrants> GrantsAsync(ValueSet set, params string[] extra) =>
        new(await _chart.RenderAsync(set, extra), ServiceAccount, ChartRenderer.Namespace);
}
