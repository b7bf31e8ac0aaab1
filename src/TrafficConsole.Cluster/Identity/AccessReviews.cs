using System.Collections.Immutable;

using k8s;
using k8s.Autorest;
using k8s.Models;

namespace TrafficConsole.Cluster.Identity;

/// <summary>One question for the cluster's RBAC: may a user <paramref name="Verb"/> <paramref name="Resource"/> of <paramref name="Group"/>.</summary>
/// <param name="Verb">get, list, watch, create, update, patch, delete.</param>
/// <param name="Group">The API group ("" for the core group).</param>
/// <param name="Resource">The resource's plural name, e.g. virtualservices.</param>
public sealed record AccessQuery(string Verb, string Group, string Resource);

/// <summary>What the cluster answered to one <see cref="AccessQuery"/>.</summary>
public abstract record AccessAnswer
{
    private AccessAnswer()
    {
    }

    /// <summary>The cluster allows it.</summary>
    public sealed record Allowed : AccessAnswer;

    /// <summary>The cluster does not allow it.</summary>
    /// <param name="Reason">The authorizer's reason, when it gave one.</param>
    public sealed record Denied(string? Reason) : AccessAnswer;

    /// <summary>The API server does not accept the user's credentials any more (401).</summary>
    public sealed record NotSignedIn : AccessAnswer;

    /// <summary>The API server could not be asked or did not answer.</summary>
    /// <param name="Detail">What went wrong, for the user's message.</param>
    public sealed record NotAnswered(string Detail) : AccessAnswer;
}

/// <summary>Asks the cluster what a user may do (<c>SelfSubjectAccessReview</c> as the user, so the cluster's own RBAC answers).</summary>
public interface IAccessReviews
{
    /// <summary>Asks each of <paramref name="queries"/> about <paramref name="namespaceName"/> as <paramref name="identity"/>; the answers in the order asked.</summary>
    Task<ImmutableArray<AccessAnswer>> ReviewAsync(
        ClusterIdentity identity, string namespaceName, IReadOnlyList<AccessQuery> queries, CancellationToken cancellationToken = default);
}

/// <summary><see cref="IAccessReviews"/> over the user's own client (<see cref="IUserClients"/>): one client for a batch, the questions concurrently.</summary>
public sealed class AccessReviews(IUserClients users) : IAccessReviews
{
    /// <inheritdoc />
    public async Task<ImmutableArray<AccessAnswer>> ReviewAsync(
        ClusterIdentity identity, string namespaceName, IReadOnlyList<AccessQuery> queries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentException.ThrowIfNullOrEmpty(namespaceName);
        ArgumentNullException.ThrowIfNull(queries);
        if (queries.Count == 0)
        {
            return [];
        }

        using IKubernetes client = users.ClientFor(identity);
        return [.. await Task.WhenAll(queries.Select(q => AskAsync(client, namespaceName, q, cancellationToken))).ConfigureAwait(false)];
    }

    private static async Task<AccessAnswer> AskAsync(IKubernetes client, string namespaceName, AccessQuery query, CancellationToken cancellationToken)
    {
        V1SelfSubjectAccessReview review = new()
        {
            Spec = new V1SelfSubjectAccessReviewSpec
            {
                ResourceAttributes = new V1ResourceAttributes { NamespaceProperty = namespaceName, Verb = query.Verb, Group = query.Group, Resource = query.Resource },
            },
        };
        try
        {
            V1SelfSubjectAccessReview answer = await client.AuthorizationV1.CreateSelfSubjectAccessReviewAsync(review, cancellationToken: cancellationToken).ConfigureAwait(false);
            return answer.Status is { Allowed: true }
                ? new AccessAnswer.Allowed()
                : new AccessAnswer.Denied(answer.Status?.Reason is { Length: > 0 } reason ? reason : null);
        }
        catch (HttpOperationException ex) when ((int)ex.Response.StatusCode is 401)
        {
            return new AccessAnswer.NotSignedIn();
        }
        catch (Exception ex) when (ex is HttpRequestException or HttpOperationException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return new AccessAnswer.NotAnswered(ex.Message);
        }
    }
}
