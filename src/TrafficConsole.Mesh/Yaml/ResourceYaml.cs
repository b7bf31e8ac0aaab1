using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

using TrafficConsole.Mesh.Resources;

using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace TrafficConsole.Mesh.Yaml;

/// <summary>Resources to YAML the way kubectl shows them, and YAML back to resources with errors that name line and column.</summary>
/// <remarks>
/// Goes through JSON so the YAML has exactly the fields (and field order) of <see cref="MeshJson.Options"/>:
/// no nulls, unknown fields kept. Strings that YAML would read as something else (<c>'1.0'</c>, <c>'true'</c>,
/// <c>'yes'</c>) are single-quoted, like kubectl does.
/// </remarks>
public static partial class ResourceYaml
{
    /// <summary>YAML of <paramref name="resource"/> (a model, a <see cref="JsonNode"/> or a <see cref="JsonElement"/>), without metadata.managedFields.</summary>
    public static string Serialize(object resource) => Serialize(resource, showManagedFields: false);

    /// <summary>YAML of <paramref name="resource"/>; <paramref name="showManagedFields"/> keeps metadata.managedFields (kubectl hides them).</summary>
    public static string Serialize(object resource, bool showManagedFields)
    {
        ArgumentNullException.ThrowIfNull(resource);
        JsonNode? node = resource switch
        {
            JsonNode n => n.DeepClone(),
            JsonElement e => JsonNode.Parse(e.GetRawText()),
            _ => JsonSerializer.SerializeToNode(resource, resource.GetType(), MeshJson.Options),
        };

        if (!showManagedFields && node?["metadata"] is JsonObject metadata)
        {
            metadata.Remove("managedFields");
        }

        return FromJson(node);
    }

    /// <summary>YAML of a JSON tree.</summary>
    public static string FromJson(JsonNode? node)
    {
        var builder = new StringBuilder();
        using (var writer = new StringWriter(builder, CultureInfo.InvariantCulture))
        {
            var emitter = new Emitter(writer, 2, int.MaxValue, false);
            emitter.Emit(new StreamStart());
            emitter.Emit(new DocumentStart(null, null, true));
            Emit(emitter, node);
            emitter.Emit(new DocumentEnd(true));
            emitter.Emit(new StreamEnd());
        }

        return builder.ToString();
    }

    /// <summary>Reads one YAML document into <typeparamref name="T"/>; throws <see cref="ResourceYamlException"/> (with line and column) when it cannot.</summary>
    public static T Deserialize<T>(string yaml)
    {
        YamlParseResult<T> result = TryDeserialize<T>(yaml);
        return result.Succeeded
            ? result.Value!
            : throw new ResourceYamlException(result.Error!, result.Line, result.Column);
    }

    /// <summary>Reads one YAML document into <typeparamref name="T"/>; a failure is a result with a message and position, not an exception.</summary>
    public static YamlParseResult<T> TryDeserialize<T>(string yaml)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var marks = new Dictionary<string, Mark>(StringComparer.Ordinal);
        JsonNode? node;
        try
        {
            node = ToJson(yaml, marks);
        }
        catch (ResourceYamlException ex)
        {
            return Failure<T>(ex.Message, ex.Line, ex.Column);
        }

        if (node is null)
        {
            return Failure<T>("The YAML document is empty.", 1, 1);
        }

        try
        {
            T? value = node.Deserialize<T>(MeshJson.Options);
            return value is null
                ? Failure<T>("The YAML document is null.", 1, 1)
                : new YamlParseResult<T> { Value = value };
        }
        catch (JsonException ex)
        {
            string path = ex.Path ?? "$";
            Mark? mark = FindMark(marks, path);
            string field = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path;
            string reason = FirstSentence(ex.Message);
            string message = mark is { } m
                ? $"Line {m.Line}, column {m.Column}: field '{field}' has the wrong type for {typeof(T).Name} ({reason})."
                : $"Field '{field}' has the wrong type for {typeof(T).Name} ({reason}).";
            return Failure<T>(message, mark is { } at ? (int)at.Line : null, mark is { } at2 ? (int)at2.Column : null);
        }
    }

    /// <summary>One YAML document as a JSON tree (plain scalars resolved with the YAML 1.2 core schema).</summary>
    public static JsonNode? ToJson(string yaml) => ToJson(yaml, new Dictionary<string, Mark>(StringComparer.Ordinal));

    /// <summary>
    /// One YAML document as a JSON tree, recording where each node starts in <paramref name="marks"/> (keyed by
    /// <c>$.spec.http[0]</c>-style paths). <paramref name="lineOffset"/> is added to the lines in error messages, for a
    /// document cut out of a longer text; the marks are left relative to <paramref name="yaml"/>.
    /// </summary>
    internal static JsonNode? ToJson(string yaml, Dictionary<string, Mark> marks, int lineOffset = 0)
    {
        if (YamlLimits.SizeError(yaml) is { } tooLarge)
        {
            throw new ResourceYamlException(tooLarge, null, null) { OverLimit = true };
        }

        var stream = new YamlStream();
        try
        {
            stream.Load(new LimitedYamlParser(new StringReader(yaml)));
        }
        catch (YamlLimitException ex)
        {
            int line = (int)ex.Start.Line + lineOffset;
            throw new ResourceYamlException($"Line {line}, column {ex.Start.Column}: {ex.Reason}", line, (int)ex.Start.Column) { OverLimit = true };
        }
        catch (YamlException ex)
        {
            string reason = ex.InnerException is YamlException inner ? inner.Message : ex.Message;
            if (reason.StartsWith("Duplicate key ", StringComparison.Ordinal))
            {
                reason = $"key '{reason["Duplicate key ".Length..]}' appears twice.";
            }

            int line = (int)ex.Start.Line + lineOffset;
            throw new ResourceYamlException($"Line {line}, column {ex.Start.Column}: {reason}", line, (int)ex.Start.Column);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            // YamlDotNet fails this way on some unterminated flow collections and other malformed input; find where parsing stopped.
            Mark at = LastParsedMark(yaml);
            int line = (int)at.Line + lineOffset;
            throw new ResourceYamlException($"Line {line}, column {at.Column}: the YAML is malformed after this point (an unclosed '[', '{{' or quote?).", line, (int)at.Column);
        }

        if (stream.Documents.Count > 1)
        {
            Mark second = stream.Documents[1].RootNode.Start;
            int line = (int)second.Line + lineOffset;
            throw new ResourceYamlException($"Line {line}: expected one YAML document, found {stream.Documents.Count}.", line, (int)second.Column);
        }

        // Every node's mark is keyed by its whole path, so deep paths with long keys cost depth x key length per node: a
        // few kilobytes of YAML could ask for gigabytes. Paths are recorded up to a budget proportional to the text;
        // beyond it a node is located by its nearest recorded ancestor.
        long markChars = 8L * yaml.Length + 65_536;
        return stream.Documents.Count == 0 ? null : Convert(stream.Documents[0].RootNode, "$", marks, lineOffset, ref markChars);
    }

    private static Mark LastParsedMark(string yaml)
    {
        var parser = new Parser(new StringReader(yaml));
        Mark last = Mark.Empty;
        try
        {
            while (parser.MoveNext())
            {
                last = parser.Current?.Start ?? last;
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or YamlException)
        {
            // Expected: this is how the position of the failure is found.
        }

        return last;
    }

    private static JsonNode? Convert(YamlNode node, string? path, Dictionary<string, Mark> marks, int lineOffset, ref long markChars)
    {
        if (path is not null && (markChars -= path.Length) >= 0)
        {
            marks[path] = node.Start;
        }
        else
        {
            path = null;
        }

        switch (node)
        {
            case YamlMappingNode mapping:
                var obj = new JsonObject();
                foreach (KeyValuePair<YamlNode, YamlNode> entry in mapping.Children)
                {
                    if (entry.Key is not YamlScalarNode { Value: { } key })
                    {
                        int keyLine = (int)entry.Key.Start.Line + lineOffset;
                        throw new ResourceYamlException($"Line {keyLine}, column {entry.Key.Start.Column}: only plain keys are supported.", keyLine, (int)entry.Key.Start.Column);
                    }

                    if (obj.ContainsKey(key))
                    {
                        int keyLine = (int)entry.Key.Start.Line + lineOffset;
                        throw new ResourceYamlException($"Line {keyLine}, column {entry.Key.Start.Column}: key '{key}' appears twice.", keyLine, (int)entry.Key.Start.Column);
                    }

                    obj[key] = Convert(entry.Value, path is null ? null : path + "." + key, marks, lineOffset, ref markChars);
                }

                return obj;

            case YamlSequenceNode sequence:
                var array = new JsonArray();
                for (int i = 0; i < sequence.Children.Count; i++)
                {
                    array.Add(Convert(sequence.Children[i], path is null ? null : $"{path}[{i.ToString(CultureInfo.InvariantCulture)}]", marks, lineOffset, ref markChars));
                }

                return array;

            case YamlScalarNode scalar:
                return ScalarToJson(scalar, lineOffset);

            default:
                int nodeLine = (int)node.Start.Line + lineOffset;
                throw new ResourceYamlException($"Line {nodeLine}, column {node.Start.Column}: unsupported YAML node.", nodeLine, (int)node.Start.Column);
        }
    }

    private static JsonValue? ScalarToJson(YamlScalarNode scalar, int lineOffset)
    {
        string value = scalar.Value ?? string.Empty;
        string tag = scalar.Tag.IsEmpty ? string.Empty : scalar.Tag.Value;
        if (tag is "tag:yaml.org,2002:str" || scalar.Style is not (ScalarStyle.Plain or ScalarStyle.Any))
        {
            return JsonValue.Create(value);
        }

        if (value.Length == 0 || NullPattern().IsMatch(value))
        {
            return null;
        }

        if (BoolPattern().IsMatch(value))
        {
            return JsonValue.Create(value.Equals("true", StringComparison.OrdinalIgnoreCase));
        }

        if (IntPattern().IsMatch(value))
        {
            return long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l) ? JsonValue.Create(l)
                : decimal.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out decimal big) ? JsonValue.Create(big)
                : JsonValue.Create(Finite(scalar, value, lineOffset));
        }

        if (value.StartsWith("0x", StringComparison.Ordinal) && long.TryParse(value.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out long hex))
        {
            return JsonValue.Create(hex);
        }

        if (FloatPattern().IsMatch(value))
        {
            return JsonValue.Create(Finite(scalar, value, lineOffset));
        }

        return JsonValue.Create(value);
    }

    /// <summary>The number <paramref name="value"/>; one beyond a double (1e400) is an error, as JSON has no infinity.</summary>
    private static double Finite(YamlScalarNode scalar, string value, int lineOffset)
    {
        double number = double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture);
        if (double.IsFinite(number))
        {
            return number;
        }

        int line = (int)scalar.Start.Line + lineOffset;
        throw new ResourceYamlException($"Line {line}, column {scalar.Start.Column}: the number {value} is too large: JSON has no infinity.", line, (int)scalar.Start.Column);
    }

    private static void Emit(IEmitter emitter, JsonNode? node)
    {
        switch (node)
        {
            case null:
                emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, "null", ScalarStyle.Plain, true, false));
                break;

            case JsonObject obj:
                bool emptyMap = obj.Count == 0;
                emitter.Emit(new MappingStart(AnchorName.Empty, TagName.Empty, true, emptyMap ? MappingStyle.Flow : MappingStyle.Block));
                foreach (KeyValuePair<string, JsonNode?> property in obj)
                {
                    EmitString(emitter, property.Key);
                    Emit(emitter, property.Value);
                }

                emitter.Emit(new MappingEnd());
                break;

            case JsonArray array:
                bool emptySeq = array.Count == 0;
                emitter.Emit(new SequenceStart(AnchorName.Empty, TagName.Empty, true, emptySeq ? SequenceStyle.Flow : SequenceStyle.Block));
                foreach (JsonNode? item in array)
                {
                    Emit(emitter, item);
                }

                emitter.Emit(new SequenceEnd());
                break;

            case JsonValue value:
                switch (value.GetValueKind())
                {
                    case JsonValueKind.String:
                        EmitString(emitter, value.GetValue<string>());
                        break;
                    default:
                        // Numbers keep their JSON text; true, false and null read the same in YAML.
                        emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, value.ToJsonString(MeshJson.Options), ScalarStyle.Plain, true, false));
                        break;
                }

                break;
        }
    }

    private static void EmitString(IEmitter emitter, string text)
    {
        bool multiLine = text.Contains('\n', StringComparison.Ordinal);
        // Block scalars cannot carry other control characters, nor text that is only line breaks.
        bool control = text.Any(static c => char.IsControl(c) && c != '\n') || (multiLine && string.IsNullOrWhiteSpace(text));
        ScalarStyle style = control ? ScalarStyle.DoubleQuoted
            : multiLine ? ScalarStyle.Literal
            : NeedsQuotes(text) ? ScalarStyle.SingleQuoted
            : ScalarStyle.Plain;
        emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, text, style, style == ScalarStyle.Plain, true));
    }

    /// <summary>True when a plain scalar with this text would read back as something other than this string.</summary>
    private static bool NeedsQuotes(string text) =>
        text.Length == 0
        || NullPattern().IsMatch(text)
        || BoolPattern().IsMatch(text)
        || Yaml11BoolPattern().IsMatch(text)
        || NumberLike().IsMatch(text);

    private static YamlParseResult<T> Failure<T>(string error, int? line, int? column) =>
        new() { Error = error, Line = line, Column = column };

    internal static Mark? FindMark(Dictionary<string, Mark> marks, string path)
    {
        for (string current = path; current.Length > 0;)
        {
            if (marks.TryGetValue(current, out Mark mark))
            {
                return mark;
            }

            int cut = Math.Max(current.LastIndexOf('.'), current.LastIndexOf('['));
            if (cut <= 0)
            {
                break;
            }

            current = current[..cut];
        }

        return null;
    }

    internal static string FirstSentence(string message)
    {
        int end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message.TrimEnd('.') : message[..end];
    }

    [GeneratedRegex("^(~|null|Null|NULL)$", RegexOptions.CultureInvariant)]
    private static partial Regex NullPattern();

    [GeneratedRegex("^(true|True|TRUE|false|False|FALSE)$", RegexOptions.CultureInvariant)]
    private static partial Regex BoolPattern();

    [GeneratedRegex("^(y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$", RegexOptions.CultureInvariant)]
    private static partial Regex Yaml11BoolPattern();

    [GeneratedRegex("^[-+]?[0-9]+$", RegexOptions.CultureInvariant)]
    private static partial Regex IntPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex FloatPattern();

    // Anything YAML 1.1 or 1.2 might read as a number, date or special float: quote it to be safe.
    [GeneratedRegex(@"^([-+]?[0-9][0-9_.:eE+\-xXoObB]*|[-+]?\.[0-9][0-9_]*([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)|0x[0-9a-fA-F]+)$", RegexOptions.CultureInvariant)]
    private static partial Regex NumberLike();
}

/// <summary>YAML that cannot be read, with the 1-based line and column of the problem when known.</summary>
public sealed class ResourceYamlException : FormatException
{
    public ResourceYamlException()
    {
    }

    public ResourceYamlException(string message)
        : base(message)
    {
    }

    public ResourceYamlException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ResourceYamlException(string message, int? line, int? column)
        : base(message)
    {
        Line = line;
        Column = column;
    }

    public int? Line { get; }

    public int? Column { get; }

    /// <summary>True when the text went over a reader limit (size, nesting, aliases) rather than being malformed.</summary>
    public bool OverLimit { get; init; }
}

/// <summary>The outcome of reading YAML: a value, or a message with the position of the problem.</summary>
public sealed record YamlParseResult<T>
{
    public T? Value { get; init; }

    public string? Error { get; init; }

    public int? Line { get; init; }

    public int? Column { get; init; }

    public bool Succeeded => Error is null;
}
