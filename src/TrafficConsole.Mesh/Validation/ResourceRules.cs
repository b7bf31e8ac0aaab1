using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Routing;

namespace TrafficConsole.Mesh.Validation;

/// <summary>Rules for values found in Istio resources (hosts, gateway references, ports), as Istio's webhook applies them.</summary>
public static class ResourceRules
{
    /// <summary>The reserved gateway name for sidecars.</summary>
    public const string MeshGateway = "mesh";

    /// <summary>Why <paramref name="host"/> is not a host Istio accepts (a DNS name, optionally starting with <c>*.</c>, <c>*</c> or an IP address), or null.</summary>
    public static string? HostProblem(string? host)
    {
        if (string.IsNullOrWhiteSpace(host))
        {
            return "A host is required.";
        }

        if (host == "*" || IPAddress.TryParse(host, out _))
        {
            return null;
        }

        string name = host.StartsWith("*.", StringComparison.Ordinal) ? host[2..] : host;
        if (name.Length > 255)
        {
            return $"'{host}' is longer than 255 characters.";
        }

        string[] labels = name.TrimEnd('.').Split('.');
        string? bad = labels.FirstOrDefault(static l => !SubsetNames.IsValid(l));
        return bad is null ? null
            : $"'{host}' is not a valid host: '{bad}' is not a DNS label (lower-case letters, digits and '-', a '*' only as the whole first label).";
    }

    /// <summary>Why a gateway reference (<c>mesh</c>, <c>namespace/name</c>, or a name in the resource's namespace) is malformed, or null.</summary>
    public static string? GatewayReferenceProblem(string? reference)
    {
        if (string.IsNullOrWhiteSpace(reference))
        {
            return "A gateway name is required.";
        }

        if (reference == MeshGateway)
        {
            return null;
        }

        string[] parts = reference.Split('/');
        if (parts.Length > 2)
        {
            return $"'{reference}' has more than one '/'; write namespace/name.";
        }

        if (parts.Length == 2)
        {
            if (!SubsetNames.IsValid(parts[0]))
            {
                return $"'{reference}': namespace '{parts[0]}' is not a DNS-1123 label.";
            }

            return SubsetNames.IsValid(parts[1]) ? null : $"'{reference}': gateway name '{parts[1]}' is not a DNS-1123 label.";
        }

        return HostProblem(reference) is null && !reference.Contains('*', StringComparison.Ordinal)
            ? null
            : $"'{reference}' is not a gateway name: write namespace/name, a name in this namespace, or mesh.";
    }

    /// <summary>True for the deprecated <c>name.namespace(.svc.cluster.local)</c> form of a gateway reference.</summary>
    public static bool IsLegacyGatewayReference(string reference) =>
        reference is not null && reference != MeshGateway && !reference.Contains('/', StringComparison.Ordinal) && reference.Contains('.', StringComparison.Ordinal);

    /// <summary>A gateway reference as <c>namespace/name</c> (or <c>mesh</c>), relative to <paramref name="resourceNamespace"/>.</summary>
    public static string ResolveGateway(string reference, string resourceNamespace)
    {
        ArgumentNullException.ThrowIfNull(reference);
        string trimmed = reference.Trim();
        if (trimmed == MeshGateway || trimmed.Contains('/', StringComparison.Ordinal))
        {
            return trimmed;
        }

        string[] parts = trimmed.Split('.');
        return parts.Length >= 2 ? $"{parts[1]}/{parts[0]}" : $"{resourceNamespace}/{trimmed}";
    }

    /// <summary>Why <paramref name="port"/> is not a port number 1..65535, or null.</summary>
    public static string? PortProblem(int? port) =>
        port is >= 1 and <= 65535 ? null : $"{port?.ToString(CultureInfo.InvariantCulture) ?? "(none)"} is not a port number (1..65535).";

    /// <summary>
    /// Why <paramref name="text"/> is not a duration Istio's webhook accepts, or null: <see cref="FieldRules.DurationProblem"/>
    /// plus Istio's millisecond precision; <paramref name="zeroAllowed"/> for the fields where <c>0s</c> means "off".
    /// </summary>
    public static string? DurationProblem(string? text, bool zeroAllowed = false)
    {
        TimeSpan? duration = FieldRules.ParseDuration(text);
        if (zeroAllowed && duration == TimeSpan.Zero)
        {
            return null;
        }

        if (FieldRules.DurationProblem(text) is { } problem)
        {
            return duration == TimeSpan.Zero ? problem + " Remove the field to leave it unset." : problem;
        }

        return duration!.Value.Ticks % TimeSpan.TicksPerMillisecond == 0 ? null
            : $"'{text}' is finer than a millisecond; Istio supports durations to millisecond precision only.";
    }

    /// <summary>A canonical text of a JSON-serializable value, with object keys sorted, so equal content compares equal whatever the key order.</summary>
    public static string Canonical(object value, params string[] ignoredProperties)
    {
        ArgumentNullException.ThrowIfNull(value);
        JsonNode? node = JsonSerializer.SerializeToNode(value, value.GetType(), MeshJson.Options);
        if (node is JsonObject root)
        {
            foreach (string property in ignoredProperties)
            {
                root.Remove(property);
            }
        }

        return Sort(node)?.ToJsonString() ?? "null";
    }

    private static JsonNode? Sort(JsonNode? node) => node switch
    {
        JsonObject obj => new JsonObject(obj.OrderBy(static p => p.Key, StringComparer.Ordinal).Select(static p => KeyValuePair.Create(p.Key, Sort(p.Value)))),
        JsonArray array => new JsonArray([.. array.Select(Sort)]),
        _ => node?.DeepClone(),
    };
}
