using k8s;

using TrafficConsole.Cluster.Diagnostics;

namespace TrafficConsole.Cluster.Identity;

/// <summary>
/// Makes a Kubernetes client that calls as a <see cref="ClusterIdentity"/>, from the console's base configuration.
/// The shared client's headers are never touched: every user gets a client of their own for the call.
/// </summary>
public interface IUserClients
{
    /// <summary>A client that calls as <paramref name="identity"/> (null: the console's own credentials). Dispose it after the call.</summary>
    IKubernetes ClientFor(ClusterIdentity? identity);
}

/// <summary>Clients for users from the console's <see cref="KubernetesClientConfiguration"/>.</summary>
/// <param name="configuration">The configuration the shared client was made from.</param>
/// <param name="observer">Times every request for /metrics, as the shared client does.</param>
public sealed class UserClients(KubernetesClientConfiguration configuration, IApiRequestObserver? observer = null) : IUserClients
{
    /// <inheritdoc />
    public IKubernetes ClientFor(ClusterIdentity? identity)
    {
        List<DelegatingHandler> handlers = [];
        if (observer is not null)
        {
            handlers.Add(new ApiRequestTimingHandler(observer));
        }

        switch (identity)
        {
            case null:
                return new Kubernetes(configuration, [.. handlers]);
            case ClusterIdentity.Impersonated impersonated:
                handlers.Add(new ImpersonationHandler(impersonated));
                return new Kubernetes(configuration, [.. handlers]);
            case ClusterIdentity.BearerToken bearer:
                // The user's token only: no client certificate or token of the console's may go along with it.
                KubernetesClientConfiguration own = new()
                {
                    Host = configuration.Host,
                    SslCaCerts = configuration.SslCaCerts,
                    SkipTlsVerify = configuration.SkipTlsVerify,
                    TlsServerName = configuration.TlsServerName,
                    AccessToken = bearer.Token,
                };
                return new Kubernetes(own, [.. handlers]);
            default:
                throw new ArgumentOutOfRangeException(nameof(identity), identity.GetType().Name, "Unknown cluster identity.");
        }
    }
}

/// <summary>Adds <c>Impersonate-User</c> and one <c>Impersonate-Group</c> per group to every request.</summary>
/// <param name="identity">Who to impersonate.</param>
public sealed class ImpersonationHandler(ClusterIdentity.Impersonated identity) : DelegatingHandler
{
    /// <inheritdoc />
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Headers.Remove("Impersonate-User");
        request.Headers.Remove("Impersonate-Group");
        request.Headers.TryAddWithoutValidation("Impersonate-User", identity.User);
        foreach (string group in identity.Groups)
        {
            request.Headers.TryAddWithoutValidation("Impersonate-Group", group);
        }

        return base.SendAsync(request, cancellationToken);
    }
}
