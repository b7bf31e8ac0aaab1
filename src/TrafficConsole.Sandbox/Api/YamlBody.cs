using System.Globalization;
using System.Text.Json.Nodes;
using TrafficConsole.Mesh.Yaml;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace TrafficConsole.Sandbox.Api;

/// <summary>Reads a YAML request body (apply patches, application/yaml) into JSON nodes, within <see cref="YamlLimits"/>.</summary>
internal static class YamlBody
{
    public static JsonNode? Parse(string text)
    {
        if (YamlLimits.SizeError(text) is { } tooLarge)
        {
            throw ApiException.BadRequest($"error converting YAML to JSON: yaml: {tooLarge}");
        }

        try
        {
            var stream = new YamlStream();
            stream.Load(new LimitedYamlParser(new StringReader(text)));
            return stream.Documents.Count == 0 ? null : Convert(stream.Documents[0].RootNode);
        }
        catch (YamlLimitException ex)
        {
            throw ApiException.BadRequest($"error converting YAML to JSON: yaml: line {ex.Start.Line}: {ex.Reason}");
        }
        catch (YamlException ex)
        {
            throw ApiException.BadRequest($"error converting YAML to JSON: yaml: line {ex.Start.Line}: {ex.Message}");
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            // YamlDotNet fails this way on some malformed input (unterminated flow collections, an alias as an empty key's value).
            throw ApiException.BadRequest($"error converting YAML to JSON: yaml: {ex.Message}");
        }
    }

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => Object(map),
        YamlSequenceNode seq => new JsonArray([.. seq.Children.Select(Convert)]),
        YamlScalarNode scalar => Scalar(scalar),
        _ => null,
    };

    private static JsonObject Object(YamlMappingNode map)
    {
        var obj = new JsonObject();
        foreach (var (key, value) in map.Children)
        {
            // JSON objects have string keys; sigs.k8s.io/yaml refuses the rest the same way.
            if (key is not YamlScalarNode { Value: var name })
            {
                throw ApiException.BadRequest($"error converting YAML to JSON: yaml: line {key.Start.Line}: unsupported map key of type {key.NodeType}");
            }

            if (!obj.TryAdd(name ?? "", Convert(value)))
            {
                throw ApiException.BadRequest($"error converting YAML to JSON: yaml: line {key.Start.Line}: key \"{name}\" already set in map");
            }
        }

        return obj;
    }

    private static JsonValue? Scalar(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? "";
        if (scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded)
        {
            return JsonValue.Create(value);
        }

        return value switch
        {
            "" or "~" or "null" or "Null" or "NULL" => null,
            "true" or "True" or "TRUE" => JsonValue.Create(true),
            "false" or "False" or "FALSE" => JsonValue.Create(false),
            _ when long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) => JsonValue.Create(l),
            _ when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && value.Any(char.IsDigit)
                && !value.Contains('_', StringComparison.Ordinal) => double.IsFinite(d)
                    ? JsonValue.Create(d)
                    // 1e400: YAML reads it as infinity, which JSON cannot carry; Go's conversion fails the same way.
                    : throw ApiException.BadRequest($"error converting YAML to JSON: json: unsupported value: {(d > 0 ? "+Inf" : "-Inf")} (line {scalar.Start.Line})"),
            _ => JsonValue.Create(value),
        };
    }
}
