using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Services;

using static TrafficConsole.Mesh.Tests.TestData.Samples;

namespace TrafficConsole.Mesh.Tests.Routing;

public class RoutingIntentReaderTests
{
    // A VirtualService someone wrote by hand: every kind of condition, options on rules, a redirect,
    // a route to another host, gateways with mesh, an extra host, fields the models do not know.
    internal const string RichVirtualService = """
    {
      "apiVersion": "networking.istio.io/v1",
      "kind": "VirtualService",
      "metadata": { "name": "reviews", "namespace": "bookinfo", "resourceVersion": "7" },
      "spec": {
        "hosts": [ "reviews.example.com", "reviews" ],
        "gateways": [ "istio-system/public", "mesh" ],
        "http": [
          {
            "name": "beta",
            "match": [
              {
                "name": "api",
                "uri": { "prefix": "/api" }, "method": { "exact": "GET" }, "authority": { "regex": "shop\\..*" }, "scheme": { "exact": "https" },
                "headers": { "x-beta": {}, "end-user": { "regex": ".*@gmail\\.com$" } },
                "withoutHeaders": { "x-internal": { "exact": "1" } },
                "queryParams": { "debug": { "exact": "" }, "lang": { "regex": "de|fr" } },
                "sourceLabels": { "app": "productpage" },
                "port": 9080, "ignoreUriCase": true
              },
              { "headers": { "cookie": { "prefix": "" } } }
            ],
            "route": [
              { "destination": { "host": "reviews", "subset": "v2" }, "weight": 1, "headers": { "response": { "set": { "x-v": "2" } } } },
              { "destination": { "host": "reviews", "subset": "v3" }, "weight": 3 }
            ],
            "mirror": { "host": "reviews", "subset": "v1" }, "mirrorPercentage": { "value": 5 },
            "fault": { "delay": { "fixedDelay": "1s", "percentage": { "value": 10 } }, "abort": { "grpcStatus": "UNAVAILABLE" } },
            "timeout": "3s",
            "retries": { "perTryTimeout": "1s", "retryOn": "5xx", "retryRemoteLocalities": true },
            "headers": { "request": { "set": { "x-b": "1" }, "add": { "x-a": "2" }, "remove": [ "x-c" ] } },
            "corsPolicy": { "allowOrigins": [ { "exact": "https://example.com" } ] }
          },
          { "name": "old", "match": [ { "uri": { "prefix": "/old" } } ], "redirect": { "uri": "/new" } },
          { "name": "elsewhere", "match": [ { "uri": { "prefix": "/x" } } ], "route": [ { "destination": { "host": "details" } } ] },
          { "route": [ { "destination": { "host": "reviews", "subset": "v1" } } ] }
        ]
      }
    }
    """;

    private static RoutingIntent Read(ServiceView view)
    {
        RoutingIntentReading reading = RoutingIntentReader.Read(view);
        Assert.True(reading.IsEditable, reading.Problem);
        return reading.Intent!;
    }

    private static ServiceView RichView() => View([MeshJson.Deserialize<VirtualService>(RichVirtualService)!], [SubsetRule()]);

    [Fact]
    public void Conditions_of_every_field_are_read_in_order_with_presence_and_negation()
    {
        RoutingIntent intent = Read(RichView());

        RequestMatch api = intent.Rules[0].Matches[0];
        Assert.Equal("api", api.Name);
        Assert.Equal(
            [
                new MatchCondition(MatchField.Uri, MatchOperator.Prefix, "/api"),
                new MatchCondition(MatchField.Scheme, MatchOperator.Exact, "https"),
                new MatchCondition(MatchField.Method, MatchOperator.Exact, "GET"),
                new MatchCondition(MatchField.Authority, MatchOperator.Regex, @"shop\..*"),
                new MatchCondition(MatchField.Header, MatchOperator.Present, string.Empty, "x-beta"),
                new MatchCondition(MatchField.Header, MatchOperator.Regex, @".*@gmail\.com$", "end-user"),
                new MatchCondition(MatchField.Header, MatchOperator.Exact, "1", "x-internal", Negated: true),
                new MatchCondition(MatchField.QueryParam, MatchOperator.Present, string.Empty, "debug"),
                new MatchCondition(MatchField.QueryParam, MatchOperator.Regex, "de|fr", "lang"),
                new MatchCondition(MatchField.SourceLabel, MatchOperator.Exact, "productpage", "app"),
            ],
            api.Conditions.AsEnumerable());
        Assert.Equal(9080, api.Origin!.Port);
        Assert.Equal(new MatchCondition(MatchField.Header, MatchOperator.Present, string.Empty, "cookie"), Assert.Single(intent.Rules[0].Matches[1].Conditions));
    }

    [Fact]
    public void A_query_prefix_reads_as_presence_as_Istio_applies_it_and_is_written_back_as_it_was()
    {
        VirtualService vs = SplitService(route: [("v1", 100)]);
        vs.Spec = vs.Spec! with
        {
            Http =
            [
                new HttpRouteRule { Match = [new HttpMatchRequest { QueryParams = new Dictionary<string, StringMatch> { ["u"] = StringMatch.ForPrefix("ja") } }], Route = [Dest("reviews", "v2")] },
                .. vs.Spec.Http!,
            ],
        };
        ServiceView view = View([vs], [SubsetRule()]);
        RoutingIntent intent = Read(view);

        Assert.Equal(new MatchCondition(MatchField.QueryParam, MatchOperator.Present, string.Empty, "u"), Assert.Single(intent.Rules[0].Matches[0].Conditions));
        RoutingPlan plan = RoutingIntentPlanner.PlanApply(view, intent with { Rules = [intent.Rules[0] with { Timeout = "1s" }] }, IstioApi.V1);
        Assert.False(plan.IsRefused, plan.RefusalReason);
        Assert.Equal("ja", plan.VirtualService!.Spec!.Http![0].Match![0].QueryParams!["u"].Prefix);
    }

    [Fact]
    public void Destinations_mirror_and_options_are_read_as_written()
    {
        RouteRule beta = Read(RichView()).Rules[0];

        Assert.Equal("beta", beta.Name);
        Assert.Null(beta.ReadOnlyReason);
        Assert.Equal(TrafficSplit.Of(("v2", 1), ("v3", 3)) with { Mirror = new MirrorTarget("v1", 5) }, beta.Destinations);
        Assert.Equal(new DelayFault("1s", 10), beta.Fault!.Delay);
        Assert.Null(beta.Fault.Abort);
        Assert.Equal("UNAVAILABLE", beta.Fault.Origin!.Abort!.GrpcStatus);
        Assert.Equal("3s", beta.Timeout);
        Assert.Equal(new RetryPolicy(2, "1s", "5xx"), beta.Retries! with { Origin = null });
        Assert.Equal("1", beta.RequestHeaders!.Set["x-b"]);
        Assert.Equal("2", beta.RequestHeaders.Add["x-a"]);
        Assert.Equal(["x-c"], beta.RequestHeaders.Remove.AsEnumerable());
        Assert.Null(beta.ResponseHeaders);
        Assert.True(beta.Origin!.Extra!.ContainsKey("corsPolicy"));
    }

    [Fact]
    public void Redirects_and_routes_to_other_hosts_are_read_only_with_the_reason()
    {
        RoutingIntent intent = Read(RichView());

        Assert.StartsWith("It redirects", intent.Rules[1].ReadOnlyReason, StringComparison.Ordinal);
        Assert.Contains("other hosts (details)", intent.Rules[2].ReadOnlyReason, StringComparison.Ordinal);
        Assert.Equal("/old", intent.Rules[1].Matches[0].Conditions[0].Value);
        Assert.Null(intent.DefaultRoute!.ReadOnlyReason);
    }

    [Fact]
    public void Own_host_is_not_an_extra_host_and_mesh_listed_with_gateways_includes_the_mesh()
    {
        RoutingIntent intent = Read(RichView());

        Assert.Equal(["reviews.example.com"], intent.ExtraHosts.AsEnumerable());
        Assert.Equal(["istio-system/public"], intent.Gateways.AsEnumerable());
        Assert.True(intent.IncludeMesh);
        Assert.Equal(TrafficSplit.Of(("v1", 100)), intent.DefaultRoute!.Destinations);
    }

    [Fact]
    public void A_VirtualService_attached_only_to_gateways_is_edited_and_excludes_the_mesh()
    {
        VirtualService vs = SplitService(route: [("v1", 100)]);
        vs.Spec = vs.Spec! with { Gateways = ["public-gw"] };

        RoutingIntent intent = Read(View([vs], [SubsetRule()]));

        Assert.False(intent.IncludeMesh);
        Assert.Equal(["public-gw"], intent.Gateways.AsEnumerable());
        Assert.Equal(TrafficSplit.Of(("v1", 100)), intent.DefaultRoute!.Destinations);
    }

    [Fact]
    public void The_last_rule_is_the_default_route_only_when_it_catches_everything()
    {
        VirtualService vs = SplitService();
        vs.Spec = vs.Spec! with
        {
            Http =
            [
                new HttpRouteRule { Route = [Dest("reviews", "v1")] },
                new HttpRouteRule { Match = [new HttpMatchRequest { Uri = StringMatch.ForPrefix("/a") }], Route = [Dest("reviews", "v2")] },
            ],
        };

        RoutingIntent intent = Read(View([vs], [SubsetRule()]));

        Assert.Null(intent.DefaultRoute);
        Assert.Equal(2, intent.Rules.Length);
        Assert.True(intent.Rules[0].IsCatchAll);
    }

    [Fact]
    public void A_match_on_a_port_only_is_not_a_catch_all()
    {
        VirtualService vs = SplitService();
        vs.Spec = vs.Spec! with { Http = [new HttpRouteRule { Match = [new HttpMatchRequest { Port = 9080 }], Route = [Dest("reviews", "v1")] }] };

        RoutingIntent intent = Read(View([vs], [SubsetRule()]));

        Assert.Null(intent.DefaultRoute);
        Assert.False(Assert.Single(intent.Rules).IsCatchAll);
    }

    [Fact]
    public void Without_a_VirtualService_the_default_route_is_the_split_the_replicas_imply()
    {
        ServiceView view = View(workloads: [ReviewsVersion("v1", ready: 3), ReviewsVersion("v2", ready: 1)]);

        RoutingIntentReading reading = RoutingIntentReader.Read(view);

        Assert.Null(reading.VirtualServiceName);
        Assert.Empty(reading.Intent!.Rules);
        Assert.Equal(TrafficSplit.Of(("v1", 75), ("v2", 25)), reading.Intent.DefaultRoute!.Destinations);
        Assert.Null(reading.Intent.DefaultRoute.Origin);
    }

    [Fact]
    public void A_service_without_workloads_gets_no_default_route()
    {
        Assert.Null(Read(View(workloads: [])).DefaultRoute);
    }

    [Fact]
    public void A_lone_destination_without_subset_reads_as_the_replica_split()
    {
        VirtualService vs = SplitService(route: [(null!, null)]);

        RoutingIntent intent = Read(View([vs], [SubsetRule()], [ReviewsVersion("v1", 1), ReviewsVersion("v2", 3)]));

        Assert.Equal(TrafficSplit.Of(("v1", 25), ("v2", 75)), intent.DefaultRoute!.Destinations);
    }

    [Fact]
    public void Several_VirtualServices_for_the_host_cannot_be_edited()
    {
        VirtualService a = SplitService(route: [("v1", 100)]);
        VirtualService b = SplitService(route: [("v2", 100)]);
        b.Metadata.Name = "reviews-2";

        RoutingIntentReading reading = RoutingIntentReader.Read(View([a, b], [SubsetRule()]));

        Assert.Null(reading.Intent);
        Assert.Contains("2 VirtualServices route this host (bookinfo/reviews, bookinfo/reviews-2)", reading.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Several_DestinationRules_with_subsets_cannot_be_edited()
    {
        RoutingIntentReading reading = RoutingIntentReader.Read(View([SplitService(route: [("v1", 100)])], [SubsetRule(), SubsetRule(name: "reviews-b", rv: "9")]));

        Assert.Null(reading.Intent);
        Assert.Contains("Several DestinationRules define subsets", reading.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_subset_that_selects_no_single_version_makes_the_rule_read_only()
    {
        DestinationRule dr = SubsetRule();
        dr.Spec = dr.Spec! with { Subsets = [.. dr.Spec.Subsets!, new Subset { Name = "all", Labels = Labels(("app", "reviews")) }] };

        RoutingIntent intent = Read(View([SplitService(route: [("all", 100)])], [dr]));

        Assert.Contains("Subset 'all' matches no single version", intent.DefaultRoute!.ReadOnlyReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Destination_rule_policies_are_read_service_wide_and_per_version()
    {
        DestinationRule dr = MeshJson.Deserialize<DestinationRule>("""
            {
              "apiVersion": "networking.istio.io/v1", "kind": "DestinationRule",
              "metadata": { "name": "reviews", "namespace": "bookinfo" },
              "spec": {
                "host": "reviews",
                "trafficPolicy": {
                  "loadBalancer": { "consistentHash": { "httpCookie": { "name": "user", "ttl": "0s", "path": "/" } } },
                  "connectionPool": { "tcp": { "maxConnections": 100 }, "http": { "http1MaxPendingRequests": 10, "maxRequestsPerConnection": 1, "maxRetries": 3 } },
                  "outlierDetection": { "consecutive5xxErrors": 5, "interval": "10s", "baseEjectionTime": "30s", "maxEjectionPercent": 50 },
                  "portLevelSettings": [ { "port": { "number": 9080 } } ]
                },
                "subsets": [
                  { "name": "v1", "labels": { "version": "v1" }, "trafficPolicy": { "loadBalancer": { "simple": "RANDOM" }, "tls": { "mode": "DISABLE" } } },
                  { "name": "v2", "labels": { "version": "v2" }, "trafficPolicy": { "loadBalancer": { "consistentHash": { "httpQueryParameterName": "u" } } } }
                ]
              }
            }
            """)!;

        RoutingIntent intent = Read(View([], [dr]));

        Assert.Equal(
            new TrafficPolicyIntent
            {
                ConsistentHash = new ConsistentHashPolicy(HashKey.HttpCookie, "user", "0s", "/"),
                ConnectionPool = new ConnectionPoolPolicy(100, 10, 1, 3),
                OutlierDetection = new OutlierDetectionPolicy(5, "10s", "30s", 50),
            },
            intent.Policy! with { Origin = null });
        Assert.Equal(new TrafficPolicyIntent { LoadBalancer = SimpleLoadBalancer.Random, Tls = TlsMode.Disable }, intent.VersionPolicies["v1"] with { Origin = null });
        Assert.Equal(new ConsistentHashPolicy(HashKey.QueryParameter, "u"), intent.VersionPolicies["v2"].ConsistentHash);
        Assert.False(intent.VersionPolicies.ContainsKey("v3"));
    }
}
