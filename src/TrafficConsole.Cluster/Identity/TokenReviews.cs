using System.Collections.Immutable;
using System.Net;

using k8s;
using k8s.Autorest;
using k8s.Models;

using TrafficConsole.Cluster.Connection;

namespace TrafficConsole.Cluster.Identity;

/// <summary>What the API server said about a bearer token.</summary>
public abstract record TokenAnswer
{
    private TokenAnswer()
    {
    }

    /// <summary>The token belongs to <paramref name="User"/>.</summary>
    /// <param name="User">The Kubernetes user name.</param>
    /// <param name="Groups">The user's groups.</param>
    public sealed record Known(string User, ImmutableArray<string> Groups) : TokenAnswer;

    /// <summary>The API server accepted the token but named nobody.</summary>
    public sealed record Unnamed : TokenAnswer;

    /// <summary>The API server does not accept the token (wrong, expired, revoked).</summary>
    /// <param name="Error">The API server's reason, when a TokenReview gave one.</param>
    public sealed record Refused(string? Error) : TokenAnswer;

    /// <summary>A token cannot ask who it is on this cluster (no <c>SelfSubjectReview</c> before Kubernetes 1.28, or not allowed).</summary>
    public sealed record SelfReviewUnavailable : TokenAnswer;

    /// <summary>The console may not create <c>tokenreviews</c> (authentication.k8s.io).</summary>
    public sealed record ReviewForbidden : TokenAnswer;

    /// <summary>The API server could not be asked or did not answer.</summary>
    /// <param name="Detail">What went wrong, for the message.</param>
    public sealed record NotAnswered(string Detail) : TokenAnswer;
}

/// <summary>Asks the cluster whose a bearer token is; the caller decides which question to ask and what to tell the user.</summary>
public interface ITokenReviews
{
    /// <summary><c>SelfSubjectReview</c> with the token itself: <see cref="TokenAnswer.Known"/>, <see cref="TokenAnswer.Unnamed"/>, <see cref="TokenAnswer.Refused"/>, <see cref="TokenAnswer.SelfReviewUnavailable"/> or <see cref="TokenAnswer.NotAnswered"/>.</summary>
    Task<TokenAnswer> ReviewSelfAsync(string token, CancellationToken cancellationToken = default);

    /// <summary>A <c>TokenReview</c> on the console's credentials: <see cref="TokenAnswer.Known"/>, <see cref="TokenAnswer.Refused"/>, <see cref="TokenAnswer.ReviewForbidden"/> or <see cref="TokenAnswer.NotAnswered"/>.</summary>
    Task<TokenAnswer> ReviewAsync(string token, CancellationToken cancellationToken = default);
}

/// <summary><see cref="ITokenReviews"/> over the token's own client (<see cref="IUserClients"/>) and the shared connection. Never logs the token.</summary>
public sealed class TokenReviews(ClusterConnection connection, IUserClients users) : ITokenReviews
{
    /// <inheritdoc />
    public async Task<TokenAnswer> ReviewSelfAsync(string token, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(token);
        using IKubernetes client = users.ClientFor(ClusterIdentity.WithToken("(token under review)", [], token));
        try
        {
            V1SelfSubjectReview self = await client.AuthenticationV1.CreateSelfSubjectReviewAsync(new V1SelfSubjectReview(), cancellationToken: cancellationToken).ConfigureAwait(false);
            return self.Status?.UserInfo?.Username is { Length: > 0 } user
                ? new TokenAnswer.Known(user, [.. self.Status.UserInfo.Groups ?? []])
                : new TokenAnswer.Unnamed();
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Unauthorized)
        {
            return new TokenAnswer.Refused(null);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Forbidden)
        {
            return new TokenAnswer.SelfReviewUnavailable();
        }
        catch (Exception ex) when (ex is HttpRequestException or HttpOperationException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new TokenAnswer.NotAnswered(ex.Message);
        }
    }

    /// <inheritdoc />
    public async Task<TokenAnswer> ReviewAsync(string token, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(token);
        try
        {
            V1TokenReview review = await connection.Client.AuthenticationV1.CreateTokenReviewAsync(
                new V1TokenReview { Spec = new V1TokenReviewSpec { Token = token } }, cancellationToken: cancellationToken).ConfigureAwait(false);
            return review.Status is { Authenticated: true, User.Username: { Length: > 0 } user }
                ? new TokenAnswer.Known(user, [.. review.Status.User.Groups ?? []])
                : new TokenAnswer.Refused(review.Status?.Error is { Length: > 0 } error ? error : null);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Forbidden)
        {
            return new TokenAnswer.ReviewForbidden();
        }
        catch (Exception ex) when (ex is HttpRequestException or HttpOperationException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new TokenAnswer.NotAnswered(ex.Message);
        }
    }
}
