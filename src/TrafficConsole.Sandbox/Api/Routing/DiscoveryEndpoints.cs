using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace TrafficConsole.Sandbox.Api.Routing;

/// <summary>
/// The non-resource paths: the root path list, health, version, OpenAPI v3, API discovery (plain and aggregated), and
/// a not-found Status for any other path. RBAC decides on the path for each of them.
/// </summary>
internal sealed class DiscoveryEndpoints(AccessGate access, RequestCounters counters)
{
    /// <summary><c>/</c>: the paths this server serves.</summary>
    public Task RootAsync(HttpContext context)
    {
        access.AuthorizePath(context);
        return Wire.WriteJsonAsync(context, 200, new JsonObject
        {
            ["paths"] = new JsonArray("/api", "/api/v1", "/apis", "/healthz", "/livez", "/openapi/v3", "/readyz", "/version"),
        });
    }

    /// <summary><c>/healthz</c>, <c>/livez</c>, <c>/readyz</c> and their named checks: always ok.</summary>
    public async Task HealthAsync(HttpContext context)
    {
        access.AuthorizePath(context);
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync("ok", context.RequestAborted).ConfigureAwait(false);
    }

    public Task VersionAsync(HttpContext context)
    {
        access.AuthorizePath(context);
        counters.Count("discovery");
        return Wire.WriteJsonAsync(context, 200, Discovery.Version());
    }

    /// <summary><c>/openapi/v3</c> and its per group-version documents.</summary>
    public async Task OpenApiAsync(HttpContext context)
    {
        access.AuthorizePath(context);
        counters.Count("discovery");
        var segments = (context.Request.Path.Value ?? "/").Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length >= 2 && segments[1] == "v3")
        {
            if (segments.Length == 2)
            {
                await Wire.WriteJsonAsync(context, 200, Discovery.OpenApiV3Index()).ConfigureAwait(false);
                return;
            }

            var doc = segments switch
            {
                [_, _, "api", var v] => Discovery.OpenApiV3("", v),
                [_, _, "apis", var g, var v] => Discovery.OpenApiV3(g, v),
                _ => null,
            };
            if (doc is not null)
            {
                await Wire.WriteJsonAsync(context, 200, doc).ConfigureAwait(false);
                return;
            }
        }

        // OpenAPI v2 is served only as protobuf by real servers; clients fall back to v3.
        throw Wire.NotFoundPath();
    }

    /// <summary><c>/api</c>: the core group's versions, or the aggregated discovery document when the client asks for it.</summary>
    public Task CoreGroupAsync(HttpContext context)
    {
        access.AuthorizePath(context);
        counters.Count("discovery");
        var aggregated = Discovery.AggregatedContentType(context.Request.Headers.Accept);
        return aggregated is not null
            ? Wire.WriteJsonAsync(context, 200, Discovery.Aggregated(core: true, aggregated), aggregated)
            : Wire.WriteJsonAsync(context, 200, Discovery.CoreVersions($"{context.Request.Host}"));
    }

    /// <summary><c>/apis</c>: the named groups, plain or aggregated.</summary>
    public Task GroupsAsync(HttpContext context)
    {
        access.AuthorizePath(context);
        counters.Count("discovery");
        var aggregated = Discovery.AggregatedContentType(context.Request.Headers.Accept);
        return aggregated is not null
            ? Wire.WriteJsonAsync(context, 200, Discovery.Aggregated(core: false, aggregated), aggregated)
            : Wire.WriteJsonAsync(context, 200, Discovery.GroupList());
    }

    /// <summary><c>/apis/{group}</c>: one group's versions.</summary>
    public Task GroupAsync(HttpContext context)
    {
        access.AuthorizePath(context);
        counters.Count("discovery");
        var group = (string)context.GetRouteValue("group")!;
        return Wire.WriteJsonAsync(context, 200, Discovery.GroupDocument(group) ?? throw Wire.NotFoundPath());
    }

    /// <summary><c>/api/v1</c> and <c>/apis/{group}/{version}</c>: the resources a group version serves.</summary>
    public Task ResourcesAsync(HttpContext context)
    {
        access.AuthorizePath(context);
        var group = context.GetRouteValue("group") as string ?? "";
        var version = context.GetRouteValue("version") as string ?? "v1";
        if (group.Length > 0 && !ResourceCatalog.Serves(group, version))
        {
            throw Wire.NotFoundPath();
        }

        counters.Count("discovery");
        return Wire.WriteJsonAsync(context, 200, Discovery.ResourceList(group, version));
    }

    /// <summary>
    /// Any path no route serves. A path shaped like a resource request (<c>/api/{v}/{x}</c>, <c>/apis/{g}/{v}/{x}</c>) is
    /// answered without asking RBAC, as kube-apiserver treats it as a resource of an unserved group version.
    /// </summary>
    public Task NotFoundAsync(HttpContext context)
    {
        var segments = RequestPipeline.PathAsSent(context).Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments is not (["api", _, _, ..] or ["apis", _, _, _, ..]))
        {
            access.AuthorizePath(context);
        }

        throw Wire.NotFoundPath();
    }
}
