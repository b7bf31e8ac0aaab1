using System.Text.Json.Nodes;

namespace TrafficConsole.Sandbox.Api;

/// <summary>
/// The discovery documents clients read before anything else: legacy (/api, /apis, per group-version
/// resource lists), aggregated discovery (apidiscovery.k8s.io/v2, what kubectl 1.30+ asks first), and
/// an OpenAPI v3 index whose PATCH operations declare fieldValidation, so kubectl leaves validation to us.
/// </summary>
internal static class Discovery
{
    public const string Major = "1";
    public const string Minor = "34";

    public static JsonObject Version() => new()
    {
        ["major"] = Major,
        ["minor"] = Minor,
        ["gitVersion"] = $"v{Major}.{Minor}.0-trafficconsole-sandbox",
        ["gitCommit"] = "0000000000000000000000000000000000000000",
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2026-01-01T00:00:00Z",
        ["goVersion"] = "go1.24.0",
        ["compiler"] = "gc",
        ["platform"] = "linux/amd64",
    };

    public static JsonObject CoreVersions(string serverAddress) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject
        {
            ["clientCIDR"] = "0.0.0.0/0",
            ["serverAddress"] = serverAddress,
        }),
    };

    public static JsonObject GroupList() => new()
    {
        ["kind"] = "APIGroupList",
        ["apiVersion"] = "v1",
        ["groups"] = new JsonArray([.. ResourceCatalog.Groups.Select(g => (JsonNode)Group(g.Group, g.Versions))]),
    };

    public static JsonObject? GroupDocument(string group)
    {
        var entry = ResourceCatalog.Groups.FirstOrDefault(g => g.Group == group);
        if (entry.Group is null)
        {
            return null;
        }

        var doc = Group(entry.Group, entry.Versions);
        doc["kind"] = "APIGroup";
        doc["apiVersion"] = "v1";
        return doc;
    }

    public static JsonObject ResourceList(string group, string version)
    {
        var resources = new JsonArray();
        foreach (var t in ResourceCatalog.InGroupVersion(group, version))
        {
            var r = new JsonObject
            {
                ["name"] = t.Plural,
                ["singularName"] = t.Singular,
                ["namespaced"] = t.Namespaced,
                ["kind"] = t.Kind,
                ["verbs"] = Strings(t.Verbs),
            };
            if (t.ShortNames.Length > 0)
            {
                r["shortNames"] = Strings(t.ShortNames);
            }

            if (t.Categories.Length > 0)
            {
                r["categories"] = Strings(t.Categories);
            }

            resources.Add(r);
            if (t.HasStatusSubresource)
            {
                resources.Add(new JsonObject
                {
                    ["name"] = $"{t.Plural}/status",
                    ["singularName"] = "",
                    ["namespaced"] = t.Namespaced,
                    ["kind"] = t.Kind,
                    ["verbs"] = new JsonArray("get", "patch", "update"),
                });
            }

            if (t.HasScaleSubresource)
            {
                resources.Add(new JsonObject
                {
                    ["name"] = $"{t.Plural}/scale",
                    ["singularName"] = "",
                    ["namespaced"] = t.Namespaced,
                    ["group"] = "autoscaling",
                    ["version"] = "v1",
                    ["kind"] = "Scale",
                    ["verbs"] = new JsonArray("get", "patch", "update"),
                });
            }
        }

        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}",
            ["resources"] = resources,
        };
    }

    /// <summary>The content type of aggregated discovery in the version the client asked for, or null.</summary>
    public static string? AggregatedContentType(string? accept)
    {
        if (accept is null)
        {
            return null;
        }

        foreach (var part in accept.Split(','))
        {
            var p = part.Replace(" ", "", StringComparison.Ordinal);
            if (!p.Contains("as=APIGroupDiscoveryList", StringComparison.Ordinal) || !p.Contains("g=apidiscovery.k8s.io", StringComparison.Ordinal))
            {
                continue;
            }

            if (p.Contains("v=v2beta1", StringComparison.Ordinal))
            {
                return "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList";
            }

            if (p.Contains("v=v2", StringComparison.Ordinal))
            {
                return "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
            }
        }

        return null;
    }

    /// <summary>apidiscovery.k8s.io APIGroupDiscoveryList for /api (core) or /apis (named groups).</summary>
    public static JsonObject Aggregated(bool core, string contentType)
    {
        var apiVersion = contentType.Contains("v=v2beta1", StringComparison.Ordinal) ? "apidiscovery.k8s.io/v2beta1" : "apidiscovery.k8s.io/v2";
        var groups = core ? [("", ["v1"])] : ResourceCatalog.Groups.Select(g => (g.Group, (IEnumerable<string>)g.Versions)).ToList();
        var items = new JsonArray();
        foreach (var (group, versions) in groups)
        {
            var versionArray = new JsonArray();
            foreach (var version in versions)
            {
                var resources = new JsonArray();
                foreach (var t in ResourceCatalog.InGroupVersion(group, version))
                {
                    var r = new JsonObject
                    {
                        ["resource"] = t.Plural,
                        ["responseKind"] = Gvk(group, version, t.Kind),
                        ["scope"] = t.Namespaced ? "Namespaced" : "Cluster",
                        ["singularResource"] = t.Singular,
                        ["verbs"] = Strings(t.Verbs),
                    };
                    if (t.ShortNames.Length > 0)
                    {
                        r["shortNames"] = Strings(t.ShortNames);
                    }

                    if (t.Categories.Length > 0)
                    {
                        r["categories"] = Strings(t.Categories);
                    }

                    var subresources = new JsonArray();
                    if (t.HasStatusSubresource)
                    {
                        subresources.Add(new JsonObject
                        {
                            ["subresource"] = "status",
                            ["responseKind"] = Gvk(group, version, t.Kind),
                            ["verbs"] = new JsonArray("get", "patch", "update"),
                        });
                    }

                    if (t.HasScaleSubresource)
                    {
                        subresources.Add(new JsonObject
                        {
                            ["subresource"] = "scale",
                            ["responseKind"] = Gvk("autoscaling", "v1", "Scale"),
                            ["verbs"] = new JsonArray("get", "patch", "update"),
                        });
                    }

                    if (subresources.Count > 0)
                    {
                        r["subresources"] = subresources;
                    }

                    resources.Add(r);
                }

                versionArray.Add(new JsonObject { ["version"] = version, ["resources"] = resources, ["freshness"] = "Current" });
            }

            items.Add(new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = group, ["creationTimestamp"] = null },
                ["versions"] = versionArray,
            });
        }

        return new JsonObject
        {
            ["kind"] = "APIGroupDiscoveryList",
            ["apiVersion"] = apiVersion,
            ["metadata"] = new JsonObject(),
            ["items"] = items,
        };
    }

    /// <summary>The OpenAPI v3 index: one document per served group-version.</summary>
    public static JsonObject OpenApiV3Index()
    {
        var paths = new JsonObject();
        foreach (var (group, version) in GroupVersions())
        {
            var key = group.Length == 0 ? $"api/{version}" : $"apis/{group}/{version}";
            paths[key] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{key}?hash=SANDBOX{Discovery.Minor}" };
        }

        return new JsonObject { ["paths"] = paths };
    }

    /// <summary>
    /// A small OpenAPI v3 document for one group-version: each kind's PATCH operation with its
    /// group-version-kind and the fieldValidation query parameter. Schemas are open (no client-side
    /// pruning or validation); the server validates.
    /// </summary>
    public static JsonObject? OpenApiV3(string group, string version)
    {
        if (!ResourceCatalog.Serves(group, version))
        {
            return null;
        }

        var paths = new JsonObject();
        var schemas = new JsonObject();
        foreach (var t in ResourceCatalog.InGroupVersion(group, version))
        {
            var prefix = t.GroupVersionPath(version);
            var itemPath = t.Namespaced ? $"{prefix}/namespaces/{{namespace}}/{t.Plural}/{{name}}" : $"{prefix}/{t.Plural}/{{name}}";
            var schemaName = $"{(group.Length == 0 ? "io.k8s.api.core" : string.Join('.', group.Split('.').Reverse()))}.{version}.{t.Kind}";
            var reference = new JsonObject { ["$ref"] = $"#/components/schemas/{schemaName}" };
            JsonObject Operation(string verb) => new()
            {
                ["operationId"] = $"{verb}{t.Kind}",
                ["parameters"] = new JsonArray(
                    Param("dryRun"), Param("fieldManager"), Param("fieldValidation"), Param("force", "boolean")),
                ["requestBody"] = new JsonObject
                {
                    ["content"] = new JsonObject
                    {
                        ["application/json-patch+json"] = new JsonObject { ["schema"] = new JsonObject { ["type"] = "object" } },
                        ["application/merge-patch+json"] = new JsonObject { ["schema"] = new JsonObject { ["type"] = "object" } },
                        ["application/apply-patch+yaml"] = new JsonObject { ["schema"] = new JsonObject { ["type"] = "object" } },
                    },
                    ["required"] = true,
                },
                ["responses"] = new JsonObject
                {
                    ["200"] = new JsonObject
                    {
                        ["description"] = "OK",
                        ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = reference.DeepClone() } },
                    },
                },
                ["x-kubernetes-action"] = verb,
                ["x-kubernetes-group-version-kind"] = Gvk(group, version, t.Kind),
            };
            paths[itemPath] = new JsonObject
            {
                ["patch"] = Operation("patch"),
                ["put"] = Operation("put"),
                ["parameters"] = new JsonArray(Param("name", inPath: true)),
            };
            schemas[schemaName] = new JsonObject
            {
                ["type"] = "object",
                ["description"] = $"{t.Kind} as served by the TrafficConsole sandbox.",
                ["x-kubernetes-preserve-unknown-fields"] = true,
                ["x-kubernetes-group-version-kind"] = new JsonArray(Gvk(group, version, t.Kind)),
            };
        }

        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = $"v{Major}.{Minor}.0" },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = schemas },
        };
    }

    private static IEnumerable<(string Group, string Version)> GroupVersions() =>
        ResourceCatalog.All.SelectMany(t => t.Versions.Select(v => (t.Group, v))).Distinct();

    private static JsonObject Param(string name, string type = "string", bool inPath = false) => new()
    {
        ["name"] = name,
        ["in"] = inPath ? "path" : "query",
        ["required"] = inPath,
        ["schema"] = new JsonObject { ["type"] = type, ["uniqueItems"] = true },
    };

    private static JsonObject Gvk(string group, string version, string kind) =>
        new() { ["group"] = group, ["version"] = version, ["kind"] = kind };

    private static JsonObject Group(string name, IReadOnlyList<string> versions) => new()
    {
        ["name"] = name,
        ["versions"] = new JsonArray([.. versions.Select(v => (JsonNode)new JsonObject
        {
            ["groupVersion"] = $"{name}/{v}",
            ["version"] = v,
        })]),
        ["preferredVersion"] = new JsonObject { ["groupVersion"] = $"{name}/{versions[0]}", ["version"] = versions[0] },
    };

    private static JsonArray Strings(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode)v)]);
}
