using System.Diagnostics;

namespace TrafficConsole.Cluster.Diagnostics;

/// <summary>
/// One request the console made to the Kubernetes API server. Every field is bounded (a handful
/// of verbs and resource kinds, a status code) so a metrics backend can use them as labels; the
/// URL itself is never handed out because it carries namespace and object names.
/// </summary>
/// <param name="Verb">get, list, watch, create, update, patch, delete (Kubernetes verbs, not HTTP methods).</param>
/// <param name="Resource">The resource kind's plural (e.g. virtualservices), "discovery" for /api and /apis, or "other".</param>
/// <param name="Code">The HTTP status code, or "error" when no response came (refused, reset, timed out).</param>
/// <param name="Elapsed">Until the response headers arrived: for a watch that is when the stream opened, not its whole life.</param>
public readonly record struct ApiRequestSample(string Verb, string Resource, string Code, TimeSpan Elapsed);

/// <summary>Receives a sample for every request the cluster layer makes (the web host turns them into metrics).</summary>
public interface IApiRequestObserver
{
    void Observe(ApiRequestSample sample);
}

/// <summary>
/// Times the requests of a KubernetesClient: pass it to <c>new Kubernetes(config, handler)</c>.
/// It sits outside KubernetesClient's own handlers, so it sees each request once as the caller made it.
/// </summary>
public sealed class ApiRequestTimingHandler(IApiRequestObserver observer) : DelegatingHandler
{
    // The kinds the console asks for; anything else is reported as "other" so labels stay bounded.
    private static readonly HashSet<string> KnownResources = new(StringComparer.Ordinal)
    {
        "namespaces", "services", "deployments", "virtualservices", "destinationrules", "httproutes", "gateways", "selfsubjectaccessreviews",
    };

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        long started = Stopwatch.GetTimestamp();
        string code = "error";
        try
        {
            HttpResponseMessage response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            code = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return response;
        }
        finally
        {
            (string verb, string resource) = Describe(request.Method, request.RequestUri);
            observer.Observe(new ApiRequestSample(verb, resource, code, Stopwatch.GetElapsedTime(started)));
        }
    }

    /// <summary>The Kubernetes verb and resource kind of a request, from its method and path.</summary>
    public static (string Verb, string Resource) Describe(HttpMethod method, Uri? uri)
    {
        ArgumentNullException.ThrowIfNull(method);
        string path = uri is null ? string.Empty : (uri.IsAbsoluteUri ? uri.AbsolutePath : uri.OriginalString.Split('?')[0]);
        string query = uri is { IsAbsoluteUri: true } ? uri.Query : string.Empty;
        string[] segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);

        // /api/v1/... or /apis/<group>/<version>/...; shorter paths are discovery (/api, /apis, /apis/<group>/<version>).
        int start = segments.Length > 0 && segments[0] == "api" ? 2 : segments.Length > 0 && segments[0] == "apis" ? 3 : -1;
        string resource;
        bool named;
        if (start < 0 || segments.Length <= start)
        {
            // Discovery documents and paths outside the resource API (/version, /openapi) are single documents: "get".
            resource = start < 0 ? "other" : "discovery";
            named = true;
        }
        else
        {
            int index = start;
            if (segments[index] == "namespaces" && segments.Length > index + 2)
            {
                index += 2; // namespaces/<ns>/<resource>...
            }

            resource = KnownResources.Contains(segments[index]) ? segments[index] : "other";
            named = segments.Length > index + 1;
        }

        bool watch = query.Contains("watch=true", StringComparison.OrdinalIgnoreCase) || query.Contains("watch=1", StringComparison.Ordinal);
        string verb = method.Method switch
        {
            "GET" when watch => "watch",
            "GET" => named ? "get" : "list",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => "delete",
            _ => "other",
        };
        return (verb, resource);
    }
}
