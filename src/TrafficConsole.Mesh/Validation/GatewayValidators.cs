using System.Collections.Immutable;
using System.Globalization;

using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Routing;

namespace TrafficConsole.Mesh.Validation;

/// <summary>Checks an Istio Gateway on its own, as Istio's admission webhook does.</summary>
public static class IstioGatewayValidator
{
    private static readonly string[] Protocols = ["HTTP", "HTTPS", "HTTP2", "GRPC", "GRPC-WEB", "HTTP_PROXY", "TCP", "TLS", "MONGO", "REDIS", "MYSQL", "UDP"];

    /// <summary>All issues of <paramref name="gateway"/>.</summary>
    public static ImmutableArray<ValidationIssue> Validate(IstioGateway gateway)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        ImmutableArray<ValidationIssue>.Builder issues = ImmutableArray.CreateBuilder<ValidationIssue>();
        IReadOnlyList<GatewayServer> servers = gateway.Spec?.Servers ?? [];
        if (servers.Count == 0)
        {
            issues.Add(new(ValidationCodes.GatewayWithoutServers, Severity.Error, "spec.servers", "The Gateway has no servers; Istio rejects it."));
        }

        var portNames = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int s = 0; s < servers.Count; s++)
        {
            string path = $"spec.servers[{s.ToString(CultureInfo.InvariantCulture)}]";
            GatewayServer server = servers[s];
            ValidateHosts(server.Hosts ?? [], path, issues);
            if (ValidatePort(server.Port, path + ".port", issues) is { } protocol && server.Tls is null && protocol is "HTTPS" or "TLS")
            {
                issues.Add(new(ValidationCodes.GatewayTlsRequired, Severity.Error, path + ".tls",
                    $"A {protocol} server needs tls settings (mode and credentialName); Istio rejects it without."));
            }

            string portName = server.Port?.Name ?? string.Empty;
            if (server.Port is not null && !portNames.TryAdd(portName, s))
            {
                issues.Add(new(ValidationCodes.GatewayDuplicatePortName, Severity.Error, path + ".port.name",
                    $"Port name '{portName}' is used by server {portNames[portName].ToString(CultureInfo.InvariantCulture)} too; port names must be unique."));
            }
        }

        return issues.ToImmutable();
    }

    private static void ValidateHosts(IReadOnlyList<string> hosts, string path, ImmutableArray<ValidationIssue>.Builder issues)
    {
        if (hosts.Count == 0)
        {
            issues.Add(new(ValidationCodes.GatewayServerWithoutHosts, Severity.Error, path + ".hosts", "The server has no hosts; Istio rejects it. Use \"*\" for any host."));
            return;
        }

        for (int h = 0; h < hosts.Count; h++)
        {
            if (HostProblem(hosts[h]) is { } problem)
            {
                issues.Add(new(ValidationCodes.GatewayInvalidHost, Severity.Error, $"{path}.hosts[{h.ToString(CultureInfo.InvariantCulture)}]", problem));
            }
        }
    }

    // namespace/host, where namespace is *, . or a namespace name, and host is * or a DNS name (optionally *.).
    private static string? HostProblem(string host)
    {
        string[] parts = host.Split('/');
        if (parts.Length > 2)
        {
            return $"'{host}' has more than one '/'; write namespace/host.";
        }

        if (parts.Length == 2 && parts[0] is not ("*" or ".") && !SubsetNames.IsValid(parts[0]))
        {
            return $"'{host}': '{parts[0]}' is not a namespace name, '*' or '.'.";
        }

        string name = parts[^1];
        if (name != "*" && !name.Contains('.', StringComparison.Ordinal))
        {
            return $"'{host}': short names are not allowed in Gateway hosts; write the full name (e.g. {name}.example.com) or \"*\".";
        }

        return ResourceRules.HostProblem(name) is { } problem ? $"'{host}': {problem}" : null;
    }

    private static string? ValidatePort(GatewayPort? port, string path, ImmutableArray<ValidationIssue>.Builder issues)
    {
        if (port is null)
        {
            issues.Add(new(ValidationCodes.GatewayInvalidPort, Severity.Error, path, "The server has no port; Istio rejects it."));
            return null;
        }

        string? protocol = port.Protocol?.ToUpperInvariant();
        bool valid = true;
        if (protocol is null || !Protocols.Contains(protocol, StringComparer.Ordinal))
        {
            issues.Add(new(ValidationCodes.GatewayInvalidPort, Severity.Error, path + ".protocol",
                $"'{port.Protocol}' is not a protocol Istio supports ({string.Join(", ", Protocols)})."));
            valid = false;
        }

        if (ResourceRules.PortProblem(port.Number) is { } problem)
        {
            issues.Add(new(ValidationCodes.GatewayInvalidPort, Severity.Error, path + ".number", problem));
            valid = false;
        }

        return valid ? protocol : null;
    }
}

/// <summary>Checks a Gateway API HTTPRoute on its own, as its CRD schema and Istio's implementation judge it.</summary>
public static class HttpRouteValidator
{
    /// <summary>The largest backend weight the Gateway API allows.</summary>
    public const int MaxWeight = 1_000_000;

    private static readonly string[] PathTypes = ["Exact", "PathPrefix", "RegularExpression"];

    /// <summary>All issues of <paramref name="route"/>.</summary>
    public static ImmutableArray<ValidationIssue> Validate(HttpRoute route)
    {
        ArgumentNullException.ThrowIfNull(route);
        ImmutableArray<ValidationIssue>.Builder issues = ImmutableArray.CreateBuilder<ValidationIssue>();
        HttpRouteSpec spec = route.Spec ?? new HttpRouteSpec();
        if (spec.ParentRefs is null || spec.ParentRefs.Count == 0)
        {
            issues.Add(new(ValidationCodes.HttpRouteWithoutParent, Severity.Warning, "spec.parentRefs",
                "The HTTPRoute has no parentRefs, so it attaches to no Gateway or Service and routes nothing."));
        }

        IReadOnlyList<HttpRouteRuleSpec> rules = spec.Rules ?? [];
        for (int r = 0; r < rules.Count; r++)
        {
            string path = $"spec.rules[{Index(r)}]";
            IReadOnlyList<HttpRouteMatch> matches = rules[r].Matches ?? [];
            for (int m = 0; m < matches.Count; m++)
            {
                ValidateMatch(matches[m], $"{path}.matches[{Index(m)}]", issues);
            }

            ValidateBackends(rules[r].BackendRefs ?? [], path, issues);
        }

        return issues.ToImmutable();
    }

    private static void ValidateMatch(HttpRouteMatch match, string path, ImmutableArray<ValidationIssue>.Builder issues)
    {
        if (match.Path is { } pathMatch)
        {
            string type = pathMatch.Type ?? "PathPrefix";
            string value = pathMatch.Value ?? "/";
            if (!PathTypes.Contains(type, StringComparer.Ordinal))
            {
                issues.Add(new(ValidationCodes.HttpRouteInvalidPath, Severity.Error, path + ".path.type", $"'{type}' is not a path match type (Exact, PathPrefix, RegularExpression)."));
            }
            else if (type == "RegularExpression")
            {
                Regex(value, path + ".path.value", issues);
            }
            else if (!value.StartsWith('/') || value.Contains("//", StringComparison.Ordinal) || value.Contains('?', StringComparison.Ordinal) || value.Contains('#', StringComparison.Ordinal))
            {
                issues.Add(new(ValidationCodes.HttpRouteInvalidPath, Severity.Error, path + ".path.value",
                    $"'{value}' is not an absolute path: {type} values start with '/' and contain no '//', '?' or '#'."));
            }
        }

        ValidateNameValues(match.Headers ?? [], path + ".headers", header: true, issues);
        ValidateNameValues(match.QueryParams ?? [], path + ".queryParams", header: false, issues);
    }

    private static void ValidateNameValues(IReadOnlyList<HttpNameValueMatch> matches, string path, bool header, ImmutableArray<ValidationIssue>.Builder issues)
    {
        for (int i = 0; i < matches.Count; i++)
        {
            string at = $"{path}[{Index(i)}]";
            string name = matches[i].Name ?? string.Empty;
            string? problem = header ? FieldRules.HeaderNameProblem(name.ToLowerInvariant()) : name.Length == 0 ? "A query parameter name is required." : null;
            if (problem is not null)
            {
                issues.Add(new(ValidationCodes.HttpRouteInvalidHeaderName, Severity.Error, at + ".name", problem));
            }

            if (matches[i].Type == "RegularExpression")
            {
                Regex(matches[i].Value, at + ".value", issues);
            }
        }
    }

    private static void Regex(string? pattern, string path, ImmutableArray<ValidationIssue>.Builder issues)
    {
        if (FieldRules.RegexProblem(pattern) is { } problem)
        {
            issues.Add(new(ValidationCodes.HttpRouteInvalidRegex, Severity.Error, path, problem));
        }
    }

    private static void ValidateBackends(IReadOnlyList<HttpBackendRef> backends, string path, ImmutableArray<ValidationIssue>.Builder issues)
    {
        for (int b = 0; b < backends.Count; b++)
        {
            string at = $"{path}.backendRefs[{Index(b)}]";
            HttpBackendRef backend = backends[b];
            if (backend.Weight is int weight and (< 0 or > MaxWeight))
            {
                issues.Add(new(ValidationCodes.HttpRouteInvalidWeight, Severity.Error, at + ".weight",
                    $"Weight {weight.ToString(CultureInfo.InvariantCulture)} is outside 0..{MaxWeight.ToString(CultureInfo.InvariantCulture)}; the Gateway API rejects it."));
            }

            if (string.IsNullOrEmpty(backend.Name))
            {
                issues.Add(new(ValidationCodes.HttpRouteInvalidBackend, Severity.Error, at + ".name", "The backendRef names no backend."));
            }
            else if ((backend.Kind is null or "Service") && string.IsNullOrEmpty(backend.Group) && backend.Port is null)
            {
                issues.Add(new(ValidationCodes.HttpRouteInvalidBackend, Severity.Error, at + ".port", $"A Service backend needs a port; the Gateway API rejects {backend.Name} without one."));
            }
            else if (backend.Port is int port && ResourceRules.PortProblem(port) is { } portProblem)
            {
                issues.Add(new(ValidationCodes.HttpRouteInvalidBackend, Severity.Error, at + ".port", portProblem));
            }
        }

        // Absent weights are 1 in the Gateway API; only explicit zeros starve every backend.
        if (backends.Count > 0 && backends.All(static b => b.Weight == 0))
        {
            issues.Add(new(ValidationCodes.HttpRouteAllWeightsZero, Severity.Warning, path + ".backendRefs",
                "Every backend has weight 0, so matched requests get 500 responses."));
        }
    }

    private static string Index(int i) => i.ToString(CultureInfo.InvariantCulture);
}
