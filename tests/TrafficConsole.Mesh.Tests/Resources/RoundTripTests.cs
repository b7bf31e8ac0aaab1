using System.Text.Json;
using System.Text.Json.Nodes;

using k8s;

using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Yaml;

namespace TrafficConsole.Mesh.Tests.Resources;

public class RoundTripTests
{
    // Fields the models do not know: status, corsPolicy, retries.retryRemoteLocalities, match.statPrefix,
    // destination.futureField, a top-level future field, metadata annotations and managedFields.
    internal const string VirtualServiceJson = """
    {
      "apiVersion": "networking.istio.io/v1beta1",
      "kind": "VirtualService",
      "metadata": {
        "name": "reviews",
        "namespace": "bookinfo",
        "resourceVersion": "4711",
        "uid": "0b6c7b0c-1111-2222-3333-444455556666",
        "generation": 3,
        "creationTimestamp": "2024-05-01T10:00:00Z",
        "labels": { "app": "reviews" },
        "annotations": { "argocd.argoproj.io/tracking-id": "bookinfo:networking.istio.io/VirtualService:bookinfo/reviews", "note": "owned by team-a" },
        "managedFields": [ { "manager": "kubectl", "operation": "Apply", "apiVersion": "networking.istio.io/v1beta1", "fieldsType": "FieldsV1", "fieldsV1": { "f:spec": {} } } ]
      },
      "spec": {
        "hosts": [ "reviews" ],
        "gateways": [ "mesh" ],
        "http": [
          {
            "name": "jason",
            "match": [ { "headers": { "end-user": { "exact": "jason" } }, "statPrefix": "jason", "ignoreUriCase": false, "port": 9080 } ],
            "route": [ { "destination": { "host": "reviews", "subset": "v3", "futureField": { "x": 1 } } } ],
            "corsPolicy": { "allowOrigins": [ { "exact": "https://example.com" } ], "allowMethods": [ "GET", "POST" ], "maxAge": "24h" }
          },
          {
            "route": [
              { "destination": { "host": "reviews", "subset": "v1", "port": { "number": 9080 } }, "weight": 1, "headers": { "response": { "set": { "x-version": "v1" } } } },
              { "destination": { "host": "reviews", "subset": "v2" }, "weight": 3 },
              { "destination": { "host": "reviews", "subset": "v3" }, "weight": 0 }
            ],
            "timeout": "10s",
            "retries": { "attempts": 3, "perTryTimeout": "2s", "retryOn": "5xx,connect-failure", "retryRemoteLocalities": true },
            "mirror": { "host": "reviews", "subset": "v3" },
            "mirrorPercentage": { "value": 12.5 },
            "fault": { "delay": { "fixedDelay": "7s", "percentage": { "value": 0.1 } }, "abort": { "httpStatus": 500, "percentage": { "value": 1 } } },
            "rewrite": { "uri": "/", "uriRegexRewrite": { "match": "^/v1/(.*)$", "rewrite": "/\\1" } }
          }
        ],
        "tcp": [ { "match": [ { "port": 27017 } ], "route": [ { "destination": { "host": "mongo", "port": { "number": 5555 } } } ] } ],
        "exportTo": [ "." ]
      },
      "status": { "observedGeneration": 3, "validationMessages": [ { "type": { "code": "IST0101" }, "level": "ERROR" } ] },
      "futureTopLevel": "kept"
    }
    """;

    internal const string DestinationRuleJson = """
    {
      "apiVersion": "networking.istio.io/v1",
      "kind": "DestinationRule",
      "metadata": { "name": "reviews", "namespace": "bookinfo", "resourceVersion": "4712", "labels": { "kiali_wizard": "request_routing" } },
      "spec": {
        "host": "reviews.bookinfo.svc.cluster.local",
        "trafficPolicy": {
          "loadBalancer": { "consistentHash": { "httpCookie": { "name": "user", "ttl": "0s" }, "ringHash": { "minimumRingSize": 1024 } } },
          "connectionPool": { "tcp": { "maxConnections": 100, "connectTimeout": "30ms", "tcpKeepalive": { "time": "7200s" } }, "http": { "http1MaxPendingRequests": 10, "maxRequestsPerConnection": 1 } },
          "outlierDetection": { "consecutive5xxErrors": 7, "interval": "5m", "baseEjectionTime": "15m" },
          "tls": { "mode": "ISTIO_MUTUAL" },
          "portLevelSettings": [ { "port": { "number": 80 }, "loadBalancer": { "simple": "LEAST_REQUEST" } } ]
        },
        "subsets": [
          { "name": "v1", "labels": { "version": "v1" } },
          { "name": "v1-0", "labels": { "version": "1.0" }, "trafficPolicy": { "loadBalancer": { "simple": "ROUND_ROBIN" } }, "futureSubsetField": true }
        ],
        "exportTo": [ "*" ]
      }
    }
    """;

    internal const string GatewayJson = """
    {
      "apiVersion": "networking.istio.io/v1",
      "kind": "Gateway",
      "metadata": { "name": "bookinfo-gateway", "namespace": "bookinfo" },
      "spec": {
        "selector": { "istio": "ingressgateway" },
        "servers": [ { "port": { "number": 443, "name": "https", "protocol": "HTTPS" }, "hosts": [ "bookinfo.example.com" ], "tls": { "mode": "SIMPLE", "credentialName": "bookinfo-cert" } } ]
      }
    }
    """;

    internal const string HttpRouteJson = """
    {
      "apiVersion": "gateway.networking.k8s.io/v1",
      "kind": "HTTPRoute",
      "metadata": { "name": "reviews", "namespace": "bookinfo" },
      "spec": {
        "parentRefs": [ { "group": "", "kind": "Service", "name": "reviews", "port": 9080 } ],
        "hostnames": [ "reviews.example.com" ],
        "rules": [
          {
            "matches": [ { "path": { "type": "PathPrefix", "value": "/" }, "headers": [ { "type": "Exact", "name": "end-user", "value": "jason" } ] } ],
            "filters": [ { "type": "RequestHeaderModifier", "requestHeaderModifier": { "add": [ { "name": "x-canary", "value": "1" } ] } } ],
            "backendRefs": [ { "name": "reviews-v1", "port": 9080, "weight": 90 }, { "name": "reviews-v2", "port": 9080, "weight": 10 } ],
            "timeouts": { "request": "10s" }
          }
        ]
      },
      "status": { "parents": [ { "parentRef": { "name": "reviews" }, "controllerName": "istio.io/gateway-controller", "conditions": [ { "type": "Accepted", "status": "True" } ] } ] }
    }
    """;

    public static TheoryData<string, Type> Samples => new()
    {
        { VirtualServiceJson, typeof(VirtualService) },
        { DestinationRuleJson, typeof(DestinationRule) },
        { GatewayJson, typeof(IstioGateway) },
        { HttpRouteJson, typeof(HttpRoute) },
    };

    [Theory]
    [MemberData(nameof(Samples))]
    public void MeshJson_round_trip_keeps_every_field(string json, Type type)
    {
        object model = JsonSerializer.Deserialize(json, type, MeshJson.Options)!;
        string written = JsonSerializer.Serialize(model, type, MeshJson.Options);

        AssertSameJson(json, written);
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void KubernetesJson_round_trip_keeps_every_field(string json, Type type)
    {
        object model = JsonSerializer.Deserialize(json, type, MeshJson.Options)!;
        string written = KubernetesJson.Serialize(model);

        AssertSameJson(json, written);
    }

    [Fact]
    public void Models_read_by_KubernetesJson_write_back_the_same()
    {
        VirtualService vs = KubernetesJson.Deserialize<VirtualService>(VirtualServiceJson);
        DestinationRule dr = KubernetesJson.Deserialize<DestinationRule>(DestinationRuleJson);

        AssertSameJson(VirtualServiceJson, MeshJson.Serialize(vs));
        AssertSameJson(DestinationRuleJson, KubernetesJson.Serialize(dr));
        Assert.Equal(3, vs.Spec!.Http![1].Retries!.Attempts);
        Assert.Equal("reviews.bookinfo.svc.cluster.local", dr.Spec!.Host);
    }

    [Fact]
    public void Modelled_fields_are_typed_and_unknown_ones_land_in_Extra()
    {
        VirtualService vs = MeshJson.Deserialize<VirtualService>(VirtualServiceJson)!;

        Assert.Equal("networking.istio.io/v1beta1", vs.ApiVersion);
        Assert.Equal("v1beta1", vs.ApiGroupVersion);
        Assert.Equal("owned by team-a", vs.Metadata.Annotations["note"]);
        HttpRouteRule jason = vs.Spec!.Http![0];
        Assert.Equal("jason", jason.Match![0].Headers!["end-user"].Exact);
        Assert.True(jason.Extra!.ContainsKey("corsPolicy"));
        Assert.False(jason.IsCatchAll);
        HttpRouteRule split = vs.Spec.Http[1];
        Assert.True(split.IsCatchAll);
        Assert.Equal([1, 3, 0], split.Route!.Select(static d => d.Weight!.Value));
        Assert.Equal(9080, split.Route![0].Destination!.Port!.Number);
        Assert.Equal(12.5, split.MirrorPercentage!.Value);
        Assert.True(split.Retries!.Extra!["retryRemoteLocalities"].GetBoolean());
        Assert.Equal(500, split.Fault!.Abort!.HttpStatus);
        Assert.True(vs.Extra!.ContainsKey("status"));
        Assert.Equal("kept", vs.Extra["futureTopLevel"].GetString());
        Assert.Single(vs.Spec.Tcp!);
    }

    [Fact]
    public void Absent_collections_and_weights_stay_absent()
    {
        const string json = """{"apiVersion":"networking.istio.io/v1","kind":"VirtualService","metadata":{"name":"r"},"spec":{"hosts":["r"],"http":[{"route":[{"destination":{"host":"r"}}]}]}}""";
        VirtualService vs = MeshJson.Deserialize<VirtualService>(json)!;

        Assert.Null(vs.Spec!.Http![0].Route![0].Weight);
        Assert.Null(vs.Spec.Gateways);
        AssertSameJson(json, MeshJson.Serialize(vs));
        AssertSameJson(json, KubernetesJson.Serialize(vs));
    }

    [Fact]
    public void Yaml_with_unknown_fields_round_trips_through_the_model()
    {
        const string yaml = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: ratings
              namespace: bookinfo
              annotations:
                kubectl.kubernetes.io/last-applied-configuration: '{"x":1}'
            spec:
              hosts:
              - ratings
              http:
              - route:
                - destination:
                    host: ratings
                    subset: '1.0'
                  weight: 100
                corsPolicy:
                  allowOrigins:
                  - prefix: https://
                retries:
                  attempts: 2
                  retryRemoteLocalities: true
            status:
              validationMessages: []
            """;

        VirtualService vs = ResourceYaml.Deserialize<VirtualService>(yaml);

        Assert.Equal("1.0", vs.Spec!.Http![0].Route![0].Destination!.Subset);
        Assert.True(JsonNode.DeepEquals(ResourceYaml.ToJson(yaml), JsonSerializer.SerializeToNode(vs, MeshJson.Options)));
        Assert.True(JsonNode.DeepEquals(ResourceYaml.ToJson(yaml), ResourceYaml.ToJson(ResourceYaml.Serialize(vs))));
    }

    [Fact]
    public void DeepClone_shares_nothing_with_the_original()
    {
        VirtualService original = MeshJson.Deserialize<VirtualService>(VirtualServiceJson)!;
        VirtualService clone = MeshJson.DeepClone(original);

        clone.Metadata.Annotations["note"] = "changed";
        clone.Spec = clone.Spec! with { Hosts = ["other"] };

        Assert.Equal("owned by team-a", original.Metadata.Annotations["note"]);
        Assert.Equal(["reviews"], original.Spec!.Hosts!);
    }

    [Fact]
    public void Constants_name_the_kubernetes_resources()
    {
        Assert.Equal(("networking.istio.io", "virtualservices", "VirtualService"), (VirtualService.Group, VirtualService.Plural, new VirtualService().Kind));
        Assert.Equal(("networking.istio.io", "destinationrules", "DestinationRule"), (DestinationRule.Group, DestinationRule.Plural, new DestinationRule().Kind));
        Assert.Equal(("networking.istio.io", "gateways", "Gateway"), (IstioGateway.Group, IstioGateway.Plural, new IstioGateway().Kind));
        Assert.Equal(("gateway.networking.k8s.io", "httproutes", "HTTPRoute"), (HttpRoute.Group, HttpRoute.Plural, new HttpRoute().Kind));
        Assert.Equal("gateway.networking.k8s.io/v1", new HttpRoute().ApiVersion);
    }

    [Fact]
    public void A_LIST_response_reads_into_a_typed_list_with_either_serializer()
    {
        string list = $$"""{"apiVersion":"networking.istio.io/v1","kind":"VirtualServiceList","metadata":{"resourceVersion":"999","continue":"abc"},"items":[{{VirtualServiceJson}}]}""";

        ResourceList<VirtualService> viaKubernetesJson = KubernetesJson.Deserialize<ResourceList<VirtualService>>(list);
        ResourceList<VirtualService> viaMeshJson = MeshJson.Deserialize<ResourceList<VirtualService>>(list)!;

        Assert.Equal("999", viaKubernetesJson.Metadata.ResourceVersion);
        Assert.Equal("abc", viaMeshJson.Metadata.ContinueProperty);
        Assert.Equal("reviews", Assert.Single(viaKubernetesJson.Items).Name);
        AssertSameJson(list, KubernetesJson.Serialize(viaKubernetesJson));
        AssertSameJson(list, MeshJson.Serialize(viaMeshJson));
    }

    [Fact]
    public void Entity_attributes_describe_the_custom_resources_for_generic_clients()
    {
        var entity = (k8s.Models.KubernetesEntityAttribute)Attribute.GetCustomAttribute(typeof(DestinationRule), typeof(k8s.Models.KubernetesEntityAttribute))!;

        Assert.Equal(("networking.istio.io", "v1", "DestinationRule", "destinationrules"), (entity.Group, entity.ApiVersion, entity.Kind, entity.PluralName));
    }

    internal static void AssertSameJson(string expected, string actual)
    {
        JsonNode? e = JsonNode.Parse(expected);
        JsonNode? a = JsonNode.Parse(actual);
        Assert.True(JsonNode.DeepEquals(e, a), $"JSON differs.\nExpected: {e?.ToJsonString()}\nActual:   {a?.ToJsonString()}");
    }
}
