using System.Collections.Immutable;

using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Services;
using TrafficConsole.Mesh.Yaml;

namespace TrafficConsole.Cli.Commands;

/// <summary>The VirtualService that routes a host for a gateway, and the DestinationRule that names its subsets.</summary>
/// <param name="VirtualService">The VirtualService and where it was read.</param>
/// <param name="Fqdn">The host the request is for, resolved in the VirtualService's namespace (or the one given).</param>
/// <param name="DestinationRule">The DestinationRule of that host, if the files have one (the one in the VirtualService's namespace first).</param>
/// <param name="OtherDestinationRules">Further DestinationRules of the host, which Istio would not use for it.</param>
internal sealed record LookupResult(ResourceDocument VirtualService, string Fqdn, ResourceDocument? DestinationRule, ImmutableArray<ResourceDocument> OtherDestinationRules);

/// <summary>Finds the VirtualService for <c>simulate --host</c>, resolving host names as Istio does (<see cref="HostNames"/>).</summary>
internal static class VirtualServiceLookup
{
    public const string Mesh = "mesh";

    /// <summary>
    /// The one VirtualService whose hosts include <paramref name="host"/> and that applies to <paramref name="gateway"/>;
    /// exact hosts win over wildcards, as in Istio. Null with a message when there is none, or more than one.
    /// </summary>
    /// <param name="documents">The resources read.</param>
    /// <param name="host">The host as the user wrote it (<c>reviews</c>, <c>reviews.bookinfo</c>, an FQDN).</param>
    /// <param name="hostNamespace">The namespace short host names are relative to; null means each VirtualService's own.</param>
    /// <param name="gateway"><c>mesh</c>, or a gateway <c>namespace/name</c> (a bare name is in the VirtualService's namespace).</param>
    public static (LookupResult? Result, string? Error) Find(ParsedDocuments documents, string host, string? hostNamespace, string gateway)
    {
        var exact = new List<(ResourceDocument Document, string Fqdn)>();
        var wildcard = new List<(ResourceDocument Document, string Fqdn)>();
        ImmutableArray<ResourceDocument> services = [.. documents.Resources.Where(static d => d.Resource is VirtualService)];
        foreach (ResourceDocument document in services)
        {
            var vs = (VirtualService)document.Resource;
            string fqdn = HostNames.Resolve(host, hostNamespace ?? vs.Namespace);
            if (!AppliesTo(vs, gateway))
            {
                continue;
            }

            IEnumerable<string> hosts = (vs.Spec?.Hosts ?? []).Select(h => HostNames.Resolve(h, vs.Namespace));
            if (hosts.Any(h => h == fqdn))
            {
                exact.Add((document, fqdn));
            }
            else if (hosts.Any(h => Covers(h, fqdn)))
            {
                wildcard.Add((document, fqdn));
            }
        }

        List<(ResourceDocument Document, string Fqdn)> found = exact.Count > 0 ? exact : wildcard;
        string via = gateway == Mesh ? "inside the mesh" : $"through gateway {gateway}";
        if (found.Count == 0)
        {
            string known = services.IsEmpty
                ? "the files have no VirtualService"
                : "the files have " + string.Join(", ", services.Select(static d => $"{d.Namespace}/{d.Name} (hosts: {string.Join(", ", ((VirtualService)d.Resource).Spec?.Hosts ?? [])}; gateways: {Gateways((VirtualService)d.Resource)})"));
            return (null, $"no VirtualService routes host '{host}' {via}{(hostNamespace is null ? string.Empty : $" in namespace {hostNamespace}")}: {known}.");
        }

        if (found.Count > 1)
        {
            string which = string.Join(", ", found.Select(static f => $"{f.Document.Namespace}/{f.Document.Name} ({f.Document.Location})"));
            string hint = found.Select(static f => f.Document.Namespace).Distinct(StringComparer.Ordinal).Count() > 1
                ? "pass --namespace to choose one"
                : "Istio would merge or ignore them; pass only the file of the one to simulate";
            return (null, $"host '{host}' is routed by more than one VirtualService {via}: {which}; {hint}.");
        }

        (ResourceDocument match, string matchFqdn) = found[0];
        ResourceDocument[] rules =
        [
            .. documents.Resources
                .Where(d => d.Resource is DestinationRule dr && dr.Spec?.Host is { } h && HostNames.Resolve(h, dr.Namespace) == matchFqdn)
                .OrderBy(d => d.Namespace == match.Namespace ? 0 : 1),
        ];
        return (new LookupResult(match, matchFqdn, rules.FirstOrDefault(), [.. rules.Skip(1)]), null);
    }

    /// <summary>The gateway as Istio compares it: <c>mesh</c> or <c>namespace/name</c>.</summary>
    public static string Normalize(string gateway, string resourceNamespace) =>
        gateway == Mesh || gateway.Contains('/', StringComparison.Ordinal) ? gateway : $"{resourceNamespace}/{gateway}";

    private static bool AppliesTo(VirtualService vs, string gateway)
    {
        IReadOnlyList<string> gateways = vs.Spec?.Gateways is { Count: > 0 } g ? g : [Mesh];
        string wanted = Normalize(gateway, vs.Namespace);
        return gateways.Any(g => Normalize(g, vs.Namespace) == wanted);
    }

    private static string Gateways(VirtualService vs) =>
        vs.Spec?.Gateways is { Count: > 0 } g ? string.Join(", ", g) : Mesh;

    private static bool Covers(string pattern, string fqdn) =>
        pattern == "*" || (pattern.StartsWith("*.", StringComparison.Ordinal) && fqdn.EndsWith(pattern[1..], StringComparison.Ordinal));
}
