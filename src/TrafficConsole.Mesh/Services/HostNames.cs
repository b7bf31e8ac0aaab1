namespace TrafficConsole.Mesh.Services;

/// <summary>Resolves Istio host names the way Istio does: short names relative to the resource's namespace.</summary>
public static class HostNames
{
    public const string ClusterDomain = "svc.cluster.local";

    /// <summary><c>name.namespace.svc.cluster.local</c>.</summary>
    public static string Fqdn(string name, string @namespace) => $"{name}.{@namespace}.{ClusterDomain}";

    /// <summary>
    /// Expands a host as written in a VirtualService or DestinationRule of <paramref name="resourceNamespace"/>:
    /// <c>reviews</c> and <c>reviews.ns</c> become <c>reviews.ns.svc.cluster.local</c>; anything with more dots stays.
    /// </summary>
    public static string Resolve(string host, string resourceNamespace)
    {
        ArgumentNullException.ThrowIfNull(host);
        string trimmed = host.Trim().TrimEnd('.').ToLowerInvariant();
        if (trimmed.Length == 0 || trimmed.Contains('*', StringComparison.Ordinal))
        {
            return trimmed;
        }

        string[] parts = trimmed.Split('.');
        return parts.Length switch
        {
            1 => Fqdn(parts[0], resourceNamespace),
            2 => Fqdn(parts[0], parts[1]),
            3 when parts[2] == "svc" => $"{trimmed}.cluster.local",
            _ => trimmed,
        };
    }

    /// <summary>True when <paramref name="host"/>, written in <paramref name="resourceNamespace"/>, names the service.</summary>
    public static bool Targets(string? host, string resourceNamespace, string serviceName, string serviceNamespace) =>
        host is not null
        && string.Equals(Resolve(host, resourceNamespace), Fqdn(serviceName, serviceNamespace), StringComparison.Ordinal);
}
