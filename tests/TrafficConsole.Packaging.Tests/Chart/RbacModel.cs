using TrafficConsole.Packaging.Tests.Infrastructure;

namespace TrafficConsole.Packaging.Tests.Chart;

/// <summary>One RBAC PolicyRule as rendered.</summary>
public sealed record PolicyRule(
    IReadOnlyList<string> ApiGroups,
    IReadOnlyList<string> Resources,
    IReadOnlyList<string> Verbs,
    IReadOnlyList<string> ResourceNames,
    IReadOnlyList<string> NonResourceUrls)
{
    public static PolicyRule From(object? node)
    {
        var map = node as IReadOnlyDictionary<string, object?> ?? new Dictionary<string, object?>();
        return new PolicyRule(
            Manifest.Strings(map.GetValueOrDefault("apiGroups")),
            Manifest.Strings(map.GetValueOrDefault("resources")),
            Manifest.Strings(map.GetValueOrDefault("verbs")),
            Manifest.Strings(map.GetValueOrDefault("resourceNames")),
            Manifest.Strings(map.GetValueOrDefault("nonResourceURLs")));
    }

    /// <summary>The API server's matching: "*" matches anything; resourceNames narrow a rule.</summary>
    public bool Allows(string group, string resource, string verb) =>
        ResourceNames.Count == 0
        && (ApiGroups.Contains("*") || ApiGroups.Contains(group))
        && (Resources.Contains("*") || Resources.Contains(resource))
        && (Verbs.Contains("*") || Verbs.Contains(verb));

    /// <summary>Whether the rule allows <paramref name="verb"/> on the one object <paramref name="name"/>.</summary>
    public bool AllowsNamed(string group, string resource, string verb, string name) =>
        (ResourceNames.Count == 0 || ResourceNames.Contains(name))
        && (ApiGroups.Contains("*") || ApiGroups.Contains(group))
        && (Resources.Contains("*") || Resources.Contains(resource))
        && (Verbs.Contains("*") || Verbs.Contains(verb));

    public IEnumerable<(string Group, string Resource, string Verb)> Grants() =>
        from g in ApiGroups from r in Resources from v in Verbs select (g, r, v);
}

/// <summary>What a service account may do according to the rendered Roles, ClusterRoles and bindings.</summary>
public sealed class RbacGrants
{
    private readonly List<PolicyRule> _clusterWide = [];
    private readonly Dictionary<string, List<PolicyRule>> _perNamespace = new(StringComparer.Ordinal);

    public RbacGrants(IReadOnlyList<Manifest> manifests, string serviceAccount, string serviceAccountNamespace)
    {
        Dictionary<string, Manifest> clusterRoles = manifests.OfKind("ClusterRole").ToDictionary(static m => m.Name, StringComparer.Ordinal);
        Dictionary<(string?, string), Manifest> roles = manifests.OfKind("Role").ToDictionary(static m => (m.Namespace, m.Name));

        foreach (Manifest binding in manifests.OfKind("ClusterRoleBinding").Where(b => Binds(b, serviceAccount, serviceAccountNamespace)))
        {
            string roleName = binding.Text("roleRef", "name") ?? string.Empty;
            Assert.Equal("ClusterRole", binding.Text("roleRef", "kind"));
            Assert.True(clusterRoles.TryGetValue(roleName, out Manifest? role), $"{binding} refers to ClusterRole {roleName}, which the chart does not render.");
            _clusterWide.AddRange(RulesOf(role!));
        }

        foreach (Manifest binding in manifests.OfKind("RoleBinding").Where(b => Binds(b, serviceAccount, serviceAccountNamespace)))
        {
            string ns = binding.Namespace ?? throw new Xunit.Sdk.XunitException($"{binding} has no namespace.");
            string roleName = binding.Text("roleRef", "name") ?? string.Empty;
            Manifest? role = binding.Text("roleRef", "kind") == "ClusterRole"
                ? clusterRoles.GetValueOrDefault(roleName)
                : roles.GetValueOrDefault((ns, roleName));
            Assert.True(role is not null, $"{binding} refers to {binding.Text("roleRef", "kind")} {roleName}, which the chart does not render in {ns}.");
            if (!_perNamespace.TryGetValue(ns, out List<PolicyRule>? rules))
            {
                _perNamespace[ns] = rules = [];
            }

            rules.AddRange(RulesOf(role!));
        }

        AllRules = [.. _clusterWide, .. _perNamespace.Values.SelectMany(static r => r)];
    }

    public IReadOnlyList<PolicyRule> AllRules { get; }

    public IReadOnlyList<PolicyRule> ClusterWide => _clusterWide;

    public IReadOnlyCollection<string> Namespaces => _perNamespace.Keys;

    /// <summary>The rules bound in <paramref name="ns"/> (Roles and RoleBindings there), without the cluster-wide ones.</summary>
    public IReadOnlyList<PolicyRule> In(string ns) => _perNamespace.GetValueOrDefault(ns) ?? [];

    /// <summary>Whether the account may make <paramref name="call"/> on the one object <paramref name="name"/> in <paramref name="ns"/>.</summary>
    public bool AllowsNamed(ApiCall call, string ns, string name) =>
        _clusterWide.Concat(In(ns)).Any(r => r.AllowsNamed(call.Group, call.Resource, call.Verb, name));

    /// <summary>
    /// Whether the account may make <paramref name="call"/>; <paramref name="ns"/> is the namespace a
    /// namespaced call is confined to (null: across all namespaces, which only cluster-wide rules allow).
    /// </summary>
    public bool Allows(ApiCall call, string? ns)
    {
        if (_clusterWide.Any(r => r.Allows(call.Group, call.Resource, call.Verb)))
        {
            return true;
        }

        return call.Scope != CallScope.ClusterScoped
            && ns is not null
            && _perNamespace.TryGetValue(ns, out List<PolicyRule>? rules)
            && rules.Any(r => r.Allows(call.Group, call.Resource, call.Verb));
    }

    private static bool Binds(Manifest binding, string serviceAccount, string serviceAccountNamespace) =>
        binding.List("subjects").OfType<IReadOnlyDictionary<string, object?>>().Any(s =>
            s.GetValueOrDefault("kind") as string == "ServiceAccount"
            && s.GetValueOrDefault("name") as string == serviceAccount
            && s.GetValueOrDefault("namespace") as string == serviceAccountNamespace);

    private static IEnumerable<PolicyRule> RulesOf(Manifest role) => role.List("rules").Select(PolicyRule.From);
}
