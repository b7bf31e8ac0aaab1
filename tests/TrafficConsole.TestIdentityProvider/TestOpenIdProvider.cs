using System.Collections.Immutable;
using System.Net;
using System.Security.Claims;
using System.Text;

using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;

using static OpenIddict.Abstractions.OpenIddictConstants;

namespace TrafficConsole.TestIdentityProvider;

/// <summary>A user of the test provider.</summary>
/// <param name="Name">The login name, also <c>preferred_username</c>.</param>
/// <param name="Password">The password for the login form and the password grant.</param>
/// <param name="Groups">The <c>groups</c> claim.</param>
public sealed record TestUser(string Name, string Password, ImmutableArray<string> Groups);

/// <summary>
/// A real OpenID Connect provider (OpenIddict, EF Core in-memory stores) on <c>http://127.0.0.1:&lt;free port&gt;</c>:
/// authorization code + PKCE with a login form for the console's browser sign-in, and the password grant so REST tests
/// can get access tokens. Tokens carry <c>preferred_username</c> and <c>groups</c>, with the console's client id as audience.
/// </summary>
public sealed class TestOpenIdProvider : IAsyncDisposable
{
    /// <summary>The console's client id.</summary>
    public const string ClientId = "traffic-console";

    /// <summary>alice operates traffic; bob only views.</summary>
    public static ImmutableArray<TestUser> DefaultUsers { get; } =
    [
        new("alice", "alice-password", ["traffic-operators"]),
        new("bob", "bob-password", ["traffic-viewers"]),
    ];

    private readonly WebApplication _app;

    private TestOpenIdProvider(WebApplication app, Uri issuer)
    {
        _app = app;
        Issuer = issuer;
    }

    /// <summary>The issuer URL (metadata at <c>.well-known/openid-configuration</c>).</summary>
    public Uri Issuer { get; }

    /// <summary>Starts the provider with <paramref name="users"/> (default alice and bob); allow a console with <see cref="AllowRedirectAsync"/>.</summary>
    public static async Task<TestOpenIdProvider> StartAsync(IEnumerable<TestUser>? users = null, CancellationToken cancellationToken = default)
    {
        ImmutableArray<TestUser> known = [.. users ?? DefaultUsers];
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        string database = "idp-" + Guid.NewGuid().ToString("N");
        builder.Services.AddDbContext<DbContext>(o =>
        {
            o.UseInMemoryDatabase(database);
            o.UseOpenIddict();
        });
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(o =>
            {
                o.Cookie.Name = ".TestIdentityProvider";
                o.LoginPath = "/login";
            });
        builder.Services.AddOpenIddict()
            .AddCore(o => o.UseEntityFrameworkCore().UseDbContext<DbContext>())
            .AddServer(o =>
            {
                o.SetAuthorizationEndpointUris("connect/authorize")
                    .SetTokenEndpointUris("connect/token")
                    .SetEndSessionEndpointUris("connect/logout");
                o.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange();
                o.AllowPasswordFlow();
                o.RegisterScopes(Scopes.OpenId, Scopes.Profile, "groups");
                o.AddEphemeralEncryptionKey().AddEphemeralSigningKey();
                o.DisableAccessTokenEncryption();
                o.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableTokenEndpointPassthrough()
                    .EnableEndSessionEndpointPassthrough()
                    .DisableTransportSecurityRequirement();
            });

        WebApplication app = builder.Build();
        app.UseAuthentication();
        app.MapGet("/login", (string? returnUrl, string? error) => LoginPage(returnUrl ?? "/", error));
        app.MapPost("/login", async (HttpContext http) =>
        {
            IFormCollection form = await http.Request.ReadFormAsync().ConfigureAwait(false);
            string returnUrl = form["returnUrl"].ToString();
            if (Find(known, form["username"], form["password"]) is not { } user)
            {
                return LoginPage(returnUrl, "Wrong user name or password.");
            }

            ClaimsIdentity identity = new([new Claim(ClaimTypes.Name, user.Name)], CookieAuthenticationDefaults.AuthenticationScheme);
            await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity)).ConfigureAwait(false);
            return Results.Redirect(returnUrl.StartsWith('/') ? returnUrl : "/");
        });
        app.MapMethods("connect/authorize", ["GET", "POST"], async (HttpContext http) =>
        {
            AuthenticateResult login = await http.AuthenticateAsync(CookieAuthenticationDefaults.AuthenticationScheme).ConfigureAwait(false);
            if (!login.Succeeded || known.FirstOrDefault(u => u.Name == login.Principal!.Identity!.Name) is not { } user)
            {
                string here = http.Request.PathBase + http.Request.Path + http.Request.QueryString;
                return Results.Redirect("/login?returnUrl=" + Uri.EscapeDataString(here));
            }

            OpenIddictRequest request = http.GetOpenIddictServerRequest()!;
            return Results.SignIn(Principal(user, request.GetScopes()), properties: null, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        });
        app.MapPost("connect/token", async (HttpContext http) =>
        {
            OpenIddictRequest request = http.GetOpenIddictServerRequest()!;
            if (request.IsPasswordGrantType())
            {
                return Find(known, request.Username, request.Password) is { } user
                    ? Results.SignIn(Principal(user, request.GetScopes()), properties: null, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme)
                    : Results.Forbid(
                        new AuthenticationProperties(new Dictionary<string, string?>
                        {
                            [OpenIddictServerAspNetCoreConstants.Properties.Error] = Errors.InvalidGrant,
                            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = "Wrong user name or password.",
                        }),
                        [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
            }

            // Authorization code: the principal the authorize endpoint signed in comes back with the code.
            AuthenticateResult code = await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme).ConfigureAwait(false);
            return Results.SignIn(code.Principal!, properties: null, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        });
        app.MapMethods("connect/logout", ["GET", "POST"], async (HttpContext http) =>
        {
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme).ConfigureAwait(false);
            return Results.SignOut(new AuthenticationProperties { RedirectUri = "/" }, [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
        });

        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        TestOpenIdProvider provider = new(app, new Uri(address.TrimEnd('/') + "/"));
        await using AsyncServiceScope scope = app.Services.CreateAsyncScope();
        IOpenIddictApplicationManager applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        await applications.CreateAsync(new OpenIddictApplicationDescriptor
        {
            ClientId = ClientId,
            ClientType = ClientTypes.Public,
            DisplayName = "TrafficConsole",
            Permissions =
            {
                Permissions.Endpoints.Authorization,
                Permissions.Endpoints.Token,
                Permissions.Endpoints.EndSession,
                Permissions.GrantTypes.AuthorizationCode,
                Permissions.GrantTypes.Password,
                Permissions.ResponseTypes.Code,
                Permissions.Scopes.Profile,
                Permissions.Prefixes.Scope + "groups",
            },
            Requirements = { Requirements.Features.ProofKeyForCodeExchange },
        }, cancellationToken).ConfigureAwait(false);
        await WarmUpAsync(provider.Issuer, known, cancellationToken).ConfigureAwait(false);
        return provider;
    }

    // The first discovery, key and token requests build OpenIddict's pipeline and compile its EF Core queries: seconds on a
    // loaded machine. Paid here, once, instead of inside a test's first browser navigation and its timeout.
    private static async Task WarmUpAsync(Uri issuer, ImmutableArray<TestUser> users, CancellationToken cancellationToken)
    {
        using HttpClient client = new() { BaseAddress = issuer };
        using HttpResponseMessage discovery = await client.GetAsync(new Uri(".well-known/openid-configuration", UriKind.Relative), cancellationToken).ConfigureAwait(false);
        discovery.EnsureSuccessStatusCode();
        using HttpResponseMessage keys = await client.GetAsync(new Uri(".well-known/jwks", UriKind.Relative), cancellationToken).ConfigureAwait(false);
        keys.EnsureSuccessStatusCode();
        using HttpResponseMessage login = await client.GetAsync(new Uri("login", UriKind.Relative), cancellationToken).ConfigureAwait(false);
        login.EnsureSuccessStatusCode();
        if (users.IsEmpty)
        {
            return;
        }

        using FormUrlEncodedContent grant = new(new Dictionary<string, string>
        {
            ["grant_type"] = "password",
            ["client_id"] = ClientId,
            ["username"] = users[0].Name,
            ["password"] = users[0].Password,
            ["scope"] = "openid",
        });
        using HttpResponseMessage token = await client.PostAsync(new Uri("connect/token", UriKind.Relative), grant, cancellationToken).ConfigureAwait(false);
        token.EnsureSuccessStatusCode();
    }

    /// <summary>Lets the console at <paramref name="consoleBaseUrl"/> receive sign-ins (its <c>/signin-oidc</c> callback).</summary>
    public async Task AllowRedirectAsync(Uri consoleBaseUrl, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(consoleBaseUrl);
        await using AsyncServiceScope scope = _app.Services.CreateAsyncScope();
        IOpenIddictApplicationManager applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        object application = (await applications.FindByClientIdAsync(ClientId, cancellationToken).ConfigureAwait(false))!;
        OpenIddictApplicationDescriptor descriptor = new();
        await applications.PopulateAsync(descriptor, application, cancellationToken).ConfigureAwait(false);
        descriptor.RedirectUris.Add(new Uri(consoleBaseUrl, "signin-oidc"));
        descriptor.PostLogoutRedirectUris.Add(consoleBaseUrl);
        await applications.UpdateAsync(application, descriptor, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>An access token for <paramref name="user"/> from the password grant (for REST and hub tests).</summary>
    public async Task<string> AccessTokenAsync(string user, string password, CancellationToken cancellationToken = default)
    {
        using HttpClient client = new() { BaseAddress = Issuer };
        using FormUrlEncodedContent body = new(new Dictionary<string, string>
        {
            ["grant_type"] = GrantTypes.Password,
            ["client_id"] = ClientId,
            ["username"] = user,
            ["password"] = password,
            ["scope"] = "openid profile groups",
        });
        HttpResponseMessage response = await client.PostAsync(new Uri("connect/token", UriKind.Relative), body, cancellationToken).ConfigureAwait(false);
        string json = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"The test provider refused a token for {user}: {json}");
        }

        using System.Text.Json.JsonDocument document = System.Text.Json.JsonDocument.Parse(json);
        return document.RootElement.GetProperty("access_token").GetString()!;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private static TestUser? Find(ImmutableArray<TestUser> users, string? name, string? password) =>
        users.FirstOrDefault(u => string.Equals(u.Name, name, StringComparison.Ordinal) && string.Equals(u.Password, password, StringComparison.Ordinal));

    private static ClaimsPrincipal Principal(TestUser user, ImmutableArray<string> scopes)
    {
        ClaimsIdentity identity = new(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, user.Name)
            .SetClaim(Claims.Name, user.Name)
            .SetClaim(Claims.PreferredUsername, user.Name)
            .SetClaims("groups", [.. user.Groups]);
        identity.SetScopes(scopes);
        identity.SetResources(ClientId);
        identity.SetDestinations(static _ => [Destinations.AccessToken, Destinations.IdentityToken]);
        return new ClaimsPrincipal(identity);
    }

    private static IResult LoginPage(string returnUrl, string? error)
    {
        StringBuilder html = new("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\" /><title>Test identity provider</title></head><body style=\"font-family:sans-serif;max-width:360px;margin:60px auto\">");
        html.Append("<h1>Test identity provider</h1>");
        if (error is not null)
        {
            html.Append("<p role=\"alert\" style=\"color:#b91c1c\">").Append(WebUtility.HtmlEncode(error)).Append("</p>");
        }

        html.Append("<form method=\"post\" action=\"/login\">")
            .Append("<input type=\"hidden\" name=\"returnUrl\" value=\"").Append(WebUtility.HtmlEncode(returnUrl)).Append("\" />")
            .Append("<p><label>User <input name=\"username\" id=\"username\" /></label></p>")
            .Append("<p><label>Password <input name=\"password\" id=\"password\" type=\"password\" /></label></p>")
            .Append("<p><button type=\"submit\" id=\"login\">Sign in</button></p></form></body></html>");
        return Results.Content(html.ToString(), "text/html; charset=utf-8");
    }
}
