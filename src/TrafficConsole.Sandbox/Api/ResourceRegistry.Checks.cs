using System.Text.Json.Nodes;
using TrafficConsole.Sandbox.Patching;

namespace TrafficConsole.Sandbox.Api;

// The checks every write makes before it is stored: type meta, names, validation, and whether anything changed.
internal sealed partial class ResourceRegistry
{
    private static JsonNode? ApplyPatch(ResourceType type, PatchKind kind, JsonObject target, JsonNode? patch) => kind switch
    {
        PatchKind.Merge => MergePatch.Apply(target, patch),
        PatchKind.Json => JsonPatch.Apply(target, patch),
        PatchKind.Strategic when !type.IsCustom => StrategicMergePatch.Apply(target, patch),
        _ => throw ApiException.UnsupportedMediaType(
            ["application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml"]),
    };

    private static void Validate(ResourceType type, JsonObject obj, string name)
    {
        var causes = ObjectValidator.Validate(type, obj);
        if (causes.Length > 0)
        {
            throw ApiException.Invalid(type, name, causes);
        }
    }

    private static void CheckTypeMeta(ResourceType type, string version, JsonObject body, string? subresource)
    {
        if (subresource == "scale")
        {
            return;
        }

        var apiVersion = Json.Str(body["apiVersion"]);
        var kind = Json.Str(body["kind"]);
        if (apiVersion is not null && apiVersion != type.ApiVersion(version) && !type.Versions.Any(v => type.ApiVersion(v) == apiVersion))
        {
            throw ApiException.BadRequest(
                $"the API version in the data ({apiVersion}) does not match the expected API version ({type.ApiVersion(version)})");
        }

        if (kind is not null && kind != type.Kind)
        {
            throw ApiException.BadRequest($"the kind in the data ({kind}) does not match the expected kind ({type.Kind})");
        }
    }

    private static void CheckApplyTypeMeta(ResourceType type, string version, JsonObject body)
    {
        if (Json.Str(body["apiVersion"]) is null || Json.Str(body["kind"]) is null)
        {
            throw ApiException.BadRequest("apiVersion and kind must be set in an apply patch");
        }

        CheckTypeMeta(type, version, body, null);
    }

    private static void CheckNameMatches(JsonObject body, string name, string? ns, ResourceType type)
    {
        var meta = body["metadata"] as JsonObject;
        var bodyName = Json.Str(meta?["name"]);
        if (bodyName is not null && bodyName != name)
        {
            throw ApiException.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
        }

        var bodyNs = Json.Str(meta?["namespace"]);
        if (type.Namespaced && !string.IsNullOrEmpty(bodyNs) && bodyNs != ns)
        {
            throw ApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        }
    }

    private static bool SpecChanged(JsonObject old, JsonObject updated)
    {
        static JsonObject Strip(JsonObject o)
        {
            var copy = Json.Clone(o);
            copy.Remove("metadata");
            copy.Remove("status");
            copy.Remove("apiVersion");
            copy.Remove("kind");
            return copy;
        }

        return !JsonNode.DeepEquals(Strip(old), Strip(updated));
    }

    private static bool Unchanged(JsonObject old, JsonObject updated)
    {
        static JsonObject Strip(JsonObject o)
        {
            var copy = Json.Clone(o);
            copy.Remove("apiVersion");
            copy.Remove("kind");
            var meta = Json.Metadata(copy);
            meta.Remove("resourceVersion");
            if (meta["managedFields"] is JsonArray fields)
            {
                foreach (var f in fields.OfType<JsonObject>())
                {
                    f.Remove("time");
                }
            }

            return copy;
        }

        return JsonNode.DeepEquals(Strip(old), Strip(updated));
    }
}
