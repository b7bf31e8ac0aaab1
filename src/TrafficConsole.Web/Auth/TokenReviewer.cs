using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Globalization;

using Microsoft.Extensions.Options;

using TrafficConsole.Cluster.Connection;
using TrafficConsole.Cluster.Identity;

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
/// SHA-256 fingerprint, so REST calls with the same token do not each ask the API server: an accepted token's and a
/// refused one's alike (a flood of the same garbage token costs one review), and requests that arrive while a token is
/// under review wait for that one answer. "Could not ask" and "did not answer" are never kept.
/// </summary>
public sealed partial class TokenReviewer(ITokenReviews reviews, ApiServerProbe apiServer, IOptions<AuthOptions> options, TimeProvider time, ILogger<TokenReviewer> logger)
{
    /// <summary>At most this many accepted and this many refused tokens are remembered; beyond, the expired go, then all.</summary>
    internal const int MaxRemembered = 10_000;

    private readonly ConcurrentDictionary<string, (TokenReview Review, DateTimeOffset At)> _accepted = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (TokenReview Review, DateTimeOffset At)> _refused = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<TokenReview>>> _underReview = new(StringComparer.Ordinal);

    /// <summary>
    /// Reviews <paramref name="token"/>; an answer that it is valid or refused is reused for
    /// <see cref="AuthOptions.TokenReviewCacheDuration"/> unless <paramref name="fresh"/> asks the cluster again (a session's
    /// periodic re-validation).
    /// </summary>
    public async Task<TokenReview> ReviewAsync(string token, CancellationToken cancellationToken, bool fresh = false)
    {
        if (string.IsNullOrWhiteSpace(token))
        {
            return new TokenReview.Rejected("Paste a Kubernetes bearer token.");
        }

        token = token.Trim();
        string key = ClusterIdentity.BearerToken.Fingerprint(token);
        if (!fresh && (Remembered(_accepted, key) ?? Remembered(_refused, key)) is { } known)
        {
            return known;
        }

        // An API server known not to answer: say so now rather than after the review's timeout (and never "sign in again").
        if (await apiServer.NotAnsweringAsync(cancellationToken).ConfigureAwait(false) is { } down)
        {
            return new TokenReview.NotAnswered(NotAnswering(down));
        }

        // One review per token at a time, not bound to the first caller's cancellation: the others wait for the same answer
        // (a fresh re-validation joins a review under way: its answer is as fresh).
        Lazy<Task<TokenReview>> review = _underReview.GetOrAdd(key, _ => new Lazy<Task<TokenReview>>(() => AskAndRememberAsync(token, key)));
        return await review.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<TokenReview> AskAndRememberAsync(string token, string key)
    {
        try
        {
            TokenReview review;
            using (var deadline = new CancellationTokenSource(options.Value.TokenReviewTimeout))
            {
                try
                {
                    review = await AskAsync(token, deadline.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    review = new TokenReview.NotAnswered(NotAnswering(
                        $"The Kubernetes API server at {apiServer.ServerUrl} did not say whose the token is within {options.Value.TokenReviewTimeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s."));
                }
            }

            if (review is TokenReview.NotAnswered
                && await apiServer.CheckAsync(CancellationToken.None).ConfigureAwait(false) is ApiServerStatus.NotAnswering probed)
            {
                review = new TokenReview.NotAnswered(NotAnswering(probed.Reason));
            }

            DateTimeOffset now = time.GetUtcNow();
            switch (review)
            {
                case TokenReview.Valid:
                    _refused.TryRemove(key, out _);
                    Remember(_accepted, key, review, now);
                    break;
                case TokenReview.Rejected:
                    _accepted.TryRemove(key, out _);
                    Remember(_refused, key, review, now);
                    break;
                default:
                    _accepted.TryRemove(key, out _);
                    break;
            }

            return review;
        }
        finally
        {
            _underReview.TryRemove(key, out _);
        }
    }

    private TokenReview? Remembered(ConcurrentDictionary<string, (TokenReview Review, DateTimeOffset At)> answers, string key) =>
        answers.TryGetValue(key, out var kept) && time.GetUtcNow() - kept.At < options.Value.TokenReviewCacheDuration ? kept.Review : null;

    private void Remember(ConcurrentDictionary<string, (TokenReview Review, DateTimeOffset At)> answers, string key, TokenReview review, DateTimeOffset now)
    {
        if (answers.Count >= MaxRemembered)
        {
            foreach (KeyValuePair<string, (TokenReview Review, DateTimeOffset At)> pair in answers)
            {
                if (now - pair.Value.At >= options.Value.TokenReviewCacheDuration)
                {
                    answers.TryRemove(pair.Key, out _);
                }
            }

            if (answers.Count >= MaxRemembered)
            {
                answers.Clear();
            }
        }

        answers[key] = (review, now);
    }

    // SelfSubjectReview with the token itself; on clusters without it (before Kubernetes 1.28) or where the token may not ask
    // about itself, a TokenReview on the console's credentials.
    private async Task<TokenReview> AskAsync(string token, CancellationToken cancellationToken)
    {
        switch (await reviews.ReviewSelfAsync(token, cancellationToken).ConfigureAwait(false))
        {
            case TokenAnswer.Known known:
                return new TokenReview.Valid(known.User, known.Groups);
            case TokenAnswer.Unnamed:
                return new TokenReview.Rejected("The API server accepted the token but did not say whose it is.");
            case TokenAnswer.Refused:
                LogTokenRejected(logger, 401);
                return new TokenReview.Rejected("The Kubernetes API server did not accept this token: it is wrong, expired or revoked. Get a fresh one (kubectl create token <service-account>) and sign in again.");
            case TokenAnswer.SelfReviewUnavailable:
                return await TokenReviewAsync(token, cancellationToken).ConfigureAwait(false);
            case TokenAnswer.NotAnswered failed:
                return new TokenReview.NotAnswered($"The Kubernetes API server at {apiServer.ServerUrl} could not be asked about the token: {failed.Detail}");
            case var other:
                throw new InvalidOperationException($"A SelfSubjectReview does not answer {other}.");
        }
    }

    private async Task<TokenReview> TokenReviewAsync(string token, CancellationToken cancellationToken)
    {
        switch (await reviews.ReviewAsync(token, cancellationToken).ConfigureAwait(false))
        {
            case TokenAnswer.Known known:
                return new TokenReview.Valid(known.User, known.Groups);
            case TokenAnswer.Refused refused:
                return new TokenReview.Rejected($"The Kubernetes API server did not accept this token{(refused.Error is { Length: > 0 } error ? $": {error}" : ": it is wrong, expired or revoked")}.");
            case TokenAnswer.ReviewForbidden:
                LogTokenReviewForbidden(logger);
                return new TokenReview.Unavailable(
                    "This cluster does not let tokens ask who they are (SelfSubjectReview, Kubernetes 1.28 and later), and the console may not " +
                    "create tokenreviews (authentication.k8s.io) to check them instead. An administrator grants the console's service account " +
                    "'create tokenreviews' (see the Helm chart's README); until then token sign-in cannot work.");
            case TokenAnswer.NotAnswered failed:
                return new TokenReview.NotAnswered($"The Kubernetes API server at {apiServer.ServerUrl} could not review the token: {failed.Detail}");
            case var other:
                throw new InvalidOperationException($"A TokenReview does not answer {other}.");
        }
    }

    private static string NotAnswering(string reason) =>
        $"{reason} Your token could not be checked and nothing was written; try again once the API server answers.";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Token sign-in cannot work: SelfSubjectReview is refused or missing and the console may not create tokenreviews (authentication.k8s.io)")]
    private static partial void LogTokenReviewForbidden(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "A Kubernetes token was refused by the API server (HTTP {StatusCode})")]
    private static partial void LogTokenRejected(ILogger logger, int statusCode);
}
