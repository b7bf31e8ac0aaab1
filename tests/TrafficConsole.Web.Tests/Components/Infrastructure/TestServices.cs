using System.Collections.Immutable;

using TrafficConsole.Web.Model;

namespace TrafficConsole.Web.Tests.Components.Infrastructure;

/// <summary>Builders for the view models the fake service hands out.</summary>
public static class TestServices
{
    public static VersionSummary Version(string name, int ready = 1, int desired = 1, string? workload = null, string app = "app") =>
        new(name, name, "version", [workload ?? $"{app}-{name}"],
            ImmutableDictionary<string, string>.Empty.Add("app", app).Add("version", name), desired, ready);

    public static ServiceDetail Service(
        string ns,
        string name,
        ImmutableArray<VersionSummary> versions,
        RoutingKind kind = RoutingKind.None,
        ImmutableArray<WeightShare> effective = default,
        string? readOnlyReason = null,
        ImmutableArray<ValidationMessage> validation = default,
        string? changedBy = null,
        MirrorShare? mirror = null)
    {
        string revision = kind == RoutingKind.None ? "none" : "rv-1";
        var routing = new RoutingSummary(
            kind,
            effective.IsDefault ? [] : effective,
            Implied(versions),
            mirror,
            readOnlyReason,
            ManagedByTrafficConsole: kind is RoutingKind.Split,
            revision);
        var summary = new ServiceSummary(ns, name, versions, routing, validation.IsDefault ? [] : validation, changedBy,
            changedBy is null ? null : DateTimeOffset.UtcNow.AddMinutes(-5));
        ImmutableArray<string> resources = kind == RoutingKind.None
            ? []
            : [$"VirtualService {ns}/{name}", $"DestinationRule {ns}/{name}"];
        return new ServiceDetail(summary, $"{name}.{ns}.svc.cluster.local", resources,
            kind == RoutingKind.None ? null : RenderVirtualService(name, $"{name}.{ns}.svc.cluster.local", routing.Effective),
            kind == RoutingKind.None ? null : $"kind: DestinationRule\nmetadata:\n  name: {name}\n");
    }

    /// <summary>The same service with new routing, as a write (by <paramref name="actor"/>) would leave it.</summary>
    public static ServiceDetail WithRouting(ServiceDetail detail, RoutingKind kind, ImmutableArray<WeightShare> weights, string revision, string actor, MirrorShare? mirror)
    {
        ArgumentNullException.ThrowIfNull(detail);
        RoutingSummary routing = detail.Summary.Routing with
        {
            Kind = kind,
            Effective = weights.IsDefault ? [] : weights,
            Revision = revision,
            Mirror = mirror,
            ReadOnlyReason = null,
        };
        ServiceSummary summary = detail.Summary with { Routing = routing, LastChangedBy = actor, LastChangedAt = DateTimeOffset.UtcNow };
        ImmutableArray<string> resources = kind == RoutingKind.None
            ? []
            : [$"VirtualService {summary.Namespace}/{summary.Name}", $"DestinationRule {summary.Namespace}/{summary.Name}"];
        return detail with { Summary = summary, RoutingResources = resources };
    }

    /// <summary>The same service with other replica counts.</summary>
    public static ServiceDetail WithVersions(ServiceDetail detail, ImmutableArray<VersionSummary> versions)
    {
        ArgumentNullException.ThrowIfNull(detail);
        RoutingSummary routing = detail.Summary.Routing with { ImpliedByReplicas = Implied(versions) };
        return detail with { Summary = detail.Summary with { Versions = versions, Routing = routing } };
    }

    public static ImmutableArray<WeightShare> Weights(params (string Version, int Percent)[] weights) =>
        [.. weights.Select(static w => new WeightShare(w.Version, w.Percent))];

    /// <summary>The bookinfo demo: reviews has three versions and no routing.</summary>
    public static FakeTrafficService Bookinfo()
    {
        var fake = new FakeTrafficService();
        fake.Put(Service("bookinfo", "productpage", [Version("v1", app: "productpage")]));
        fake.Put(Service("bookinfo", "details", [Version("v1", app: "details")]));
        fake.Put(Service("bookinfo", "ratings", [Version("v1", app: "ratings")]));
        fake.Put(Service("bookinfo", "reviews", [Version("v1", app: "reviews"), Version("v2", app: "reviews"), Version("v3", app: "reviews")]));
        fake.Put(Service("default", "echo", [Version("v1", app: "echo")]));
        return fake;
    }

    public static string RenderVirtualService(string name, string host, ImmutableArray<WeightShare> weights)
    {
        var yaml = new System.Text.StringBuilder();
        yaml.Append("apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: ").Append(name)
            .Append("\nspec:\n  hosts:\n  - ").Append(host).Append("\n  http:\n  - route:\n");
        foreach (WeightShare share in weights)
        {
            yaml.Append("    - destination:\n        host: ").Append(host)
                .Append("\n        subset: ").Append(share.Version)
                .Append("\n      weight: ").Append(share.Percent).Append('\n');
        }

        return yaml.ToString();
    }

    // Largest remainder over ready replicas, the way the domain computes it (ties to the later ones).
    private static ImmutableArray<WeightShare> Implied(ImmutableArray<VersionSummary> versions)
    {
        int total = versions.Sum(static v => v.ReadyReplicas);
        if (total == 0)
        {
            return [];
        }

        int[] shares = [.. versions.Select(v => v.ReadyReplicas * 100 / total)];
        int left = 100 - shares.Sum();
        int[] order = [.. Enumerable.Range(0, versions.Length)
            .OrderByDescending(i => (versions[i].ReadyReplicas * 100) % total).ThenByDescending(static i => i)];
        foreach (int i in order.Take(left))
        {
            shares[i]++;
        }

        return [.. versions.Select((v, i) => new WeightShare(v.Name, shares[i]))];
    }
}
