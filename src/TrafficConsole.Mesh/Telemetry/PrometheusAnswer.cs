using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;

namespace TrafficConsole.Mesh.Telemetry;

/// <summary>One instant value of a series: its labels (without <c>__name__</c> once aggregated), when, and the value (NaN and ±Inf kept).</summary>
public sealed record PromSample(ImmutableDictionary<string, string> Labels, DateTimeOffset At, double Value)
{
    /// <summary>The value of <paramref name="label"/>, or an empty string when the series lacks it (as PromQL treats it).</summary>
    public string Label(string label) => Labels.TryGetValue(label, out string? value) ? value : string.Empty;
}

/// <summary>One series of a range query: its labels and its points in time order.</summary>
public sealed record PromSeries(ImmutableDictionary<string, string> Labels, ImmutableArray<(DateTimeOffset At, double Value)> Points)
{
    public string Label(string label) => Labels.TryGetValue(label, out string? value) ? value : string.Empty;
}

/// <summary>
/// An answer of Prometheus' HTTP API (<c>/api/v1/query</c>, <c>/api/v1/query_range</c>), read from its JSON:
/// a vector, a matrix or a scalar with any warnings; Prometheus' own error; or why the text is not such an answer.
/// </summary>
public abstract record PrometheusAnswer
{
    private PrometheusAnswer()
    {
    }

    /// <summary>An instant query's answer: one sample per series (none when nothing matched).</summary>
    public sealed record Vector(ImmutableArray<PromSample> Samples, ImmutableArray<string> Warnings) : PrometheusAnswer;

    /// <summary>A range query's answer: the points of each series.</summary>
    public sealed record Matrix(ImmutableArray<PromSeries> Series, ImmutableArray<string> Warnings) : PrometheusAnswer;

    /// <summary>A scalar expression's answer.</summary>
    public sealed record Scalar(DateTimeOffset At, double Value, ImmutableArray<string> Warnings) : PrometheusAnswer;

    /// <summary>Prometheus refused or failed the query (<c>"status": "error"</c>): its <c>errorType</c> and <c>error</c> text.</summary>
    public sealed record Failed(string ErrorType, string Message, ImmutableArray<string> Warnings) : PrometheusAnswer
    {
        public override string ToString() => string.IsNullOrEmpty(ErrorType) ? Message : $"{ErrorType}: {Message}";
    }

    /// <summary>The text is not an answer of the API: <paramref name="Reason"/> says what is wrong with it, for people.</summary>
    public sealed record Malformed(string Reason) : PrometheusAnswer;

    /// <summary>Reads an answer; never throws on bad input (it becomes <see cref="Malformed"/>).</summary>
    public static PrometheusAnswer Parse(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 16 });
            using JsonDocument document = JsonDocument.ParseValue(ref reader);
            return Read(document.RootElement);
        }
        catch (JsonException ex)
        {
            return new Malformed($"not JSON ({ex.Message})");
        }
        catch (FormatException ex)
        {
            return new Malformed(ex.Message);
        }
    }

    /// <inheritdoc cref="Parse(ReadOnlySpan{byte})"/>
    public static PrometheusAnswer Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return Parse(System.Text.Encoding.UTF8.GetBytes(json));
    }

    private static PrometheusAnswer Read(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return new Malformed($"the answer is a JSON {Describe(root.ValueKind)}, not an object");
        }

        ImmutableArray<string> warnings = root.TryGetProperty("warnings", out JsonElement w) && w.ValueKind == JsonValueKind.Array
            ? [.. w.EnumerateArray().Select(static e => e.ValueKind == JsonValueKind.String ? e.GetString()! : e.GetRawText())]
            : [];
        string? status = root.TryGetProperty("status", out JsonElement s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
        switch (status)
        {
            case "error":
                return new Failed(
                    StringOrEmpty(root, "errorType"),
                    root.TryGetProperty("error", out JsonElement e) && e.ValueKind == JsonValueKind.String ? e.GetString()! : "(no error text)",
                    warnings);
            case "success":
                break;
            case null:
                return new Malformed("the answer has no \"status\"");
            default:
                return new Malformed($"the answer's status is \"{status}\", neither \"success\" nor \"error\"");
        }

        if (!root.TryGetProperty("data", out JsonElement data) || data.ValueKind != JsonValueKind.Object)
        {
            return new Malformed("the answer has no \"data\" object");
        }

        if (!data.TryGetProperty("result", out JsonElement result))
        {
            return new Malformed("the answer's data has no \"result\"");
        }

        string resultType = StringOrEmpty(data, "resultType");
        return resultType switch
        {
            "vector" => new Vector(ReadVector(result), warnings),
            "matrix" => new Matrix(ReadMatrix(result), warnings),
            "scalar" => ReadScalar(result, warnings),
            "" => new Malformed("the answer's data has no \"resultType\""),
            _ => new Malformed($"the answer's resultType is \"{resultType}\", not a vector, matrix or scalar"),
        };
    }

    private static ImmutableArray<PromSample> ReadVector(JsonElement result)
    {
        RequireArray(result, "the vector result");
        var samples = ImmutableArray.CreateBuilder<PromSample>(result.GetArrayLength());
        foreach (JsonElement item in result.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("value", out JsonElement value))
            {
                throw new FormatException("a vector sample is not an object with a \"value\"");
            }

            (DateTimeOffset at, double v) = ReadPoint(value);
            samples.Add(new PromSample(ReadLabels(item), at, v));
        }

        return samples.MoveToImmutable();
    }

    private static ImmutableArray<PromSeries> ReadMatrix(JsonElement result)
    {
        RequireArray(result, "the matrix result");
        var series = ImmutableArray.CreateBuilder<PromSeries>(result.GetArrayLength());
        foreach (JsonElement item in result.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("values", out JsonElement values))
            {
                throw new FormatException("a matrix series is not an object with \"values\"");
            }

            RequireArray(values, "a series' values");
            ImmutableArray<(DateTimeOffset, double)> points = [.. values.EnumerateArray().Select(ReadPoint)];
            series.Add(new PromSeries(ReadLabels(item), points));
        }

        return series.MoveToImmutable();
    }

    private static Scalar ReadScalar(JsonElement result, ImmutableArray<string> warnings)
    {
        (DateTimeOffset at, double value) = ReadPoint(result);
        return new Scalar(at, value, warnings);
    }

    private static ImmutableDictionary<string, string> ReadLabels(JsonElement item)
    {
        if (!item.TryGetProperty("metric", out JsonElement metric))
        {
            return ImmutableDictionary<string, string>.Empty;
        }

        if (metric.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("a series' \"metric\" is not an object of labels");
        }

        var labels = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (JsonProperty label in metric.EnumerateObject())
        {
            if (label.Value.ValueKind != JsonValueKind.String)
            {
                throw new FormatException($"the label \"{label.Name}\" is not a string");
            }

            labels[label.Name] = label.Value.GetString()!;
        }

        return labels.ToImmutable();
    }

    /// <summary>A <c>[unix seconds, "value"]</c> pair; the value is a string so that NaN and ±Inf survive JSON.</summary>
    private static (DateTimeOffset At, double Value) ReadPoint(JsonElement point)
    {
        if (point.ValueKind != JsonValueKind.Array || point.GetArrayLength() != 2)
        {
            throw new FormatException("a point is not a [time, \"value\"] pair");
        }

        JsonElement time = point[0];
        JsonElement value = point[1];
        if (time.ValueKind != JsonValueKind.Number || !time.TryGetDouble(out double seconds) || !double.IsFinite(seconds))
        {
            throw new FormatException("a point's time is not a number of seconds");
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            throw new FormatException("a point's value is not a string");
        }

        DateTimeOffset at = DateTimeOffset.UnixEpoch.AddTicks((long)Math.Round(seconds * TimeSpan.TicksPerSecond));
        return (at, ParseValue(value.GetString()!));
    }

    /// <summary>A sample value as Prometheus writes it: a decimal number, <c>NaN</c>, <c>+Inf</c> or <c>-Inf</c>.</summary>
    public static double ParseValue(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text switch
        {
            "NaN" => double.NaN,
            "+Inf" or "Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            _ when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v) => v,
            _ => throw new FormatException($"\"{text}\" is not a sample value"),
        };
    }

    private static void RequireArray(JsonElement element, string what)
    {
        if (element.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException($"{what} is a JSON {Describe(element.ValueKind)}, not an array");
        }
    }

    private static string StringOrEmpty(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : string.Empty;

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Null => "null",
        _ => "value",
    };
}
