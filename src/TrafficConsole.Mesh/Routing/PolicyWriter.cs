using System.Text.Json;

using TrafficConsole.Mesh.Resources;

using static TrafficConsole.Mesh.Routing.RoutingIntentReader;

namespace TrafficConsole.Mesh.Routing;

/// <summary>Merges a <see cref="TrafficPolicyIntent"/> over a DestinationRule traffic policy, changing only the fields the intent models.</summary>
internal static class PolicyWriter
{
    /// <summary>
    /// The policy to write: <paramref name="origin"/> itself when <paramref name="wanted"/> reads the same; otherwise origin with the
    /// modelled fields replaced (null <paramref name="wanted"/> removes them), objects left empty dropped, unmodelled fields kept.
    /// </summary>
    public static TrafficPolicy? Merge(TrafficPolicy? origin, TrafficPolicyIntent? wanted)
    {
        TrafficPolicyIntent read = origin is null ? new TrafficPolicyIntent() : ReadPolicy(origin);
        if (RoutingIntentEquality.SamePolicy(read, wanted))
        {
            return origin;
        }

        TrafficPolicyIntent want = wanted ?? new TrafficPolicyIntent();
        TrafficPolicy baseline = origin ?? new TrafficPolicy();
        TrafficPolicy merged = baseline with
        {
            LoadBalancer = read.LoadBalancer == want.LoadBalancer && read.ConsistentHash == want.ConsistentHash
                ? baseline.LoadBalancer
                : Prune(WriteLoadBalancer(baseline.LoadBalancer, read, want)),
            ConnectionPool = read.ConnectionPool == want.ConnectionPool ? baseline.ConnectionPool : Prune(WritePool(baseline.ConnectionPool, want.ConnectionPool)),
            OutlierDetection = read.OutlierDetection == want.OutlierDetection ? baseline.OutlierDetection : Prune(WriteOutlier(baseline.OutlierDetection, want.OutlierDetection)),
            Tls = read.Tls == want.Tls ? baseline.Tls : Prune((baseline.Tls ?? new ClientTlsSettings()) with { Mode = want.Tls is { } mode ? ToIstio(mode) : null }),
        };
        return Prune(merged);
    }

    private static LoadBalancerSettings WriteLoadBalancer(LoadBalancerSettings? current, TrafficPolicyIntent read, TrafficPolicyIntent want)
    {
        LoadBalancerSettings lb = current ?? new LoadBalancerSettings();
        string? simple = read.LoadBalancer == want.LoadBalancer && want.ConsistentHash is null ? lb.Simple
            : want.LoadBalancer is { } s ? ToIstio(s)
            : null;
        ConsistentHash? hash = read.ConsistentHash == want.ConsistentHash ? lb.ConsistentHash : Prune(WriteHash(lb.ConsistentHash, want.ConsistentHash));
        return lb with { Simple = simple, ConsistentHash = hash };
    }

    private static ConsistentHash WriteHash(ConsistentHash? current, ConsistentHashPolicy? want)
    {
        ConsistentHash hash = current ?? new ConsistentHash();
        return hash with
        {
            HttpHeaderName = want?.Key == HashKey.HttpHeader ? want.Name : null,
            HttpCookie = want?.Key == HashKey.HttpCookie
                ? (hash.HttpCookie ?? new HttpCookie()) with { Name = want.Name, Ttl = want.CookieTtl, Path = want.CookiePath }
                : null,
            UseSourceIp = want?.Key == HashKey.SourceIp ? true : null,
            HttpQueryParameterName = want?.Key == HashKey.QueryParameter ? want.Name : null,
        };
    }

    private static ConnectionPoolSettings WritePool(ConnectionPoolSettings? current, ConnectionPoolPolicy? want)
    {
        ConnectionPoolSettings pool = current ?? new ConnectionPoolSettings();
        return pool with
        {
            Tcp = Prune((pool.Tcp ?? new TcpSettings()) with { MaxConnections = want?.TcpMaxConnections }),
            Http = Prune((pool.Http ?? new HttpSettings()) with
            {
                Http1MaxPendingRequests = want?.HttpPendingRequests,
                MaxRequestsPerConnection = want?.MaxRequestsPerConnection,
                MaxRetries = want?.MaxRetries,
            }),
        };
    }

    private static OutlierDetection WriteOutlier(OutlierDetection? current, OutlierDetectionPolicy? want) =>
        (current ?? new OutlierDetection()) with
        {
            Consecutive5xxErrors = want?.Consecutive5xxErrors,
            Interval = want?.Interval,
            BaseEjectionTime = want?.BaseEjectionTime,
            MaxEjectionPercent = want?.MaxEjectionPercent,
        };

    /// <summary>Null for an object that would serialize as <c>{}</c>: an edit that empties an object removes it.</summary>
    private static T? Prune<T>(T? value)
        where T : class =>
        value is null || JsonSerializer.Serialize(value, value.GetType(), MeshJson.Options) == "{}" ? null : value;
}
