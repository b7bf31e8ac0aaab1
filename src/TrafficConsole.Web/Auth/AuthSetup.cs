using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;

using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

using TrafficConsole.Web.Api;


namespace TrafficConsole.Web.Auth;

/// <summary>
/// Sign-in, permissions and the hardening around them, in two calls: <see cref="AddConsoleAuth"/> and
/// <see cref="UseConsoleAuth"/>. Under openid and token every endpoint requires a signed-in user through one fallback
/// authorization policy (so endpoints added later are covered without work of their own); health, metrics, the sign-in
/// page and static assets opt out with <c>AllowAnonymous</c>.
/// </summary>
public static class AuthSetup
{
    /// <summary>The browser's session cookie.</summary>
    public const string CookieScheme = CookieAuthenticationDefaults.AuthenticationScheme;

    /// <summary>The OpenID Connect sign-in (openid).</summary>
    public const string OpenIdScheme = OpenIdConnectDefaults.AuthenticationScheme;

    /// <summary>REST/hub access tokens from the provider (openid).</summary>
    public const string JwtScheme = JwtBearerDefaults.AuthenticationScheme;

    /// <summary>The scheme that picks one of the others per request.</summary>
    public const string ConsoleScheme = "TrafficConsole";

    /// <summary>The scheme that challenges: 401 for REST and the hub, sign-in for browsers.</summary>
    public const string ChallengeScheme = "TrafficConsole.Challenge";

    /// <summary>The cookie's name.</summary>
    public const string CookieName = ".TrafficConsole.Session";

    /// <summary>Registers sign-in for the configured strategy, permissions, antiforgery and rate limits.</summary>
    public static IServiceCollection AddConsoleAuth(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>();
        services.AddSingleton<TokenSessions>();
        services.AddSingleton<TokenReviewer>();
        services.AddSingleton<IClusterIdentityResolver, ClusterIdentityResolver>();
        services.TryAddSingleton<IConsolePermissions, ConsolePermissions>();
        services.AddScoped<ConsoleSession>();
        // Before Blazor's own (TryAdd): a circuit's user follows its token session, which ends when the cluster rejects the token.
        services.AddScoped<Microsoft.AspNetCore.Components.Authorization.AuthenticationStateProvider, SessionAuthenticationStateProvider>();
        services.AddHostedService<TokenSessionRevalidator>();
        services.AddAntiforgery(static o =>
        {
            o.Cookie.Name = ".TrafficConsole.Antiforgery";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });

        // The strategy decides the schemes, so it is read here; its validation (AuthOptionsValidator) runs at start.
        AuthOptions settings = configuration.GetSection(AuthOptions.SectionName).Get<AuthOptions>() ?? new AuthOptions();
        AuthStrategy strategy = settings.IsKnownStrategy(out AuthStrategy known) ? known : AuthStrategy.Anonymous;
        AuthenticationBuilder authentication = services.AddAuthentication(o =>
        {
            if (strategy != AuthStrategy.Anonymous)
            {
                o.DefaultScheme = ConsoleScheme;
                o.DefaultChallengeScheme = ChallengeScheme;
                o.DefaultForbidScheme = ChallengeScheme;
                o.DefaultSignInScheme = CookieScheme;
                o.DefaultSignOutScheme = CookieScheme;
            }
        });

        if (strategy != AuthStrategy.Anonymous)
        {
            authentication.AddCookie(CookieScheme, o =>
            {
                o.Cookie.Name = CookieName;
                o.Cookie.HttpOnly = true;
                // Lax: the provider's redirect back (a top-level GET) must carry it; Strict would lose the sign-in.
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.SlidingExpiration = true;
                o.ExpireTimeSpan = settings.SessionIdleTimeout;
                o.LoginPath = SignInEndpoints.SignInPath;
                o.AccessDeniedPath = SignInEndpoints.SignInPath;
                o.Events.OnValidatePrincipal = ValidateSessionAsync;
            });
            string bearer = strategy == AuthStrategy.OpenId ? JwtScheme : KubernetesTokenHandler.SchemeName;
            string browser = strategy == AuthStrategy.OpenId ? OpenIdScheme : CookieScheme;
            authentication.AddPolicyScheme(ConsoleScheme, "Cookie or bearer token", o =>
            {
                o.ForwardDefaultSelector = http => UsesBearer(http) ? bearer : CookieScheme;
            });
            // REST and the hub answer 401; a browser is sent to sign in (the provider under openid, /signin under token).
            authentication.AddPolicyScheme(ChallengeScheme, "Sign in or 401", o =>
            {
                o.ForwardDefaultSelector = http => UsesBearer(http) ? bearer : browser;
            });
        }

        if (strategy == AuthStrategy.Token)
        {
            authentication.AddScheme<AuthenticationSchemeOptions, KubernetesTokenHandler>(KubernetesTokenHandler.SchemeName, null);
        }
        else if (strategy == AuthStrategy.OpenId)
        {
            AddOpenId(authentication, settings.OpenId);
        }

        services.AddAuthorization(o =>
        {
            if (strategy != AuthStrategy.Anonymous)
            {
                // Every endpoint without an explicit [AllowAnonymous] needs a signed-in user: pages, REST, hub, OpenAPI.
                o.FallbackPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build();
            }
        });

        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http => RestApi.IsWrite(http)
                ? RateLimitPartition.GetFixedWindowLimiter(WriterOf(http), _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = Math.Max(1, http.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value.WritesPerMinute),
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                })
                : RateLimitPartition.GetNoLimiter(string.Empty));
            o.OnRejected = static async (context, cancellationToken) =>
            {
                TimeSpan retry = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out TimeSpan after) ? after : TimeSpan.FromMinutes(1);
                context.HttpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retry.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                await Results.Problem(
                    title: "Too many changes",
                    detail: $"At most {context.HttpContext.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value.WritesPerMinute} writes a minute per user (Auth:WritesPerMinute); try again in {Math.Ceiling(retry.TotalSeconds)} s. Nothing was written.",
                    statusCode: StatusCodes.Status429TooManyRequests).ExecuteAsync(context.HttpContext).ConfigureAwait(false);
            };
        });
        return services;
    }

    /// <summary>
    /// Body limits, authentication, authorization, rate limits and the permission gate, between routing and the endpoints.
    /// Each asks the endpoint routing matched (<see cref="RestApi.Serves"/>), never the spelling of the path, so
    /// <c>/API/v1/...</c> meets the same guards as <c>/api/v1/...</c>; all of them run before a handler reads the body.
    /// </summary>
    public static WebApplication UseConsoleAuth(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.Use(RefuseOversizedBodiesAsync);
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.Use(RefuseViewersAsync);
        return app;
    }

    /// <summary>
    /// A declared body over the endpoint's limit is refused before anything reads it. Routing has already handed the limit to
    /// Kestrel (<see cref="RestApi.BodyLimit"/>), which stops a chunked body at it; <c>RequestRejections</c> answers that 413.
    /// </summary>
    private static async Task RefuseOversizedBodiesAsync(HttpContext http, Func<Task> next)
    {
        if (RestApi.BodyLimit(http) is { } limit && http.Request.ContentLength > limit)
        {
            // Routing already lowered Kestrel's limit to the endpoint's; back at the server's (30 MB by default) Kestrel reads
            // and discards the declared body after the answer, so a client still sending gets the 413, not a reset connection.
            if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
            {
                feature.MaxRequestBodySize = http.RequestServices.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits.MaxRequestBodySize;
            }

            await Results.Problem(
                title: "Request body too large",
                detail: TooLargeDetail(limit),
                statusCode: StatusCodes.Status413PayloadTooLarge).ExecuteAsync(http).ConfigureAwait(false);
            return;
        }

        await next().ConfigureAwait(false);
    }

    /// <summary>The detail of a 413: the limit, and that nothing was written.</summary>
    internal static string TooLargeDetail(long limit) =>
        string.Create(CultureInfo.InvariantCulture, $"This endpoint takes request bodies of at most {limit / 1024} KiB ({limit} bytes); nothing was written.");

    /// <summary>
    /// Every REST write to <c>.../namespaces/{ns}/...</c> is refused with 403 and the cluster's reason before its handler
    /// runs (so before its body is read) when the user may not change routing there, whatever the endpoint and its body:
    /// endpoints added later are covered too. The service layer checks the exact resources again before it writes.
    /// </summary>
    private static async Task RefuseViewersAsync(HttpContext http, Func<Task> next)
    {
        if (RestApi.IsWrite(http) && http.GetRouteValue("ns") is string ns && ns.Length > 0)
        {
            IConsolePermissions permissions = http.RequestServices.GetRequiredService<IConsolePermissions>();
            if (permissions.RequiresIdentity)
            {
                IClusterIdentityResolver identities = http.RequestServices.GetRequiredService<IClusterIdentityResolver>();
                NamespacePermissions allowed = await permissions.GetAsync(identities.Resolve(http.User), ns, http.RequestAborted).ConfigureAwait(false);
                string? denied = HttpMethods.IsDelete(http.Request.Method) ? allowed.DeleteDeniedReason : allowed.ApplyDeniedReason;
                if (denied is not null)
                {
                    await Results.Problem(title: "Forbidden", detail: $"{denied} Nothing was written.", statusCode: StatusCodes.Status403Forbidden)
                        .ExecuteAsync(http).ConfigureAwait(false);
                    return;
                }
            }
        }

        await next().ConfigureAwait(false);
    }

    /// <summary>
    /// REST and the hub are bearer-token only: a browser's cookie is not accepted there, so another site cannot make a
    /// signed-in browser call the API (no antiforgery token is needed, and none is accepted instead).
    /// </summary>
    internal static bool UsesBearer(HttpContext http) =>
        RestApi.Serves(http)
        || (KubernetesTokenHandler.IsHub(http) && KubernetesTokenHandler.BearerToken(http.Request) is not null)
        || http.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase);

    // Per user; before sign-in is known (anonymous strategy) per client address.
    private static string WriterOf(HttpContext http) =>
        http.User.Identity is { IsAuthenticated: true, Name: { Length: > 0 } name }
            ? "user:" + name
            : "ip:" + (http.Connection.RemoteIpAddress?.ToString() ?? "unknown");

    private static async Task ValidateSessionAsync(CookieValidatePrincipalContext context)
    {
        // A token sign-in whose server-side session is gone (sign-out, restart, idle timeout) is signed out.
        AuthOptions options = context.HttpContext.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value;
        if (options.Resolved != AuthStrategy.Token)
        {
            return;
        }

        TokenSessions sessions = context.HttpContext.RequestServices.GetRequiredService<TokenSessions>();
        if (context.Principal?.FindFirst(ConsoleClaims.Session)?.Value is not { } sid || sessions.TokenOf(sid) is null)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieScheme).ConfigureAwait(false);
        }
    }

    private static void AddOpenId(AuthenticationBuilder authentication, OpenIdSettings settings)
    {
        authentication.AddOpenIdConnect(OpenIdScheme, o =>
        {
            o.SignInScheme = CookieScheme;
            o.Authority = settings.Issuer;
            o.ClientId = settings.ClientId;
            o.ClientSecret = string.IsNullOrEmpty(settings.ClientSecret) ? null : settings.ClientSecret;
            o.ResponseType = OpenIdConnectResponseType.Code;
            o.UsePkce = true;
            // The code comes back on a top-level GET, so SameSite=Lax cookies (ours and the handler's correlation cookies) go along.
            o.ResponseMode = OpenIdConnectResponseMode.Query;
            o.RequireHttpsMetadata = settings.RequireHttpsMetadata;
            o.MapInboundClaims = false;
            o.SaveTokens = false;
            o.GetClaimsFromUserInfoEndpoint = false;
            o.CorrelationCookie.SameSite = SameSiteMode.Lax;
            o.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.NonceCookie.SameSite = SameSiteMode.Lax;
            o.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.Scope.Clear();
            o.Scope.Add("openid");
            foreach (string scope in settings.Scopes.Where(static s => !string.IsNullOrWhiteSpace(s) && s != "openid"))
            {
                o.Scope.Add(scope);
            }

            o.Events.OnTokenValidated = context =>
            {
                context.Principal = ToConsolePrincipal(context.Principal, settings, OpenIdScheme, out string? problem);
                if (problem is not null)
                {
                    context.Fail(problem);
                }

                return Task.CompletedTask;
            };
            o.Events.OnRemoteFailure = context =>
            {
                context.HandleResponse();
                context.Response.Redirect($"{SignInEndpoints.SignInPath}?error={Uri.EscapeDataString(context.Failure?.Message ?? "The sign-in failed.")}");
                return Task.CompletedTask;
            };
        });
        authentication.AddJwtBearer(JwtScheme, o =>
        {
            o.Authority = settings.Issuer;
            o.RequireHttpsMetadata = settings.RequireHttpsMetadata;
            o.MapInboundClaims = false;
            o.TokenValidationParameters = new TokenValidationParameters
            {
                ValidateAudience = true,
                ValidAudiences = [settings.Audience is { Length: > 0 } audience ? audience : settings.ClientId!],
                NameClaimType = settings.UsernameClaim,
            };
            o.Events = new JwtBearerEvents
            {
                OnMessageReceived = context =>
                {
                    // WebSockets cannot send headers: the SignalR client passes the token as access_token.
                    if (string.IsNullOrEmpty(context.Token) && KubernetesTokenHandler.BearerToken(context.Request) is { } token)
                    {
                        context.Token = token;
                    }

                    return Task.CompletedTask;
                },
                OnTokenValidated = context =>
                {
                    context.Principal = ToConsolePrincipal(context.Principal, settings, JwtScheme, out string? problem);
                    if (problem is not null)
                    {
                        context.Fail(problem);
                    }

                    return Task.CompletedTask;
                },
                OnChallenge = async context =>
                {
                    context.HandleResponse();
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    context.Response.Headers.WWWAuthenticate = "Bearer realm=\"TrafficConsole\"";
                    string detail = context.AuthenticateFailure is { } failure
                        ? $"The access token was not accepted: {failure.Message}"
                        : "Send an access token from the identity provider: Authorization: Bearer <token>.";
                    await Results.Problem(title: "Sign-in required", detail: detail, statusCode: StatusCodes.Status401Unauthorized).ExecuteAsync(context.HttpContext).ConfigureAwait(false);
                },
            };
        });
    }

    /// <summary>The provider's principal as the console's: the Kubernetes user name and groups, with the API server's prefixes.</summary>
    internal static ClaimsPrincipal? ToConsolePrincipal(ClaimsPrincipal? principal, OpenIdSettings settings, string scheme, out string? problem)
    {
        problem = null;
        if (principal is null)
        {
            problem = "The provider returned no identity.";
            return null;
        }

        if (principal.FindFirst(settings.UsernameClaim)?.Value is not { Length: > 0 } user)
        {
            problem = $"The provider's token has no '{settings.UsernameClaim}' claim (Auth:OpenId:UsernameClaim), so the console cannot tell the cluster who you are.";
            return null;
        }

        IEnumerable<string> groups = principal.FindAll(settings.GroupsClaim).Select(static c => c.Value).Where(static g => g.Length > 0);
        return ConsoleClaims.Principal(
            (settings.UsernamePrefix ?? string.Empty) + user,
            groups.Select(g => (settings.GroupsPrefix ?? string.Empty) + g),
            session: null,
            scheme);
    }
}
