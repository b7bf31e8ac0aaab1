using System.Globalization;
using System.Text;
using System.Text.Unicode;
using System.Text.Json;
using System.Text.Json.Nodes;
using TrafficConsole.Sandbox.Api;

namespace TrafficConsole.Sandbox.Patching;

/// <summary>RFC 7386 JSON merge patch: objects merge, null deletes, everything else replaces.</summary>
internal static class MergePatch
{
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObj)
        {
            return patch?.DeepClone();
        }

        var result = target is JsonObject t ? (JsonObject)t.DeepClone() : [];
        foreach (var (key, value) in patchObj)
        {
            if (value is null)
            {
                result.Remove(key);
            }
            else
            {
                result[key] = Apply(result[key], value);
            }
        }

        return result;
    }
}

/// <summary>RFC 6902 JSON patch with add, remove, replace, move, copy and test.</summary>
internal static class JsonPatch
{
    public static JsonNode? Apply(JsonNode? document, JsonNode? patch)
    {
        if (patch is not JsonArray ops)
        {
            throw ApiException.BadRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
        }

        var doc = document?.DeepClone();
        foreach (var opNode in ops)
        {
            if (opNode is not JsonObject op)
            {
                throw ApiException.BadRequest("json: cannot unmarshal into Go value of type jsonpatch.Operation");
            }

            var kind = Json.Str(op["op"]) ?? throw Unprocessable("Unexpected kind: <nil>");
            var path = Json.Str(op["path"]) ?? throw Unprocessable($"operation missing path: \"{kind}\"");
            switch (kind)
            {
                case "add":
                    doc = Add(doc, path, RequireValue(op, kind));
                    break;
                case "remove":
                    doc = Remove(doc, path, out _);
                    break;
                case "replace":
                    doc = Remove(doc, path, out _);
                    doc = Add(doc, path, RequireValue(op, kind));
                    break;
                case "move":
                    var from = Json.Str(op["from"]) ?? throw Unprocessable("operation missing from");
                    doc = Remove(doc, from, out var moved);
                    doc = Add(doc, path, moved);
                    break;
                case "copy":
                    var source = Json.Str(op["from"]) ?? throw Unprocessable("operation missing from");
                    doc = Add(doc, path, Get(doc, source)?.DeepClone());
                    break;
                case "test":
                    var expected = op["value"];
                    var actual = Get(doc, path, allowMissing: true);
                    if (!JsonNode.DeepEquals(actual, expected))
                    {
                        throw Unprocessable($"testing value {path} failed: test failed");
                    }

                    break;
                default:
                    throw Unprocessable($"Unexpected kind: {kind}");
            }
        }

        return doc;
    }

    private static JsonNode? RequireValue(JsonObject op, string kind) =>
        op.ContainsKey("value") ? op["value"]?.DeepClone() : throw Unprocessable($"missing value for {kind} operation");

    private static ApiException Unprocessable(string message) =>
        new(422, "Invalid", message, causes: [new StatusCause("FieldValueInvalid", message, "patch")]);

    private static List<string> Parse(string pointer)
    {
        if (pointer.Length == 0)
        {
            return [];
        }

        if (!pointer.StartsWith('/'))
        {
            throw Unprocessable($"invalid JSON pointer: \"{pointer}\"");
        }

        return [.. pointer[1..].Split('/').Select(s => s.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal))];
    }

    private static JsonNode? Get(JsonNode? doc, string pointer, bool allowMissing = false)
    {
        var node = doc;
        foreach (var token in Parse(pointer))
        {
            node = node switch
            {
                JsonObject o when o.TryGetPropertyValue(token, out var child) => child,
                JsonArray a when int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < a.Count => a[i],
                _ => allowMissing ? null : throw Unprocessable($"path \"{pointer}\" not found"),
            };
            if (node is null && allowMissing)
            {
                return null;
            }
        }

        return node;
    }

    private static JsonNode? Add(JsonNode? doc, string pointer, JsonNode? value)
    {
        var tokens = Parse(pointer);
        if (tokens.Count == 0)
        {
            return value;
        }

        var parent = Get(doc, "/" + string.Join('/', tokens[..^1].Select(Escape)));
        var last = tokens[^1];
        switch (parent)
        {
            case JsonObject o:
                o[last] = value;
                break;
            case JsonArray a:
                if (last == "-")
                {
                    a.Add(value);
                }
                else if (int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i <= a.Count)
                {
                    a.Insert(i, value);
                }
                else
                {
                    throw Unprocessable($"add operation does not apply: doc is missing path: \"{pointer}\"");
                }

                break;
            default:
                throw Unprocessable($"add operation does not apply: doc is missing path: \"{pointer}\"");
        }

        return doc;
    }

    private static JsonNode? Remove(JsonNode? doc, string pointer, out JsonNode? removed)
    {
        var tokens = Parse(pointer);
        if (tokens.Count == 0)
        {
            removed = doc;
            return null;
        }

        var parent = Get(doc, "/" + string.Join('/', tokens[..^1].Select(Escape)), allowMissing: true);
        var last = tokens[^1];
        switch (parent)
        {
            case JsonObject o when o.ContainsKey(last):
                removed = o[last];
                o.Remove(last);
                removed = removed?.DeepClone();
                return doc;
            case JsonArray a when int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < a.Count:
                removed = a[i]?.DeepClone();
                a.RemoveAt(i);
                return doc;
            default:
                throw Unprocessable($"remove operation does not apply: doc is missing path: \"{pointer}\"");
        }
    }

    private static string Escape(string token) => token.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
}

/// <summary>
/// Strategic merge patch for the built-in kinds: like merge patch, but the lists kubectl edits merge by
/// their key (containers by name, ports by containerPort/port...) and <c>$patch</c> directives apply.
/// </summary>
internal static class StrategicMergePatch
{
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject p)
        {
            return patch?.DeepClone();
        }

        return MergeObject(target as JsonObject, p);
    }

    private static JsonObject? MergeObject(JsonObject? target, JsonObject patch)
    {
        var directive = Json.Str(patch["$patch"]);
        if (directive == "delete")
        {
            return null;
        }

        var result = directive == "replace" || target is null ? [] : (JsonObject)target.DeepClone();
        List<string>? retainKeys = null;
        foreach (var (key, value) in patch)
        {
            if (key == "$patch" || key.StartsWith("$setElementOrder/", StringComparison.Ordinal))
            {
                continue;
            }

            if (key == "$retainKeys")
            {
                retainKeys = value is JsonArray keys ? [.. keys.Select(Json.Str).OfType<string>()] : [];
                continue;
            }

            if (key.StartsWith("$deleteFromPrimitiveList/", StringComparison.Ordinal))
            {
                var field = key["$deleteFromPrimitiveList/".Length..];
                if (result[field] is JsonArray list && value is JsonArray remove)
                {
                    var kept = list.Where(item => !remove.Any(r => JsonNode.DeepEquals(r, item))).Select(i => i?.DeepClone()).ToArray();
                    result[field] = new JsonArray(kept);
                }

                continue;
            }

            if (value is null)
            {
                result.Remove(key);
                continue;
            }

            var existing = result[key];
            switch (value)
            {
                case JsonObject childPatch:
                    var merged = MergeObject(existing as JsonObject, childPatch);
                    if (merged is null)
                    {
                        result.Remove(key);
                    }
                    else
                    {
                        result[key] = merged;
                    }

                    break;
                case JsonArray listPatch:
                    result[key] = MergeList(key, existing as JsonArray, listPatch);
                    break;
                default:
                    result[key] = value.DeepClone();
                    break;
            }
        }

        if (retainKeys is not null)
        {
            foreach (var key in result.Select(kv => kv.Key).ToList())
            {
                if (!retainKeys.Contains(key))
                {
                    result.Remove(key);
                }
            }
        }

        return result;
    }

    private static JsonArray MergeList(string field, JsonArray? target, JsonArray patch)
    {
        var mergeKey = MergeKey(field, patch, target);
        if (field == "finalizers" && target is not null)
        {
            // A set of strings: the patch adds to it.
            var union = target.Select(n => n?.DeepClone()).ToList();
            union.AddRange(patch.Where(p => !union.Any(u => JsonNode.DeepEquals(u, p))).Select(p => p?.DeepClone()));
            return new JsonArray([.. union]);
        }

        if (mergeKey is null || target is null)
        {
            if (patch.Count == 1 && patch[0] is JsonObject only && Json.Str(only["$patch"]) == "replace")
            {
                return [];
            }

            return new JsonArray([.. patch.Where(p => !(p is JsonObject o && o.ContainsKey("$patch"))).Select(p => p?.DeepClone())]);
        }

        var items = target.Select(n => n?.DeepClone()).ToList();
        foreach (var entry in patch)
        {
            if (entry is not JsonObject entryObj)
            {
                continue;
            }

            if (Json.Str(entryObj["$patch"]) == "replace")
            {
                return new JsonArray([.. patch.Where(p => !(p is JsonObject o && o.ContainsKey("$patch"))).Select(p => p?.DeepClone())]);
            }

            var keyValue = entryObj[mergeKey];
            var index = items.FindIndex(i => i is JsonObject io && JsonNode.DeepEquals(io[mergeKey], keyValue));
            if (Json.Str(entryObj["$patch"]) == "delete")
            {
                if (index >= 0)
                {
                    items.RemoveAt(index);
                }

                continue;
            }

            if (index >= 0)
            {
                items[index] = MergeObject(items[index] as JsonObject, entryObj);
            }
            else
            {
                items.Add(MergeObject(null, entryObj));
            }
        }

        return new JsonArray([.. items]);
    }

    private static string? MergeKey(string field, JsonArray patch, JsonArray? target)
    {
        var sample = patch.Concat(target ?? []).OfType<JsonObject>().FirstOrDefault();
        return field switch
        {
            "containers" or "initContainers" or "ephemeralContainers" or "volumes" or "env" or "imagePullSecrets"
                or "hostAliases" or "resourceClaims" => field == "hostAliases" ? "ip" : "name",
            "volumeMounts" => "mountPath",
            "volumeDevices" => "devicePath",
            "ports" when sample?.ContainsKey("containerPort") == true => "containerPort",
            "ports" => "port",
            "conditions" => "type",
            "ownerReferences" => "uid",
            "topologySpreadConstraints" => "topologyKey",
            _ => null,
        };
    }
}

/// <summary>Parses a request body, turning malformed JSON into the API server's 400.</summary>
internal static class Body
{
    // A repeated field would otherwise surface later, as an ArgumentException (a 500) from the first JsonObject lookup.
    private static readonly JsonDocumentOptions Options = new() { AllowDuplicateProperties = false };

    public static JsonNode? Parse(ReadOnlySpan<byte> body)
    {
        try
        {
            // Go's decoder, which the API server uses, reads invalid UTF-8 as U+FFFD; System.Text.Json would throw
            // at the first read of such a string instead, long after parsing.
            var node = Utf8.IsValid(body)
                ? JsonNode.Parse(body, documentOptions: Options)
                : JsonNode.Parse(Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(body)), documentOptions: Options);

            // Strings are decoded lazily: a lone surrogate escape ("\ud800") would throw at its first use; find it now.
            _ = node?.ToJsonString();
            return node;
        }
        catch (InvalidOperationException ex)
        {
            throw ApiException.BadRequest($"error decoding body: invalid JSON: {ex.Message}");
        }
        catch (JsonException ex)
        {
            throw ApiException.BadRequest($"error decoding body: invalid JSON: {ex.Message}");
        }
    }

    public static JsonObject ParseObject(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            throw ApiException.BadRequest("the body of the request is empty");
        }

        return Parse(body) as JsonObject
            ?? throw ApiException.BadRequest("Object 'Kind' is missing in the request body: the body must be a JSON object");
    }
}
