using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using TrafficConsole.Sandbox.Auth;

namespace TrafficConsole.Sandbox.Api.Routing;

/// <summary>
/// What every resource endpoint does before its verb, in kube-apiserver's order: resolve the path (404 when nothing is
/// there), authorize the verb RBAC sees, refuse any verb but create on the review kinds, ask for "create" too when an
/// update or apply would create the object, and check fieldValidation.
/// </summary>
internal sealed class ResourceGate(ResourceRegistry registry, AccessGate access)
{
    /// <summary>The route value holding the path below <c>/api/v1</c> or <c>/apis/{group}/{version}</c>.</summary>
    public const string PathValue = "path";

    public ResourceRequest Admit(HttpContext context)
    {
        // The core group's routes are /api/v1/...: no group or version in the route values.
        var group = context.GetRouteValue("group") as string ?? "";
        var version = context.GetRouteValue("version") as string ?? "v1";
        if (group.Length > 0 && !ResourceCatalog.Serves(group, version))
        {
            throw Wire.NotFoundPath();
        }

        var rest = (context.GetRouteValue(PathValue) as string ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries);
        var request = ResourceRequest.Resolve(group, version, rest) ?? throw Wire.NotFoundPath();
        var identity = RequestIdentity.Of(context);
        var method = context.Request.Method;
        var attributes = AttributesOf(identity.User, request, method, IsWatch(context, request));
        access.Authorize(identity, attributes);
        if (request.Type.IsReview)
        {
            // Access reviews, rules reviews, whoami and token reviews are only ever created.
            return method == HttpMethods.Post && request.Name is null ? request : throw Wire.MethodNotAllowed();
        }

        if (attributes.Verb is "update" or "patch" && request.Subresource is null && request.Name is not null
            && registry.Store.Get(request.Type, request.Namespace, request.Name!) is null)
        {
            // An update or apply that would create the object needs "create" too, as kube-apiserver checks.
            access.Authorize(identity, attributes with { Verb = "create" });
            identity.Attributes = attributes;
        }

        CheckFieldValidation(context.Request.Query["fieldValidation"]);
        return request;
    }

    /// <summary>A watch is asked for by the <c>watch/</c> path prefix or by <c>?watch=true</c>.</summary>
    public static bool IsWatch(HttpContext context, ResourceRequest request) => request.WatchPath || Wire.IsTrue(context.Request.Query["watch"]);

    /// <summary>Only the status and scale subresources a kind declares are served; anything else is not found.</summary>
    public static void CheckSubresource(ResourceRequest request)
    {
        if (request.Subresource is null)
        {
            return;
        }

        if ((request.Subresource == "status" && request.Type.HasStatusSubresource)
            || (request.Subresource == "scale" && request.Type.HasScaleSubresource))
        {
            return;
        }

        throw Wire.NotFoundPath();
    }

    /// <summary>The RBAC attributes of a resource request, as kube-apiserver's RequestInfoFactory derives them.</summary>
    private static AccessAttributes AttributesOf(UserInfo user, ResourceRequest request, string method, bool isWatch)
    {
        var verb = method switch
        {
            "GET" or "HEAD" => isWatch ? "watch" : request.Name is null ? "list" : "get",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => request.Name is null ? "deletecollection" : "delete",
            _ => method.ToLowerInvariant(),
        };

        // A namespace's own requests are in that namespace (so a RoleBinding there may grant "get namespaces").
        var ns = request.Namespace ?? (request.Type == ResourceCatalog.Namespaces ? request.Name : null);
        return new AccessAttributes(user, verb, request.Type.Group, request.Type.Plural, request.Subresource ?? "", ns ?? "", request.Name ?? "");
    }

    private static void CheckFieldValidation(string? value)
    {
        if (!string.IsNullOrEmpty(value) && value is not ("Strict" or "Warn" or "Ignore"))
        {
            throw ApiException.BadRequest(
                $"fieldValidation parameter unsupported: {value}. Valid options are: Ignore, Warn, Strict");
        }
    }
}
