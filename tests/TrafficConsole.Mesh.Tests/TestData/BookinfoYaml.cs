using System.Collections.Immutable;

using TrafficConsole.Mesh.Analysis;
using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Services;
using TrafficConsole.Mesh.Yaml;

using static TrafficConsole.Mesh.Tests.TestData.Samples;

namespace TrafficConsole.Mesh.Tests.TestData;

/// <summary>The routing examples of the Istio Bookinfo docs (and a Gateway API variant), as kubectl would apply them: valid input.</summary>
internal static class BookinfoYaml
{
    public const string ReviewsJason = """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: reviews
          namespace: bookinfo
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
                subset: v3
        """;

    public const string ReviewsEightyTwenty = BookinfoRouting.Reviews8020;

    public const string RatingsDelay = BookinfoRouting.RatingsDelay;

    public const string RatingsAbort = BookinfoRouting.RatingsAbort;

    public const string ProductpageGatewayRoutes = """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: bookinfo
          namespace: bookinfo
        spec:
          hosts:
          - "*"
          gateways:
          - bookinfo-gateway
          http:
          - match:
            - uri:
                exact: /productpage
            - uri:
                prefix: /static
            - uri:
                exact: /login
            - uri:
                exact: /logout
            - uri:
                prefix: /api/v1/products
            route:
            - destination:
                host: productpage
                port:
                  number: 9080
            timeout: 10s
            retries:
              attempts: 3
              perTryTimeout: 2s
              retryOn: 5xx,connect-failure
        """;

    public const string ReviewsRules = """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata:
          name: reviews
          namespace: bookinfo
        spec:
          host: reviews
          trafficPolicy:
            tls:
              mode: ISTIO_MUTUAL
            loadBalancer:
              consistentHash:
                httpCookie:
                  name: user
                  ttl: 0s
            connectionPool:
              tcp:
                maxConnections: 100
                connectTimeout: 30ms
              http:
                http1MaxPendingRequests: 10
                maxRequestsPerConnection: 1
            outlierDetection:
              consecutive5xxErrors: 7
              interval: 5m
              baseEjectionTime: 15m
              maxEjectionPercent: 50
          subsets:
          - name: v1
            labels:
              version: v1
          - name: v2
            labels:
              version: v2
            trafficPolicy:
              loadBalancer:
                simple: ROUND_ROBIN
          - name: v3
            labels:
              version: v3
        """;

    public const string RatingsRules = """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata:
          name: ratings
          namespace: bookinfo
        spec:
          host: ratings
          trafficPolicy:
            tls:
              mode: ISTIO_MUTUAL
          subsets:
          - name: v1
            labels:
              version: v1
        """;

    public const string Gateway = """
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata:
          name: bookinfo-gateway
          namespace: bookinfo
        spec:
          selector:
            istio: ingressgateway
          servers:
          - port:
              number: 8080
              name: http
              protocol: HTTP
            hosts:
            - "*"
          - port:
              number: 443
              name: https
              protocol: HTTPS
            tls:
              mode: SIMPLE
              credentialName: bookinfo-credential
            hosts:
            - bookinfo.example.com
        """;

    public const string GatewayApiRoute = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata:
          name: bookinfo
          namespace: bookinfo
        spec:
          parentRefs:
          - name: bookinfo-gateway
          rules:
          - matches:
            - path:
                type: Exact
                value: /productpage
            - path:
                type: PathPrefix
                value: /static
            - headers:
              - name: end-user
                value: jason
              queryParams:
              - type: RegularExpression
                name: u
                value: "[a-z]+"
            backendRefs:
            - name: productpage
              port: 9080
        """;

    public const string GatewayApiSplit = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata:
          name: reviews
          namespace: bookinfo
        spec:
          parentRefs:
          - group: ""
            kind: Service
            name: reviews
            port: 9080
          rules:
          - backendRefs:
            - name: reviews-v1
              port: 9080
              weight: 90
            - name: reviews-v2
              port: 9080
              weight: 10
        """;

    /// <summary>Every valid sample, typed.</summary>
    public static ImmutableArray<object> All { get; } =
    [
        Read<VirtualService>(ReviewsJason),
        Read<VirtualService>(ReviewsEightyTwenty),
        Read<VirtualService>(RatingsDelay),
        Read<VirtualService>(RatingsAbort),
        Read<VirtualService>(ProductpageGatewayRoutes),
        Read<DestinationRule>(ReviewsRules),
        Read<DestinationRule>(RatingsRules),
        Read<IstioGateway>(Gateway),
        Read<HttpRoute>(GatewayApiRoute),
        Read<HttpRoute>(GatewayApiSplit),
    ];

    /// <summary>A consistent Bookinfo cluster: services, running workloads, one VirtualService per host, the DestinationRules and the gateway.</summary>
    public static ClusterResources Cluster() => new()
    {
        VirtualServices = [Read<VirtualService>(ReviewsJason), Read<VirtualService>(RatingsDelay), Read<VirtualService>(ProductpageGatewayRoutes)],
        DestinationRules = [Read<DestinationRule>(ReviewsRules), Read<DestinationRule>(RatingsRules)],
        Gateways = [Read<IstioGateway>(Gateway)],
        HttpRoutes = [Read<HttpRoute>(GatewayApiRoute)],
        Services = [Reviews, Service("ratings"), Service("productpage"), Service("details")],
        Workloads =
        [
            .. ReviewsV1V2V3,
            Deployment("ratings-v1", Labels(("app", "ratings"), ("version", "v1"))),
            Deployment("productpage-v1", Labels(("app", "productpage"), ("version", "v1"))),
            Deployment("details-v1", Labels(("app", "details"), ("version", "v1"))),
        ],
    };

    public static KubeService Service(string name, string ns = Ns) => new()
    {
        Namespace = ns,
        Name = name,
        Selector = ImmutableDictionary<string, string>.Empty.Add("app", name),
        Ports = [new ServicePort("http", 9080)],
    };

    public static T Read<T>(string yaml) => ResourceYaml.Deserialize<T>(yaml);
}
