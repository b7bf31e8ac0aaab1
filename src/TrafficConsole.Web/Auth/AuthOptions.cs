using Microsoft.Extensions.Options;

using TrafficConsole.Cluster.Connection;

namespace TrafficConsole.Web.Auth;

/// <summary>How people sign in to the console.</summary>
public enum AuthStrategy
{
    /// <summary>No sign-in: anyone who reaches the console can change traffic, on the console's own credentials.</summary>
    Anonymous,

    /// <summary>OpenID Connect sign-in; the console calls the Kubernetes API as the user (impersonation).</summary>
    OpenId,

    /// <summary>The user pastes a Kubernetes bearer token, which the console uses for that user's calls.</summary>
    Token,
}

/// <summary>Sign-in and permission settings (section <c>Auth</c>).</summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";

    /// <summary><c>Auth:Strategy</c>: anonymous, openid or token. Empty: anonymous in sandbox mode, else a start-up error.</summary>
    public string? Strategy { get; set; }

    /// <summary><c>Auth:AllowAnonymous</c>: allow the anonymous strategy on a real cluster.</summary>
    public bool AllowAnonymous { get; set; }

    /// <summary>How long what the cluster said a user may do is kept (<c>Auth:PermissionCacheDuration</c>).</summary>
    public TimeSpan PermissionCacheDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a REST bearer token's review is kept (<c>Auth:TokenReviewCacheDuration</c>).</summary>
    public TimeSpan TokenReviewCacheDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the API server has to say whose a token is before the request is answered 503 (<c>Auth:TokenReviewTimeout</c>).</summary>
    public TimeSpan TokenReviewTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How often a token sign-in's token is shown to the cluster again (<c>Auth:SessionRevalidationInterval</c>); a token the
    /// cluster no longer accepts ends the session and its open pages.
    /// </summary>
    public TimeSpan SessionRevalidationInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a token sign-in lasts without use (<c>Auth:SessionIdleTimeout</c>).</summary>
    public TimeSpan SessionIdleTimeout { get; set; } = TimeSpan.FromHours(8);

    /// <summary>Writes one user may make per minute through the REST API (<c>Auth:WritesPerMinute</c>).</summary>
    public int WritesPerMinute { get; set; } = 30;

    /// <summary>The OpenID Connect provider (<c>Auth:OpenId:*</c>).</summary>
    public OpenIdSettings OpenId { get; set; } = new();

    /// <summary>The strategy in force, once validated.</summary>
    public AuthStrategy Resolved =>
        string.IsNullOrWhiteSpace(Strategy) ? AuthStrategy.Anonymous : Enum.Parse<AuthStrategy>(Strategy.Trim(), ignoreCase: true);

    /// <summary>True when <see cref="Strategy"/> names one of the strategies.</summary>
    internal bool IsKnownStrategy(out AuthStrategy strategy)
    {
        strategy = AuthStrategy.Anonymous;
        return string.IsNullOrWhiteSpace(Strategy)
            || (Enum.TryParse(Strategy.Trim(), ignoreCase: true, out strategy) && Enum.IsDefined(strategy) && !int.TryParse(Strategy, out _));
    }
}

/// <summary>The OpenID Connect provider settings (section <c>Auth:OpenId</c>).</summary>
public sealed class OpenIdSettings
{
    /// <summary><c>Auth:OpenId:Issuer</c>: the provider's issuer URL (its metadata is at <c>/.well-known/openid-configuration</c>).</summary>
    public string? Issuer { get; set; }

    /// <summary><c>Auth:OpenId:ClientId</c>.</summary>
    public string? ClientId { get; set; }

    /// <summary><c>Auth:OpenId:ClientSecret</c> (confidential clients; PKCE is used either way). Never logged.</summary>
    public string? ClientSecret { get; set; }

    /// <summary><c>Auth:OpenId:Scopes</c>; openid is always asked for.</summary>
    public IList<string> Scopes { get; set; } = [];

    /// <summary><c>Auth:OpenId:UsernameClaim</c>: the claim that is the Kubernetes user name.</summary>
    public string UsernameClaim { get; set; } = "preferred_username";

    /// <summary><c>Auth:OpenId:GroupsClaim</c>: the claim with the user's groups.</summary>
    public string GroupsClaim { get; set; } = "groups";

    /// <summary><c>Auth:OpenId:Audience</c>: the audience REST access tokens must carry; empty means the client id.</summary>
    public string? Audience { get; set; }

    /// <summary><c>Auth:OpenId:RequireHttpsMetadata</c>: false only for a provider on loopback in tests.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary><c>Auth:OpenId:UsernamePrefix</c>: put before the user name as the API server's <c>--oidc-username-prefix</c> does.</summary>
    public string? UsernamePrefix { get; set; }

    /// <summary><c>Auth:OpenId:GroupsPrefix</c>: put before each group as the API server's <c>--oidc-groups-prefix</c> does.</summary>
    public string? GroupsPrefix { get; set; }
}

/// <summary>Fails start-up with a message naming the <c>Auth:*</c> setting that is wrong.</summary>
internal sealed class AuthOptionsValidator(IConfiguration configuration) : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        List<string> failures = [];
        // From configuration: a bad Cluster:Mode is reported by its own validator, not as an error here.
        ClusterMode mode = Enum.TryParse(configuration["Cluster:Mode"], ignoreCase: true, out ClusterMode parsed) && Enum.IsDefined(parsed) ? parsed : ClusterMode.Sandbox;
        if (!options.IsKnownStrategy(out AuthStrategy strategy))
        {
            failures.Add($"Auth:Strategy '{options.Strategy}' is not one of anonymous, openid, token.");
            return ValidateOptionsResult.Fail(failures);
        }

        if (string.IsNullOrWhiteSpace(options.Strategy) && mode != ClusterMode.Sandbox && !options.AllowAnonymous)
        {
            failures.Add($"Auth:Strategy is not set and Cluster:Mode is '{mode}': choose openid or token, or anonymous together with Auth:AllowAnonymous=true (then anyone who reaches the console can change traffic).");
        }
        else if (strategy == AuthStrategy.Anonymous && mode != ClusterMode.Sandbox && !options.AllowAnonymous)
        {
            failures.Add($"Auth:Strategy 'anonymous' on a real cluster (Cluster:Mode '{mode}') lets anyone who reaches the console change traffic; set Auth:AllowAnonymous=true to accept that, or use openid or token.");
        }

        if (strategy == AuthStrategy.OpenId)
        {
            OpenIdSettings oidc = options.OpenId;
            if (string.IsNullOrWhiteSpace(oidc.Issuer))
            {
                failures.Add("Auth:OpenId:Issuer is required when Auth:Strategy is 'openid'.");
            }
            else if (!Uri.TryCreate(oidc.Issuer, UriKind.Absolute, out Uri? issuer) || (issuer.Scheme != Uri.UriSchemeHttps && issuer.Scheme != Uri.UriSchemeHttp))
            {
                failures.Add($"Auth:OpenId:Issuer '{oidc.Issuer}' is not an absolute http(s) URL.");
            }
            else if (issuer.Scheme == Uri.UriSchemeHttp && oidc.RequireHttpsMetadata)
            {
                failures.Add($"Auth:OpenId:Issuer '{oidc.Issuer}' is plain http; use https, or set Auth:OpenId:RequireHttpsMetadata=false for a test provider.");
            }

            if (string.IsNullOrWhiteSpace(oidc.ClientId))
            {
                failures.Add("Auth:OpenId:ClientId is required when Auth:Strategy is 'openid'.");
            }

            if (string.IsNullOrWhiteSpace(oidc.UsernameClaim))
            {
                failures.Add("Auth:OpenId:UsernameClaim must name the claim that holds the Kubernetes user name.");
            }
        }

        if (options.PermissionCacheDuration < TimeSpan.Zero || options.PermissionCacheDuration > TimeSpan.FromMinutes(10))
        {
            failures.Add($"Auth:PermissionCacheDuration '{options.PermissionCacheDuration}' must be between 0 and 10 minutes.");
        }

        if (options.SessionRevalidationInterval <= TimeSpan.Zero || options.SessionRevalidationInterval > TimeSpan.FromMinutes(1))
        {
            failures.Add($"Auth:SessionRevalidationInterval '{options.SessionRevalidationInterval}' must be more than 0 and at most 1 minute: a revoked token must lose access within a minute.");
        }

        if (options.TokenReviewTimeout <= TimeSpan.Zero || options.TokenReviewTimeout > TimeSpan.FromMinutes(1))
        {
            failures.Add($"Auth:TokenReviewTimeout '{options.TokenReviewTimeout}' must be more than 0 and at most 1 minute.");
        }

        if (options.WritesPerMinute < 1)
        {
            failures.Add($"Auth:WritesPerMinute '{options.WritesPerMinute}' must be at least 1.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
