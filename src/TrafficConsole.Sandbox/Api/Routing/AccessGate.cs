using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using TrafficConsole.Sandbox.Auth;

namespace TrafficConsole.Sandbox.Api.Routing;

/// <summary>Asks RBAC for every endpoint and remembers what was asked, for the audit log.</summary>
internal sealed partial class AccessGate(RbacAuthorizer authorizer, ILogger logger)
{
    /// <summary>Asks RBAC; a denial is the 403 kube-apiserver answers.</summary>
    public void Authorize(RequestIdentity identity, AccessAttributes attributes)
    {
        identity.Attributes = attributes;
        if (!authorizer.Authorize(attributes).Allowed)
        {
            LogForbidden(logger, attributes.User.Name, attributes.Verb, attributes.IsResourceRequest ? attributes.ResourceWithSubresource : attributes.Path!,
                attributes.ApiGroup, attributes.Namespace);
            throw attributes.Forbidden();
        }
    }

    /// <summary>Discovery, OpenAPI, health and version are non-resource requests: RBAC decides on the path.</summary>
    public void AuthorizePath(HttpContext context)
    {
        var identity = RequestIdentity.Of(context);
        Authorize(identity, new AccessAttributes(identity.User, context.Request.Method.ToLowerInvariant(), Path: RequestPipeline.PathAsSent(context)));
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Sandbox RBAC refused {User} {Verb} {Resource} in API group {ApiGroup} (namespace {Namespace})")]
    private static partial void LogForbidden(ILogger logger, string user, string verb, string resource, string apiGroup, string @Namespace);
}
