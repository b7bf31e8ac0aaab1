using System.Collections.Immutable;

using TrafficConsole.Mesh.Analysis;
using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Services;
using TrafficConsole.Mesh.Validation;

using static TrafficConsole.Mesh.Tests.TestData.BookinfoYaml;
using static TrafficConsole.Mesh.Tests.TestData.Samples;

namespace TrafficConsole.Mesh.Tests.Analysis;

/// <summary>MeshAnalyzer.Analyze: a snapshot checked as a whole, like istioctl analyze.</summary>
public class AnalyzeTests
{
    private static ImmutableArray<ResourceIssue> Analyze(ClusterResources resources) => MeshAnalyzer.Analyze(resources);

    private static VirtualService VsYaml(string name, string spec, string ns = Ns) =>
        Read<VirtualService>($"{{apiVersion: networking.istio.io/v1, kind: VirtualService, metadata: {{name: {name}, namespace: {ns}}}, spec: {spec}}}");

    private static DestinationRule DrYaml(string name, string spec, string ns = Ns) =>
        Read<DestinationRule>($"{{apiVersion: networking.istio.io/v1, kind: DestinationRule, metadata: {{name: {name}, namespace: {ns}}}, spec: {spec}}}");

    private static ResourceIssue[] WithCode(IEnumerable<ResourceIssue> issues, string code) => [.. issues.Where(i => i.Issue.Code == code)];

    [Fact]
    public void The_Bookinfo_cluster_has_no_findings()
    {
        Assert.Empty(Analyze(Cluster()));
    }

    [Fact]
    public void A_route_to_a_subset_no_DestinationRule_of_the_snapshot_defines_is_reported_with_its_resource()
    {
        ClusterResources resources = Cluster() with
        {
            VirtualServices = [SplitService("1", ("v1", 50), ("v4", 50))],
        };

        ResourceIssue issue = Assert.Single(WithCode(Analyze(resources), ValidationCodes.SubsetNotDefined));

        Assert.Equal((VirtualService.KindName, Ns, "reviews", "spec.http[0].route[1].destination.subset"), (issue.Kind, issue.Namespace, issue.Name, issue.Issue.Path));
    }

    [Fact]
    public void Analyze_includes_every_finding_ValidateResource_has_for_each_resource()
    {
        VirtualService bad = VsYaml("bad", "{hosts: [reviews], http: [{match: [{headers: {'end user': {exact: a}}}], route: [{destination: {host: reviews}}], timeout: '10'}]}");
        DestinationRule badRule = DrYaml("bad", "{host: details, trafficPolicy: {outlierDetection: {interval: x}}}");
        ClusterResources resources = Cluster() with
        {
            VirtualServices = [.. Cluster().VirtualServices, bad],
            DestinationRules = [.. Cluster().DestinationRules, badRule],
        };

        ImmutableArray<ResourceIssue> analyzed = Analyze(resources);

        foreach ((object resource, string name) in new (object, string)[] { (bad, "bad"), (badRule, "bad") })
        {
            ImmutableArray<ValidationIssue> own = MeshAnalyzer.ValidateResource(resource);
            Assert.NotEmpty(own);
            Assert.All(own, issue => Assert.Contains(analyzed, a => a.Name == name && a.Issue == issue));
        }
    }

    [Fact]
    public void A_subset_that_selects_no_workload_is_reported_only_when_workloads_are_known()
    {
        ClusterResources resources = Cluster() with { DestinationRules = [SubsetRule(versions: ["v1", "v2", "v3", "v4"]), Read<DestinationRule>(RatingsRules)] };

        ResourceIssue issue = Assert.Single(WithCode(Analyze(resources), ValidationCodes.SubsetSelectsNoWorkload));
        Assert.Equal("spec.subsets[3].labels", issue.Issue.Path);
        Assert.Empty(WithCode(Analyze(resources with { KnowsWorkloads = false }), ValidationCodes.SubsetSelectsNoWorkload));
    }

    [Fact]
    public void A_subset_whose_workloads_have_no_ready_pods_is_a_warning()
    {
        ClusterResources resources = Cluster() with
        {
            Workloads = [ReviewsVersion("v1"), ReviewsVersion("v2"), ReviewsVersion("v3", ready: 0), .. Cluster().Workloads.Where(static w => !w.Name.StartsWith("reviews", StringComparison.Ordinal))],
        };

        ResourceIssue issue = Assert.Single(WithCode(Analyze(resources), ValidationCodes.SubsetWithoutReadyPods));

        Assert.Equal((DestinationRule.KindName, "reviews", Severity.Warning, "spec.subsets[2].labels"), (issue.Kind, issue.Name, issue.Issue.Severity, issue.Issue.Path));
        Assert.Contains("reviews-v3", issue.Issue.Message, StringComparison.Ordinal);
        Assert.Empty(WithCode(Analyze(Cluster()), ValidationCodes.SubsetWithoutReadyPods));
    }

    [Fact]
    public void A_destination_host_that_is_no_service_is_an_error_and_an_external_one_a_warning()
    {
        VirtualService vs = VsYaml("typo", "{hosts: [details], http: [{route: [{destination: {host: detials}}], mirror: {host: api.example.com}}]}");
        ClusterResources resources = Cluster() with { VirtualServices = [.. Cluster().VirtualServices, vs] };

        ImmutableArray<ResourceIssue> issues = Analyze(resources);

        ResourceIssue unknown = Assert.Single(WithCode(issues, ValidationCodes.UnknownDestinationHost));
        Assert.Equal((Severity.Error, "spec.http[0].route[0].destination.host"), (unknown.Issue.Severity, unknown.Issue.Path));
        Assert.Contains("detials.bookinfo.svc.cluster.local", unknown.Issue.Message, StringComparison.Ordinal);
        ResourceIssue external = Assert.Single(WithCode(issues, ValidationCodes.ExternalDestinationHost));
        Assert.Equal((Severity.Warning, "spec.http[0].mirror.host"), (external.Issue.Severity, external.Issue.Path));
        Assert.Empty(Analyze(resources with { KnowsWorkloads = false }).Where(static i => i.Issue.Code is ValidationCodes.UnknownDestinationHost or ValidationCodes.ExternalDestinationHost));
    }

    [Fact]
    public void An_HTTPRoute_backend_Service_that_does_not_exist_is_an_error()
    {
        ClusterResources resources = Cluster() with { HttpRoutes = [Read<HttpRoute>(GatewayApiSplit)] };

        ResourceIssue[] missing = WithCode(Analyze(resources), ValidationCodes.UnknownDestinationHost);

        Assert.Equal(["spec.rules[0].backendRefs[0].name", "spec.rules[0].backendRefs[1].name"], missing.Select(static m => m.Issue.Path));
        Assert.All(missing, static m => Assert.Equal((HttpRoute.KindName, "reviews"), (m.Kind, m.Name)));
        Assert.Empty(WithCode(Analyze(resources with { Services = [.. Cluster().Services, Service("reviews-v1"), Service("reviews-v2")] }), ValidationCodes.UnknownDestinationHost));
    }

    [Fact]
    public void Hosts_resolve_relative_to_the_VirtualService_namespace()
    {
        VirtualService elsewhere = VsYaml("reviews", "{hosts: [reviews], http: [{route: [{destination: {host: reviews}}]}]}", ns: "shop");
        VirtualService qualified = VsYaml("to-reviews", "{hosts: [front], http: [{route: [{destination: {host: reviews.bookinfo}}]}]}", ns: "shop");
        ClusterResources resources = Cluster() with { VirtualServices = [elsewhere, qualified] };

        ResourceIssue issue = Assert.Single(WithCode(Analyze(resources), ValidationCodes.UnknownDestinationHost));

        Assert.Equal(("shop", "reviews"), (issue.Namespace, issue.Name));
    }

    [Fact]
    public void Two_VirtualServices_for_one_host_on_sidecars_conflict()
    {
        VirtualService second = VsYaml("reviews-canary", "{hosts: [reviews.bookinfo.svc.cluster.local], http: [{route: [{destination: {host: reviews, subset: v1}}]}]}");
        ClusterResources resources = Cluster() with { VirtualServices = [.. Cluster().VirtualServices, second] };

        ResourceIssue[] conflicts = WithCode(Analyze(resources), ValidationCodes.ConflictingVirtualServices);

        Assert.Equal(["reviews", "reviews-canary"], conflicts.Select(static c => c.Name).Order(StringComparer.Ordinal));
        Assert.All(conflicts, static c => Assert.Equal((Severity.Error, "spec.hosts[0]"), (c.Issue.Severity, c.Issue.Path)));
        Assert.Contains("bookinfo/reviews-canary", conflicts.Single(static c => c.Name == "reviews").Issue.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void VirtualServices_for_one_host_on_one_gateway_are_merged_and_on_different_gateways_are_fine()
    {
        VirtualService a = VsYaml("shop-a", "{hosts: [bookinfo.example.com], gateways: [bookinfo-gateway], http: [{match: [{uri: {prefix: /a}}], route: [{destination: {host: productpage}}]}]}");
        VirtualService b = VsYaml("shop-b", "{hosts: [bookinfo.example.com], gateways: [bookinfo/bookinfo-gateway], http: [{route: [{destination: {host: productpage}}]}]}");
        VirtualService mesh = VsYaml("shop-mesh", "{hosts: [bookinfo.example.com], http: [{route: [{destination: {host: productpage}}]}]}");

        ResourceIssue[] merged = WithCode(Analyze(Cluster() with { VirtualServices = [a, b, mesh] }), ValidationCodes.MergedGatewayVirtualServices);

        Assert.Equal(["shop-a", "shop-b"], merged.Select(static m => m.Name).Order(StringComparer.Ordinal));
        Assert.All(merged, static m => Assert.Equal(Severity.Warning, m.Issue.Severity));
        Assert.Empty(WithCode(Analyze(Cluster() with { VirtualServices = [a, b, mesh] }), ValidationCodes.ConflictingVirtualServices));
    }

    [Fact]
    public void Two_DestinationRules_for_one_host_in_one_namespace_conflict_unless_one_selects_workloads()
    {
        DestinationRule second = DrYaml("reviews-tls", "{host: reviews.bookinfo.svc.cluster.local, trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}}");
        DestinationRule selective = DrYaml("reviews-for-v1", "{host: reviews, workloadSelector: {matchLabels: {app: productpage}}, trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}}");
        DestinationRule otherNamespace = DrYaml("reviews", "{host: reviews.bookinfo.svc.cluster.local, trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}}", ns: "shop");

        ResourceIssue[] conflicts = WithCode(Analyze(Cluster() with { DestinationRules = [.. Cluster().DestinationRules, second] }), ValidationCodes.ConflictingDestinationRules);
        ResourceIssue[] none = WithCode(Analyze(Cluster() with { DestinationRules = [.. Cluster().DestinationRules, selective, otherNamespace] }), ValidationCodes.ConflictingDestinationRules);

        Assert.Equal(["reviews", "reviews-tls"], conflicts.Select(static c => c.Name).Order(StringComparer.Ordinal));
        Assert.All(conflicts, static c => Assert.Equal((Severity.Warning, "spec.host"), (c.Issue.Severity, c.Issue.Path)));
        Assert.Empty(none);
    }

    [Fact]
    public void A_gateway_the_snapshot_does_not_have_is_an_error_and_mesh_is_implicit()
    {
        VirtualService vs = VsYaml("shop", "{hosts: [shop.example.com], gateways: [missing-gateway, istio-system/ingress, mesh], http: [{match: [{gateways: [bookinfo/nope]}], route: [{destination: {host: productpage}}]}, {route: [{destination: {host: productpage}}]}]}");

        ResourceIssue[] missing = WithCode(Analyze(Cluster() with { VirtualServices = [vs] }), ValidationCodes.UnknownGateway);

        Assert.Equal(["spec.gateways[0]", "spec.gateways[1]", "spec.http[0].match[0].gateways[0]"], missing.Select(static m => m.Issue.Path));
        Assert.Contains("bookinfo/missing-gateway", missing[0].Issue.Message, StringComparison.Ordinal);
        Assert.Contains("namespace (bookinfo)", missing[0].Issue.Message, StringComparison.Ordinal);
        Assert.All(missing, static m => Assert.Equal(Severity.Error, m.Issue.Severity));
    }

    [Fact]
    public void A_host_the_gateway_does_not_serve_is_a_warning()
    {
        IstioGateway narrow = Read<IstioGateway>("{apiVersion: networking.istio.io/v1, kind: Gateway, metadata: {name: shop-gateway, namespace: bookinfo}, spec: {servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ['bookinfo.example.com', 'other/*.example.org']}]}}");
        VirtualService wrongHost = VsYaml("shop", "{hosts: [shop.example.com], gateways: [shop-gateway], http: [{route: [{destination: {host: productpage}}]}]}");
        VirtualService wildcard = VsYaml("any", "{hosts: ['*.example.com'], gateways: [shop-gateway], http: [{route: [{destination: {host: productpage}}]}]}");
        VirtualService otherNamespaceOnly = VsYaml("org", "{hosts: [a.example.org], gateways: [shop-gateway], http: [{route: [{destination: {host: productpage}}]}]}");
        ClusterResources resources = Cluster() with { Gateways = [.. Cluster().Gateways, narrow], VirtualServices = [wrongHost, wildcard, otherNamespaceOnly] };

        ResourceIssue[] issues = WithCode(Analyze(resources), ValidationCodes.HostNotOnGateway);

        Assert.Equal(["org", "shop"], issues.Select(static i => i.Name).Order(StringComparer.Ordinal));
        Assert.All(issues, static i => Assert.Equal((Severity.Warning, "spec.gateways[0]"), (i.Issue.Severity, i.Issue.Path)));
    }

    [Fact]
    public void Shadowed_rules_are_reported_by_analyze_too_once_each()
    {
        VirtualService vs = VsYaml("reviews", "{hosts: [reviews], http: [{match: [{headers: {end-user: {exact: jason}}}], route: [{destination: {host: reviews, subset: v2}}]}, {match: [{headers: {end-user: {exact: jason}}}], route: [{destination: {host: reviews, subset: v3}}]}, {route: [{destination: {host: reviews, subset: v1}}]}, {route: [{destination: {host: reviews, subset: v3}}]}]}");

        ImmutableArray<ResourceIssue> issues = Analyze(Cluster() with { VirtualServices = [vs] });

        Assert.Equal("spec.http[1].match", Assert.Single(WithCode(issues, ValidationCodes.ShadowedByIdenticalMatch)).Issue.Path);
        Assert.Equal("spec.http[3]", Assert.Single(WithCode(issues, ValidationCodes.UnreachableRoute)).Issue.Path);
    }

    [Fact]
    public void Findings_are_grouped_by_resource_in_a_stable_order()
    {
        VirtualService b = VsYaml("b", "{hosts: [details], http: [{route: [{destination: {host: nowhere}}]}]}");
        VirtualService a = VsYaml("a", "{hosts: [ratings2], http: [{route: [{destination: {host: nowhere2}}]}]}");
        ClusterResources resources = Cluster() with { VirtualServices = [b, a], DestinationRules = [DrYaml("x", "{host: reviews, trafficPolicy: {}}")] };

        ImmutableArray<ResourceIssue> first = Analyze(resources);
        ImmutableArray<ResourceIssue> second = Analyze(resources);

        Assert.Equal(first.ToArray(), second.ToArray());
        Assert.Equal(["VirtualService/a", "VirtualService/b", "DestinationRule/x"], first.Select(static i => $"{i.Kind}/{i.Name}").Distinct());
    }

    [Fact]
    public void A_resource_with_empty_entries_is_reported_and_left_out_of_the_cross_checks()
    {
        VirtualService broken = VsYaml("broken", "{hosts: [reviews], http: [null, {route: [{destination: {host: reviews, subset: v9}}]}]}");

        ImmutableArray<ResourceIssue> issues = Analyze(Cluster() with { VirtualServices = [.. Cluster().VirtualServices, broken] });

        ResourceIssue issue = Assert.Single(issues);
        Assert.Equal(("broken", ValidationCodes.MalformedResource, "spec.http[0]"), (issue.Name, issue.Issue.Code, issue.Issue.Path));
    }

    [Fact]
    public void An_empty_snapshot_has_no_findings()
    {
        Assert.Empty(Analyze(new ClusterResources()));
        Assert.Empty(Analyze(new ClusterResources { KnowsWorkloads = false, Services = [], Workloads = ImmutableArray<Workload>.Empty }));
    }
}
