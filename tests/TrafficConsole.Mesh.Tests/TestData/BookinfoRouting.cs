using System.Collections.Immutable;

using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Services;
using TrafficConsole.Mesh.Yaml;

using static TrafficConsole.Mesh.Tests.TestData.Samples;

namespace TrafficConsole.Mesh.Tests.TestData;

/// <summary>The routing examples of the Istio Bookinfo docs (samples/bookinfo/networking), as kubectl would store them.</summary>
internal static class BookinfoRouting
{
    public static KubeService Ratings { get; } = new()
    {
        Namespace = Ns,
        Name = "ratings",
        Selector = ImmutableDictionary<string, string>.Empty.Add("app", "ratings"),
        Ports = [new ServicePort("http", 9080)],
    };

    public static ImmutableArray<Workload> RatingsV1 { get; } = [Deployment("ratings-v1", Labels(("app", "ratings"), ("version", "v1")))];

    // virtual-service-all-v1.yaml (the reviews document of it).
    public const string ReviewsAllV1 = """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: reviews
          namespace: bookinfo
          resourceVersion: "501"
        spec:
          hosts:
          - reviews
          http:
          - route:
            - destination:
                host: reviews
                subset: v1
        """;

    // virtual-service-reviews-v2-v3.yaml
    public const string ReviewsV2V3 = """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: reviews
          namespace: bookinfo
          resourceVersion: "502"
        spec:
          hosts:
            - reviews
          http:
          - route:
            - destination:
                host: reviews
                subset: v2
              weight: 50
            - destination:
                host: reviews
                subset: v3
              weight: 50
        """;

    // virtual-service-reviews-80-20.yaml
    public const string Reviews8020 = """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: reviews
          namespace: bookinfo
          resourceVersion: "503"
        spec:
          hosts:
            - reviews
          http:
          - route:
            - destination:
                host: reviews
                subset: v1
              weight: 80
            - destination:
                host: reviews
                subset: v2
              weight: 20
        """;

    // virtual-service-reviews-test-v2.yaml
    public const string ReviewsJasonV2 = """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: reviews
          namespace: bookinfo
          resourceVersion: "504"
        spec:
          hosts:
            - reviews
          http:
          - match:
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
                subset: v1
        """;

    // virtual-service-ratings-test-delay.yaml
    public const string RatingsDelay = """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: ratings
          namespace: bookinfo
          resourceVersion: "505"
        spec:
          hosts:
          - ratings
          http:
          - match:
            - headers:
                end-user:
                  exact: jason
            fault:
              delay:
                percentage:
                  value: 100.0
                fixedDelay: 7s
            route:
            - destination:
                host: ratings
                subset: v1
          - route:
            - destination:
                host: ratings
                subset: v1
        """;

    // virtual-service-ratings-test-abort.yaml
    public const string RatingsAbort = """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: ratings
          namespace: bookinfo
          resourceVersion: "506"
        spec:
          hosts:
          - ratings
          http:
          - match:
            - headers:
                end-user:
                  exact: jason
            fault:
              abort:
                percentage:
                  value: 100.0
                httpStatus: 500
            route:
            - destination:
                host: ratings
                subset: v1
          - route:
            - destination:
                host: ratings
                subset: v1
        """;

    // destination-rule-all-mtls.yaml (reviews)
    public const string ReviewsMtls = """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata:
          name: reviews
          namespace: bookinfo
          resourceVersion: "601"
        spec:
          host: reviews
          trafficPolicy:
            tls:
              mode: ISTIO_MUTUAL
          subsets:
          - name: v1
            labels:
              version: v1
          - name: v2
            labels:
              version: v2
          - name: v3
            labels:
              version: v3
        """;

    // destination-rule-all-mtls.yaml (ratings)
    public const string RatingsMtls = """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata:
          name: ratings
          namespace: bookinfo
          resourceVersion: "602"
        spec:
          host: ratings
          trafficPolicy:
            tls:
              mode: ISTIO_MUTUAL
          subsets:
          - name: v1
            labels:
              version: v1
          - name: v2
            labels:
              version: v2
          - name: v2-mysql
            labels:
              version: v2-mysql
          - name: v2-mysql-vm
            labels:
              version: v2-mysql-vm
        """;

    public static ServiceView ReviewsView(string vsYaml, string drYaml = ReviewsMtls) =>
        ServiceViewBuilder.Build(Reviews, ReviewsV1V2V3, [ResourceYaml.Deserialize<VirtualService>(vsYaml)], [ResourceYaml.Deserialize<DestinationRule>(drYaml)]);

    public static ServiceView RatingsView(string vsYaml, string drYaml = RatingsMtls) =>
        ServiceViewBuilder.Build(Ratings, RatingsV1, [ResourceYaml.Deserialize<VirtualService>(vsYaml)], [ResourceYaml.Deserialize<DestinationRule>(drYaml)]);

    /// <summary>The service again after the plan's resources were stored (what the next read sees).</summary>
    public static ServiceView After(ServiceView view, Mesh.Routing.RoutingPlan plan) => ServiceViewBuilder.Build(
        view.Service,
        view.Versions.SelectMany(static v => v.Workloads),
        plan.VirtualService is null ? view.VirtualServices : [plan.VirtualService],
        plan.DestinationRule is null ? view.DestinationRules : [plan.DestinationRule]);

    /// <summary>The resource as JSON, the way it is sent to the API server.</summary>
    public static string Json(object resource) => MeshJson.Serialize(resource);
}
