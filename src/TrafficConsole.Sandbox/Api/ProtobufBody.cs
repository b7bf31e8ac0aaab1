using System.Collections.Frozen;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace TrafficConsole.Sandbox.Api;

/// <summary>
/// Reads the protobuf bodies kubectl's typed clients send for built-in kinds (<c>kubectl create ns</c>,
/// <c>create deployment</c>, <c>create configmap</c>, <c>run</c>...) into JSON. It knows the fields those
/// commands set; a non-empty field it does not know is refused rather than silently dropped.
/// </summary>
internal static class ProtobufBody
{
    public const string MediaType = "application/vnd.kubernetes.protobuf";

    private enum Kind
    {
        String,
        Int,
        Bool,
        Message,
        StringMap,
        BytesMap,
        QuantityMap,
        IntOrString,
        Time,
        Ignored,
    }

    private sealed record Field(string Name, Kind Kind, bool Repeated = false, Func<Schema>? Message = null, bool KeepZero = false);

    private sealed class Schema(string name, params (int Number, Field Field)[] fields)
    {
        public string Name { get; } = name;

        /// <summary>Options messages: fields the sandbox does not act on are skipped, not refused.</summary>
        public bool Lenient { get; init; }

        public FrozenDictionary<int, Field> Fields { get; } = fields.ToFrozenDictionary(f => f.Number, f => f.Field);
    }

    private static Field S(string name) => new(name, Kind.String);

    private static Field RepS(string name) => new(name, Kind.String, Repeated: true);

    private static Field I(string name, bool keepZero = false) => new(name, Kind.Int, KeepZero: keepZero);

    private static Field B(string name, bool keepZero = false) => new(name, Kind.Bool, KeepZero: keepZero);

    private static Field M(string name, Func<Schema> schema) => new(name, Kind.Message, Message: schema);

    private static Field RepM(string name, Func<Schema> schema) => new(name, Kind.Message, Repeated: true, Message: schema);

    private static readonly Schema OwnerReferenceSchema = new("OwnerReference",
        (1, S("kind")), (3, S("name")), (4, S("uid")), (5, S("apiVersion")), (6, B("controller")), (7, B("blockOwnerDeletion")));

    private static readonly Schema ObjectMetaSchema = new("ObjectMeta",
        (1, S("name")), (2, S("generateName")), (3, S("namespace")), (4, S("selfLink")), (5, S("uid")), (6, S("resourceVersion")),
        (7, I("generation")), (8, new Field("creationTimestamp", Kind.Time)), (9, new Field("deletionTimestamp", Kind.Time)),
        (10, I("deletionGracePeriodSeconds")), (11, new Field("labels", Kind.StringMap)), (12, new Field("annotations", Kind.StringMap)),
        (13, RepM("ownerReferences", () => OwnerReferenceSchema)), (14, RepS("finalizers")), (17, new Field("managedFields", Kind.Ignored)));

    private static readonly Schema LabelSelectorSchema = new("LabelSelector",
        (1, new Field("matchLabels", Kind.StringMap)),
        (2, RepM("matchExpressions", () => new Schema("LabelSelectorRequirement", (1, S("key")), (2, S("operator")), (3, RepS("values"))))));

    private static readonly Schema ContainerPortSchema = new("ContainerPort",
        (1, S("name")), (2, I("hostPort")), (3, I("containerPort")), (4, S("protocol")), (5, S("hostIP")));

    private static readonly Schema EnvVarSchema = new("EnvVar", (1, S("name")), (2, S("value")));

    private static readonly Schema ResourcesSchema = new("ResourceRequirements",
        (1, new Field("limits", Kind.QuantityMap)), (2, new Field("requests", Kind.QuantityMap)));

    private static readonly Schema ContainerSchema = new("Container",
        (1, S("name")), (2, S("image")), (3, RepS("command")), (4, RepS("args")), (5, S("workingDir")),
        (6, RepM("ports", () => ContainerPortSchema)), (7, RepM("env", () => EnvVarSchema)), (8, M("resources", () => ResourcesSchema)),
        (13, S("terminationMessagePath")), (14, S("imagePullPolicy")), (16, B("stdin")), (17, B("stdinOnce")), (18, B("tty")),
        (20, S("terminationMessagePolicy")));

    private static readonly Schema PodSpecSchema = new("PodSpec",
        (2, RepM("containers", () => ContainerSchema)), (3, S("restartPolicy")), (4, I("terminationGracePeriodSeconds", keepZero: true)),
        (5, I("activeDeadlineSeconds")), (6, S("dnsPolicy")), (7, new Field("nodeSelector", Kind.StringMap)),
        (8, S("serviceAccountName")), (9, S("serviceAccount")), (10, S("nodeName")), (11, B("hostNetwork")), (12, B("hostPID")),
        (13, B("hostIPC")), (16, S("hostname")), (17, S("subdomain")), (19, S("schedulerName")),
        (20, RepM("initContainers", () => ContainerSchema)), (24, S("priorityClassName")));

    private static readonly Schema PodTemplateSchema = new("PodTemplateSpec", (1, M("metadata", () => ObjectMetaSchema)), (2, M("spec", () => PodSpecSchema)));

    private static readonly Schema IntOrStringHolderSchema = new("RollingUpdateDeployment",
        (1, new Field("maxUnavailable", Kind.IntOrString)), (2, new Field("maxSurge", Kind.IntOrString)));

    private static readonly Schema DeploymentSchema = new("Deployment",
        (1, M("metadata", () => ObjectMetaSchema)),
        (2, M("spec", () => new Schema("DeploymentSpec",
            (1, I("replicas", keepZero: true)), (2, M("selector", () => LabelSelectorSchema)), (3, M("template", () => PodTemplateSchema)),
            (4, M("strategy", () => new Schema("DeploymentStrategy", (1, S("type")), (2, M("rollingUpdate", () => IntOrStringHolderSchema))))),
            (5, I("minReadySeconds")), (6, I("revisionHistoryLimit", keepZero: true)), (7, B("paused")),
            (9, I("progressDeadlineSeconds", keepZero: true))))),
        (3, new Field("status", Kind.Ignored)));

    private static readonly Schema ServiceSchema = new("Service",
        (1, M("metadata", () => ObjectMetaSchema)),
        (2, M("spec", () => new Schema("ServiceSpec",
            (1, RepM("ports", () => new Schema("ServicePort", (1, S("name")), (2, S("protocol")), (3, I("port")),
                (4, new Field("targetPort", Kind.IntOrString)), (5, I("nodePort")), (6, S("appProtocol"))))),
            (2, new Field("selector", Kind.StringMap)), (3, S("clusterIP")), (4, S("type")), (5, RepS("externalIPs")),
            (7, S("sessionAffinity")), (8, S("loadBalancerIP")), (9, RepS("loadBalancerSourceRanges")), (10, S("externalName")),
            (11, S("externalTrafficPolicy")), (12, I("healthCheckNodePort")), (13, B("publishNotReadyAddresses"))))),
        (3, new Field("status", Kind.Ignored)));

    private static readonly Schema PolicyRuleSchema = new("PolicyRule",
        (1, RepS("verbs")), (2, RepS("apiGroups")), (3, RepS("resources")), (4, RepS("resourceNames")), (5, RepS("nonResourceURLs")));

    private static readonly Schema BindingSchema = new("RoleBinding",
        (1, M("metadata", () => ObjectMetaSchema)),
        (2, RepM("subjects", () => new Schema("Subject", (1, S("kind")), (2, S("apiGroup")), (3, S("name")), (4, S("namespace"))))),
        (3, M("roleRef", () => new Schema("RoleRef", (1, S("apiGroup")), (2, S("kind")), (3, S("name"))))));

    private static readonly FrozenDictionary<string, Schema> Kinds = new Dictionary<string, Schema>(StringComparer.Ordinal)
    {
        ["Namespace"] = new("Namespace", (1, M("metadata", () => ObjectMetaSchema)),
            (2, M("spec", () => new Schema("NamespaceSpec", (1, RepS("finalizers"))))), (3, new Field("status", Kind.Ignored))),
        ["ConfigMap"] = new("ConfigMap", (1, M("metadata", () => ObjectMetaSchema)), (2, new Field("data", Kind.StringMap)),
            (3, new Field("binaryData", Kind.BytesMap)), (4, B("immutable"))),
        ["Secret"] = new("Secret", (1, M("metadata", () => ObjectMetaSchema)), (2, new Field("data", Kind.BytesMap)), (3, S("type")),
            (4, new Field("stringData", Kind.StringMap)), (5, B("immutable"))),
        ["ServiceAccount"] = new("ServiceAccount", (1, M("metadata", () => ObjectMetaSchema)),
            (2, RepM("secrets", () => new Schema("ObjectReference", (1, S("kind")), (2, S("namespace")), (3, S("name")), (4, S("uid")),
                (5, S("apiVersion")), (6, S("resourceVersion")), (7, S("fieldPath"))))),
            (3, RepM("imagePullSecrets", () => new Schema("LocalObjectReference", (1, S("name"))))),
            (4, B("automountServiceAccountToken", keepZero: true))),
        ["Service"] = ServiceSchema,
        ["Pod"] = new("Pod", (1, M("metadata", () => ObjectMetaSchema)), (2, M("spec", () => PodSpecSchema)), (3, new Field("status", Kind.Ignored))),
        ["Deployment"] = DeploymentSchema,
        ["Role"] = new("Role", (1, M("metadata", () => ObjectMetaSchema)), (2, RepM("rules", () => PolicyRuleSchema))),
        ["ClusterRole"] = new("ClusterRole", (1, M("metadata", () => ObjectMetaSchema)), (2, RepM("rules", () => PolicyRuleSchema)),
            (3, M("aggregationRule", () => new Schema("AggregationRule", (1, RepM("clusterRoleSelectors", () => LabelSelectorSchema)))))),
        ["RoleBinding"] = BindingSchema,
        ["SelfSubjectAccessReview"] = new("SelfSubjectAccessReview", (1, M("metadata", () => ObjectMetaSchema)),
            (2, M("spec", () => new Schema("SelfSubjectAccessReviewSpec",
                (1, M("resourceAttributes", () => new Schema("ResourceAttributes", (1, S("namespace")), (2, S("verb")), (3, S("group")),
                    (4, S("version")), (5, S("resource")), (6, S("subresource")), (7, S("name"))))),
                (2, M("nonResourceAttributes", () => new Schema("NonResourceAttributes", (1, S("path")), (2, S("verb")))))))),
            (3, new Field("status", Kind.Ignored))),
        // The body of a typed client's delete (Helm deletes its release Secrets this way).
        ["DeleteOptions"] = new("DeleteOptions", (1, I("gracePeriodSeconds", keepZero: true)),
            (2, M("preconditions", () => new Schema("Preconditions", (1, S("uid")), (2, S("resourceVersion"))))),
            (3, B("orphanDependents")), (4, S("propagationPolicy")), (5, RepS("dryRun"))) { Lenient = true },
        ["SelfSubjectReview"] = new("SelfSubjectReview", (1, M("metadata", () => ObjectMetaSchema)), (2, new Field("status", Kind.Ignored))),
        ["SelfSubjectRulesReview"] = new("SelfSubjectRulesReview", (1, M("metadata", () => ObjectMetaSchema)),
            (2, M("spec", () => new Schema("SelfSubjectRulesReviewSpec", (1, S("namespace"))))), (3, new Field("status", Kind.Ignored))),
        ["TokenReview"] = new("TokenReview", (1, M("metadata", () => ObjectMetaSchema)),
            (2, M("spec", () => new Schema("TokenReviewSpec", (1, S("token")), (2, RepS("audiences"))))), (3, new Field("status", Kind.Ignored))),
        ["ClusterRoleBinding"] = BindingSchema,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Decodes a <c>k8s\0</c>-prefixed runtime.Unknown envelope into the JSON object it carries.</summary>
    public static JsonObject Decode(ReadOnlySpan<byte> body)
    {
        if (body.Length < 4 || !body[..4].SequenceEqual("k8s\0"u8))
        {
            throw ApiException.BadRequest("the protobuf body does not start with the Kubernetes envelope (k8s\\0)");
        }

        try
        {
            var reader = new Reader(body[4..].ToArray());
            string? apiVersion = null, kind = null;
            byte[]? raw = null;
            while (reader.More)
            {
                var (number, wire) = reader.Key();
                switch (number)
                {
                    case 1 when wire == 2:
                        var typeMeta = new Reader(reader.Bytes());
                        while (typeMeta.More)
                        {
                            var (n, w) = typeMeta.Key();
                            if (n == 1 && w == 2)
                            {
                                apiVersion = Encoding.UTF8.GetString(typeMeta.Bytes());
                            }
                            else if (n == 2 && w == 2)
                            {
                                kind = Encoding.UTF8.GetString(typeMeta.Bytes());
                            }
                            else
                            {
                                typeMeta.Skip(w);
                            }
                        }

                        break;
                    case 2 when wire == 2:
                        raw = reader.Bytes();
                        break;
                    default:
                        reader.Skip(wire);
                        break;
                }
            }

            if (kind is null || raw is null)
            {
                throw ApiException.BadRequest("the protobuf envelope has no kind or no object");
            }

            if (!Kinds.TryGetValue(kind, out var schema))
            {
                throw Unsupported($"kind {kind}");
            }

            var obj = ReadMessage(new Reader(raw), schema);
            var result = new JsonObject { ["apiVersion"] = apiVersion, ["kind"] = kind };
            foreach (var (key, value) in obj.ToList())
            {
                obj.Remove(key);
                result[key] = value;
            }

            return result;
        }
        catch (Exception ex) when (ex is IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            throw ApiException.BadRequest("the protobuf body is truncated");
        }
    }

    private static ApiException Unsupported(string what) => new(415, "UnsupportedMediaType",
        $"the sandbox cannot read {what} from a protobuf body; send it as JSON (for example with kubectl apply -f)");

    private static JsonObject ReadMessage(Reader reader, Schema schema)
    {
        var obj = new JsonObject();
        while (reader.More)
        {
            var (number, wire) = reader.Key();
            if (!schema.Fields.TryGetValue(number, out var field))
            {
                if (!reader.SkipIfEmpty(wire) && !schema.Lenient)
                {
                    throw Unsupported($"field {number} of {schema.Name}");
                }

                continue;
            }

            var value = ReadValue(reader, wire, field);
            if (field.Repeated)
            {
                if (obj[field.Name] is not JsonArray list)
                {
                    list = [];
                    obj[field.Name] = list;
                }

                list.Add(value);
                continue;
            }

            if (field.Kind is Kind.StringMap or Kind.BytesMap or Kind.QuantityMap && value is JsonObject entry)
            {
                if (obj[field.Name] is not JsonObject map)
                {
                    map = [];
                    obj[field.Name] = map;
                }

                foreach (var (k, v) in entry.ToList())
                {
                    entry.Remove(k);
                    map[k] = v;
                }

                continue;
            }

            if (value is null || (!field.KeepZero && IsZero(value)))
            {
                continue;
            }

            obj[field.Name] = value;
        }

        return obj;
    }

    private static bool IsZero(JsonNode value) => value switch
    {
        JsonObject o => o.Count == 0,
        JsonValue v when v.TryGetValue<string>(out var s) => s.Length == 0,
        JsonValue v when v.TryGetValue<long>(out var l) => l == 0,
        JsonValue v when v.TryGetValue<bool>(out var b) => !b,
        _ => false,
    };

    private static JsonNode? ReadValue(Reader reader, int wire, Field field)
    {
        switch (field.Kind)
        {
            case Kind.String:
                return JsonValue.Create(Encoding.UTF8.GetString(reader.Bytes()));
            case Kind.Int:
                return JsonValue.Create((long)reader.Varint());
            case Kind.Bool:
                return JsonValue.Create(reader.Varint() != 0);
            case Kind.Message:
                return ReadMessage(new Reader(reader.Bytes()), field.Message!());
            case Kind.Ignored:
                reader.Skip(wire);
                return null;
            case Kind.Time:
                var time = new Reader(reader.Bytes());
                long seconds = 0;
                while (time.More)
                {
                    var (n, w) = time.Key();
                    if (n == 1)
                    {
                        seconds = (long)time.Varint();
                    }
                    else
                    {
                        time.Skip(w);
                    }
                }

                return seconds == 0 ? null : JsonValue.Create(Json.Timestamp(DateTimeOffset.FromUnixTimeSeconds(seconds)));
            case Kind.IntOrString:
                var ios = new Reader(reader.Bytes());
                long type = 0, intVal = 0;
                var strVal = "";
                while (ios.More)
                {
                    var (n, w) = ios.Key();
                    switch (n)
                    {
                        case 1:
                            type = (long)ios.Varint();
                            break;
                        case 2:
                            intVal = (long)ios.Varint();
                            break;
                        case 3:
                            strVal = Encoding.UTF8.GetString(ios.Bytes());
                            break;
                        default:
                            ios.Skip(w);
                            break;
                    }
                }

                return type == 1 ? JsonValue.Create(strVal) : JsonValue.Create((int)intVal);
            default:
                // Map entries: message {1: key, 2: value}.
                var entry = new Reader(reader.Bytes());
                var key = "";
                JsonNode? value = null;
                while (entry.More)
                {
                    var (n, w) = entry.Key();
                    if (n == 1)
                    {
                        key = Encoding.UTF8.GetString(entry.Bytes());
                    }
                    else if (n == 2)
                    {
                        var bytes = entry.Bytes();
                        value = field.Kind switch
                        {
                            Kind.BytesMap => JsonValue.Create(Convert.ToBase64String(bytes)),
                            Kind.QuantityMap => JsonValue.Create(Quantity(bytes)),
                            _ => JsonValue.Create(Encoding.UTF8.GetString(bytes)),
                        };
                    }
                    else
                    {
                        entry.Skip(w);
                    }
                }

                return new JsonObject { [key] = value ?? (field.Kind == Kind.StringMap ? "" : null) };
        }
    }

    private static string Quantity(byte[] bytes)
    {
        var reader = new Reader(bytes);
        while (reader.More)
        {
            var (n, w) = reader.Key();
            if (n == 1)
            {
                return Encoding.UTF8.GetString(reader.Bytes());
            }

            reader.Skip(w);
        }

        return "0";
    }

    private sealed class Reader(byte[] data)
    {
        private int _position;

        public bool More => _position < data.Length;

        public (int Number, int Wire) Key()
        {
            var key = Varint();
            return ((int)(key >> 3), (int)(key & 7));
        }

        public ulong Varint()
        {
            ulong result = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                var b = data[_position++];
                result |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return result;
                }
            }

            throw ApiException.BadRequest("the protobuf body has a malformed varint");
        }

        public byte[] Bytes()
        {
            var length = checked((int)Varint());
            var bytes = data.AsSpan(_position, length).ToArray();
            _position += length;
            return bytes;
        }

        public void Skip(int wire)
        {
            switch (wire)
            {
                case 0:
                    Varint();
                    break;
                case 1:
                    _position += 8;
                    break;
                case 2:
                    var length = checked((int)Varint());
                    _position += length;
                    break;
                case 5:
                    _position += 4;
                    break;
                default:
                    throw ApiException.BadRequest(string.Create(CultureInfo.InvariantCulture, $"the protobuf body has an unknown wire type {wire}"));
            }
        }

        /// <summary>Skips a field whose value is empty (gogo-protobuf writes every non-pointer field); false when it carries data.</summary>
        public bool SkipIfEmpty(int wire)
        {
            switch (wire)
            {
                case 0:
                    return Varint() == 0;
                case 2:
                    var length = checked((int)Varint());
                    _position += length;
                    return length == 0;
                default:
                    Skip(wire);
                    return false;
            }
        }
    }
}
