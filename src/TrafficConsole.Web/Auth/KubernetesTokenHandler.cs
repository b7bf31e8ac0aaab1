using System.Security.Claims;
using System.Text.Encodings.Web;

using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

using TrafficConsole.Cluster.Identity;

namespace TrafficConsole.Web.Auth;

/// <summary>
/// <c>Authorization: Bearer &lt;Kubernetes token&gt;</c> on the REST API and the hub (token strategy): the token is reviewed by
/// the cluster (<see cref="TokenReviewer"/>, cached briefly) and kept server-side under a session derived from its
/// fingerprint, so writes are made with it like a signed-in browser's.
/// </summary>
internal sealed class KubernetesTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    TokenReviewer reviewer,
    TokenSessions sessions,
    IOptions<AuthOptions> auth) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "KubernetesToken";

    private const string FailureKey = "tc:token-failure";

    private const string NotAnsweredKey = "tc:token-not-answered";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (BearerToken(Request) is not { } token)
        {
            return AuthenticateResult.NoResult();
        }

        TokenReview review = await reviewer.ReviewAsync(token, Context.RequestAborted).ConfigureAwait(false);
        switch (review)
        {
            case TokenReview.Valid valid:
                // The same token gets the same session, so a script's calls do not pile up sessions.
                string session = TokenSessions.BearerPrefix + ClusterIdentity.BearerToken.Fingerprint(token);
                sessions.Keep(session, token, auth.Value.TokenReviewCacheDuration);
                ClaimsPrincipal principal = ConsoleClaims.Principal(valid.User, valid.Groups, session, SchemeName);
                return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
            case TokenReview.Rejected rejected:
                Context.Items[FailureKey] = rejected.Message;
                return AuthenticateResult.Fail(rejected.Message);
            case TokenReview.Unavailable unavailable:
                Context.Items[FailureKey] = unavailable.Message;
                return AuthenticateResult.Fail(unavailable.Message);
            case TokenReview.NotAnswered notAnswered:
                // The cluster did not answer, which is not the cluster saying no: the challenge answers 503, not 401.
                Context.Items[FailureKey] = notAnswered.Message;
                Context.Items[NotAnsweredKey] = true;
                return AuthenticateResult.Fail(notAnswered.Message);
            default:
                return AuthenticateResult.NoResult();
        }
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (Context.Items.ContainsKey(NotAnsweredKey))
        {
            Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            Response.Headers.RetryAfter = "5";
            await Results.Problem(
                title: "The Kubernetes API server is unavailable",
                detail: Context.Items[FailureKey] as string,
                statusCode: StatusCodes.Status503ServiceUnavailable).ExecuteAsync(Context).ConfigureAwait(false);
            return;
        }

        Response.StatusCode = StatusCodes.Status401Unauthorized;
        string detail = Context.Items[FailureKey] as string
            ?? "Send a Kubernetes bearer token: Authorization: Bearer <token> (kubectl create token <service-account>).";
        Response.Headers.WWWAuthenticate = "Bearer realm=\"TrafficConsole\"";
        await Results.Problem(title: "Sign-in required", detail: detail, statusCode: StatusCodes.Status401Unauthorized).ExecuteAsync(Context).ConfigureAwait(false);
    }

    /// <summary>The bearer token of the request: the Authorization header, or access_token on the hub (WebSockets cannot send headers).</summary>
    internal static string? BearerToken(HttpRequest request)
    {
        string header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && header[7..].Trim() is { Length: > 0 } token)
        {
            return token;
        }

        return IsHub(request.HttpContext) && request.Query["access_token"].ToString() is { Length: > 0 } query
            ? query
            : null;
    }

    /// <summary>True for a request to the hub (its endpoints carry <see cref="HubMetadata"/>, whatever the path spelling).</summary>
    internal static bool IsHub(HttpContext http) =>
        http.GetEndpoint() is { } endpoint
            ? endpoint.Metadata.GetMetadata<HubMetadata>() is not null
            : http.Request.Path.StartsWithSegments("/hubs", StringComparison.OrdinalIgnoreCase);
}
