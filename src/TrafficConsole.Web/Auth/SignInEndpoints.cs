using System.Net;
using System.Security.Claims;
using System.Text;

using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

using TrafficConsole.Web.Components;

namespace TrafficConsole.Web.Auth;

/// <summary>
/// <c>/signin</c> and <c>/signout</c>. Under token the sign-in page takes a pasted Kubernetes token (antiforgery-checked
/// form; the token is reviewed by the cluster and kept server-side only); under openid it sends the browser to the provider.
/// </summary>
public static partial class SignInEndpoints
{
    /// <summary>The sign-in page.</summary>
    public const string SignInPath = "/signin";

    /// <summary>Sign-out (POST, with the antiforgery token).</summary>
    public const string SignOutPath = "/signout";

    /// <summary>Maps the sign-in and sign-out endpoints (anonymous: they are how one becomes signed in).</summary>
    public static IEndpointRouteBuilder MapSignIn(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet(SignInPath, SignInPageAsync).AllowAnonymous().ExcludeFromDescription();
        endpoints.MapPost(SignInPath, SignInAsync).AllowAnonymous().DisableAntiforgery().ExcludeFromDescription();
        endpoints.MapPost(SignOutPath, SignOutAsync).AllowAnonymous().DisableAntiforgery().ExcludeFromDescription();
        return endpoints;
    }

    private static async Task<IResult> SignInPageAsync(HttpContext http, IOptions<AuthOptions> options, IAntiforgery antiforgery, string? returnUrl, string? error)
    {
        switch (options.Value.Resolved)
        {
            case AuthStrategy.OpenId when error is null:
                return Results.Challenge(new AuthenticationProperties { RedirectUri = LocalOrRoot(returnUrl) }, [AuthSetup.OpenIdScheme]);
            case AuthStrategy.Anonymous:
                return Results.Redirect("/");
            default:
                await Task.CompletedTask.ConfigureAwait(false);
                return Page(http, antiforgery, options.Value.Resolved, LocalOrRoot(returnUrl), error, StatusCodes.Status200OK);
        }
    }

    private static async Task<IResult> SignInAsync(HttpContext http, IOptions<AuthOptions> options, IAntiforgery antiforgery, TokenReviewer reviewer, TokenSessions sessions, ILoggerFactory loggers)
    {
        if (options.Value.Resolved != AuthStrategy.Token)
        {
            return Results.Redirect(SignInPath);
        }

        if (!await antiforgery.IsRequestValidAsync(http).ConfigureAwait(false))
        {
            return Page(http, antiforgery, AuthStrategy.Token, "/", "The sign-in form expired; reload the page and try again.", StatusCodes.Status400BadRequest);
        }

        IFormCollection form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
        string returnUrl = LocalOrRoot(form["returnUrl"]);
        string token = form["token"].ToString().Trim();
        TokenReview review = await reviewer.ReviewAsync(token, http.RequestAborted).ConfigureAwait(false);
        if (review is not TokenReview.Valid valid)
        {
            (string message, int status) = review switch
            {
                TokenReview.Rejected rejected => (rejected.Message, StatusCodes.Status401Unauthorized),
                TokenReview.Unavailable unavailable => (unavailable.Message, StatusCodes.Status401Unauthorized),
                // The cluster did not answer: not a wrong token, so not 401.
                TokenReview.NotAnswered notAnswered => (notAnswered.Message, StatusCodes.Status503ServiceUnavailable),
                _ => ("The token was not accepted.", StatusCodes.Status401Unauthorized),
            };
            return Page(http, antiforgery, AuthStrategy.Token, returnUrl, message, status);
        }

        string session = sessions.Start(token);
        ClaimsPrincipal principal = ConsoleClaims.Principal(valid.User, valid.Groups, session);
        await http.SignInAsync(AuthSetup.CookieScheme, principal).ConfigureAwait(false);
        ILogger logger = loggers.CreateLogger("TrafficConsole.Web.Auth.SignIn");
        LogSignedIn(logger, valid.User, "token");
        return Results.Redirect(returnUrl);
    }

    private static async Task<IResult> SignOutAsync(HttpContext http, IOptions<AuthOptions> options, IAntiforgery antiforgery, TokenSessions sessions, IClusterIdentityResolver identities, IConsolePermissions permissions)
    {
        if (options.Value.Resolved == AuthStrategy.Anonymous)
        {
            return Results.Redirect("/");
        }

        if (!await antiforgery.IsRequestValidAsync(http).ConfigureAwait(false))
        {
            return Results.Problem(title: "Sign-out refused", detail: "The sign-out form expired; reload the page and sign out again.", statusCode: StatusCodes.Status400BadRequest);
        }

        // What the cluster let this user read and do is not kept past the session (resolved while the session still names its token).
        if (identities.Resolve(http.User) is { } identity)
        {
            permissions.Forget(identity);
        }

        if (http.User.FindFirst(ConsoleClaims.Session)?.Value is { } sid)
        {
            sessions.End(sid);
        }

        await http.SignOutAsync(AuthSetup.CookieScheme).ConfigureAwait(false);
        return Results.Redirect(options.Value.Resolved == AuthStrategy.Token ? SignInPath : SignInPath + "?error=" + Uri.EscapeDataString("You signed out."));
    }

    /// <summary>
    /// <paramref name="returnUrl"/> when it is a path of this console (as <c>Url.IsLocalUrl</c> judges), else <c>/</c>: never an
    /// absolute or protocol-relative URL (open redirect). Browsers drop tabs and line breaks from a URL and read <c>\\</c> as
    /// <c>/</c>, so <c>/%09/host</c> would become <c>//host</c>; any control character or backslash is refused, which also keeps
    /// CR/LF out of the Location header.
    /// </summary>
    internal static string LocalOrRoot(string? returnUrl) =>
        returnUrl is { Length: > 0 } url
        && url[0] == '/'
        && (url.Length == 1 || url[1] != '/')
        && !url.Contains('\\', StringComparison.Ordinal)
        && !url.Any(char.IsControl)
            ? url
            : "/";

    private static IResult Page(HttpContext http, IAntiforgery antiforgery, AuthStrategy strategy, string returnUrl, string? error, int status)
    {
        AntiforgeryTokenSet tokens = antiforgery.GetAndStoreTokens(http);
        StringBuilder html = new();
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\" /><meta name=\"viewport\" content=\"width=device-width, initial-scale=1.0\" />")
            .Append("<title>Sign in · TrafficConsole</title>")
            .Append("<link rel=\"icon\" type=\"image/svg+xml\" href=\"/").Append(ComponentsSetup.AssetPath("img/favicon.svg")).Append("\" />")
            .Append("<link rel=\"stylesheet\" href=\"/").Append(ComponentsSetup.AssetPath("css/signin.css")).Append("\" /></head><body class=\"tc-signin\">")
            .Append("<main class=\"tc-signin__card\"><div class=\"tc-signin__brand\"><img src=\"/").Append(ComponentsSetup.AssetPath("img/logo.svg"))
            .Append("\" alt=\"\" width=\"36\" height=\"36\" /><span>Traffic<strong>Console</strong></span></div>");
        if (strategy == AuthStrategy.Token)
        {
            html.Append("<h1>Sign in with a Kubernetes token</h1>")
                .Append("<p class=\"tc-signin__hint\">The console calls the cluster with your token, so your RBAC decides what you may change. ")
                .Append("It is kept on the server only, for this session. Get one with <code>kubectl create token &lt;service-account&gt;</code>.</p>");
            if (error is not null)
            {
                html.Append("<p class=\"tc-signin__error\" role=\"alert\" data-testid=\"signin-error\">").Append(WebUtility.HtmlEncode(error)).Append("</p>");
            }

            html.Append("<form method=\"post\" action=\"").Append(SignInPath).Append("\" autocomplete=\"off\">")
                .Append("<input type=\"hidden\" name=\"").Append(WebUtility.HtmlEncode(tokens.FormFieldName)).Append("\" value=\"").Append(WebUtility.HtmlEncode(tokens.RequestToken)).Append("\" />")
                .Append("<input type=\"hidden\" name=\"returnUrl\" value=\"").Append(WebUtility.HtmlEncode(returnUrl)).Append("\" />")
                .Append("<label for=\"token\">Bearer token</label>")
                .Append("<textarea id=\"token\" name=\"token\" rows=\"5\" spellcheck=\"false\" required data-testid=\"signin-token\"></textarea>")
                .Append("<button type=\"submit\" data-testid=\"signin-submit\">Sign in</button></form>");
        }
        else
        {
            html.Append("<h1>Sign in</h1>");
            if (error is not null)
            {
                html.Append("<p class=\"tc-signin__error\" role=\"alert\" data-testid=\"signin-error\">").Append(WebUtility.HtmlEncode(error)).Append("</p>");
            }

            html.Append("<a class=\"tc-signin__button\" href=\"").Append(SignInPath).Append("?returnUrl=").Append(WebUtility.HtmlEncode(Uri.EscapeDataString(returnUrl)))
                .Append("\" data-testid=\"signin-provider\">Sign in with your identity provider</a>");
        }

        html.Append("</main></body></html>");
        return Results.Content(html.ToString(), "text/html; charset=utf-8", Encoding.UTF8, status);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Actor} signed in ({Strategy})")]
    private static partial void LogSignedIn(ILogger logger, string actor, string strategy);
}
