using System.Collections.Frozen;
using System.Collections.Immutable;

namespace TrafficConsole.Sandbox.Api;

/// <summary>Every kind the sandbox serves, and look-ups by group/version/plural.</summary>
public static class ResourceCatalog
{
    public static ResourceType Namespaces { get; } = new()
    {
        Group = "", Versions = ["v1"], Plural = "namespaces", Singular = "namespace", Kind = "Namespace",
        Namespaced = false, ShortNames = ["ns"], HasStatusSubresource = true, NameRule = NameRule.Label,
    };

    public static ResourceType Services { get; } = new()
    {
        Group = "", Versions = ["v1"], Plural = "services", Singular = "service", Kind = "Service",
        Namespaced = true, ShortNames = ["svc"], Categories = ["all"], HasStatusSubresource = true,
        NameRule = NameRule.Dns1035Label,
    };

    public static ResourceType Pods { get; } = new()
    {
        Group = "", Versions = ["v1"], Plural = "pods", Singular = "pod", Kind = "Pod",
        Namespaced = true, ShortNames = ["po"], Categories = ["all"], HasStatusSubresource = true,
    };

    public static ResourceType ConfigMaps { get; } = new()
    {
        Group = "", Versions = ["v1"], Plural = "configmaps", Singular = "configmap", Kind = "ConfigMap",
        Namespaced = true, ShortNames = ["cm"],
    };

    public static ResourceType Secrets { get; } = new()
    {
        Group = "", Versions = ["v1"], Plural = "secrets", Singular = "secret", Kind = "Secret", Namespaced = true,
    };

    public static ResourceType ServiceAccounts { get; } = new()
    {
        Group = "", Versions = ["v1"], Plural = "serviceaccounts", Singular = "serviceaccount",
        Kind = "ServiceAccount", Namespaced = true, ShortNames = ["sa"],
    };

    /// <summary>Stored as written; nothing in the sandbox emits events, so it is empty unless a client writes some.</summary>
    public static ResourceType Events { get; } = new()
    {
        Group = "", Versions = ["v1"], Plural = "events", Singular = "event", Kind = "Event", Namespaced = true, ShortNames = ["ev"],
    };

    public static ResourceType Deployments { get; } = new()
    {
        Group = "apps", Versions = ["v1"], Plural = "deployments", Singular = "deployment", Kind = "Deployment",
        Namespaced = true, ShortNames = ["deploy"], Categories = ["all"], HasStatusSubresource = true,
        HasScaleSubresource = true, HasGeneration = true,
    };

    public static ResourceType VirtualServices { get; } = Istio("virtualservices", "virtualservice", "VirtualService", "vs");

    public static ResourceType DestinationRules { get; } = Istio("destinationrules", "destinationrule", "DestinationRule", "dr");

    public static ResourceType IstioGateways { get; } = Istio("gateways", "gateway", "Gateway", "gw");

    public static ResourceType HttpRoutes { get; } = new()
    {
        Group = "gateway.networking.k8s.io", Versions = ["v1"], Plural = "httproutes", Singular = "httproute",
        Kind = "HTTPRoute", Namespaced = true, Categories = ["gateway-api"], IsCustom = true,
        HasStatusSubresource = true, HasGeneration = true,
    };

    public static ResourceType K8sGateways { get; } = new()
    {
        Group = "gateway.networking.k8s.io", Versions = ["v1"], Plural = "gateways", Singular = "gateway",
        Kind = "Gateway", Namespaced = true, ShortNames = ["gtw"], Categories = ["gateway-api"], IsCustom = true,
        HasStatusSubresource = true, HasGeneration = true,
    };

    public static ResourceType Leases { get; } = new()
    {
        Group = "coordination.k8s.io", Versions = ["v1"], Plural = "leases", Singular = "lease", Kind = "Lease",
        Namespaced = true,
    };

    public static ResourceType Roles { get; } = Rbac("roles", "role", "Role", namespaced: true);

    public static ResourceType RoleBindings { get; } = Rbac("rolebindings", "rolebinding", "RoleBinding", namespaced: true);

    public static ResourceType ClusterRoles { get; } = Rbac("clusterroles", "clusterrole", "ClusterRole", namespaced: false);

    public static ResourceType ClusterRoleBindings { get; } =
        Rbac("clusterrolebindings", "clusterrolebinding", "ClusterRoleBinding", namespaced: false);

    // Served so the console's Helm chart installs into the sandbox (stored, not enforced).
    public static ResourceType Ingresses { get; } = new()
    {
        Group = "networking.k8s.io", Versions = ["v1"], Plural = "ingresses", Singular = "ingress", Kind = "Ingress",
        Namespaced = true, ShortNames = ["ing"], HasStatusSubresource = true, HasGeneration = true,
    };

    public static ResourceType NetworkPolicies { get; } = new()
    {
        Group = "networking.k8s.io", Versions = ["v1"], Plural = "networkpolicies", Singular = "networkpolicy",
        Kind = "NetworkPolicy", Namespaced = true, ShortNames = ["netpol"], HasGeneration = true,
    };

    public static ResourceType PodDisruptionBudgets { get; } = new()
    {
        Group = "policy", Versions = ["v1"], Plural = "poddisruptionbudgets", Singular = "poddisruptionbudget",
        Kind = "PodDisruptionBudget", Namespaced = true, ShortNames = ["pdb"], HasStatusSubresource = true,
        HasGeneration = true,
    };

    public static ResourceType SelfSubjectAccessReviews { get; } = new()
    {
        Group = "authorization.k8s.io", Versions = ["v1"], Plural = "selfsubjectaccessreviews", Singular = "selfsubjectaccessreview",
        Kind = "SelfSubjectAccessReview", Namespaced = false, IsReview = true,
    };

    public static ResourceType SelfSubjectReviews { get; } = new()
    {
        Group = "authentication.k8s.io", Versions = ["v1"], Plural = "selfsubjectreviews", Singular = "selfsubjectreview",
        Kind = "SelfSubjectReview", Namespaced = false, IsReview = true,
    };

    public static ResourceType SelfSubjectRulesReviews { get; } = new()
    {
        Group = "authorization.k8s.io", Versions = ["v1"], Plural = "selfsubjectrulesreviews", Singular = "selfsubjectrulesreview",
        Kind = "SelfSubjectRulesReview", Namespaced = false, IsReview = true,
    };

    public static ResourceType TokenReviews { get; } = new()
    {
        Group = "authentication.k8s.io", Versions = ["v1"], Plural = "tokenreviews", Singular = "tokenreview",
        Kind = "TokenReview", Namespaced = false, IsReview = true,
    };

    public static ImmutableArray<ResourceType> All { get; } =
    [
        Namespaces, Services, Pods, ConfigMaps, Secrets, ServiceAccounts, Events, Deployments,
        VirtualServices, DestinationRules, IstioGateways, HttpRoutes, K8sGateways, Leases,
        Roles, RoleBindings, ClusterRoles, ClusterRoleBindings, SelfSubjectAccessReviews, SelfSubjectRulesReviews, SelfSubjectReviews, TokenReviews,
        Ingresses, NetworkPolicies, PodDisruptionBudgets,
    ];

    /// <summary>Groups in the order discovery lists them, each with its versions (preferred first).</summary>
    public static ImmutableArray<(string Group, ImmutableArray<string> Versions)> Groups { get; } =
        [.. All.Where(t => t.Group.Length > 0).GroupBy(t => t.Group)
            .Select(g => (g.Key, g.SelectMany(t => t.Versions).Distinct().ToImmutableArray()))];

    private static readonly FrozenDictionary<string, ResourceType> ByPath = All
        .SelectMany(t => t.Versions.Select(v => (Key: $"{t.Group}/{v}/{t.Plural}", Type: t)))
        .ToFrozenDictionary(x => x.Key, x => x.Type, StringComparer.Ordinal);

    public static ResourceType? Find(string group, string version, string plural) =>
        ByPath.GetValueOrDefault($"{group}/{version}/{plural}");

    public static bool Serves(string group, string version) =>
        All.Any(t => t.Group == group && t.Versions.Contains(version));

    public static IEnumerable<ResourceType> InGroupVersion(string group, string version) =>
        All.Where(t => t.Group == group && t.Versions.Contains(version));

    private static ResourceType Istio(string plural, string singular, string kind, string shortName) => new()
    {
        Group = "networking.istio.io", Versions = ["v1", "v1beta1"], Plural = plural, Singular = singular,
        Kind = kind, Namespaced = true, ShortNames = [shortName], Categories = ["istio-io", "networking-istio-io"],
        IsCustom = true, HasStatusSubresource = true, HasGeneration = true,
    };

    private static ResourceType Rbac(string plural, string singular, string kind, bool namespaced) => new()
    {
        Group = "rbac.authorization.k8s.io", Versions = ["v1"], Plural = plural, Singular = singular, Kind = kind,
        Namespaced = namespaced, NameRule = NameRule.PathSegment,
    };
}
