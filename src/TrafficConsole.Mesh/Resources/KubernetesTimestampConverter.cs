using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace TrafficConsole.Mesh.Resources;

/// <summary>Reads and writes Kubernetes RFC 3339 timestamps (metadata.creationTimestamp) as UTC.</summary>
/// <remarks>The API server writes whole seconds with a 'Z'; writing the same keeps a round trip byte-equal.</remarks>
internal sealed class KubernetesTimestampConverter : JsonConverter<DateTime>
{
    public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        string? text = reader.GetString();
        if (text is null
            || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset parsed))
        {
            throw new JsonException($"'{text}' is not an RFC 3339 timestamp.");
        }

        return parsed.UtcDateTime;
    }

    public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options)
    {
        DateTime utc = value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : value;
        string format = utc.Ticks % TimeSpan.TicksPerSecond == 0 ? "yyyy-MM-dd'T'HH:mm:ss'Z'" : "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'";
        writer.WriteStringValue(utc.ToString(format, CultureInfo.InvariantCulture));
    }
}
