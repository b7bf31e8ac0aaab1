using TrafficConsole.Cluster.Connection;
using TrafficConsole.Web.Auth;

namespace TrafficConsole.Web.Hosting;

/// <summary>
/// Security headers on every response, and HTTPS (redirection + HSTS) outside Development and the sandbox.
/// The CSP is what Blazor Server and MudBlazor need and no more: scripts only from the console itself (no inline
/// scripts, no eval), inline style attributes (MudBlazor and the weight bars set them), the circuit's WebSocket on the
/// same origin, and no framing.
/// </summary>
public static class SecurityHeaders
{
    /// <summary>The Content-Security-Policy; under openid the provider is added to form-action (sign-out and sign-in redirect there).</summary>
    public static string ContentSecurityPolicy(string? identityProvider = null) =>
        "default-src 'self'; "
        + "script-src 'self'; "
        + "style-src 'self' 'unsafe-inline'; "
        + "img-src 'self' data:; "
        + "font-src 'self' data:; "
        + "connect-src 'self'; "
        + "object-src 'none'; "
        + "base-uri 'self'; "
        + "form-action 'self'" + (identityProvider is null ? string.Empty : " " + identityProvider) + "; "
        + "frame-ancestors 'none'";

    /// <summary>Adds the headers and, outside Development and sandbox mode, HTTPS redirection and HSTS.</summary>
    public static WebApplication UseSecurityHeaders(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        // Read from configuration, not IOptions: validation belongs to start-up (StartAsync), not to building the pipeline.
        AuthOptions auth = app.Configuration.GetSection(AuthOptions.SectionName).Get<AuthOptions>() ?? new AuthOptions();
        string? strategy = auth.IsKnownStrategy(out AuthStrategy known) ? known.ToString() : null;
        string? provider = strategy == nameof(AuthStrategy.OpenId) && Uri.TryCreate(auth.OpenId.Issuer, UriKind.Absolute, out Uri? issuer)
            ? issuer.GetLeftPart(UriPartial.Authority)
            : null;
        string csp = ContentSecurityPolicy(provider);
        // Set as the answer starts, not as the request comes in: the exception handler clears the headers of a response it
        // replaces with a 500 or 413, and status code pages and endpoints may start it anywhere after. Kestrel's own
        // refusals before the app runs (400 malformed request line, 414 request line too long, 431 headers too large) never
        // reach the app, so they cannot carry them.
        app.Use((http, next) =>
        {
            http.Response.OnStarting(static state =>
            {
                (HttpResponse response, string policy) = ((HttpResponse, string))state;
                IHeaderDictionary headers = response.Headers;
                headers.ContentSecurityPolicy = policy;
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "no-referrer";
                headers["Cross-Origin-Opener-Policy"] = "same-origin";
                headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()";
                return Task.CompletedTask;
            }, (http.Response, csp));
            return next(http);
        });

        bool sandbox = !Enum.TryParse(app.Configuration["Cluster:Mode"], ignoreCase: true, out ClusterMode mode) || mode == ClusterMode.Sandbox;
        if (!app.Environment.IsDevelopment() && !sandbox)
        {
            app.UseHsts();
            // Probes and Prometheus scrape the pod over plain http: they are answered, never sent to https.
            app.UseWhen(
                static http => !HealthEndpoints.IsProbe(http.Request.Path) && !http.Request.Path.StartsWithSegments(ConsoleMetrics.Path, StringComparison.Ordinal),
                static https => https.UseHttpsRedirection());
        }

        return app;
    }
}
