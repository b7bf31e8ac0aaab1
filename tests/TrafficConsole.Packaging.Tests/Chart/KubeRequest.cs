namespace TrafficConsole.Packaging.Tests.Chart;

/// <summary>
/// What the API server's request-info resolver makes of a request: an RBAC verb on a group/resource
/// (with the scope), or a non-resource path.
/// </summary>
public sealed record KubeRequest(string? NonResourcePath, ApiCall? Call, string? Namespace)
{
    public static KubeRequest Parse(string method, string path, string query)
    {
        string[] segments = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        path = "/" + string.Join('/', segments);
        int prefix;
        string group;
        if (segments.Length >= 2 && segments[0] == "api")
        {
            (group, prefix) = (string.Empty, 2);
        }
        else if (segments.Length >= 3 && segments[0] == "apis")
        {
            (group, prefix) = (segments[1], 3);
        }
        else
        {
            return new KubeRequest(path, null, null);
        }

        string[] rest = segments[prefix..];
        if (rest.Length == 0)
        {
            return new KubeRequest(path, null, null);
        }

        string? ns = null;
        string resource;
        string? name;
        if (rest[0] == "namespaces" && rest.Length >= 3)
        {
            ns = rest[1];
            resource = rest[2];
            name = rest.Length >= 4 ? rest[3] : null;
        }
        else
        {
            resource = rest[0];
            name = rest.Length >= 2 ? rest[1] : null;
        }

        bool watch = query.Contains("watch=true", StringComparison.Ordinal) || query.Contains("watch=1", StringComparison.Ordinal);
        string verb = method.ToUpperInvariant() switch
        {
            "GET" when watch => "watch",
            "GET" => name is null ? "list" : "get",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => name is null ? "deletecollection" : "delete",
            _ => method.ToLowerInvariant(),
        };
        CallScope scope = resource == "namespaces" && ns is null ? CallScope.ClusterScoped
            : ns is null ? CallScope.AllNamespaces
            : CallScope.InNamespace;
        return new KubeRequest(null, new ApiCall(group, resource, verb, scope, $"{method} {path}{query}"), ns);
    }
}
