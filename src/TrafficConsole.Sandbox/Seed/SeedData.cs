using System.Text.Json.Nodes;
using TrafficConsole.Sandbox.Api;
using TrafficConsole.Sandbox.Storage;

namespace TrafficConsole.Sandbox.Seed;

/// <summary>
/// The demo cluster: Bookinfo (six deployments, four services, its ingress Gateway, no routing yet) in <c>bookinfo</c>, and a
/// busier <c>shop</c> namespace with several versioned services, one of them already routed 90/10 by a
/// VirtualService someone else wrote and another with a header-match rule.
/// </summary>
internal static class SeedData
{
    public static void Apply(SandboxStore store, SandboxSeed seed, TimeProvider time)
    {
        var registry = new ResourceRegistry(store, time);
        var options = new WriteOptions(DryRun: false, FieldManager: "sandbox-seed");
        void Create(ResourceType type, string? ns, JsonObject obj) =>
            registry.Create(type, type.StorageVersion, ns, obj, options);

        Create(ResourceCatalog.Namespaces, null, Namespace("default"));
        Create(ResourceCatalog.Namespaces, null, Namespace("kube-system"));
        if (seed == SandboxSeed.None)
        {
            return;
        }

        Create(ResourceCatalog.Namespaces, null, Namespace("bookinfo", istioInjection: true));
        foreach (var app in new[] { "productpage", "details", "reviews", "ratings" })
        {
            Create(ResourceCatalog.ServiceAccounts, "bookinfo", ServiceAccount($"bookinfo-{app}", app));
            Create(ResourceCatalog.Services, "bookinfo", Service(app, 9080, "http"));
        }

        foreach (var (app, version) in new[]
        {
            ("productpage", "v1"), ("details", "v1"), ("reviews", "v1"), ("reviews", "v2"), ("reviews", "v3"), ("ratings", "v1"),
        })
        {
            Create(ResourceCatalog.Deployments, "bookinfo", Deployment(app, version, 1,
                $"docker.io/istio/examples-bookinfo-{app}-{version}:1.17.0", 9080, $"bookinfo-{app}"));
        }

        // The ingress Gateway of Istio's Bookinfo sample (samples/bookinfo/networking/bookinfo-gateway.yaml), so
        // "attach to existing gateways" has one to offer; its VirtualService is left out: no routing yet.
        Create(ResourceCatalog.IstioGateways, "bookinfo", Parse("""
            {"apiVersion":"networking.istio.io/v1","kind":"Gateway",
             "metadata":{"name":"bookinfo-gateway","namespace":"bookinfo"},
             "spec":{"selector":{"istio":"ingressgateway"},
                     "servers":[{"port":{"number":8080,"name":"http","protocol":"HTTP"},"hosts":["*"]}]}}
            """));

        Create(ResourceCatalog.Namespaces, null, Namespace("shop", istioInjection: true));
        var shop = new (string App, int Port, (string Version, int Replicas)[] Versions)[]
        {
            ("frontend", 8080, [("v1", 2)]),
            ("cart", 7070, [("v1", 2), ("v2", 1)]),
            ("checkout", 5050, [("1.0", 2), ("2.0", 1)]),
            ("catalog", 3550, [("v1", 3), ("v2", 1), ("v3", 1)]),
            ("currency", 7000, [("v1", 1)]),
            ("payment", 50051, [("v1", 1), ("v2", 1)]),
            ("shipping", 50052, [("v1", 1)]),
            ("email", 8081, [("v1", 1)]),
            ("recommendation", 8082, [("v1", 1), ("v2", 1)]),
            ("ads", 9555, [("v1", 1)]),
            ("search", 8083, [("v1", 1), ("v2", 1), ("v3", 1)]),
            ("inventory", 8084, [("v1", 1)]),
        };
        foreach (var (app, port, versions) in shop)
        {
            Create(ResourceCatalog.Services, "shop", Service(app, port, port == 50051 || port == 50052 ? "grpc" : "http"));
            foreach (var (version, replicas) in versions)
            {
                Create(ResourceCatalog.Deployments, "shop", Deployment(app, version, replicas,
                    $"registry.example.com/shop/{app}:{version}", port, "default"));
            }
        }

        // Routing written "by someone else" (no managed-by label): a 90/10 canary on catalog...
        Create(ResourceCatalog.DestinationRules, "shop", Parse("""
            {"apiVersion":"networking.istio.io/v1","kind":"DestinationRule",
             "metadata":{"name":"catalog","namespace":"shop","labels":{"team":"catalog"}},
             "spec":{"host":"catalog.shop.svc.cluster.local",
                     "trafficPolicy":{"connectionPool":{"tcp":{"maxConnections":100}}},
                     "subsets":[{"name":"v1","labels":{"version":"v1"}},{"name":"v2","labels":{"version":"v2"}},
                                {"name":"v3","labels":{"version":"v3"}}]}}
            """));
        Create(ResourceCatalog.VirtualServices, "shop", Parse("""
            {"apiVersion":"networking.istio.io/v1","kind":"VirtualService",
             "metadata":{"name":"catalog","namespace":"shop","labels":{"team":"catalog"}},
             "spec":{"hosts":["catalog.shop.svc.cluster.local"],
                     "http":[{"name":"canary","route":[
                        {"destination":{"host":"catalog.shop.svc.cluster.local","subset":"v1"},"weight":90},
                        {"destination":{"host":"catalog.shop.svc.cluster.local","subset":"v2"},"weight":10}],
                        "timeout":"5s","retries":{"attempts":3,"perTryTimeout":"2s"}}]}}
            """));

        // ...and a header-match rule on cart: testers reach v2, everyone else v1.
        Create(ResourceCatalog.DestinationRules, "shop", Parse("""
            {"apiVersion":"networking.istio.io/v1","kind":"DestinationRule",
             "metadata":{"name":"cart","namespace":"shop"},
             "spec":{"host":"cart","subsets":[{"name":"v1","labels":{"version":"v1"}},{"name":"v2","labels":{"version":"v2"}}]}}
            """));
        Create(ResourceCatalog.VirtualServices, "shop", Parse("""
            {"apiVersion":"networking.istio.io/v1","kind":"VirtualService",
             "metadata":{"name":"cart","namespace":"shop"},
             "spec":{"hosts":["cart"],
                     "http":[{"name":"testers","match":[{"headers":{"x-user-group":{"exact":"testers"}}}],
                              "route":[{"destination":{"host":"cart","subset":"v2"}}]},
                             {"name":"default","route":[{"destination":{"host":"cart","subset":"v1"}}]}]}}
            """));

        ExamplePrincipals(Create);
    }

    /// <summary>
    /// RBAC for demos and tests: they grant nothing until a token (SandboxOptions.Tokens / TokenFile) or an impersonation
    /// header names one of these users. <c>viewer</c> reads the mesh kinds everywhere; <c>operator-bookinfo</c> reads
    /// everywhere and changes routing (and the ConfigMaps its history keeps) in bookinfo only; <c>trafficconsole</c>,
    /// the console's own identity, reads everywhere and may impersonate users and groups.
    /// </summary>
    private static void ExamplePrincipals(Action<ResourceType, string?, JsonObject> create)
    {
        create(ResourceCatalog.ClusterRoles, null, Parse("""
            {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"cluster-admin"},
             "rules":[{"apiGroups":["*"],"resources":["*"],"verbs":["*"]},{"nonResourceURLs":["*"],"verbs":["*"]}]}
            """));
        create(ResourceCatalog.ClusterRoleBindings, null, Parse("""
            {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"cluster-admin"},
             "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"cluster-admin"},
             "subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"Group","name":"system:masters"}]}
            """));
        create(ResourceCatalog.ClusterRoles, null, Parse("""
            {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"trafficconsole:mesh-viewer"},
             "rules":[{"apiGroups":[""],"resources":["namespaces","services","pods","configmaps","events"],"verbs":["get","list","watch"]},
                      {"apiGroups":["apps"],"resources":["deployments"],"verbs":["get","list","watch"]},
                      {"apiGroups":["networking.istio.io"],"resources":["virtualservices","destinationrules","gateways"],"verbs":["get","list","watch"]},
                      {"apiGroups":["gateway.networking.k8s.io"],"resources":["httproutes","gateways"],"verbs":["get","list","watch"]}]}
            """));
        create(ResourceCatalog.ClusterRoleBindings, null, Parse("""
            {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"trafficconsole:mesh-viewers"},
             "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"trafficconsole:mesh-viewer"},
             "subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"viewer"},
                         {"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"operator-bookinfo"},
                         {"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"trafficconsole"},
                         {"apiGroup":"rbac.authorization.k8s.io","kind":"Group","name":"trafficconsole:viewers"}]}
            """));
        create(ResourceCatalog.Roles, "bookinfo", Parse("""
            {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"trafficconsole:routing-editor","namespace":"bookinfo"},
             "rules":[{"apiGroups":["networking.istio.io"],"resources":["virtualservices","destinationrules"],
                       "verbs":["get","list","watch","create","update","patch"]},
                      {"apiGroups":[""],"resources":["configmaps"],"verbs":["get","list","watch","create","update","patch"]}]}
            """));
        create(ResourceCatalog.RoleBindings, "bookinfo", Parse("""
            {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"trafficconsole:operators","namespace":"bookinfo"},
             "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"trafficconsole:routing-editor"},
             "subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"operator-bookinfo"},
                         {"apiGroup":"rbac.authorization.k8s.io","kind":"Group","name":"trafficconsole:bookinfo-operators"}]}
            """));
        create(ResourceCatalog.ClusterRoles, null, Parse("""
            {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"trafficconsole:impersonator"},
             "rules":[{"apiGroups":[""],"resources":["users","groups","serviceaccounts"],"verbs":["impersonate"]},
                      {"apiGroups":["authentication.k8s.io"],"resources":["uids"],"verbs":["impersonate"]},
                      {"apiGroups":["authentication.k8s.io"],"resources":["tokenreviews"],"verbs":["create"]}]}
            """));
        create(ResourceCatalog.ClusterRoleBindings, null, Parse("""
            {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"trafficconsole:impersonator"},
             "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"trafficconsole:impersonator"},
             "subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"trafficconsole"}]}
            """));
    }

    private static JsonObject Parse(string json) => JsonNode.Parse(json)!.AsObject();

    private static JsonObject Namespace(string name, bool istioInjection = false)
    {
        var ns = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Namespace",
            ["metadata"] = new JsonObject { ["name"] = name },
        };
        if (istioInjection)
        {
            ns["metadata"]!["labels"] = new JsonObject { ["istio-injection"] = "enabled" };
        }

        return ns;
    }

    private static JsonObject ServiceAccount(string name, string? account = null)
    {
        var sa = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ServiceAccount",
            ["metadata"] = new JsonObject { ["name"] = name },
        };
        if (account is not null)
        {
            sa["metadata"]!["labels"] = new JsonObject { ["account"] = account };
        }

        return sa;
    }

    private static JsonObject Service(string app, int port, string portName) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Service",
        ["metadata"] = new JsonObject
        {
            ["name"] = app,
            ["labels"] = new JsonObject { ["app"] = app, ["service"] = app },
        },
        ["spec"] = new JsonObject
        {
            ["ports"] = new JsonArray(new JsonObject { ["port"] = port, ["name"] = portName, ["targetPort"] = port }),
            ["selector"] = new JsonObject { ["app"] = app },
        },
    };

    private static JsonObject Deployment(string app, string version, int replicas, string image, int port, string serviceAccount)
    {
        var name = $"{app}-{(version.StartsWith('v') ? version : "v" + version.Replace('.', '-'))}";
        return new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "Deployment",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["labels"] = new JsonObject { ["app"] = app, ["version"] = version },
            },
            ["spec"] = new JsonObject
            {
                ["replicas"] = replicas,
                ["selector"] = new JsonObject
                {
                    ["matchLabels"] = new JsonObject { ["app"] = app, ["version"] = version },
                },
                ["template"] = new JsonObject
                {
                    ["metadata"] = new JsonObject
                    {
                        ["labels"] = new JsonObject { ["app"] = app, ["version"] = version },
                    },
                    ["spec"] = new JsonObject
                    {
                        ["serviceAccountName"] = serviceAccount,
                        ["containers"] = new JsonArray(new JsonObject
                        {
                            ["name"] = app,
                            ["image"] = image,
                            ["imagePullPolicy"] = "IfNotPresent",
                            ["ports"] = new JsonArray(new JsonObject { ["containerPort"] = port, ["protocol"] = "TCP" }),
                        }),
                    },
                },
            },
        };
    }
}
