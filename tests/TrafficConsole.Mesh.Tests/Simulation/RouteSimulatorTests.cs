using System.Collections.Immutable;

using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Simulation;
using TrafficConsole.Mesh.Yaml;

using static TrafficConsole.Mesh.Tests.TestData.Samples;

namespace TrafficConsole.Mesh.Tests.Simulation;

public class RouteSimulatorTests
{
    private const string JasonVirtualService = """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: reviews
          namespace: bookinfo
        spec:
          hosts:
          - reviews
          http:
          - name: jason
            match:
            - headers:
                end-user:
                  exact: jason
            route:
            - destination:
                host: reviews
                subset: v2
          - route:
            - destination:
                host: reviews
                subset: v3
        """;

    private static ImmutableDictionary<string, string> Versions { get; } = RouteSimulator.SubsetVersions(SubsetRule());

    private static VirtualService Vs(string yaml) => ResourceYaml.Deserialize<VirtualService>(yaml);

    // A VirtualService in bookinfo for host reviews with the given http section (indented by two spaces).
    private static VirtualService Http(string http, string extraSpec = "") => Vs($"""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: reviews
          namespace: bookinfo
        spec:
          hosts:
          - reviews
        {extraSpec}
          http:
        {http}
        """);

    private static SimulatedRequest Request(string path = "/", params (string Name, string Value)[] headers) => new()
    {
        Path = path,
        Headers = headers.ToImmutableDictionary(static h => h.Name, static h => h.Value, StringComparer.OrdinalIgnoreCase),
    };

    private static SimulationResult Simulate(VirtualService vs, SimulatedRequest request) => RouteSimulator.Simulate(vs, request, Versions);

    [Fact]
    public void Jason_reaches_v2_through_the_header_rule()
    {
        SimulationResult result = Simulate(Vs(JasonVirtualService), Request("/", ("end-user", "jason")));

        Assert.True(result.Matched);
        Assert.Equal(0, result.RuleIndex);
        DestinationShare share = Assert.Single(result.Destinations);
        Assert.Equal(("reviews", "v2", "v2", 1.0), (share.Host, share.Subset, share.Version, share.Probability));
        Assert.Contains("'jason'", result.Summary, StringComparison.Ordinal);
        Assert.Contains("reviews v2 100%", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Anyone_else_falls_through_to_the_default_and_is_told_why_the_header_rule_did_not_apply()
    {
        SimulationResult anonymous = Simulate(Vs(JasonVirtualService), Request("/"));
        SimulationResult bob = Simulate(Vs(JasonVirtualService), Request("/", ("end-user", "bob")));

        Assert.Equal(1, anonymous.RuleIndex);
        Assert.Equal("v3", Assert.Single(anonymous.Destinations).Subset);
        Assert.Equal(2, anonymous.Evaluations.Length);
        Assert.False(anonymous.Evaluations[0].Matched);
        Assert.Equal("header end-user is absent", Assert.Single(anonymous.Evaluations[0].Reasons));
        Assert.True(anonymous.Evaluations[1].Matched);
        Assert.Equal("no match conditions: takes every request", Assert.Single(anonymous.Evaluations[1].Reasons));
        Assert.Equal("header end-user \"bob\" is not \"jason\"", Assert.Single(bob.Evaluations[0].Reasons));
    }

    [Fact]
    public void Header_names_are_case_insensitive_but_values_are_not()
    {
        Assert.Equal(0, Simulate(Vs(JasonVirtualService), Request("/", ("End-User", "jason"))).RuleIndex);
        Assert.Equal(1, Simulate(Vs(JasonVirtualService), Request("/", ("end-user", "Jason"))).RuleIndex);
    }

    [Fact]
    public void The_first_matching_rule_wins_and_later_rules_are_not_evaluated()
    {
        VirtualService vs = Http("""
          - match:
            - uri:
                prefix: /api
            route:
            - destination: { host: reviews, subset: v1 }
          - match:
            - uri:
                prefix: /api/v2
            route:
            - destination: { host: reviews, subset: v2 }
          - route:
            - destination: { host: reviews, subset: v3 }
        """);

        SimulationResult result = Simulate(vs, Request("/api/v2/books"));

        Assert.Equal(0, result.RuleIndex);
        Assert.Single(result.Evaluations);
        Assert.Equal("v1", Assert.Single(result.Destinations).Version);
    }

    [Fact]
    public void Conditions_of_one_match_are_ANDed_and_every_failing_one_is_named()
    {
        VirtualService vs = Http("""
          - match:
            - uri:
                prefix: /api
              headers:
                end-user:
                  exact: jason
            route:
            - destination: { host: reviews, subset: v2 }
        """);

        SimulationResult onlyHeader = Simulate(vs, Request("/productpage", ("end-user", "jason")));
        SimulationResult neither = Simulate(vs, Request("/productpage"));
        SimulationResult both = Simulate(vs, Request("/api/books", ("end-user", "jason")));

        Assert.False(onlyHeader.Matched);
        Assert.Equal("uri /productpage does not start with \"/api\"", Assert.Single(onlyHeader.Evaluations[0].Reasons));
        Assert.Equal("uri /productpage does not start with \"/api\"; header end-user is absent", Assert.Single(neither.Evaluations[0].Reasons));
        Assert.True(both.Matched);
    }

    [Fact]
    public void Alternatives_are_ORed_and_each_failing_alternative_gets_its_own_line()
    {
        VirtualService vs = Http("""
          - match:
            - headers:
                end-user:
                  exact: jason
            - uri:
                exact: /beta
            route:
            - destination: { host: reviews, subset: v2 }
          - route:
            - destination: { host: reviews, subset: v1 }
        """);

        SimulationResult viaUri = Simulate(vs, Request("/beta"));
        SimulationResult none = Simulate(vs, Request("/"));

        Assert.Equal(0, viaUri.RuleIndex);
        Assert.StartsWith("match[1]: matched uri exact \"/beta\"", Assert.Single(viaUri.Evaluations[0].Reasons), StringComparison.Ordinal);
        Assert.Equal(["match[0]: header end-user is absent", "match[1]: uri / is not \"/beta\""], none.Evaluations[0].Reasons.ToArray());
        Assert.Equal(1, none.RuleIndex);
    }

    [Fact]
    public void A_rule_with_an_empty_match_takes_every_request()
    {
        VirtualService vs = Http("""
          - match:
            - {}
            route:
            - destination: { host: reviews, subset: v1 }
        """);

        SimulationResult result = Simulate(vs, Request("/anything"));

        Assert.Equal(0, result.RuleIndex);
        Assert.Equal("an empty match takes every request", Assert.Single(result.Evaluations[0].Reasons));
    }

    [Fact]
    public void A_regex_must_match_the_whole_value_as_in_RE2()
    {
        VirtualService vs = Http("""
          - match:
            - uri:
                regex: /api/v[0-9]+
            route:
            - destination: { host: reviews, subset: v2 }
        """);

        Assert.True(Simulate(vs, Request("/api/v2")).Matched);
        SimulationResult longer = Simulate(vs, Request("/api/v2/books"));
        Assert.False(longer.Matched);
        Assert.Equal("uri /api/v2/books does not match regex \"/api/v[0-9]+\"", Assert.Single(longer.Evaluations[0].Reasons));
    }

    [Fact]
    public void A_regex_RE2_rejects_is_a_non_match_with_the_reason()
    {
        VirtualService vs = Http("""
          - match:
            - headers:
                end-user:
                  regex: (?=jason).*
            route:
            - destination: { host: reviews, subset: v2 }
        """);

        SimulationResult result = Simulate(vs, Request("/", ("end-user", "jason")));

        Assert.False(result.Matched);
        string reason = Assert.Single(result.Evaluations[0].Reasons);
        Assert.Contains("is invalid", reason, StringComparison.Ordinal);
        Assert.Contains("lookahead", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Email_suffix_regex_sends_gmail_users_to_v3()
    {
        VirtualService vs = Http("""
          - match:
            - headers:
                x-user-email:
                  regex: .*@gmail\.com
            route:
            - destination: { host: reviews, subset: v3 }
          - route:
            - destination: { host: reviews, subset: v1 }
              weight: 10
            - destination: { host: reviews, subset: v2 }
              weight: 90
        """);

        Assert.Equal("v3", Assert.Single(Simulate(vs, Request("/", ("x-user-email", "ann@gmail.com"))).Destinations).Version);
        SimulationResult other = Simulate(vs, Request("/", ("x-user-email", "ann@gmail.com.evil.org")));
        Assert.Equal([("v1", 0.1), ("v2", 0.9)], other.Destinations.Select(static d => (d.Version!, d.Probability)));
    }

    [Fact]
    public void IgnoreUriCase_applies_to_exact_and_prefix()
    {
        VirtualService vs = Http("""
          - match:
            - uri:
                exact: /ProductPage
              ignoreUriCase: true
            route:
            - destination: { host: reviews, subset: v1 }
        """);

        Assert.True(Simulate(vs, Request("/productpage")).Matched);
        Assert.False(Simulate(vs, Request("/productpages")).Matched);
    }

    [Fact]
    public void WithoutHeaders_is_satisfied_by_an_absent_header_and_fails_on_a_matching_one()
    {
        VirtualService vs = Http("""
          - match:
            - withoutHeaders:
                end-user:
                  exact: jason
            route:
            - destination: { host: reviews, subset: v1 }
          - route:
            - destination: { host: reviews, subset: v2 }
        """);

        Assert.Equal(0, Simulate(vs, Request("/")).RuleIndex);
        Assert.Equal(0, Simulate(vs, Request("/", ("end-user", "bob"))).RuleIndex);
        SimulationResult jason = Simulate(vs, Request("/", ("end-user", "jason")));
        Assert.Equal(1, jason.RuleIndex);
        Assert.Equal("header end-user \"jason\" matches withoutHeaders exact \"jason\"", Assert.Single(jason.Evaluations[0].Reasons));
    }

    [Fact]
    public void An_absent_header_is_empty_for_withoutHeaders_so_a_condition_matching_empty_fails()
    {
        VirtualService vs = Http("""
          - match:
            - withoutHeaders:
                x-tier:
                  regex: "(gold)?"
            route:
            - destination: { host: reviews, subset: v1 }
        """);

        SimulationResult absent = Simulate(vs, Request("/"));

        Assert.False(absent.Matched);
        Assert.Contains("header x-tier is absent", Assert.Single(absent.Evaluations[0].Reasons), StringComparison.Ordinal);
        Assert.True(Simulate(vs, Request("/", ("x-tier", "silver"))).Matched);
        Assert.False(Simulate(vs, Request("/", ("x-tier", "gold"))).Matched);
    }

    [Fact]
    public void Empty_header_matches_ask_for_presence_and_empty_withoutHeaders_for_absence()
    {
        VirtualService present = Http("""
          - match:
            - headers:
                x-canary: {}
            route:
            - destination: { host: reviews, subset: v2 }
        """);
        VirtualService absent = Http("""
          - match:
            - withoutHeaders:
                x-canary: {}
            route:
            - destination: { host: reviews, subset: v1 }
        """);

        Assert.True(Simulate(present, Request("/", ("x-canary", ""))).Matched);
        Assert.False(Simulate(present, Request("/")).Matched);
        Assert.True(Simulate(absent, Request("/")).Matched);
        SimulationResult failed = Simulate(absent, Request("/", ("x-canary", "1")));
        Assert.Contains("header x-canary is present", Assert.Single(failed.Evaluations[0].Reasons), StringComparison.Ordinal);
    }

    [Fact]
    public void Query_parameters_come_from_the_path_and_the_uri_is_matched_without_them()
    {
        VirtualService vs = Http("""
          - match:
            - uri:
                exact: /reviews/1
              queryParams:
                u:
                  exact: jason
            route:
            - destination: { host: reviews, subset: v2 }
        """);

        Assert.True(Simulate(vs, Request("/reviews/1?u=jason&x=1")).Matched);
        Assert.True(Simulate(vs, Request("/reviews/1") with { Query = ImmutableDictionary<string, string>.Empty.Add("u", "jason") }).Matched);
        SimulationResult bob = Simulate(vs, Request("/reviews/1?u=bob"));
        Assert.Equal("query parameter u \"bob\" is not \"jason\"", Assert.Single(bob.Evaluations[0].Reasons));
        Assert.Equal("query parameter u is absent", Assert.Single(Simulate(vs, Request("/reviews/1")).Evaluations[0].Reasons));
    }

    [Fact]
    public void Query_parameter_presence_value_less_parameters_and_regex()
    {
        VirtualService vs = Http("""
          - match:
            - queryParams:
                debug: {}
            route:
            - destination: { host: reviews, subset: v1 }
          - match:
            - queryParams:
                flag:
                  exact: ""
            route:
            - destination: { host: reviews, subset: v2 }
          - match:
            - queryParams:
                id:
                  regex: "[0-9]+"
            route:
            - destination: { host: reviews, subset: v3 }
        """);

        Assert.Equal(0, Simulate(vs, Request("/?debug=anything")).RuleIndex);
        Assert.Equal(1, Simulate(vs, Request("/?flag")).RuleIndex);
        Assert.Equal(2, Simulate(vs, Request("/?id=42")).RuleIndex);
        Assert.False(Simulate(vs, Request("/?id=4x2")).Matched);
    }

    [Fact]
    public void Source_labels_must_be_a_subset_of_the_callers_labels()
    {
        VirtualService vs = Http("""
          - match:
            - sourceLabels:
                app: productpage
                version: v2
            route:
            - destination: { host: reviews, subset: v2 }
        """);

        SimulatedRequest fromV2 = Request("/") with { SourceLabels = Labels(("app", "productpage"), ("version", "v2"), ("pod-template-hash", "abc")) };
        SimulatedRequest fromV1 = Request("/") with { SourceLabels = Labels(("app", "productpage"), ("version", "v1")) };

        Assert.True(Simulate(vs, fromV2).Matched);
        Assert.Equal("the caller's label version is v1, not v2", Assert.Single(Simulate(vs, fromV1).Evaluations[0].Reasons));
        Assert.Contains("the caller has no label app", Simulate(vs, Request("/")).Evaluations[0].Reasons[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Source_namespace_and_port_need_to_be_known_and_equal()
    {
        VirtualService vs = Http("""
          - match:
            - sourceNamespace: frontend
              port: 9080
            route:
            - destination: { host: reviews, subset: v2 }
        """);

        Assert.True(Simulate(vs, Request("/") with { SourceNamespace = "frontend", Port = 9080 }).Matched);
        SimulationResult unknown = Simulate(vs, Request("/"));
        Assert.Contains("namespace is not given", unknown.Evaluations[0].Reasons[0], StringComparison.Ordinal);
        Assert.Contains("port is not given", unknown.Evaluations[0].Reasons[0], StringComparison.Ordinal);
        Assert.Contains("port 80 is not 9080", Simulate(vs, Request("/") with { SourceNamespace = "frontend", Port = 80 }).Evaluations[0].Reasons[0], StringComparison.Ordinal);
    }

    [Fact]
    public void The_authority_comes_from_the_request_the_host_header_or_the_first_host_and_pseudo_headers_match()
    {
        VirtualService vs = Http("""
          - match:
            - authority:
                prefix: beta.
            route:
            - destination: { host: reviews, subset: v2 }
          - match:
            - headers:
                ":method":
                  exact: POST
            route:
            - destination: { host: reviews, subset: v3 }
          - route:
            - destination: { host: reviews, subset: v1 }
        """);

        Assert.Equal(0, Simulate(vs, Request("/") with { Authority = "beta.shop.example.com" }).RuleIndex);
        Assert.Equal(0, Simulate(vs, Request("/", ("Host", "beta.shop.example.com"))).RuleIndex);
        SimulationResult byDefault = Simulate(vs, Request("/"));
        Assert.Equal(2, byDefault.RuleIndex);
        Assert.Equal("authority reviews does not start with \"beta.\"", Assert.Single(byDefault.Evaluations[0].Reasons));
        Assert.Equal(1, Simulate(vs, Request("/") with { Method = "POST" }).RuleIndex);
    }

    [Fact]
    public void A_VirtualService_without_gateways_serves_sidecars_only()
    {
        SimulationResult viaGateway = Simulate(Vs(JasonVirtualService), Request("/") with { Gateway = "istio-system/ingress" });

        Assert.False(viaGateway.Matched);
        Assert.Empty(viaGateway.Evaluations);
        Assert.Contains("applies to mesh, not to istio-system/ingress", viaGateway.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Bare_gateway_names_are_in_the_VirtualService_namespace_and_match_gateways_override_spec_gateways()
    {
        VirtualService vs = Http(
            """
          - match:
            - gateways: [mesh]
            route:
            - destination: { host: reviews, subset: v1 }
          - route:
            - destination: { host: reviews, subset: v2 }
        """,
            """
          gateways:
          - bookinfo-gateway
          - mesh
        """);

        SimulationResult viaGateway = Simulate(vs, Request("/") with { Gateway = "bookinfo/bookinfo-gateway" });
        SimulationResult fromSidecar = Simulate(vs, Request("/"));

        Assert.Equal(1, viaGateway.RuleIndex);
        Assert.Equal("applies only to mesh, and the request comes through bookinfo/bookinfo-gateway", Assert.Single(viaGateway.Evaluations[0].Reasons));
        Assert.Equal(0, fromSidecar.RuleIndex);
        Assert.False(Simulate(vs, Request("/") with { Gateway = "other/bookinfo-gateway" }).Matched);
    }

    [Fact]
    public void No_matching_rule_means_no_route_and_the_summary_says_404()
    {
        VirtualService vs = Http("""
          - match:
            - uri:
                prefix: /api
            route:
            - destination: { host: reviews, subset: v1 }
        """);

        SimulationResult result = Simulate(vs, Request("/productpage"));

        Assert.False(result.Matched);
        Assert.Null(result.RuleIndex);
        Assert.Empty(result.Destinations);
        Assert.Contains("404", result.Summary, StringComparison.Ordinal);
        Assert.Contains("No rule matches", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Weights_are_relative_and_a_lone_destination_gets_everything()
    {
        SimulationResult relative = Simulate(SplitService("1", ("v1", 1), ("v2", 3)), Request("/"));
        SimulationResult lone = Simulate(SplitService("1", ("v1", 30)), Request("/"));

        Assert.Equal([0.25, 0.75], relative.Destinations.Select(static d => d.Probability));
        Assert.Contains("reviews v1 25%, reviews v2 75%", relative.Summary, StringComparison.Ordinal);
        Assert.Equal(1.0, Assert.Single(lone.Destinations).Probability);
    }

    [Fact]
    public void All_zero_or_absent_weights_send_the_request_nowhere()
    {
        SimulationResult result = Simulate(SplitService("1", ("v1", 0), ("v2", null)), Request("/"));

        Assert.True(result.Matched);
        Assert.Empty(result.Destinations);
        Assert.Contains("sends the request nowhere", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_zero_weight_destination_is_listed_with_probability_zero()
    {
        SimulationResult result = Simulate(SplitService("1", ("v1", 100), ("v2", 0)), Request("/"));

        Assert.Equal([("v1", 1.0), ("v2", 0.0)], result.Destinations.Select(static d => (d.Subset!, d.Probability)));
    }

    [Fact]
    public void Versions_are_named_through_the_subset_map_and_not_for_other_hosts()
    {
        var versions = ImmutableDictionary<string, string>.Empty.Add("canary", "2.0.1");
        VirtualService vs = Http("""
          - route:
            - destination: { host: reviews, subset: canary }
              weight: 50
            - destination: { host: ratings, subset: canary }
              weight: 50
        """);

        SimulationResult result = RouteSimulator.Simulate(vs, Request("/"), versions);

        Assert.Equal(["2.0.1", null], result.Destinations.Select(static d => d.Version));
        Assert.Contains("reviews 2.0.1 (subset canary) 50%", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Mirrors_copy_their_percentage_100_by_default_and_read_the_deprecated_field()
    {
        VirtualService vs = Http("""
          - match:
            - headers:
                x-a: {}
            route:
            - destination: { host: reviews, subset: v1 }
            mirror: { host: reviews, subset: v2 }
            mirrorPercentage:
              value: 25
          - match:
            - headers:
                x-b: {}
            route:
            - destination: { host: reviews, subset: v1 }
            mirror: { host: reviews, subset: v2 }
            mirrorPercent: 10
          - route:
            - destination: { host: reviews, subset: v1 }
            mirror: { host: reviews, subset: v3 }
        """);

        DestinationShare a = Simulate(vs, Request("/", ("x-a", "1"))).Mirror!;
        DestinationShare b = Simulate(vs, Request("/", ("x-b", "1"))).Mirror!;
        SimulationResult all = Simulate(vs, Request("/"));

        Assert.Equal(("v2", 0.25), (a.Version, a.Probability));
        Assert.Equal(0.1, b.Probability, 6);
        Assert.Equal(("v3", 1.0), (all.Mirror!.Version, all.Mirror.Probability));
        Assert.Contains("A copy of 100% of them goes to reviews v3", all.Summary, StringComparison.Ordinal);
        Assert.Null(Simulate(Vs(JasonVirtualService), Request("/")).Mirror);
    }

    [Fact]
    public void Faults_are_described_as_Istio_injects_them()
    {
        VirtualService vs = Http("""
          - match:
            - headers:
                end-user:
                  exact: jason
            fault:
              delay:
                fixedDelay: 7s
                percentage:
                  value: 100
              abort:
                httpStatus: 500
                percentage:
                  value: 12.5
            route:
            - destination: { host: ratings, subset: v1 }
          - fault:
              delay:
                fixedDelay: 2s
            route:
            - destination: { host: ratings, subset: v1 }
        """);

        SimulationResult jason = Simulate(vs, Request("/", ("end-user", "jason")));
        SimulationResult other = Simulate(vs, Request("/"));

        Assert.Equal(["delay 7s for 100% of requests", "abort with HTTP 500 for 12.5% of requests"], jason.Faults.ToArray());
        Assert.Contains("delay 7s for 100% of requests", jason.Summary, StringComparison.Ordinal);
        Assert.StartsWith("delay 2s for 0% of requests", Assert.Single(other.Faults), StringComparison.Ordinal);
    }

    [Fact]
    public void Redirects_and_direct_responses_are_described_without_destinations()
    {
        VirtualService vs = Http("""
          - match:
            - uri:
                prefix: /old
            redirect:
              uri: /new
              authority: shop.example.com
          - directResponse:
              status: 503
              body:
                string: down for maintenance
        """);

        SimulationResult redirect = Simulate(vs, Request("/old/page"));
        SimulationResult direct = Simulate(vs, Request("/"));

        Assert.Empty(redirect.Destinations);
        Assert.Contains("redirects it: 301 to authority shop.example.com, uri /new", redirect.Summary, StringComparison.Ordinal);
        Assert.Empty(direct.Destinations);
        Assert.Contains("answers it directly: status 503 with body \"down for maintenance\"", direct.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_entries_do_not_break_the_simulation()
    {
        VirtualService vs = Vs("{apiVersion: networking.istio.io/v1, kind: VirtualService, metadata: {name: r, namespace: bookinfo}, spec: {hosts: [reviews], http: [null, {match: [null], route: [null, {destination: {host: reviews, subset: v1}, weight: 1}]}]}}");

        SimulationResult result = Simulate(vs, Request("/"));

        Assert.Equal(1, result.RuleIndex);
        Assert.Contains("empty (null)", Assert.Single(result.Evaluations[0].Reasons), StringComparison.Ordinal);
        Assert.Equal([0.0, 1.0], result.Destinations.Select(static d => d.Probability));
    }

    [Fact]
    public void SubsetVersions_reads_the_version_like_label_of_each_subset()
    {
        var rule = new DestinationRule
        {
            Metadata = Meta("reviews"),
            Spec = new DestinationRuleSpec
            {
                Host = "reviews",
                Subsets =
                [
                    new Subset { Name = "v1", Labels = Labels(("version", "v1")) },
                    new Subset { Name = "canary", Labels = Labels(("app.kubernetes.io/version", "2.0.0")) },
                    new Subset { Name = "rev", Labels = Labels(("service.istio.io/canonical-revision", "r7")) },
                    new Subset { Name = "zone-a", Labels = Labels(("zone", "a")) },
                ],
            },
        };

        ImmutableDictionary<string, string> map = RouteSimulator.SubsetVersions(rule);

        Assert.Equal(3, map.Count);
        Assert.Equal(("v1", "2.0.0", "r7"), (map["v1"], map["canary"], map["rev"]));
        Assert.False(map.ContainsKey("zone-a"));
        Assert.Empty(RouteSimulator.SubsetVersions(null));
    }
}
