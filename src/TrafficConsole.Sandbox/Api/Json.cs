using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TrafficConsole.Sandbox.Api;

/// <summary>Small helpers over <see cref="JsonObject"/> for the metadata fields every object has.</summary>
internal static class Json
{
    public static readonly JsonSerializerOptions Options = new() { WriteIndented = false };

    public static JsonObject Metadata(JsonObject obj)
    {
        if (obj["metadata"] is JsonObject meta)
        {
            return meta;
        }

        meta = [];
        obj["metadata"] = meta;
        return meta;
    }

    public static string? Str(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    public static string? Name(JsonObject obj) => Str((obj["metadata"] as JsonObject)?["name"]);

    public static string? Namespace(JsonObject obj) => Str((obj["metadata"] as JsonObject)?["namespace"]);

    public static long? ResourceVersion(JsonObject obj) =>
        long.TryParse(Str((obj["metadata"] as JsonObject)?["resourceVersion"]), NumberStyles.None,
            CultureInfo.InvariantCulture, out var rv) ? rv : null;

    public static Dictionary<string, string> Labels(JsonObject obj)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if ((obj["metadata"] as JsonObject)?["labels"] is JsonObject map)
        {
            foreach (var (key, value) in map)
            {
                labels[key] = Str(value) ?? value?.ToJsonString() ?? "";
            }
        }

        return labels;
    }

    public static long? Int(JsonNode? node)
    {
        if (node is not JsonValue v)
        {
            return null;
        }

        if (v.GetValueKind() != JsonValueKind.Number)
        {
            return null;
        }

        return v.TryGetValue<long>(out var l) ? l
            : v.TryGetValue<int>(out var i) ? i
            : v.TryGetValue<double>(out var d) && d == Math.Floor(d) ? (long)d
            : v.TryGetValue<decimal>(out var m) && m == decimal.Floor(m) ? (long)m
            : v.TryGetValue<JsonElement>(out var e) && e.TryGetInt64(out var el) ? el : null;
    }

    public static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static DateTimeOffset? ParseTimestamp(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;

    public static JsonObject Clone(JsonObject obj) => (JsonObject)obj.DeepClone();

    public static byte[] ToBytes(JsonNode node) => JsonSerializer.SerializeToUtf8Bytes(node, Options);

    public static string Rv(long rv) => rv.ToString(CultureInfo.InvariantCulture);
}
