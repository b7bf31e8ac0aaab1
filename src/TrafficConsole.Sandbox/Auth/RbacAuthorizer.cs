using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Text.Json.Nodes;
using TrafficConsole.Sandbox.Api;
using TrafficConsole.Sandbox.Storage;

namespace TrafficConsole.Sandbox.Auth;

/// <summary>A rule together with the binding that grants it, for RBAC's "allowed by ..." reason.</summary>
internal sealed record GrantedRule(PolicyRule Rule, string Source);

/// <summary>Everything one user (with their groups) may do: rules at cluster scope and rules per namespace.</summary>
internal sealed record UserRules(ImmutableArray<GrantedRule> Cluster, FrozenDictionary<string, ImmutableArray<GrantedRule>> ByNamespace)
{
    public ImmutableArray<GrantedRule> In(string ns) => ByNamespace.GetValueOrDefault(ns, []);
}

/// <summary>
/// The RBAC authorizer over the Roles, ClusterRoles and bindings the sandbox stores, plus kube-apiserver's bootstrap
/// bindings every cluster has (basic-user, discovery, public-info-viewer) and its <c>system:masters</c> superuser group.
/// Bindings are indexed by subject and each user's rules are cached; both are rebuilt when an RBAC object changes.
/// </summary>
internal sealed class RbacAuthorizer(SandboxStore store, AnonymousAccess anonymous)
{
    private const int MaxCachedUsers = 10_000;
    private Snapshot? _snapshot;

    /// <summary>Decides one request, as RBAC's Authorize (the first matching rule allows; nothing matching denies).</summary>
    public AuthorizationDecision Authorize(AccessAttributes request)
    {
        if (request.User.IsSuperuser)
        {
            // kube-apiserver's privileged-groups authorizer answers before RBAC, with no reason.
            return new AuthorizationDecision(true, "");
        }

        var rules = RulesFor(request.User);
        foreach (var granted in rules.Cluster)
        {
            if (granted.Rule.Allows(request))
            {
                return new AuthorizationDecision(true, $"RBAC: allowed by {granted.Source}");
            }
        }

        if (request.IsResourceRequest && request.Namespace.Length > 0)
        {
            foreach (var granted in rules.In(request.Namespace))
            {
                if (granted.Rule.Allows(request))
                {
                    return new AuthorizationDecision(true, $"RBAC: allowed by {granted.Source}");
                }
            }
        }

        return new AuthorizationDecision(false, "");
    }

    /// <summary>What a user may do at cluster scope and in <paramref name="ns"/> (SelfSubjectRulesReview).</summary>
    public ImmutableArray<PolicyRule> RulesIn(UserInfo user, string ns)
    {
        if (user.IsSuperuser)
        {
            return Builtin.ClusterAdmin;
        }

        var rules = RulesFor(user);
        return [.. rules.Cluster.Select(g => g.Rule), .. ns.Length > 0 ? rules.In(ns).Select(g => g.Rule) : []];
    }

    public UserRules RulesFor(UserInfo user)
    {
        var snapshot = Current();
        if (snapshot.Users.TryGetValue(user.CacheKey, out var cached))
        {
            return cached;
        }

        var rules = snapshot.Resolve(user);
        if (snapshot.Users.Count >= MaxCachedUsers)
        {
            snapshot.Users.Clear();
        }

        snapshot.Users[user.CacheKey] = rules;
        return rules;
    }

    private Snapshot Current()
    {
        var version = store.RbacChanges;
        var snapshot = Volatile.Read(ref _snapshot);
        if (snapshot is not null && snapshot.Version == version)
        {
            return snapshot;
        }

        // Read the counter before the objects: a change racing the build only makes the next request rebuild again.
        snapshot = Snapshot.Build(version, store, anonymous);
        Volatile.Write(ref _snapshot, snapshot);
        return snapshot;
    }

    /// <summary>A subject of a binding, as RBAC's appliesTo matches it.</summary>
    private sealed record Binding(string Kind, string Name, string? Namespace, string RoleKind, string RoleName, string Description);

    private sealed class Snapshot
    {
        private readonly FrozenDictionary<string, ImmutableArray<PolicyRule>> _clusterRoles;
        private readonly FrozenDictionary<(string Ns, string Name), ImmutableArray<PolicyRule>> _roles;
        private readonly FrozenDictionary<string, ImmutableArray<Binding>> _bySubject;

        private Snapshot(long version, FrozenDictionary<string, ImmutableArray<PolicyRule>> clusterRoles,
            FrozenDictionary<(string Ns, string Name), ImmutableArray<PolicyRule>> roles, FrozenDictionary<string, ImmutableArray<Binding>> bySubject)
        {
            Version = version;
            _clusterRoles = clusterRoles;
            _roles = roles;
            _bySubject = bySubject;
        }

        public long Version { get; }

        public ConcurrentDictionary<string, UserRules> Users { get; } = new(StringComparer.Ordinal);

        public static Snapshot Build(long version, SandboxStore store, AnonymousAccess anonymous)
        {
            var clusterRoleObjects = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
            foreach (var role in store.List(ResourceCatalog.ClusterRoles))
            {
                clusterRoleObjects[Json.Name(role) ?? ""] = role;
            }

            var clusterRoles = new Dictionary<string, ImmutableArray<PolicyRule>>(Builtin.ClusterRoles, StringComparer.Ordinal);
            foreach (var (name, role) in clusterRoleObjects)
            {
                clusterRoles[name] = role["aggregationRule"] is JsonObject aggregation
                    ? Aggregate(aggregation, clusterRoleObjects.Values)
                    : RulesOf(role);
            }

            var roles = store.List(ResourceCatalog.Roles).ToFrozenDictionary(
                r => (Json.Namespace(r) ?? "", Json.Name(r) ?? ""), RulesOf);

            var bySubject = new Dictionary<string, List<Binding>>(StringComparer.Ordinal);
            void Add(JsonObject binding, string? bindingNs)
            {
                var roleRef = binding["roleRef"] as JsonObject;
                var roleKind = Json.Str(roleRef?["kind"]) ?? "";
                var roleName = Json.Str(roleRef?["name"]) ?? "";
                var name = Json.Name(binding) ?? "";
                foreach (var subject in (binding["subjects"] as JsonArray ?? []).OfType<JsonObject>())
                {
                    var kind = Json.Str(subject["kind"]) ?? "";
                    var subjectName = Json.Str(subject["name"]) ?? "";
                    var subjectNs = Json.Str(subject["namespace"]);
                    string key;
                    string described;
                    switch (kind)
                    {
                        case "User":
                            key = "User:" + subjectName;
                            described = $"User \"{subjectName}\"";
                            break;
                        case "Group":
                            key = "Group:" + subjectName;
                            described = $"Group \"{subjectName}\"";
                            break;
                        case "ServiceAccount":
                            var saNs = string.IsNullOrEmpty(subjectNs) ? bindingNs ?? "" : subjectNs;
                            key = $"User:system:serviceaccount:{saNs}:{subjectName}";
                            described = $"ServiceAccount \"{subjectName}/{saNs}\"";
                            break;
                        default:
                            continue;
                    }

                    var description = bindingNs is null
                        ? $"ClusterRoleBinding \"{name}\" of {roleKind} \"{roleName}\" to {described}"
                        : $"RoleBinding \"{name}/{bindingNs}\" of {roleKind} \"{roleName}\" to {described}";
                    if (!bySubject.TryGetValue(key, out var list))
                    {
                        bySubject[key] = list = [];
                    }

                    list.Add(new Binding(kind, subjectName, bindingNs, roleKind, roleName, description));
                }
            }

            var storedClusterBindings = store.List(ResourceCatalog.ClusterRoleBindings);
            var storedNames = storedClusterBindings.Select(b => Json.Name(b)).ToHashSet(StringComparer.Ordinal);
            foreach (var builtin in Builtin.ClusterRoleBindings(anonymous).Where(b => !storedNames.Contains(Json.Name(b))))
            {
                Add(builtin, null);
            }

            foreach (var binding in storedClusterBindings)
            {
                Add(binding, null);
            }

            foreach (var binding in store.List(ResourceCatalog.RoleBindings))
            {
                Add(binding, Json.Namespace(binding) ?? "");
            }

            return new Snapshot(version, clusterRoles.ToFrozenDictionary(StringComparer.Ordinal), roles,
                bySubject.ToFrozenDictionary(kv => kv.Key, kv => kv.Value.ToImmutableArray(), StringComparer.Ordinal));
        }

        public UserRules Resolve(UserInfo user)
        {
            var cluster = ImmutableArray.CreateBuilder<GrantedRule>();
            var byNamespace = new Dictionary<string, ImmutableArray<GrantedRule>.Builder>(StringComparer.Ordinal);
            IEnumerable<string> keys = ["User:" + user.Name, .. user.Groups.Select(g => "Group:" + g)];
            foreach (var key in keys)
            {
                if (!_bySubject.TryGetValue(key, out var bindings))
                {
                    continue;
                }

                foreach (var binding in bindings)
                {
                    var rules = binding.RoleKind switch
                    {
                        "ClusterRole" => _clusterRoles.GetValueOrDefault(binding.RoleName, []),
                        "Role" when binding.Namespace is not null => _roles.GetValueOrDefault((binding.Namespace, binding.RoleName), []),
                        _ => [],
                    };
                    var target = cluster;
                    if (binding.Namespace is { } ns)
                    {
                        if (!byNamespace.TryGetValue(ns, out target))
                        {
                            byNamespace[ns] = target = ImmutableArray.CreateBuilder<GrantedRule>();
                        }
                    }

                    foreach (var rule in rules)
                    {
                        target.Add(new GrantedRule(rule, binding.Description));
                    }
                }
            }

            return new UserRules(cluster.ToImmutable(),
                byNamespace.ToFrozenDictionary(kv => kv.Key, kv => kv.Value.ToImmutable(), StringComparer.Ordinal));
        }

        private static ImmutableArray<PolicyRule> Aggregate(JsonObject aggregation, IEnumerable<JsonObject> clusterRoles)
        {
            var selectors = (aggregation["clusterRoleSelectors"] as JsonArray ?? []).OfType<JsonObject>().Select(SelectorOf).ToList();
            return [.. clusterRoles
                .Where(r => r["aggregationRule"] is null)
                .Where(r => selectors.Any(matches => matches(Json.Labels(r))))
                .OrderBy(r => Json.Name(r), StringComparer.Ordinal)
                .SelectMany(r => RulesOf(r))];
        }

        /// <summary>metav1.LabelSelector matching; an empty selector matches nothing in an aggregation rule.</summary>
        private static Func<IReadOnlyDictionary<string, string>, bool> SelectorOf(JsonObject selector)
        {
            var matchLabels = (selector["matchLabels"] as JsonObject ?? []).Select(kv => (kv.Key, Value: Json.Str(kv.Value))).ToList();
            var expressions = (selector["matchExpressions"] as JsonArray ?? []).OfType<JsonObject>().Select(e => (
                Key: Json.Str(e["key"]) ?? "",
                Operator: Json.Str(e["operator"]) ?? "",
                Values: (e["values"] as JsonArray ?? []).Select(Json.Str).OfType<string>().ToHashSet(StringComparer.Ordinal))).ToList();
            if (matchLabels.Count == 0 && expressions.Count == 0)
            {
                return _ => false;
            }

            return labels => matchLabels.All(m => labels.TryGetValue(m.Key, out var v) && v == m.Value)
                && expressions.All(e => e.Operator switch
                {
                    "In" => labels.TryGetValue(e.Key, out var v) && e.Values.Contains(v),
                    "NotIn" => !labels.TryGetValue(e.Key, out var v) || !e.Values.Contains(v),
                    "Exists" => labels.ContainsKey(e.Key),
                    "DoesNotExist" => !labels.ContainsKey(e.Key),
                    _ => false,
                });
        }

        private static ImmutableArray<PolicyRule> RulesOf(JsonObject role) =>
            [.. (role["rules"] as JsonArray ?? []).OfType<JsonObject>().Select(RuleOf)];

        private static PolicyRule RuleOf(JsonObject rule)
        {
            static ImmutableArray<string> Strings(JsonNode? node) =>
                [.. (node as JsonArray ?? []).Select(Json.Str).OfType<string>()];
            return new PolicyRule(Strings(rule["verbs"]), Strings(rule["apiGroups"]), Strings(rule["resources"]),
                Strings(rule["resourceNames"]), Strings(rule["nonResourceURLs"]));
        }
    }
}
