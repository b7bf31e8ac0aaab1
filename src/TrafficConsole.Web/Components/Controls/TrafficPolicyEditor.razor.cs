using Microsoft.AspNetCore.Components;

using TrafficConsole.Mesh.Routing;

namespace TrafficConsole.Web.Components.Controls;

/// <summary>Edits a <see cref="TrafficPolicyIntent"/> (service-wide, or one version's subset policy).</summary>
public partial class TrafficPolicyEditor
{
    [Parameter]
    public TrafficPolicyIntent? Policy { get; set; }

    [Parameter]
    public EventCallback<TrafficPolicyIntent?> PolicyChanged { get; set; }

    /// <summary>The policy's path in the intent (<c>policy</c>, <c>versionPolicies[v2]</c>).</summary>
    [Parameter, EditorRequired]
    public string Path { get; set; } = string.Empty;

    [Parameter]
    public string Title { get; set; } = "Traffic policy";

    /// <summary>True for a per-version policy: off until the operator gives the version its own.</summary>
    [Parameter]
    public bool Collapsible { get; set; }

    [Parameter]
    public FieldMessages Messages { get; set; } = FieldMessages.None;

    [Parameter]
    public bool Disabled { get; set; }

    private string? Err(string field) => Messages.ErrorAt($"{Path}.{field}");

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    private static string BalancerChoice(TrafficPolicyIntent policy) =>
        policy.ConsistentHash is not null ? "HASH" : policy.LoadBalancer switch
        {
            SimpleLoadBalancer.RoundRobin => "ROUND_ROBIN",
            SimpleLoadBalancer.LeastRequest => "LEAST_REQUEST",
            SimpleLoadBalancer.Random => "RANDOM",
            SimpleLoadBalancer.Passthrough => "PASSTHROUGH",
            _ => string.Empty,
        };

    private Task SetBalancer(TrafficPolicyIntent policy, string choice) => Set(choice switch
    {
        "HASH" => policy with { LoadBalancer = null, ConsistentHash = policy.ConsistentHash ?? new ConsistentHashPolicy(HashKey.HttpCookie, "session", "3600s", "/") },
        "ROUND_ROBIN" => policy with { LoadBalancer = SimpleLoadBalancer.RoundRobin, ConsistentHash = null },
        "LEAST_REQUEST" => policy with { LoadBalancer = SimpleLoadBalancer.LeastRequest, ConsistentHash = null },
        "RANDOM" => policy with { LoadBalancer = SimpleLoadBalancer.Random, ConsistentHash = null },
        "PASSTHROUGH" => policy with { LoadBalancer = SimpleLoadBalancer.Passthrough, ConsistentHash = null },
        _ => policy with { LoadBalancer = null, ConsistentHash = null },
    });

    private Task SetPool(TrafficPolicyIntent policy, Func<ConnectionPoolPolicy, ConnectionPoolPolicy> change)
    {
        ConnectionPoolPolicy pool = change(policy.ConnectionPool ?? new ConnectionPoolPolicy(null, null, null, null));
        bool empty = pool is { TcpMaxConnections: null, HttpPendingRequests: null, MaxRequestsPerConnection: null, MaxRetries: null };
        return Set(policy with { ConnectionPool = empty ? null : pool });
    }

    private Task SetOutlier(TrafficPolicyIntent policy, Func<OutlierDetectionPolicy, OutlierDetectionPolicy> change)
    {
        OutlierDetectionPolicy outlier = change(policy.OutlierDetection ?? new OutlierDetectionPolicy(null, null, null, null));
        bool empty = outlier is { Consecutive5xxErrors: null, Interval: null, BaseEjectionTime: null, MaxEjectionPercent: null };
        return Set(policy with { OutlierDetection = empty ? null : outlier });
    }

    private Task SetOn(bool on) => PolicyChanged.InvokeAsync(on ? Policy ?? new TrafficPolicyIntent() : null);

    // A policy that sets nothing (and came from nowhere) is no policy: the DestinationRule gets no trafficPolicy.
    private Task Set(TrafficPolicyIntent policy)
    {
        bool empty = policy is { LoadBalancer: null, ConsistentHash: null, ConnectionPool: null, OutlierDetection: null, Tls: null, Origin: null };
        return PolicyChanged.InvokeAsync(empty && !Collapsible ? null : policy);
    }
}
