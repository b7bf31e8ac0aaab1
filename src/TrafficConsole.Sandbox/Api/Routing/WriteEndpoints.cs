using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using TrafficConsole.Sandbox.Patching;

namespace TrafficConsole.Sandbox.Api.Routing;

/// <summary>
/// The write verbs on resources: create (POST, reviews handed to <see cref="ReviewEndpoints"/>), replace (PUT), and patch
/// and server-side apply (PATCH), each with dry-run and field manager from the query.
/// </summary>
internal sealed class WriteEndpoints(ResourceGate gate, ResourceRegistry registry, RequestCounters counters, ReviewEndpoints reviews)
{
    private static readonly string[] PatchTypes =
        ["application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json", "application/apply-patch+yaml"];

    /// <summary>POST on a collection: a new object, or the answer to a review.</summary>
    public async Task CreateAsync(HttpContext context)
    {
        var request = gate.Admit(context);
        if (request.Type.IsReview)
        {
            await reviews.CreateAsync(context, request).ConfigureAwait(false);
            return;
        }

        if (request.Name is not null)
        {
            throw Wire.MethodNotAllowed();
        }

        counters.Count("create");
        RequireNamespace(request);
        var created = registry.Create(request.Type, request.Version, request.Namespace,
            Body.ParseObject(await Wire.ReadBodyAsync(context, allowYaml: true).ConfigureAwait(false)), Wire.WriteOptionsOf(context, apply: false));
        await Wire.WriteJsonAsync(context, 201, created).ConfigureAwait(false);
    }

    /// <summary>PUT on an object, its status or its scale.</summary>
    public async Task ReplaceAsync(HttpContext context)
    {
        var request = gate.Admit(context);
        if (request.Name is null)
        {
            throw Wire.MethodNotAllowed();
        }

        counters.Count("update");
        ResourceGate.CheckSubresource(request);
        var body = Body.ParseObject(await Wire.ReadBodyAsync(context, allowYaml: true).ConfigureAwait(false));
        var (updated, _) = registry.Update(request.Type, request.Version, request.Namespace, request.Name, request.Subresource,
            body, Wire.WriteOptionsOf(context, apply: false));
        await Wire.WriteJsonAsync(context, 200, updated).ConfigureAwait(false);
    }

    /// <summary>PATCH: a JSON, merge or strategic merge patch, or a server-side apply.</summary>
    public async Task PatchAsync(HttpContext context)
    {
        var request = gate.Admit(context);
        if (request.Name is null)
        {
            throw Wire.MethodNotAllowed();
        }

        counters.Count("patch");
        ResourceGate.CheckSubresource(request);
        var contentType = (context.Request.ContentType ?? "").Split(';')[0].Trim().ToLowerInvariant();
        var kind = contentType switch
        {
            "application/merge-patch+json" => PatchKind.Merge,
            "application/json-patch+json" => PatchKind.Json,
            "application/strategic-merge-patch+json" => PatchKind.Strategic,
            "application/apply-patch+yaml" => PatchKind.Apply,
            _ => throw ApiException.UnsupportedMediaType(PatchTypes),
        };
        if (kind == PatchKind.Strategic && request.Type.IsCustom && request.Subresource != "scale")
        {
            throw ApiException.UnsupportedMediaType(PatchTypes.Where(t => !t.Contains("strategic", StringComparison.Ordinal)));
        }

        var options = Wire.WriteOptionsOf(context, kind == PatchKind.Apply);
        var bytes = await Wire.ReadRawAsync(context).ConfigureAwait(false);
        if (bytes.Length == 0)
        {
            throw ApiException.BadRequest("the body of the request is empty");
        }

        JsonNode? patch;
        if (kind == PatchKind.Apply)
        {
            var text = Encoding.UTF8.GetString(bytes);
            patch = text.TrimStart().StartsWith('{') ? Body.Parse(bytes) : YamlBody.Parse(text);
        }
        else
        {
            patch = Body.Parse(bytes);
        }

        var (result, created) = registry.Patch(request.Type, request.Version, request.Namespace, request.Name!, request.Subresource,
            kind, patch, options);
        await Wire.WriteJsonAsync(context, created ? 201 : 200, result).ConfigureAwait(false);
    }

    private static void RequireNamespace(ResourceRequest request)
    {
        if (request.Type.Namespaced && request.Namespace is null)
        {
            throw Wire.MethodNotAllowed();
        }
    }
}
