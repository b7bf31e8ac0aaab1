using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Unicode;
using TrafficConsole.Web.Model;

namespace TrafficConsole.Web.Api;

/// <summary>The parsed body of a PUT, or what is wrong with its shape (field -> messages).</summary>
internal sealed record ParsedTrafficRequest(TrafficDraft? Draft, string? Revision, Dictionary<string, string[]> Errors)
{
    public bool IsValid => Errors.Count == 0 && Draft is not null;
}

/// <summary>
/// Reads the PUT body by hand rather than by model binding, so that every shape error
/// (missing body, 30.5, "30", a list instead of a map) names its field instead of a generic 400.
/// </summary>
internal static class TrafficRequestReader
{
    public static async Task<ParsedTrafficRequest> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        Dictionary<string, string[]> errors = new(StringComparer.Ordinal);
        if (request.ContentLength == 0)
        {
            return Fail(errors, "body", "A JSON body is required, e.g. { \"weights\": { \"v1\": 90, \"v2\": 10 } }.");
        }

        // Bounded by the endpoint's body limit (Kestrel stops a longer body with 413). Read whole so its UTF-8 can be checked:
        // the JSON reader does not validate the text of names, and reading one that is not UTF-8 would throw later.
        byte[] body;
        using (MemoryStream buffer = new())
        {
            await request.Body.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            body = buffer.ToArray();
        }

        if (!Utf8.IsValid(body))
        {
            return Fail(errors, "body", "The body is not valid UTF-8 text; JSON must be UTF-8 (RFC 8259).");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException ex)
        {
            return request.ContentLength is null && ex.BytePositionInLine == 0 && ex.LineNumber == 0
                ? Fail(errors, "body", "A JSON body is required, e.g. { \"weights\": { \"v1\": 90, \"v2\": 10 } }.")
                : Fail(errors, "body", $"The body is not valid JSON: {ex.Message}");
        }

        using (document)
        {
            try
            {
                return Parse(document.RootElement, errors);
            }
            catch (InvalidOperationException ex)
            {
                // JsonDocument decodes strings on first read: an unpaired surrogate escape ("\ud800") fails only then.
                errors.Clear();
                return Fail(errors, "body", $"The body is not valid JSON: {ex.Message}");
            }
        }
    }

    private static ParsedTrafficRequest Parse(JsonElement root, Dictionary<string, string[]> errors)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return Fail(errors, "body", "The body must be a JSON object with \"weights\".");
        }

        string? revision = null;
        if (TryGetProperty(root, "revision", out JsonElement revisionElement) && revisionElement.ValueKind != JsonValueKind.Null)
        {
            if (revisionElement.ValueKind == JsonValueKind.String)
            {
                revision = revisionElement.GetString();
            }
            else
            {
                errors["revision"] = ["revision must be a string as returned by GET."];
            }
        }

        ImmutableArray<WeightShare>.Builder weights = ImmutableArray.CreateBuilder<WeightShare>();
        if (!TryGetProperty(root, "weights", out JsonElement weightsElement) || weightsElement.ValueKind == JsonValueKind.Null)
        {
            errors["weights"] = ["weights is required: a map of version to integer percent, e.g. { \"v1\": 90, \"v2\": 10 }."];
        }
        else if (weightsElement.ValueKind != JsonValueKind.Object)
        {
            errors["weights"] = ["weights must be a map of version to integer percent, e.g. { \"v1\": 90, \"v2\": 10 }."];
        }
        else
        {
            foreach (JsonProperty weight in weightsElement.EnumerateObject())
            {
                string field = $"weights[{weight.Name}]";
                if (weight.Value.ValueKind != JsonValueKind.Number)
                {
                    errors[field] = [$"The weight of '{weight.Name}' must be an integer percent, got {Describe(weight.Value)}."];
                }
                else if (!weight.Value.TryGetInt32(out int percent))
                {
                    errors[field] = [$"The weight of '{weight.Name}' must be an integer percent, got {weight.Value.GetRawText()}."];
                }
                else
                {
                    weights.Add(new WeightShare(weight.Name, percent));
                }
            }

            if (weights.Count == 0 && !errors.Keys.Any(static k => k.StartsWith("weights[", StringComparison.Ordinal)))
            {
                errors["weights"] = ["weights must name at least one version."];
            }
        }

        MirrorShare? mirror = null;
        if (TryGetProperty(root, "mirror", out JsonElement mirrorElement) && mirrorElement.ValueKind != JsonValueKind.Null)
        {
            mirror = ParseMirror(mirrorElement, errors);
        }

        return errors.Count > 0
            ? new ParsedTrafficRequest(null, revision, errors)
            : new ParsedTrafficRequest(new TrafficDraft(weights.ToImmutable(), mirror), revision, errors);
    }

    private static MirrorShare? ParseMirror(JsonElement element, Dictionary<string, string[]> errors)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            errors["mirror"] = ["mirror must be an object like { \"version\": \"v3\", \"percent\": 10 }."];
            return null;
        }

        string? version = null;
        if (TryGetProperty(element, "version", out JsonElement versionElement) && versionElement.ValueKind == JsonValueKind.String
            && !string.IsNullOrWhiteSpace(versionElement.GetString()))
        {
            version = versionElement.GetString();
        }
        else
        {
            errors["mirror.version"] = ["mirror.version must name a version of the service."];
        }

        double percent = 100;
        if (TryGetProperty(element, "percent", out JsonElement percentElement) && percentElement.ValueKind != JsonValueKind.Null)
        {
            if (percentElement.ValueKind != JsonValueKind.Number || !percentElement.TryGetDouble(out percent))
            {
                errors["mirror.percent"] = [$"mirror.percent must be a number between 0 and 100, got {Describe(percentElement)}."];
            }
        }

        return version is null ? null : new MirrorShare(version, percent);
    }

    // Field names are matched case-insensitively, as ASP.NET Core's JSON binding does.
    private static bool TryGetProperty(JsonElement element, string name, out JsonElement value)
    {
        foreach (JsonProperty property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                value = property.Value;
                return true;
            }
        }

        value = default;
        return false;
    }

    private static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => $"the string \"{element.GetString()}\"",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.True or JsonValueKind.False => element.GetRawText(),
        JsonValueKind.Null => "null",
        _ => element.GetRawText(),
    };

    private static ParsedTrafficRequest Fail(Dictionary<string, string[]> errors, string field, string message)
    {
        errors[field] = [message];
        return new ParsedTrafficRequest(null, null, errors);
    }
}
