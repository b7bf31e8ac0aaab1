using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Globalization;
using System.Net;

using k8s;
using k8s.Autorest;
using k8s.Models;

using Microsoft.Extensions.Options;

using TrafficConsole.Cluster.Connection;
using TrafficConsole.Cluster.Identity;
using TrafficConsole.Web.Hosting;

namespace TrafficConsole.Web.Auth;

/// <summary>What the cluster said about a bearer token.</summary>
public abstract record TokenReview
{
    private TokenReview()
    {
    }

    /// <summary>The token belongs to <paramref name="User"/>.</summary>
    /// <param name="User">The Kubernetes user name.</param>
    /// <param name="Groups">The user's groups.</param>
    public sealed record Valid(string User, ImmutableArray<string> Groups) : TokenReview;

    /// <summary>The API server does not accept the token (wrong, expired, revoked).</summary>
    /// <param name="Message">Why, for the sign-in page.</param>
    public sealed record Rejected(string Message) : TokenReview;

    /// <summary>The console cannot check tokens on this cluster (it lacks the right to review them): a setup problem.</summary>
    /// <param name="Message">Why, for the sign-in page.</param>
    public sealed record Unavailable(string Message) : TokenReview;

    /// <summary>The API server did not answer (down, hung, or a server error): the cluster said nothing about the token.</summary>
    /// <param name="Message">Why, naming the API server, for a 503.</param>
    public sealed record NotAnswered(string Message) : TokenReview;
}

/// <summary>
/// Asks the cluster who a Kubernetes bearer token belongs to: <c>SelfSubjectReview</c> with the token itself, falling back
/// to a <c>TokenReview</c> on the console's credentials on clusters without it. Answers are kept briefly, by the token's
/// SHA-256 fingerprint, so REST calls with the same token do not each ask the API server.
/// </summary>
public sealed partial class TokenReviewer(ClusterRuntime runtime, IOptions<AuthOptions> options, TimeProvider time, ILogger<TokenReviewer> logger)
{
    private readonly ConcurrentDictionary<string, (TokenReview Review, DateTimeOffset At)> _recent = new(StringComparer.Ordinal);

    /// <summary>
    /// Reviews <paramref name="token"/>; answers for a valid token are reused for <see cref="AuthOptions.TokenReviewCacheDuration"/>
    /// unless <paramref name="fresh"/> asks the cluster again (a session's periodic re-validation).
    /// </summary>
    public async Task<TokenReview> ReviewAsync(string token, CancellationToken cancellationToken, bool fresh = false)
    {
        if (string.IsNullOrWhiteSpace(token))
        {
            return new TokenReview.Rejected("Paste a Kubernetes bearer token.");
        }

        token = token.Trim();
        string key = ClusterIdentity.BearerToken.Fingerprint(token);
        DateTimeOffset now = time.GetUtcNow();
        if (!fresh && _recent.TryGetValue(key, out var cached) && now - cached.At < options.Value.TokenReviewCacheDuration)
        {
            return cached.Review;
        }

        // An API server known not to answer: say so now rather than after the review's timeout (and never "sign in again").
        if (await runtime.ApiServer.NotAnsweringAsync(cancellationToken).ConfigureAwait(false) is { } down)
        {
            return new TokenReview.NotAnswered(NotAnswering(down));
        }

        TokenReview review;
        using (CancellationTokenSource deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            deadline.CancelAfter(options.Value.TokenReviewTimeout);
            try
            {
                review = await AskAsync(token, deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                review = new TokenReview.NotAnswered(NotAnswering(
                    $"The Kubernetes API server at {runtime.ApiServer.ServerUrl} did not say whose the token is within {options.Value.TokenReviewTimeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s."));
            }
        }

        if (review is TokenReview.NotAnswered && !cancellationToken.IsCancellationRequested
            && await runtime.ApiServer.CheckAsync(cancellationToken).ConfigureAwait(false) is ApiServerStatus.NotAnswering probed)
        {
            review = new TokenReview.NotAnswered(NotAnswering(probed.Reason));
        }

        if (review is TokenReview.Valid)
        {
            if (_recent.Count > 10_000)
            {
                _recent.Clear();
            }

            _recent[key] = (review, now);
        }
        else
        {
            _recent.TryRemove(key, out _);
        }

        return review;
    }

    private async Task<TokenReview> AskAsync(string token, CancellationToken cancellationToken)
    {
        using IKubernetes client = runtime.Users.ClientFor(ClusterIdentity.WithToken("(token under review)", [], token));
        try
        {
            V1SelfSubjectReview self = await client.AuthenticationV1.CreateSelfSubjectReviewAsync(new V1SelfSubjectReview(), cancellationToken: cancellationToken).ConfigureAwait(false);
            return self.Status?.UserInfo?.Username is { Length: > 0 } user
                ? new TokenReview.Valid(user, [.. self.Status.UserInfo.Groups ?? []])
                : new TokenReview.Rejected("The API server accepted the token but did not say whose it is.");
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Unauthorized)
        {
            LogTokenRejected(logger, (int)ex.Response.StatusCode);
            return new TokenReview.Rejected("The Kubernetes API server did not accept this token: it is wrong, expired or revoked. Get a fresh one (kubectl create token <service-account>) and sign in again.");
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Forbidden)
        {
            // No SelfSubjectReview (before Kubernetes 1.28) or not allowed to ask about oneself: a TokenReview on the console's credentials.
            return await TokenReviewAsync(token, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or HttpOperationException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new TokenReview.NotAnswered($"The Kubernetes API server at {runtime.ApiServer.ServerUrl} could not be asked about the token: {ex.Message}");
        }
    }

    private async Task<TokenReview> TokenReviewAsync(string token, CancellationToken cancellationToken)
    {
        try
        {
            V1TokenReview review = await runtime.Client.AuthenticationV1.CreateTokenReviewAsync(
                new V1TokenReview { Spec = new V1TokenReviewSpec { Token = token } }, cancellationToken: cancellationToken).ConfigureAwait(false);
            return review.Status is { Authenticated: true, User.Username: { Length: > 0 } user }
                ? new TokenReview.Valid(user, [.. review.Status.User.Groups ?? []])
                : new TokenReview.Rejected($"The Kubernetes API server did not accept this token{(review.Status?.Error is { Length: > 0 } error ? $": {error}" : ": it is wrong, expired or revoked")}.");
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Forbidden)
        {
            LogTokenReviewForbidden(logger);
            return new TokenReview.Unavailable(
                "This cluster does not let tokens ask who they are (SelfSubjectReview, Kubernetes 1.28 and later), and the console may not " +
                "create tokenreviews (authentication.k8s.io) to check them instead. An administrator grants the console's service account " +
                "'create tokenreviews' (see the Helm chart's README); until then token sign-in cannot work.");
        }
        catch (Exception ex) when (ex is HttpRequestException or HttpOperationException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new TokenReview.NotAnswered($"The Kubernetes API server at {runtime.ApiServer.ServerUrl} could not review the token: {ex.Message}");
        }
    }

    private static string NotAnswering(string reason) =>
        $"{reason} Your token could not be checked and nothing was written; try again once the API server answers.";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Token sign-in cannot work: SelfSubjectReview is refused or missing and the console may not create tokenreviews (authentication.k8s.io)")]
    private static partial void LogTokenReviewForbidden(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "A Kubernetes token was refused by the API server (HTTP {StatusCode})")]
    private static partial void LogTokenRejected(ILogger logger, int statusCode);
}
