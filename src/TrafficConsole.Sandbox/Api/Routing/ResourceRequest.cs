namespace TrafficConsole.Sandbox.Api.Routing;

/// <summary>The parsed target of a resource request: kind, version, namespace, name and subresource.</summary>
internal sealed record ResourceRequest(ResourceType Type, string Version, string? Namespace, string? Name, string? Subresource, bool WatchPath)
{
    /// <summary>
    /// Reads the path below <c>/api/v1</c> or <c>/apis/{group}/{version}</c> as kube-apiserver's RequestInfoFactory does:
    /// an optional <c>watch/</c> prefix, then <c>namespaces/{ns}/{plural}/{name}/{subresource}</c> for a namespaced kind, else
    /// <c>{plural}/{name}/{subresource}</c> for a cluster-scoped one (a Namespace itself included). Null when nothing is there.
    /// </summary>
    public static ResourceRequest? Resolve(string group, string version, string[] rest)
    {
        var watchPath = false;
        if (rest.Length > 0 && rest[0] == "watch")
        {
            watchPath = true;
            rest = rest[1..];
        }

        if (rest.Length >= 3 && rest[0] == "namespaces" && ResourceCatalog.Find(group, version, rest[2]) is { Namespaced: true } nsType)
        {
            if (rest.Length > 5)
            {
                return null;
            }

            return new ResourceRequest(nsType, version, rest[1], rest.Length > 3 ? rest[3] : null, rest.Length > 4 ? rest[4] : null, watchPath);
        }

        if (rest.Length is 0 or > 3)
        {
            return null;
        }

        var type = ResourceCatalog.Find(group, version, rest[0]);
        if (type is null)
        {
            return null;
        }

        var name = rest.Length > 1 ? rest[1] : null;
        if (type.Namespaced && name is not null)
        {
            // Namespaced kinds are addressed by name only under /namespaces/<ns>/.
            return null;
        }

        return new ResourceRequest(type, version, null, name, rest.Length > 2 ? rest[2] : null, watchPath);
    }
}
