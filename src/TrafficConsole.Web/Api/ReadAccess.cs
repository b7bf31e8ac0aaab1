using System.Collections.Immutable;

using TrafficConsole.Web.Auth;

namespace TrafficConsole.Web.Api;

/// <summary>
/// The read policy (<see cref="IConsolePermissions.ReadDeniedAsync"/>) on the REST API. Every endpoint lives in a group
/// made by <see cref="MapApiGroup"/>, whose filter refuses a request naming a namespace (<c>{ns}</c>) the user may not
/// read with 403 and the cluster's reason before the handler runs; endpoints added to the groups later are covered
/// without work of their own. Endpoints that span namespaces (the namespace list, the rollouts overview) keep only the
/// readable ones with <see cref="ReadableAsync"/>.
/// </summary>
internal static class ReadAccess
{
    /// <summary>
    /// A REST group (<see cref="RestApi.MapRestGroup"/>: bearer-only, body-limited, write guards as metadata) with the read
    /// check in front of each of its endpoints.
    /// </summary>
    public static RouteGroupBuilder MapApiGroup(this IEndpointRouteBuilder endpoints, string tag) =>
        endpoints.MapRestGroup(tag).AddEndpointFilter(RefuseUnreadableAsync);

    /// <summary>The endpoint shows history or audit: the read check asks for <see cref="ReadScope.History"/>.</summary>
    public static RouteHandlerBuilder ReadsHistory(this RouteHandlerBuilder endpoint) => endpoint.WithMetadata(new ReadsHistoryAttribute());

    /// <summary>Null when this request's user may read <paramref name="scope"/> of <paramref name="ns"/>, else why not.</summary>
    public static Task<string?> DeniedAsync(HttpContext http, string ns, ReadScope scope)
    {
        IConsolePermissions permissions = http.RequestServices.GetRequiredService<IConsolePermissions>();
        IClusterIdentityResolver identities = http.RequestServices.GetRequiredService<IClusterIdentityResolver>();
        return permissions.ReadDeniedAsync(identities.Resolve(http.User), ns, scope, http.RequestAborted);
    }

    /// <summary>Those of <paramref name="namespaces"/> whose routing (or with <paramref name="scope"/>, history) this request's user may read.</summary>
    public static Task<ImmutableArray<string>> ReadableAsync(HttpContext http, IEnumerable<string> namespaces, ReadScope scope = ReadScope.Routing)
    {
        IConsolePermissions permissions = http.RequestServices.GetRequiredService<IConsolePermissions>();
        IClusterIdentityResolver identities = http.RequestServices.GetRequiredService<IClusterIdentityResolver>();
        return permissions.ReadableAsync(identities.Resolve(http.User), namespaces, scope, http.RequestAborted);
    }

    /// <summary>403 with the policy's sentence (which verb on which resource in which namespace the cluster refused).</summary>
    public static IResult Forbidden(string denied) =>
        TypedResults.Problem(title: "Forbidden", detail: denied, statusCode: StatusCodes.Status403Forbidden);

    // Writes are refused by AuthSetup's gate first; a writer must also be able to read what the answer shows of the namespace.
    private static async ValueTask<object?> RefuseUnreadableAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        HttpContext http = context.HttpContext;
        if (http.GetRouteValue("ns") is string { Length: > 0 } ns)
        {
            ReadScope scope = http.GetEndpoint()?.Metadata.GetMetadata<ReadsHistoryAttribute>() is null ? ReadScope.Routing : ReadScope.History;
            if (await DeniedAsync(http, ns, scope).ConfigureAwait(false) is { } denied)
            {
                return Forbidden(denied);
            }
        }

        return await next(context).ConfigureAwait(false);
    }
}
