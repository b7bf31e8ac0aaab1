using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace TrafficConsole.Mesh.Resources;

/// <summary>The serializer settings for every Istio / Gateway API model in this library.</summary>
/// <remarks>
/// Every model property carries an explicit <see cref="JsonPropertyNameAttribute"/>, so these options
/// and KubernetesClient's <c>KubernetesJson</c> (camelCase policy) produce the same field names.
/// Empty collections that were absent on the wire are null and skipped, so a round trip adds nothing.
/// </remarks>
public static class MeshJson
{
    /// <summary>Shared, read-only options: ignore nulls when writing, keep unknown fields via extension data.</summary>
    public static JsonSerializerOptions Options { get; } = CreateOptions(writeIndented: false);

    /// <summary>Same as <see cref="Options"/> but indented, for humans (logs, previews).</summary>
    public static JsonSerializerOptions IndentedOptions { get; } = CreateOptions(writeIndented: true);

    /// <summary>Serializes a model with <see cref="Options"/>.</summary>
    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    /// <summary>Deserializes a model with <see cref="Options"/>.</summary>
    public static T? Deserialize<T>(string json) => JsonSerializer.Deserialize<T>(json, Options);

    /// <summary>A deep copy made through JSON, so the copy shares nothing mutable with the original.</summary>
    public static T DeepClone<T>(T value)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(value);
        byte[] bytes = JsonSerializer.SerializeToUtf8Bytes(value, value.GetType(), Options);
        return (T)(JsonSerializer.Deserialize(bytes, value.GetType(), Options)
            ?? throw new InvalidOperationException($"Cloning {value.GetType().Name} produced null."));
    }

    private static JsonSerializerOptions CreateOptions(bool writeIndented)
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.General)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            WriteIndented = writeIndented,
            // Regexes and header values contain '+', '<', '&': keep them readable in YAML and diffs.
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        options.Converters.Add(new KubernetesTimestampConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
