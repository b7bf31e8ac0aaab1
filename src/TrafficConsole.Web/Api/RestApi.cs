using Microsoft.AspNetCore.Http.Metadata;

namespace TrafficConsole.Web.Api;

/// <summary>
/// What makes an endpoint part of the REST API: metadata on its route group, not the spelling of its path. Routing matches
/// paths case-insensitively (<c>/API/v1/...</c> reaches the same handler as <c>/api/v1/...</c>), so guards that compared
/// path prefixes could be side-stepped; every guard asks <see cref="Serves"/> instead: the body limit, bearer-only
/// sign-in, the write rate limit and the permission gate (see <c>AuthSetup</c>).
/// </summary>
public static class RestApi
{
    /// <summary>The REST API's route prefix.</summary>
    public const string Prefix = "/api/v1";

    /// <summary>The largest REST request body accepted (1 MiB): routing documents are a few KiB.</summary>
    public const long MaxBodyBytes = 1024 * 1024;

    /// <summary>A route group of the REST API: bearer-only, body-limited, rate-limited and permission-gated for writes.</summary>
    public static RouteGroupBuilder MapRestGroup(this IEndpointRouteBuilder endpoints, string tag)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        RouteGroupBuilder group = endpoints.MapGroup(Prefix).WithTags(tag);
        group.WithMetadata(RestEndpointMetadata.Instance, new BodySizeLimit(MaxBodyBytes));
        return group;
    }

    /// <summary>Marks another endpoint (the OpenAPI document) as REST: bearer tokens only, never the browser's cookie.</summary>
    public static TBuilder AsRest<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(RestEndpointMetadata.Instance);

    /// <summary>
    /// True when the request reached a REST endpoint, whatever the spelling of its path; when routing matched no endpoint
    /// (a 404), when the path is under <c>/api</c> or <c>/openapi</c> compared as routing compares (ignoring case).
    /// </summary>
    public static bool Serves(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        return http.GetEndpoint() is { } endpoint
            ? endpoint.Metadata.GetMetadata<RestEndpointMetadata>() is not null
            : http.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase)
                || http.Request.Path.StartsWithSegments("/openapi", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>True for a request to a REST endpoint that may change something (any method but GET, HEAD and OPTIONS).</summary>
    public static bool IsWrite(HttpContext http) =>
        Serves(http)
        && !HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method) && !HttpMethods.IsOptions(http.Request.Method);

    /// <summary>The body limit of the endpoint the request reached, if it declares one.</summary>
    public static long? BodyLimit(HttpContext http) =>
        http?.GetEndpoint()?.Metadata.GetMetadata<IRequestSizeLimitMetadata>()?.MaxRequestBodySize;

    /// <summary>The marker the REST groups carry.</summary>
    public sealed class RestEndpointMetadata
    {
        private RestEndpointMetadata()
        {
        }

        /// <summary>The one instance.</summary>
        public static RestEndpointMetadata Instance { get; } = new();
    }

    // Routing hands this to Kestrel (EndpointRoutingMiddleware sets IHttpMaxRequestBodySizeFeature from it), so a body
    // without a Content-Length (chunked) is cut off at the limit too, whatever path spelling reached the endpoint.
    private sealed record BodySizeLimit(long? MaxRequestBodySize) : IRequestSizeLimitMetadata;
}
