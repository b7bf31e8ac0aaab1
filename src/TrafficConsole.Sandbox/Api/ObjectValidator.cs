using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace TrafficConsole.Sandbox.Api;

/// <summary>
/// The checks the API server makes before storing: object names per kind, and the structural schema
/// of the Istio CRDs (types of hosts, weights...). Messages follow apimachinery's field errors.
/// </summary>
internal static partial class ObjectValidator
{
    private const string SubdomainMessage =
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

    private const string LabelMessage =
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

    private const string Dns1035Message =
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Subdomain();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Label();

    [GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1035();

    /// <summary>The name check alone; used for generateName prefixes too.</summary>
    public static IEnumerable<StatusCause> ValidateName(ResourceType type, string? name, string field = "metadata.name")
    {
        if (string.IsNullOrEmpty(name))
        {
            yield return new StatusCause("FieldValueRequired", "Required value: name or generateName is required", field);
            yield break;
        }

        var (ok, max, message) = type.NameRule switch
        {
            NameRule.Label => (Label().IsMatch(name), 63, LabelMessage),
            NameRule.Dns1035Label => (Dns1035().IsMatch(name), 63, Dns1035Message),
            NameRule.PathSegment => (name is not "." and not ".." && !name.Contains('/') && !name.Contains('%'), 253,
                "may not contain '/' or '%' and may not be '.' or '..'"),
            _ => (Subdomain().IsMatch(name), 253, SubdomainMessage),
        };
        if (!ok)
        {
            yield return new StatusCause("FieldValueInvalid", $"Invalid value: \"{name}\": {message}", field);
        }
        else if (name.Length > max)
        {
            yield return new StatusCause("FieldValueInvalid",
                $"Invalid value: \"{name}\": must be no more than {max} characters", field);
        }
    }

    /// <summary>Every problem with an object about to be stored; empty when it may be stored.</summary>
    public static ImmutableArray<StatusCause> Validate(ResourceType type, JsonObject obj)
    {
        var causes = ImmutableArray.CreateBuilder<StatusCause>();
        causes.AddRange(ValidateName(type, Json.Name(obj)));
        if (obj["metadata"] is JsonObject meta)
        {
            CheckStringMap(meta["labels"], "metadata.labels", causes);
            CheckStringMap(meta["annotations"], "metadata.annotations", causes);
        }

        if (type == ResourceCatalog.VirtualServices)
        {
            VirtualServiceSchema.Check(obj["spec"], "spec", causes);
        }
        else if (type == ResourceCatalog.DestinationRules)
        {
            DestinationRuleSchema.Check(obj["spec"], "spec", causes);
        }
        else if (type == ResourceCatalog.IstioGateways)
        {
            GatewaySchema.Check(obj["spec"], "spec", causes);
        }
        else if (type == ResourceCatalog.Deployments)
        {
            DeploymentSchema.Check(obj["spec"], "spec", causes);
        }
        else if (type == ResourceCatalog.Services)
        {
            ServiceSchema.Check(obj["spec"], "spec", causes);
        }
        else if (type == ResourceCatalog.ConfigMaps || type == ResourceCatalog.Secrets)
        {
            CheckDataSize(type, obj, causes);
        }

        return causes.ToImmutable();
    }

    /// <summary>The API server's limit on a ConfigMap's or Secret's keys and values together (corev1.MaxSecretSize, 1 MiB).</summary>
    public const int MaxDataBytes = 1024 * 1024;

    private static void CheckDataSize(ResourceType type, JsonObject obj, ImmutableArray<StatusCause>.Builder causes)
    {
        long total = 0;
        foreach (var field in type == ResourceCatalog.Secrets ? ["data", "stringData"] : new[] { "data", "binaryData" })
        {
            if (obj[field] is not JsonObject map)
            {
                continue;
            }

            foreach (var (key, value) in map)
            {
                total += System.Text.Encoding.UTF8.GetByteCount(key) + (Json.Str(value) is { } text
                    ? field is "binaryData" || (field == "data" && type == ResourceCatalog.Secrets) ? text.Length * 3L / 4 : System.Text.Encoding.UTF8.GetByteCount(text)
                    : 0);
            }
        }

        if (total > MaxDataBytes)
        {
            causes.Add(new StatusCause("FieldValueTooLong", $"Too long: may not be more than {MaxDataBytes} bytes", "[]"));
        }
    }

    private static void CheckStringMap(JsonNode? node, string path, ImmutableArray<StatusCause>.Builder causes)
    {
        if (node is null)
        {
            return;
        }

        if (node is not JsonObject map)
        {
            causes.Add(TypeError(path, node, "object"));
            return;
        }

        foreach (var (key, value) in map)
        {
            if (value is not JsonValue v || v.GetValueKind() != JsonValueKind.String)
            {
                causes.Add(TypeError($"{path}.{key}", value, "string"));
            }
        }
    }

    internal static StatusCause TypeError(string path, JsonNode? value, string expected)
    {
        var actual = value switch
        {
            null => "null",
            JsonObject => "object",
            JsonArray => "array",
            JsonValue v => v.GetValueKind() switch
            {
                JsonValueKind.String => "string",
                JsonValueKind.Number => Json.Int(v) is null ? "number" : "integer",
                JsonValueKind.True or JsonValueKind.False => "boolean",
                _ => "null",
            },
            _ => "unknown",
        };
        return new StatusCause("FieldValueTypeInvalid",
            $"Invalid value: \"{actual}\": {path} in body must be of type {expected}: \"{actual}\"", path);
    }

    private static readonly Schema AnyString = Schema.Str();
    private static readonly Schema StringList = Schema.List(AnyString);
    private static readonly Schema StringMap = Schema.Map(AnyString);
    private static readonly Schema Port = Schema.Obj(("number", Schema.Int(0, 4294967295)));

    private static readonly Schema Destination = Schema.Obj(("host", AnyString), ("subset", AnyString), ("port", Port));

    private static readonly Schema HttpRoute = Schema.Obj(
        ("name", AnyString),
        ("match", Schema.List(Schema.Obj(("name", AnyString), ("uri", Schema.AnyObject), ("headers", Schema.Map(Schema.AnyObject)),
            ("port", Schema.Int(0, 4294967295)), ("sourceLabels", StringMap), ("gateways", StringList),
            ("queryParams", Schema.Map(Schema.AnyObject)), ("withoutHeaders", Schema.Map(Schema.AnyObject))))),
        ("route", Schema.List(Schema.Obj(("destination", Destination), ("weight", Schema.Int(0, int.MaxValue)),
            ("headers", Schema.AnyObject)))),
        ("mirror", Destination),
        ("mirrorPercentage", Schema.Obj(("value", Schema.Number()))),
        ("timeout", AnyString),
        ("retries", Schema.Obj(("attempts", Schema.Int(int.MinValue, int.MaxValue)), ("perTryTimeout", AnyString), ("retryOn", AnyString))),
        ("fault", Schema.AnyObject),
        ("rewrite", Schema.AnyObject),
        ("redirect", Schema.AnyObject),
        ("headers", Schema.AnyObject),
        ("corsPolicy", Schema.AnyObject));

    private static readonly Schema TcpRoute = Schema.Obj(
        ("match", Schema.List(Schema.AnyObject)),
        ("route", Schema.List(Schema.Obj(("destination", Destination), ("weight", Schema.Int(0, int.MaxValue))))));

    private static readonly Schema VirtualServiceSchema = Schema.Obj(
        ("hosts", StringList),
        ("gateways", StringList),
        ("exportTo", StringList),
        ("http", Schema.List(HttpRoute)),
        ("tcp", Schema.List(TcpRoute)),
        ("tls", Schema.List(TcpRoute)));

    private static readonly Schema DestinationRuleSchema = Schema.Obj(
        ("host", AnyString),
        ("exportTo", StringList),
        ("trafficPolicy", Schema.AnyObject),
        ("subsets", Schema.List(Schema.Obj(("name", AnyString), ("labels", StringMap), ("trafficPolicy", Schema.AnyObject)))),
        ("workloadSelector", Schema.Obj(("matchLabels", StringMap))));

    private static readonly Schema GatewaySchema = Schema.Obj(
        ("selector", StringMap),
        ("servers", Schema.List(Schema.Obj(("port", Schema.Obj(("number", Schema.Int(0, 4294967295)), ("name", AnyString),
            ("protocol", AnyString))), ("hosts", StringList), ("name", AnyString), ("tls", Schema.AnyObject)))));

    private static readonly Schema DeploymentSchema = Schema.Obj(
        ("replicas", Schema.Int(0, int.MaxValue)),
        ("selector", Schema.Obj(("matchLabels", StringMap))),
        ("template", Schema.Obj(("metadata", Schema.Obj(("labels", StringMap))), ("spec", Schema.AnyObject))));

    private static readonly Schema ServiceSchema = Schema.Obj(
        ("selector", StringMap),
        ("ports", Schema.List(Schema.Obj(("port", Schema.Int(1, 65535)), ("name", AnyString), ("protocol", AnyString)))));

    /// <summary>A tiny structural schema: the types the CRD's OpenAPI schema would check.</summary>
    private sealed class Schema
    {
        private enum Kind
        {
            String,
            Integer,
            Number,
            Object,
            AnyObject,
            List,
            Map,
        }

        private Kind _kind;
        private long _min;
        private long _max;
        private Schema? _item;
        private ImmutableDictionary<string, Schema> _properties = ImmutableDictionary<string, Schema>.Empty;

        public static Schema AnyObject { get; } = new() { _kind = Kind.AnyObject };

        public static Schema Str() => new() { _kind = Kind.String };

        public static Schema Number() => new() { _kind = Kind.Number };

        public static Schema Int(long min, long max) => new() { _kind = Kind.Integer, _min = min, _max = max };

        public static Schema List(Schema item) => new() { _kind = Kind.List, _item = item };

        public static Schema Map(Schema item) => new() { _kind = Kind.Map, _item = item };

        public static Schema Obj(params (string Name, Schema Schema)[] properties) => new()
        {
            _kind = Kind.Object,
            _properties = properties.ToImmutableDictionary(p => p.Name, p => p.Schema, StringComparer.Ordinal),
        };

        public void Check(JsonNode? node, string path, ImmutableArray<StatusCause>.Builder causes)
        {
            if (node is null)
            {
                return;
            }

            switch (_kind)
            {
                case Kind.String:
                    if (node is not JsonValue s || s.GetValueKind() != JsonValueKind.String)
                    {
                        causes.Add(TypeError(path, node, "string"));
                    }

                    break;
                case Kind.Number:
                    if (node is not JsonValue n || n.GetValueKind() != JsonValueKind.Number)
                    {
                        causes.Add(TypeError(path, node, "number"));
                    }

                    break;
                case Kind.Integer:
                    var value = Json.Int(node);
                    if (value is null)
                    {
                        causes.Add(TypeError(path, node, "integer"));
                    }
                    else if (value < _min)
                    {
                        causes.Add(new StatusCause("FieldValueInvalid",
                            $"Invalid value: {value}: {path} in body should be greater than or equal to {_min}", path));
                    }
                    else if (value > _max)
                    {
                        causes.Add(new StatusCause("FieldValueInvalid",
                            $"Invalid value: {value}: {path} in body should be less than or equal to {_max}", path));
                    }

                    break;
                case Kind.AnyObject:
                    if (node is not JsonObject)
                    {
                        causes.Add(TypeError(path, node, "object"));
                    }

                    break;
                case Kind.Object:
                    if (node is not JsonObject obj)
                    {
                        causes.Add(TypeError(path, node, "object"));
                        break;
                    }

                    foreach (var (key, child) in obj)
                    {
                        if (_properties.TryGetValue(key, out var schema))
                        {
                            schema.Check(child, $"{path}.{key}", causes);
                        }
                    }

                    break;
                case Kind.List:
                    if (node is not JsonArray list)
                    {
                        causes.Add(TypeError(path, node, "array"));
                        break;
                    }

                    for (var i = 0; i < list.Count; i++)
                    {
                        _item!.Check(list[i], $"{path}[{i}]", causes);
                    }

                    break;
                case Kind.Map:
                    if (node is not JsonObject map)
                    {
                        causes.Add(TypeError(path, node, "object"));
                        break;
                    }

                    foreach (var (key, child) in map)
                    {
                        _item!.Check(child, $"{path}.{key}", causes);
                    }

                    break;
            }
        }
    }
}
