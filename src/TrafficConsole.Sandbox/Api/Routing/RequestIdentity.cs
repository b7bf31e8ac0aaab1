using Microsoft.AspNetCore.Http;
using TrafficConsole.Sandbox.Auth;

namespace TrafficConsole.Sandbox.Api.Routing;

/// <summary>Who a request runs as and what it asked, for authorization and the audit log.</summary>
internal sealed class RequestIdentity(UserInfo user, UserInfo? impersonator)
{
    public UserInfo User { get; } = user;

    public UserInfo? Impersonator { get; } = impersonator;

    public AccessAttributes? Attributes { get; set; }

    /// <summary>The identity <see cref="RequestPipeline"/> established for this request before any endpoint runs.</summary>
    public static RequestIdentity Of(HttpContext context) =>
        context.Features.Get<RequestIdentity>() ?? throw new InvalidOperationException("The request has no identity: RequestPipeline did not run.");
}
