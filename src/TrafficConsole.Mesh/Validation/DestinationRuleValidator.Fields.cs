using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;

using TrafficConsole.Mesh.Resources;

namespace TrafficConsole.Mesh.Validation;

/// <summary>The traffic-policy checks of a DestinationRule: what Istio's admission webhook and CRD schema reject.</summary>
public static partial class DestinationRuleValidator
{
    private static readonly string[] SimpleBalancers = ["UNSPECIFIED", "RANDOM", "PASSTHROUGH", "ROUND_ROBIN", "LEAST_REQUEST", "LEAST_CONN"];
    private static readonly string[] TlsModes = ["DISABLE", "SIMPLE", "MUTUAL", "ISTIO_MUTUAL"];

    private static void ValidateTrafficPolicy(TrafficPolicy? policy, string path, ImmutableArray<ValidationIssue>.Builder issues, bool portLevel = false)
    {
        if (policy is null)
        {
            return;
        }

        bool hasPort = policy.Extra?.ContainsKey("port") == true;
        int otherFields = (policy.Extra?.Count ?? 0) - (hasPort ? 1 : 0);
        if (policy.LoadBalancer is null && policy.ConnectionPool is null && policy.OutlierDetection is null && policy.Tls is null
            && policy.PortLevelSettings is null && otherFields == 0)
        {
            issues.Add(new(ValidationCodes.EmptyTrafficPolicy, Severity.Error, path,
                portLevel ? "The port-level traffic policy sets nothing besides the port; Istio rejects it." : "The traffic policy is empty; Istio rejects it. Remove it or set a field."));
        }

        if (portLevel && !hasPort)
        {
            issues.Add(new(ValidationCodes.EmptyTrafficPolicy, Severity.Error, path + ".port", "A port-level traffic policy needs a port."));
        }

        ValidateConnectionPool(policy.ConnectionPool, path + ".connectionPool", issues);
        ValidateOutlierDetection(policy.OutlierDetection, path + ".outlierDetection", issues);
        ValidateLoadBalancer(policy.LoadBalancer, path + ".loadBalancer", issues);
        ValidateTls(policy.Tls, path + ".tls", issues);

        IReadOnlyList<JsonElement> ports = policy.PortLevelSettings ?? [];
        for (int i = 0; i < ports.Count; i++)
        {
            TrafficPolicy? portPolicy = ports[i].ValueKind == JsonValueKind.Object ? ports[i].Deserialize<TrafficPolicy>(MeshJson.Options) : null;
            ValidateTrafficPolicy(portPolicy ?? new TrafficPolicy(), $"{path}.portLevelSettings[{Index(i)}]", issues, portLevel: true);
        }
    }

    private static void ValidateConnectionPool(ConnectionPoolSettings? pool, string path, ImmutableArray<ValidationIssue>.Builder issues)
    {
        if (pool is null)
        {
            return;
        }

        if (pool.Tcp is null && pool.Http is null && (pool.Extra is null || pool.Extra.Count == 0))
        {
            issues.Add(new(ValidationCodes.EmptyTrafficPolicy, Severity.Error, path, "The connection pool sets neither tcp nor http; Istio rejects it."));
        }

        if (pool.Tcp is { } tcp)
        {
            NotNegative(tcp.MaxConnections, path + ".tcp.maxConnections", issues);
            Duration(tcp.ConnectTimeout, path + ".tcp.connectTimeout", issues);
            Duration(tcp.MaxConnectionDuration, path + ".tcp.maxConnectionDuration", issues);
            Duration(tcp.IdleTimeout, path + ".tcp.idleTimeout", issues, zeroAllowed: true); // 0s turns the timeout off
        }

        if (pool.Http is { } http)
        {
            NotNegative(http.Http1MaxPendingRequests, path + ".http.http1MaxPendingRequests", issues);
            NotNegative(http.Http2MaxRequests, path + ".http.http2MaxRequests", issues);
            NotNegative(http.MaxRequestsPerConnection, path + ".http.maxRequestsPerConnection", issues);
            NotNegative(http.MaxRetries, path + ".http.maxRetries", issues);
            NotNegative(http.MaxConcurrentStreams, path + ".http.maxConcurrentStreams", issues);
            Duration(http.IdleTimeout, path + ".http.idleTimeout", issues);
            if (string.Equals(http.H2UpgradePolicy, "UPGRADE", StringComparison.Ordinal) && http.UseClientProtocol == true)
            {
                issues.Add(new(ValidationCodes.ClientProtocolWithUpgrade, Severity.Error, path + ".http.useClientProtocol",
                    "useClientProtocol cannot be true while h2UpgradePolicy is UPGRADE; Istio rejects that."));
            }
        }
    }

    private static void ValidateOutlierDetection(OutlierDetection? outlier, string path, ImmutableArray<ValidationIssue>.Builder issues)
    {
        if (outlier is null)
        {
            return;
        }

        Duration(outlier.Interval, path + ".interval", issues);
        Duration(outlier.BaseEjectionTime, path + ".baseEjectionTime", issues);
        Percent(outlier.MaxEjectionPercent, path + ".maxEjectionPercent", issues);
        Percent(outlier.MinHealthPercent, path + ".minHealthPercent", issues);
        NotNegative(outlier.Consecutive5xxErrors, path + ".consecutive5xxErrors", issues);
        NotNegative(outlier.ConsecutiveGatewayErrors, path + ".consecutiveGatewayErrors", issues);
        NotNegative(outlier.ConsecutiveLocalOriginFailures, path + ".consecutiveLocalOriginFailures", issues);
        if (outlier.ConsecutiveLocalOriginFailures > 0 && outlier.SplitExternalLocalOriginErrors != true)
        {
            issues.Add(new(ValidationCodes.LocalOriginWithoutSplit, Severity.Error, path + ".consecutiveLocalOriginFailures",
                "consecutiveLocalOriginFailures needs splitExternalLocalOriginErrors: true; Istio rejects it otherwise."));
        }
    }

    private static void ValidateLoadBalancer(LoadBalancerSettings? balancer, string path, ImmutableArray<ValidationIssue>.Builder issues)
    {
        if (balancer is null)
        {
            return;
        }

        if (balancer.Simple is { } simple && !SimpleBalancers.Contains(simple, StringComparer.Ordinal))
        {
            issues.Add(new(ValidationCodes.InvalidLoadBalancer, Severity.Error, path + ".simple",
                $"'{simple}' is not a load balancer; use ROUND_ROBIN, LEAST_REQUEST, RANDOM or PASSTHROUGH."));
        }

        if (balancer.Simple is not null && balancer.ConsistentHash is not null)
        {
            issues.Add(new(ValidationCodes.InvalidLoadBalancer, Severity.Error, path,
                "The load balancer sets both simple and consistentHash; Istio accepts only one of them."));
        }

        if (balancer.WarmupDurationSecs is { } warmup)
        {
            Duration(warmup, path + ".warmupDurationSecs", issues);
        }

        if (balancer.ConsistentHash is not { } hash)
        {
            return;
        }

        string[] keys = [.. new[]
        {
            ("httpHeaderName", hash.HttpHeaderName is not null),
            ("httpCookie", hash.HttpCookie is not null),
            ("useSourceIp", hash.UseSourceIp == true),
            ("httpQueryParameterName", hash.HttpQueryParameterName is not null),
        }.Where(static k => k.Item2).Select(static k => k.Item1)];
        if (keys.Length > 1)
        {
            issues.Add(new(ValidationCodes.InvalidLoadBalancer, Severity.Error, path + ".consistentHash",
                $"consistentHash sets {string.Join(" and ", keys)}; it hashes on exactly one of them, and Istio rejects more."));
        }

        if (hash.HttpHeaderName is { } header && FieldRules.HeaderNameProblem(header.ToLowerInvariant()) is { } headerProblem)
        {
            issues.Add(new(ValidationCodes.InvalidLoadBalancer, Severity.Error, path + ".consistentHash.httpHeaderName", headerProblem));
        }

        if (hash.HttpCookie is { } cookie)
        {
            if (string.IsNullOrEmpty(cookie.Name))
            {
                issues.Add(new(ValidationCodes.InvalidLoadBalancer, Severity.Error, path + ".consistentHash.httpCookie.name", "The hash cookie needs a name; Istio rejects it without."));
            }

            // 0s is a session cookie.
            Duration(cookie.Ttl, path + ".consistentHash.httpCookie.ttl", issues, zeroAllowed: true);
        }
    }

    private static void ValidateTls(ClientTlsSettings? tls, string path, ImmutableArray<ValidationIssue>.Builder issues)
    {
        if (tls is null)
        {
            return;
        }

        string mode = tls.Mode ?? "DISABLE";
        if (!TlsModes.Contains(mode, StringComparer.Ordinal))
        {
            issues.Add(new(ValidationCodes.InvalidClientTls, Severity.Error, path + ".mode", $"'{mode}' is not a TLS mode; use DISABLE, SIMPLE, MUTUAL or ISTIO_MUTUAL."));
            return;
        }

        bool ownCertificates = !string.IsNullOrEmpty(tls.ClientCertificate) || !string.IsNullOrEmpty(tls.PrivateKey) || !string.IsNullOrEmpty(tls.CaCertificates);
        if (mode is "SIMPLE" or "MUTUAL" && !string.IsNullOrEmpty(tls.CredentialName))
        {
            if (ownCertificates)
            {
                issues.Add(new(ValidationCodes.InvalidClientTls, Severity.Error, path + ".credentialName",
                    "With credentialName set, clientCertificate, privateKey and caCertificates come from the secret; Istio rejects setting them too."));
            }
        }
        else if (mode == "MUTUAL" && (string.IsNullOrEmpty(tls.ClientCertificate) || string.IsNullOrEmpty(tls.PrivateKey)))
        {
            issues.Add(new(ValidationCodes.InvalidClientTls, Severity.Error, path,
                "MUTUAL TLS needs clientCertificate and privateKey, or a credentialName; Istio rejects it without. For mesh mTLS use ISTIO_MUTUAL."));
        }

        if (mode == "ISTIO_MUTUAL" && tls.InsecureSkipVerify == true)
        {
            issues.Add(new(ValidationCodes.InvalidClientTls, Severity.Error, path + ".insecureSkipVerify", "insecureSkipVerify cannot be true with ISTIO_MUTUAL."));
        }
    }

    private static void Duration(string? value, string path, ImmutableArray<ValidationIssue>.Builder issues, bool zeroAllowed = false)
    {
        if (value is null)
        {
            return;
        }

        string field = path[(path.LastIndexOf('.') + 1)..];
        string? problem = ResourceRules.DurationProblem(value, zeroAllowed);
        if (problem is not null)
        {
            issues.Add(new(ValidationCodes.TrafficPolicyInvalidDuration, Severity.Error, path, $"{field}: {problem}"));
        }
    }

    private static void Percent(int? value, string path, ImmutableArray<ValidationIssue>.Builder issues)
    {
        if (value is int percent && percent is < 0 or > 100)
        {
            issues.Add(new(ValidationCodes.TrafficPolicyPercentOutOfRange, Severity.Error, path,
                $"{path[(path.LastIndexOf('.') + 1)..]} {percent.ToString(CultureInfo.InvariantCulture)} is outside 0..100."));
        }
    }

    private static void NotNegative(int? value, string path, ImmutableArray<ValidationIssue>.Builder issues)
    {
        if (value is < 0)
        {
            issues.Add(new(ValidationCodes.NegativeLimit, Severity.Error, path,
                $"{path[(path.LastIndexOf('.') + 1)..]} {value.Value.ToString(CultureInfo.InvariantCulture)} is negative; Istio rejects negative limits."));
        }
    }

    private static string Index(int i) => i.ToString(CultureInfo.InvariantCulture);
}
