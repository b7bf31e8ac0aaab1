using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;

using TrafficConsole.Web.Auth;

namespace TrafficConsole.Web.Hosting;

/// <summary>
/// A request that Kestrel or the framework refuses while the app reads it — a chunked body past the endpoint's limit, a
/// body cut short, a parameter that cannot be bound — is answered with its own status (413, 400) and a problem saying
/// why, instead of the exception handler's 500. Nothing was written: the handler had not got its input yet.
/// </summary>
internal sealed partial class RequestRejections(IProblemDetailsService problems, ILogger<RequestRejections> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException rejected || httpContext.Response.HasStarted)
        {
            return false;
        }

        bool tooLarge = rejected.StatusCode == StatusCodes.Status413PayloadTooLarge;
        long? limit = httpContext.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
        httpContext.Response.StatusCode = rejected.StatusCode;
        LogRejected(logger, rejected.StatusCode, httpContext.Request.Method);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails =
            {
                Status = rejected.StatusCode,
                Title = tooLarge ? "Request body too large" : "Bad request",
                Detail = tooLarge && limit is { } max ? AuthSetup.TooLargeDetail(max) : $"{rejected.Message} Nothing was written.",
            },
        }).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "A {Method} request was refused with {StatusCode} while its body was read")]
    private static partial void LogRejected(ILogger logger, int statusCode, string method);
}
