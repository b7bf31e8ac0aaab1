using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace TrafficConsole.Sandbox.Api.Routing;

/// <summary>How every endpoint reads bodies and query options and writes answers, the way kube-apiserver does.</summary>
internal static class Wire
{
    public static ApiException NotFoundPath() => new(404, "NotFound", "the server could not find the requested resource");

    public static ApiException MethodNotAllowed() => ApiException.MethodNotAllowed("the server does not allow this method on the requested resource");

    public static bool IsTrue(string? value) => value is "true" or "1" or "True";

    /// <summary>dryRun, fieldManager and force from the query, as the API server reads them for every write.</summary>
    public static WriteOptions WriteOptionsOf(HttpContext context, bool apply)
    {
        var query = context.Request.Query;
        var dryRun = query["dryRun"];
        if (dryRun.Count > 0 && dryRun.Any(d => d != "All"))
        {
            throw ApiException.BadRequest($"Invalid dryRun value: {dryRun}; the only valid value is 'All'");
        }

        var manager = (string?)query["fieldManager"];
        if (string.IsNullOrEmpty(manager))
        {
            if (apply)
            {
                throw new ApiException(422, "Invalid",
                    "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch",
                    "", "meta.k8s.io", "PatchOptions",
                    [new StatusCause("FieldValueRequired", "Required value: is required for apply patch", "fieldManager")]);
            }

            // Like the API server: the manager defaults to the user agent's program name.
            var agent = context.Request.Headers.UserAgent.ToString();
            manager = agent.Length == 0 ? "unknown" : agent.Split('/')[0];
        }

        return new WriteOptions(dryRun.Count > 0, manager, IsTrue(query["force"]));
    }

    public static string TableContentType(string accept) =>
        $"application/json;as=Table;v={(TableRenderer.TableVersion(accept).EndsWith("v1beta1", StringComparison.Ordinal) ? "v1beta1" : "v1")};g=meta.k8s.io";

    public static async Task<byte[]> ReadRawAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
        return buffer.ToArray();
    }

    /// <summary>The body as JSON bytes, from JSON, YAML (when allowed) or protobuf.</summary>
    public static async Task<byte[]> ReadBodyAsync(HttpContext context, bool allowYaml)
    {
        var contentType = (context.Request.ContentType ?? "application/json").Split(';')[0].Trim().ToLowerInvariant();
        var bytes = await ReadRawAsync(context).ConfigureAwait(false);
        switch (contentType)
        {
            case "application/json" or "":
                return bytes;
            case "application/yaml" when allowYaml:
                var node = YamlBody.Parse(Encoding.UTF8.GetString(bytes));
                return node is null ? [] : Json.ToBytes(node);
            case ProtobufBody.MediaType:
                // kubectl's typed clients (create ns, create deployment, run...) and Helm's release storage send protobuf.
                return bytes.Length == 0 ? [] : Json.ToBytes(ProtobufBody.Decode(bytes));
            default:
                throw ApiException.UnsupportedMediaType(["application/json", "application/yaml", ProtobufBody.MediaType]);
        }
    }

    public static async Task WriteJsonAsync(HttpContext context, int status, JsonNode body, string contentType = "application/json")
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        var bytes = Json.ToBytes(body);
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted).ConfigureAwait(false);
    }

    public static async Task WriteStatusAsync(HttpContext context, ApiException error)
    {
        if (context.Response.HasStarted)
        {
            return;
        }

        context.Response.Clear();
        await WriteJsonAsync(context, error.Code, error.ToStatus()).ConfigureAwait(false);
    }
}
