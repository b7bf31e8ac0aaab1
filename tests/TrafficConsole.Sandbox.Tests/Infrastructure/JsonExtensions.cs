using System.Text.Json.Nodes;

namespace TrafficConsole.Sandbox.Tests.Infrastructure;

/// <summary>Reads values out of the JSON the sandbox answers, by paths such as "metadata.name".</summary>
public static class JsonExtensions
{
    public static string? Str(this JsonNode? node, string path)
    {
        var value = node.At(path);
        return value is JsonValue v && v.TryGetValue<string>(out var s) ? s : value?.ToJsonString();
    }

    public static long? Int64Value(this JsonNode? node, string path) =>
        node.At(path) is JsonValue v && v.TryGetValue<long>(out var l) ? l : null;

    /// <summary>Navigates "metadata.name" or "spec.http[0].route".</summary>
    public static JsonNode? At(this JsonNode? node, string path)
    {
        foreach (var part in path.Split('.'))
        {
            var name = part;
            int? index = null;
            var bracket = part.IndexOf('[', StringComparison.Ordinal);
            if (bracket >= 0)
            {
                name = part[..bracket];
                index = int.Parse(part[(bracket + 1)..^1], System.Globalization.CultureInfo.InvariantCulture);
            }

            if (name.Length > 0)
            {
                node = node is JsonObject o ? o[name] : null;
            }

            if (index is { } i)
            {
                node = node is JsonArray a && i < a.Count ? a[i] : null;
            }
        }

        return node;
    }
}
