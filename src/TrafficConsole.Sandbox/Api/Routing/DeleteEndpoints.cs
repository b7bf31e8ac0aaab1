using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using TrafficConsole.Sandbox.Patching;

namespace TrafficConsole.Sandbox.Api.Routing;

/// <summary>The delete verbs on resources (DELETE): delete one object with its DeleteOptions, or a selected collection.</summary>
internal sealed class DeleteEndpoints(ResourceGate gate, ResourceRegistry registry, RequestCounters counters)
{
    /// <summary>DELETE on an object, or on a collection with label and field selectors.</summary>
    public async Task DeleteAsync(HttpContext context)
    {
        var request = gate.Admit(context);
        if (request.Name is not null)
        {
            counters.Count("delete");
            await DeleteOneAsync(context, request).ConfigureAwait(false);
            return;
        }

        counters.Count("deletecollection");
        var query = context.Request.Query;
        var labelSel = LabelSelector.Parse(query["labelSelector"]);
        var fieldSel = FieldSelector.Parse(query["fieldSelector"]);
        var deleted = registry.DeleteCollection(request.Type, request.Version, request.Namespace,
            o => labelSel.Matches(Json.Labels(o)) && fieldSel.Matches(Json.Namespace(o) ?? "", Json.Name(o) ?? ""),
            Wire.WriteOptionsOf(context, apply: false));
        await Wire.WriteJsonAsync(context, 200, ListOf(request, deleted, registry.Store.ResourceVersion, null)).ConfigureAwait(false);
    }

    private async Task DeleteOneAsync(HttpContext context, ResourceRequest request)
    {
        if (request.Subresource is not null)
        {
            throw Wire.MethodNotAllowed();
        }

        var bytes = await Wire.ReadBodyAsync(context, allowYaml: true).ConfigureAwait(false);
        var deleteOptions = bytes.Length > 0 ? Body.Parse(bytes) as JsonObject : null;
        var options = Wire.WriteOptionsOf(context, apply: false);
        if (deleteOptions?["dryRun"] is JsonArray dry && dry.Any(d => Json.Str(d) == "All"))
        {
            options = options with { DryRun = true };
        }

        var deleted = registry.Delete(request.Type, request.Version, request.Namespace, request.Name!, deleteOptions, options);
        if (request.Type.IsCustom)
        {
            // Custom resources answer a delete with a Success Status, as the real server does.
            await Wire.WriteJsonAsync(context, 200, new JsonObject
            {
                ["kind"] = "Status",
                ["apiVersion"] = "v1",
                ["metadata"] = new JsonObject(),
                ["status"] = "Success",
                ["details"] = new JsonObject
                {
                    ["name"] = request.Name,
                    ["group"] = request.Type.Group,
                    ["kind"] = request.Type.Plural,
                    ["uid"] = Json.Str(Json.Metadata(deleted)["uid"]),
                },
            }).ConfigureAwait(false);
            return;
        }

        await Wire.WriteJsonAsync(context, 200, deleted).ConfigureAwait(false);
    }

    private static JsonObject ListOf(ResourceRequest request, IEnumerable<JsonObject> items, long rv, string? next)
    {
        var meta = new JsonObject { ["resourceVersion"] = Json.Rv(rv) };
        if (next is not null)
        {
            meta["continue"] = next;
        }

        return new JsonObject
        {
            ["apiVersion"] = request.Type.ApiVersion(request.Version),
            ["kind"] = request.Type.Kind + "List",
            ["metadata"] = meta,
            ["items"] = new JsonArray([.. items.Select(i => (JsonNode)ResourceRegistry.AsVersion(request.Type, request.Version, i))]),
        };
    }
}
