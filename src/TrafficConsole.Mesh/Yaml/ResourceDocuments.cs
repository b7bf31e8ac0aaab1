using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

using k8s;
using k8s.Models;

using TrafficConsole.Mesh.Analysis;
using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Services;

using YamlDotNet.Core;

namespace TrafficConsole.Mesh.Yaml;

/// <summary>
/// Reads a text of Kubernetes manifests — YAML with <c>---</c>-separated documents, <c>kind: List</c> with
/// <c>items</c>, or JSON — into typed resources, and every problem with the file, document and line it is at.
/// </summary>
/// <remarks>
/// Documents are split the way kubectl splits them (a line that is <c>---</c>, optionally followed by a comment),
/// so a broken document does not hide the problems, or the resources, of the others. Empty documents are skipped
/// and not counted. The kinds read are VirtualService, DestinationRule and Gateway (networking.istio.io),
/// HTTPRoute (gateway.networking.k8s.io), Service (v1, as <see cref="KubeService"/>) and Deployment (apps/v1, as
/// <see cref="Workload"/>); anything else is an <see cref="DocumentProblemKind.UnknownKind"/> problem, which a
/// caller may choose to treat as "skipped".
/// </remarks>
public static class ResourceDocuments
{
    /// <summary>The namespace kubectl puts a resource in when it names none and no other is given.</summary>
    public const string DefaultNamespace = "default";

    /// <summary>The kinds <see cref="Parse(string, string)"/> turns into resources, for messages.</summary>
    public const string KnownKinds = "VirtualService, DestinationRule, Gateway (networking.istio.io), HTTPRoute (gateway.networking.k8s.io), Service (v1), Deployment (apps/v1)";

    /// <summary>The largest text <see cref="Parse(string, string)"/> reads, in UTF-8 bytes: 3 MiB, the Kubernetes API server's request limit.</summary>
    public const int MaxTextBytes = YamlLimits.MaxBytes;

    /// <summary>
    /// What <see cref="Parse(string, string)"/> says of a text over <see cref="MaxTextBytes"/>, for a caller that refuses a
    /// file or stream before reading it whole; <paramref name="bytes"/> is its size when known.
    /// </summary>
    public static ParsedDocuments TooLarge(string source, long? bytes) => new()
    {
        Problems = [new DocumentProblem(DocumentProblemKind.OverLimit, new DocumentLocation(source, 1, 1), YamlLimits.TooLarge(bytes))],
    };

    /// <summary>Reads <paramref name="text"/>, naming <paramref name="source"/> (a file name, or <c>-</c> for stdin) in locations; resources without a namespace go to <c>default</c>.</summary>
    public static ParsedDocuments Parse(string text, string source) => Parse(text, source, DefaultNamespace);

    /// <summary>Reads <paramref name="text"/>; resources that name no namespace are put in <paramref name="defaultNamespace"/>, as <c>kubectl apply -n</c> would.</summary>
    public static ParsedDocuments Parse(string text, string source, string defaultNamespace)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentException.ThrowIfNullOrEmpty(defaultNamespace);

        var resources = ImmutableArray.CreateBuilder<ResourceDocument>();
        var problems = ImmutableArray.CreateBuilder<DocumentProblem>();
        if (YamlLimits.SizeError(text) is not null)
        {
            return TooLarge(source, System.Text.Encoding.UTF8.GetByteCount(text));
        }

        int document = 0;
        foreach ((string chunk, int firstLine) in SplitDocuments(text))
        {
            var marks = new Dictionary<string, Mark>(StringComparer.Ordinal);
            JsonNode? root;
            try
            {
                root = ResourceYaml.ToJson(chunk, marks, firstLine - 1);
            }
            catch (ResourceYamlException ex)
            {
                document++;
                var at = new DocumentLocation(source, document, ex.Line ?? firstLine, ex.Column);
                problems.Add(ex.OverLimit
                    ? new DocumentProblem(DocumentProblemKind.OverLimit, at, WithoutPosition(ex.Message))
                    : new DocumentProblem(DocumentProblemKind.Syntax, at, $"YAML syntax error: {WithoutPosition(ex.Message)}"));
                continue;
            }

            if (root is null)
            {
                continue;
            }

            document++;
            var context = new DocumentContext(source, document, firstLine - 1, marks, defaultNamespace, resources, problems);
            ReadObject(context, root, "$");
        }

        return new ParsedDocuments { Resources = resources.ToImmutable(), Problems = problems.ToImmutable() };
    }

    /// <summary>
    /// Cuts <paramref name="text"/> at kubectl's document separators; each piece with the 1-based line it starts on.
    /// JSON is read as YAML (of which it is a subset), and no line of JSON can be a separator.
    /// </summary>
    private static IEnumerable<(string Chunk, int FirstLine)> SplitDocuments(string text)
    {
        string[] lines = text.ReplaceLineEndings("\n").Split('\n');
        int start = 0;
        for (int i = 0; i <= lines.Length; i++)
        {
            if (i < lines.Length && !IsSeparator(lines[i]))
            {
                continue;
            }

            if (i > start)
            {
                yield return (string.Join('\n', lines, start, i - start), start + 1);
            }

            start = i + 1;
        }
    }

    private static bool IsSeparator(string line)
    {
        if (!line.StartsWith("---", StringComparison.Ordinal))
        {
            return false;
        }

        string rest = line[3..].Trim();
        return rest.Length == 0 || rest[0] == '#';
    }

    private static void ReadObject(DocumentContext context, JsonNode node, string path)
    {
        DocumentLocation at = context.At(path);
        if (node is not JsonObject obj)
        {
            context.Problems.Add(new DocumentProblem(DocumentProblemKind.NotAnObject, at,
                $"expected a Kubernetes object (a mapping with apiVersion, kind and metadata), found {Describe(node)}."));
            return;
        }

        string? apiVersion = StringField(obj, "apiVersion");
        string? kind = StringField(obj, "kind");
        if (string.IsNullOrWhiteSpace(kind) || string.IsNullOrWhiteSpace(apiVersion))
        {
            string missing = string.IsNullOrWhiteSpace(kind) && string.IsNullOrWhiteSpace(apiVersion) ? "'apiVersion' and 'kind'"
                : string.IsNullOrWhiteSpace(kind) ? "'kind'" : "'apiVersion'";
            context.Problems.Add(new DocumentProblem(DocumentProblemKind.NotAnObject, at,
                $"not a Kubernetes object: {missing} missing."));
            return;
        }

        if (kind.EndsWith("List", StringComparison.Ordinal) && obj["items"] is JsonArray items)
        {
            // One pass to share the marks out by item, so a list of thousands stays linear.
            string itemsPath = path + ".items[";
            var itemMarks = new Dictionary<string, Mark>[items.Count];
            foreach ((string key, Mark mark) in context.Marks)
            {
                if (key.StartsWith(itemsPath, StringComparison.Ordinal)
                    && key.IndexOf(']', itemsPath.Length) is int close and > 0
                    && int.TryParse(key.AsSpan(itemsPath.Length, close - itemsPath.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int index)
                    && index < items.Count)
                {
                    (itemMarks[index] ??= new Dictionary<string, Mark>(StringComparer.Ordinal))[key] = mark;
                }
            }

            for (int i = 0; i < items.Count; i++)
            {
                string itemPath = $"{itemsPath}{i.ToString(CultureInfo.InvariantCulture)}]";
                if (items[i] is { } item)
                {
                    ReadObject(context with { Marks = itemMarks[i] ?? [] }, item, itemPath);
                }
                else
                {
                    context.Problems.Add(new DocumentProblem(DocumentProblemKind.NotAnObject, context.At(itemPath), $"items[{i}] of the {kind} is empty."));
                }
            }

            return;
        }

        string name = obj["metadata"] is JsonObject meta ? StringField(meta, "name") ?? string.Empty : string.Empty;
        string group = apiVersion.Contains('/', StringComparison.Ordinal) ? apiVersion[..apiVersion.IndexOf('/', StringComparison.Ordinal)] : string.Empty;
        string what = name.Length == 0 ? kind : $"{kind} {name}";
        switch (kind)
        {
            case VirtualService.KindName or DestinationRule.KindName or IstioGateway.KindName when group == IstioApi.NetworkingGroup:
                if (!IstioApi.IsNetworkingApiVersion(apiVersion))
                {
                    context.Problems.Add(new DocumentProblem(DocumentProblemKind.UnsupportedApiVersion, at,
                        $"{what}: apiVersion '{apiVersion}' is not one Istio serves (networking.istio.io/v1, v1beta1 or v1alpha3)."));
                    return;
                }

                if (kind == VirtualService.KindName)
                {
                    ReadIstio<VirtualService>(context, obj, path, what);
                }
                else if (kind == DestinationRule.KindName)
                {
                    ReadIstio<DestinationRule>(context, obj, path, what);
                }
                else
                {
                    ReadIstio<IstioGateway>(context, obj, path, what);
                }

                return;

            case HttpRoute.KindName when group == IstioApi.GatewayApiGroup:
                if (apiVersion is not (IstioApi.GatewayApiV1 or "gateway.networking.k8s.io/v1beta1"))
                {
                    context.Problems.Add(new DocumentProblem(DocumentProblemKind.UnsupportedApiVersion, at,
                        $"{what}: apiVersion '{apiVersion}' is not one the Gateway API serves HTTPRoute in (gateway.networking.k8s.io/v1 or v1beta1)."));
                    return;
                }

                ReadIstio<HttpRoute>(context, obj, path, what);
                return;

            case "Service" when apiVersion == "v1":
                ReadKube<V1Service>(context, obj, path, what, "Service", ToKubeService);
                return;

            case "Deployment" when apiVersion == "apps/v1":
                ReadKube<V1Deployment>(context, obj, path, what, "Deployment", ToWorkload);
                return;

            default:
                context.Problems.Add(new DocumentProblem(DocumentProblemKind.UnknownKind, at,
                    $"{what} ({apiVersion}) is not a kind trafficconsole reads; it reads {KnownKinds}.")
                {
                    ApiVersion = apiVersion,
                    ResourceKind = kind,
                    Name = name,
                });
                return;
        }
    }

    private static void ReadIstio<T>(DocumentContext context, JsonObject obj, string path, string what)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        T? resource;
        try
        {
            resource = obj.Deserialize<T>(MeshJson.Options);
        }
        catch (JsonException ex)
        {
            context.Problems.Add(WrongType(context, path, what, ex));
            return;
        }

        if (resource is null)
        {
            return;
        }

        resource.Metadata ??= new V1ObjectMeta();
        resource.Metadata.NamespaceProperty = string.IsNullOrEmpty(resource.Metadata.NamespaceProperty) ? context.DefaultNamespace : resource.Metadata.NamespaceProperty;
        context.Resources.Add(new ResourceDocument
        {
            Resource = resource,
            ApiVersion = resource.ApiVersion,
            Kind = resource.Kind,
            Namespace = resource.Metadata.NamespaceProperty,
            Name = resource.Metadata.Name ?? string.Empty,
            Location = context.At(path),
            Lines = context.LinesUnder(path),
        });
    }

    private static void ReadKube<TModel>(DocumentContext context, JsonObject obj, string path, string what, string kind, Func<TModel, string, object> convert)
        where TModel : class, IKubernetesObject<V1ObjectMeta>
    {
        TModel? model;
        try
        {
            model = KubernetesJson.Deserialize<TModel>(obj.ToJsonString());
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            context.Problems.Add(ex is JsonException json
                ? WrongType(context, path, what, json)
                : new DocumentProblem(DocumentProblemKind.InvalidField, context.At(path), $"{what}: {ResourceYaml.FirstSentence(ex.Message)}."));
            return;
        }

        if (model is null)
        {
            return;
        }

        string ns = string.IsNullOrEmpty(model.Metadata?.NamespaceProperty) ? context.DefaultNamespace : model.Metadata.NamespaceProperty;
        context.Resources.Add(new ResourceDocument
        {
            Resource = convert(model, ns),
            ApiVersion = model.ApiVersion,
            Kind = kind,
            Namespace = ns,
            Name = model.Metadata?.Name ?? string.Empty,
            Location = context.At(path),
            Lines = context.LinesUnder(path),
        });
    }

    private static DocumentProblem WrongType(DocumentContext context, string path, string what, JsonException ex)
    {
        // The exception's path is inside the object being read; make it a path of the document to find its line.
        string inner = ex.Path is { Length: > 1 } p && p.StartsWith('$') ? p[1..] : string.Empty;
        string field = inner.TrimStart('.');
        DocumentLocation at = context.At(path + inner);
        string message = Expected(ex.Message) is { } expected
            ? field.Length == 0 ? $"{what}: the object must be {expected}." : $"{what}: field '{field}' must be {expected}."
            : field.Length == 0 ? $"{what}: the object has the wrong shape ({ResourceYaml.FirstSentence(ex.Message)})."
            : $"{what}: field '{field}' has the wrong type ({ResourceYaml.FirstSentence(ex.Message)}).";
        return new DocumentProblem(DocumentProblemKind.InvalidField, at, message) { Path = field.Length == 0 ? null : field };
    }

    /// <summary>What System.Text.Json wanted, in words ("an integer"), from "could not be converted to System.Nullable`1[System.Int32]".</summary>
    private static string? Expected(string message)
    {
        const string marker = "could not be converted to ";
        int at = message.IndexOf(marker, StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        string type = message[(at + marker.Length)..];
        int end = type.IndexOf(". ", StringComparison.Ordinal);
        type = (end < 0 ? type : type[..end]).TrimEnd('.');
        if (type.StartsWith("System.Nullable`1[", StringComparison.Ordinal))
        {
            type = type["System.Nullable`1[".Length..].TrimEnd(']');
        }

        return type switch
        {
            "System.Int32" or "System.Int64" or "System.UInt32" or "System.Int16" => "an integer",
            "System.Double" or "System.Single" or "System.Decimal" => "a number",
            "System.Boolean" => "true or false",
            "System.String" => "a string",
            _ when type.Contains("List`1", StringComparison.Ordinal) || type.EndsWith("[]", StringComparison.Ordinal) => "a list",
            _ when type.Contains("Dictionary`2", StringComparison.Ordinal) => "a mapping of strings",
            _ when type.StartsWith("TrafficConsole.", StringComparison.Ordinal) || type.StartsWith("k8s.Models.", StringComparison.Ordinal) => "a mapping",
            _ => null,
        };
    }

    private static KubeService ToKubeService(V1Service service, string ns) => KubeObjects.ToKubeService(service, ns);

    // A manifest has no status: read it as the state it asks for (every replica ready), or "subset selects no
    // running workload" would flag every file. A written status.readyReplicas is believed.
    private static Workload ToWorkload(V1Deployment deployment, string ns) =>
        KubeObjects.ToWorkload(deployment, ns) is var workload && deployment.Status is null
            ? workload with { ReadyReplicas = workload.DesiredReplicas }
            : workload;

    private static string? StringField(JsonObject obj, string name) =>
        obj[name] is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;

    private static string Describe(JsonNode? node) => node switch
    {
        JsonArray => "a list",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => $"the text '{Shorten(v.GetValue<string>())}'",
        JsonValue v => $"the value {v.ToJsonString()}",
        _ => "nothing",
    };

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "...";

    /// <summary>ResourceYaml's messages start with "Line N, column M: "; the location says that already.</summary>
    private static string WithoutPosition(string message)
    {
        if (!message.StartsWith("Line ", StringComparison.Ordinal))
        {
            return message;
        }

        int colon = message.IndexOf(": ", StringComparison.Ordinal);
        return colon < 0 ? message : message[(colon + 2)..];
    }

    private sealed record DocumentContext(
        string Source,
        int Document,
        int LineOffset,
        Dictionary<string, Mark> Marks,
        string DefaultNamespace,
        ImmutableArray<ResourceDocument>.Builder Resources,
        ImmutableArray<DocumentProblem>.Builder Problems)
    {
        public DocumentLocation At(string path) =>
            ResourceYaml.FindMark(Marks, path) is { } mark
                ? new DocumentLocation(Source, Document, (int)mark.Line + LineOffset, (int)mark.Column)
                : new DocumentLocation(Source, Document, LineOffset + 1);

        /// <summary>Lines of the nodes under <paramref name="path"/>, keyed by their path inside that object (<c>spec.http[0]</c>).</summary>
        public ImmutableDictionary<string, int> LinesUnder(string path)
        {
            var lines = ImmutableDictionary.CreateBuilder<string, int>(StringComparer.Ordinal);
            foreach ((string key, Mark mark) in Marks)
            {
                if (key.Length > path.Length && key.StartsWith(path, StringComparison.Ordinal) && key[path.Length] is '.' or '[')
                {
                    lines[key[(path.Length + (key[path.Length] == '.' ? 1 : 0))..]] = (int)mark.Line + LineOffset;
                }
            }

            return lines.ToImmutable();
        }
    }
}

/// <summary>Where something is in the input: the source (file name or <c>-</c>), the 1-based document within it, a 1-based line and column.</summary>
public sealed record DocumentLocation(string Source, int Document, int Line, int? Column = null)
{
    /// <summary><c>file:line:column</c> (or <c>file:line</c>), the way compilers name a place.</summary>
    public override string ToString() =>
        Column is { } column ? $"{Source}:{Line}:{column}" : $"{Source}:{Line}";
}

/// <summary>What kind of problem a <see cref="DocumentProblem"/> is.</summary>
public enum DocumentProblemKind
{
    /// <summary>The text is not valid YAML (or JSON).</summary>
    Syntax,

    /// <summary>The document is not a Kubernetes object: not a mapping, or no apiVersion or kind.</summary>
    NotAnObject,

    /// <summary>A kind this library does not read (a ConfigMap, a ServiceEntry, a typo such as VirtualSerivce).</summary>
    UnknownKind,

    /// <summary>A kind this library reads, in an apiVersion that does not serve it.</summary>
    UnsupportedApiVersion,

    /// <summary>A field with a value of the wrong type (a string where a number goes...).</summary>
    InvalidField,

    /// <summary>The text goes over a reader limit: its size, how deep it nests, or how far its aliases expand.</summary>
    OverLimit,
}

/// <summary>A document that could not be read into a resource, with where it is and why.</summary>
public sealed record DocumentProblem(DocumentProblemKind Kind, DocumentLocation Location, string Message)
{
    /// <summary>The field, for <see cref="DocumentProblemKind.InvalidField"/>: e.g. <c>spec.http[0].route[0].weight</c>.</summary>
    public string? Path { get; init; }

    /// <summary>For <see cref="DocumentProblemKind.UnknownKind"/>: the document's apiVersion.</summary>
    public string? ApiVersion { get; init; }

    /// <summary>For <see cref="DocumentProblemKind.UnknownKind"/>: the document's kind.</summary>
    public string? ResourceKind { get; init; }

    /// <summary>For <see cref="DocumentProblemKind.UnknownKind"/>: the document's metadata.name, if any.</summary>
    public string? Name { get; init; }

    /// <inheritdoc/>
    public override string ToString() => $"{Location} (document {Location.Document}): {Message}";
}

/// <summary>A resource read from a document, with where it was.</summary>
public sealed partial record ResourceDocument
{
    /// <summary>
    /// The typed resource: a <see cref="VirtualService"/>, <see cref="DestinationRule"/>, <see cref="IstioGateway"/>,
    /// <see cref="HttpRoute"/>, <see cref="KubeService"/> (for a Service) or <see cref="Workload"/> (for a Deployment).
    /// </summary>
    public required object Resource { get; init; }

    /// <summary>The apiVersion as written, e.g. <c>networking.istio.io/v1beta1</c>.</summary>
    public required string ApiVersion { get; init; }

    /// <summary>The kind as written: VirtualService, DestinationRule, Gateway, HTTPRoute, Service or Deployment.</summary>
    public required string Kind { get; init; }

    public required string Namespace { get; init; }

    public required string Name { get; init; }

    /// <summary>Where the object starts.</summary>
    public required DocumentLocation Location { get; init; }

    /// <summary>The line of each field, keyed by its path inside the object (<c>spec.http[0].route[0].weight</c>).</summary>
    public ImmutableDictionary<string, int> Lines { get; init; } = ImmutableDictionary<string, int>.Empty;

    /// <summary>
    /// The line of a field path such as a <see cref="Validation.ValidationIssue"/>'s (<c>spec.http[1].route[0].weight</c>);
    /// a field that is not written (a missing weight) gets the line of the nearest enclosing one; the object's own line at worst.
    /// </summary>
    public int LineOf(string? path)
    {
        // Issues name map keys in brackets (headers[end-user]); the document's paths have them as fields (headers.end-user).
        for (string current = NamedKey().Replace(path ?? string.Empty, ".$1"); current.Length > 0;)
        {
            if (Lines.TryGetValue(current, out int line))
            {
                return line;
            }

            int cut = Math.Max(current.LastIndexOf('.'), current.LastIndexOf('['));
            if (cut <= 0)
            {
                break;
            }

            current = current[..cut];
        }

        return Location.Line;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Kind} {Namespace}/{Name} ({Location})";

    [GeneratedRegex(@"\[([^\]0-9][^\]]*)\]", RegexOptions.CultureInvariant)]
    private static partial Regex NamedKey();
}

/// <summary>What <see cref="ResourceDocuments.Parse(string, string)"/> found: the resources read, and the documents that could not be read.</summary>
public sealed record ParsedDocuments
{
    public ImmutableArray<ResourceDocument> Resources { get; init; } = [];

    public ImmutableArray<DocumentProblem> Problems { get; init; } = [];

    /// <summary>The resources and problems of several texts together, in order.</summary>
    public static ParsedDocuments Combine(IEnumerable<ParsedDocuments> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        ParsedDocuments[] all = [.. parts];
        return new ParsedDocuments
        {
            Resources = [.. all.SelectMany(static p => p.Resources)],
            Problems = [.. all.SelectMany(static p => p.Problems)],
        };
    }

    /// <summary>
    /// The resources as one snapshot for <see cref="MeshAnalyzer.Analyze"/>. Services and workloads count as known
    /// only when at least one Service or Deployment is among them; otherwise host and workload findings are skipped.
    /// </summary>
    public ClusterResources ToClusterResources()
    {
        ImmutableArray<KubeService> services = [.. Resources.Select(static r => r.Resource).OfType<KubeService>()];
        ImmutableArray<Workload> workloads = [.. Resources.Select(static r => r.Resource).OfType<Workload>()];
        return new ClusterResources
        {
            VirtualServices = [.. Resources.Select(static r => r.Resource).OfType<VirtualService>()],
            DestinationRules = [.. Resources.Select(static r => r.Resource).OfType<DestinationRule>()],
            Gateways = [.. Resources.Select(static r => r.Resource).OfType<IstioGateway>()],
            HttpRoutes = [.. Resources.Select(static r => r.Resource).OfType<HttpRoute>()],
            Services = services,
            Workloads = workloads,
            KnowsWorkloads = services.Length > 0 || workloads.Length > 0,
        };
    }
}
