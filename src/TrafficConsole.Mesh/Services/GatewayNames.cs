namespace TrafficConsole.Mesh.Services;

/// <summary>
/// Resolves the gateway references of a VirtualService (<c>spec.gateways</c>, <c>match.gateways</c>) the way
/// Istio does: <c>name</c> is in the VirtualService's namespace, <c>ns/name</c> is explicit, and the deprecated
/// <c>name.ns.svc.cluster.local</c> form names <c>ns/name</c>. The reserved <c>mesh</c> is not a Gateway.
/// </summary>
public static class GatewayNames
{
    /// <summary>The reserved name of the sidecars of the mesh.</summary>
    public const string Mesh = "mesh";

    /// <summary>The gateway a reference names, as (namespace, name); null for <c>mesh</c> or an empty reference.</summary>
    public static (string Namespace, string Name)? Resolve(string? reference, string virtualServiceNamespace)
    {
        string trimmed = reference?.Trim() ?? string.Empty;
        if (trimmed.Length == 0 || string.Equals(trimmed, Mesh, StringComparison.Ordinal))
        {
            return null;
        }

        int slash = trimmed.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            return (trimmed[..slash], trimmed[(slash + 1)..]);
        }

        string[] parts = trimmed.Split('.');
        if (parts.Length >= 2 && trimmed.EndsWith("." + HostNames.ClusterDomain, StringComparison.Ordinal))
        {
            return (parts[1], parts[0]);
        }

        return (virtualServiceNamespace, trimmed);
    }

    /// <summary>True when <paramref name="reference"/>, written in a VirtualService of <paramref name="virtualServiceNamespace"/>, names the gateway.</summary>
    public static bool Refers(string? reference, string virtualServiceNamespace, string gatewayNamespace, string gatewayName) =>
        Resolve(reference, virtualServiceNamespace) is { } resolved
        && string.Equals(resolved.Namespace, gatewayNamespace, StringComparison.Ordinal)
        && string.Equals(resolved.Name, gatewayName, StringComparison.Ordinal);

    /// <summary>The <c>namespace/name</c> form the rule editor shows and writes.</summary>
    public static string Format(string @namespace, string name) => $"{@namespace}/{name}";
}
