using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using TrafficConsole.Sandbox.Auth;

namespace TrafficConsole.Sandbox.Api.Routing;

/// <summary>
/// What kube-apiserver's handler chain does around every endpoint: authentication, impersonation, the audit entry at
/// the ResponseStarted stage, and any failure answered as a Status object. Runs after routing has chosen the endpoint,
/// so an endpoint marked <see cref="IAllowAnonymous"/> (the sidecar's stats page) passes untouched.
/// </summary>
internal sealed partial class RequestPipeline(
    Authenticator authenticator,
    RbacAuthorizer authorizer,
    SandboxAudit audit,
    TimeProvider time,
    ILogger logger,
    CancellationToken shutdown)
{
    /// <summary>kube-apiserver's limit on a request body (3 MiB), enforced by Kestrel as the body is read.</summary>
    public const long MaxRequestBodyBytes = 3 * 1024 * 1024;

    private const string PathAsSentKey = "TrafficConsole.Sandbox.PathAsSent";

    /// <summary>
    /// Runs before routing: empty segments (<c>//api/v1</c>) are read as absent, as the API server splits its paths, so
    /// such a path reaches the same endpoint; RBAC and the audit log still see the path as it was sent.
    /// </summary>
    public static Task CollapseEmptySegmentsAsync(HttpContext context, RequestDelegate next)
    {
        var path = context.Request.Path.Value;
        if (path is not null && path.Contains("//", StringComparison.Ordinal))
        {
            context.Items[PathAsSentKey] = path;
            context.Request.Path = new PathString("/" + string.Join('/', path.Split('/', StringSplitOptions.RemoveEmptyEntries)));
        }

        return next(context);
    }

    /// <summary>The request's path as the client sent it, before <see cref="CollapseEmptySegmentsAsync"/>.</summary>
    public static string PathAsSent(HttpContext context) =>
        context.Items.TryGetValue(PathAsSentKey, out var sent) && sent is string path ? path : context.Request.Path.Value ?? "/";

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<IAllowAnonymous>() is not null)
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        RequestIdentity? identity = null;
        var audited = false;
        // Recorded as the response starts (kube-apiserver's ResponseStarted stage), before the client can read it, so whoever has
        // the answer also finds its audit entry; the finally block covers a request that ends without a response.
        context.Response.OnStarting(() =>
        {
            audited = Audit(context, identity);
            return Task.CompletedTask;
        });
        try
        {
            var caller = authenticator.Authenticate(context.Request);
            identity = new RequestIdentity(caller, null);
            var user = Impersonation.Apply(context.Request, caller, authorizer, denied => identity.Attributes = denied);
            if (!ReferenceEquals(user, caller))
            {
                identity = new RequestIdentity(user, caller);
            }

            context.Features.Set(identity);
            await next(context).ConfigureAwait(false);
        }
        catch (ApiException error)
        {
            await Wire.WriteStatusAsync(context, error).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            await Wire.WriteStatusAsync(context, ApiException.RequestEntityTooLarge($"Request entity too large: limit is {MaxRequestBodyBytes}")).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex)
        {
            await Wire.WriteStatusAsync(context, ApiException.BadRequest(ex.Message)).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested || shutdown.IsCancellationRequested)
        {
            // The client went away or the server is stopping.
        }
        catch (ObjectDisposedException) when (shutdown.IsCancellationRequested)
        {
            await Wire.WriteStatusAsync(context, new ApiException(503, "ServiceUnavailable", "the sandbox is shutting down")).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A bug in the sandbox still answers as the API server would: a 500 Status, logged.
            LogInternalError(logger, ex, context.Request.Method, context.Request.Path);
            await Wire.WriteStatusAsync(context, new ApiException(500, "InternalError", $"Internal error occurred: {ex.Message}")).ConfigureAwait(false);
        }
        finally
        {
            if (!audited)
            {
                Audit(context, identity);
            }
        }
    }

    /// <summary>Records writes and refusals; returns whether the request is now accounted for.</summary>
    private bool Audit(HttpContext context, RequestIdentity? identity)
    {
        if (identity?.Attributes is not { } attributes)
        {
            return false;
        }

        if (IsWrite(attributes.Verb) || context.Response.StatusCode is 401 or 403)
        {
            audit.Add(new AuditEntry(time.GetUtcNow(), identity.User.Name, identity.User.Groups, identity.Impersonator?.Name,
                attributes.Verb, attributes.ApiGroup, attributes.IsResourceRequest ? attributes.ResourceWithSubresource : attributes.Path!,
                attributes.Namespace.Length == 0 ? null : attributes.Namespace, attributes.Name.Length == 0 ? null : attributes.Name,
                context.Response.StatusCode));
        }

        return true;
    }

    private static bool IsWrite(string verb) =>
        verb is "create" or "update" or "patch" or "delete" or "deletecollection" or "impersonate";

    [LoggerMessage(Level = LogLevel.Error, Message = "Sandbox failed to serve {Method} {Path}")]
    private static partial void LogInternalError(ILogger logger, Exception ex, string method, string? path);
}
