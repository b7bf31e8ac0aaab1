using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;

using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Services;

namespace TrafficConsole.Mesh.Telemetry;

/// <summary>Whether Istio's proxies have a resource's (or a service's) routing, as istiod reports in its status.</summary>
public enum ProxySyncState
{
    /// <summary>No status at all: istiod does not write it (<c>PILOT_ENABLE_STATUS</c> off) or has not yet.</summary>
    NotReported,

    /// <summary>The status is for an older generation, or its Reconciled condition is not True yet.</summary>
    Pending,

    /// <summary>The Reconciled condition is True at the resource's current generation.</summary>
    Reconciled,
}

/// <summary>One routing resource's proxy sync, read from its generation and status.</summary>
/// <param name="Kind">VirtualService or DestinationRule.</param>
/// <param name="Name">The resource's name.</param>
/// <param name="State">What the status says of the current generation.</param>
/// <param name="Generation">metadata.generation (bumped by every spec change).</param>
/// <param name="ObservedGeneration">The generation the status speaks of (on the Reconciled condition, else the status).</param>
/// <param name="ReconciledAt">The Reconciled condition's lastTransitionTime (whole seconds), when reconciled.</param>
public sealed record ResourceSync(string Kind, string Name, ProxySyncState State, long? Generation, long? ObservedGeneration, DateTimeOffset? ReconciledAt);

/// <summary>A service's proxy sync: its VirtualServices and DestinationRules together.</summary>
/// <param name="State">Pending if any resource is pending (or silent while others report); not reported if none reports.</param>
/// <param name="Resources">Each routing resource's reading.</param>
public sealed record ServiceSync(ProxySyncState State, ImmutableArray<ResourceSync> Resources)
{
    /// <summary>A service with no routing resource: nothing to report.</summary>
    public static ServiceSync None { get; } = new(ProxySyncState.NotReported, []);

    /// <summary>The routing resource's generation (the VirtualService's when there is one), for display.</summary>
    public long? Generation => Primary?.Generation;

    /// <summary>The generation the status of <see cref="Generation"/>'s resource speaks of.</summary>
    public long? ObservedGeneration => Primary?.ObservedGeneration;

    /// <summary>When the last resource became reconciled, per its condition's lastTransitionTime.</summary>
    public DateTimeOffset? ReconciledAt => State == ProxySyncState.Reconciled ? Resources.Max(static r => r.ReconciledAt) : null;

    private ResourceSync? Primary => Resources.IsDefaultOrEmpty ? null : Resources.FirstOrDefault(static r => r.Kind == VirtualService.KindName) ?? Resources[0];
}

/// <summary>
/// Reads Istio's proxy sync reports: with <c>PILOT_ENABLE_STATUS</c>, istiod writes into VirtualServices' and
/// DestinationRules' status a <c>Reconciled</c> condition and the observedGeneration once its proxies have the config.
/// </summary>
public static class ProxySync
{
    /// <summary>The condition type istiod writes.</summary>
    public const string ReconciledCondition = "Reconciled";

    /// <summary>The proxy sync of one resource.</summary>
    /// <param name="resource">A VirtualService or DestinationRule (its unknown top-level fields hold the status).</param>
    public static ResourceSync Read<TSpec>(IstioResource<TSpec> resource)
        where TSpec : class
    {
        ArgumentNullException.ThrowIfNull(resource);
        long? generation = resource.Metadata?.Generation;
        string kind = resource.Kind.Length > 0 ? resource.Kind : resource is DestinationRule ? DestinationRule.KindName : VirtualService.KindName;
        if (resource.Extra is not { } extra || !extra.TryGetValue("status", out JsonElement status) || status.ValueKind != JsonValueKind.Object
            || Reconciled(status) is not { } condition)
        {
            return new ResourceSync(kind, resource.Name, ProxySyncState.NotReported, generation, null, null);
        }

        long? observed = GenerationIn(condition) ?? GenerationIn(status);
        bool isTrue = condition.TryGetProperty("status", out JsonElement value) && value.ValueKind == JsonValueKind.String
            && string.Equals(value.GetString(), "True", StringComparison.OrdinalIgnoreCase);

        // A condition that does not say which generation it speaks of is taken at its word.
        bool current = observed is null || generation is null || observed >= generation;
        ProxySyncState state = isTrue && current ? ProxySyncState.Reconciled : ProxySyncState.Pending;
        DateTimeOffset? at = state == ProxySyncState.Reconciled ? TimeIn(condition) : null;
        return new ResourceSync(kind, resource.Name, state, generation, observed, at);
    }

    /// <summary>The proxy sync of a service: its VirtualServices and DestinationRules together.</summary>
    /// <param name="view">The service as the cache shows it.</param>
    public static ServiceSync Of(ServiceView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        return Of(view.VirtualServices, view.DestinationRules);
    }

    /// <summary>The proxy sync of routing resources taken together.</summary>
    /// <param name="virtualServices">The service's VirtualServices.</param>
    /// <param name="destinationRules">The service's DestinationRules.</param>
    public static ServiceSync Of(IEnumerable<VirtualService> virtualServices, IEnumerable<DestinationRule> destinationRules)
    {
        ArgumentNullException.ThrowIfNull(virtualServices);
        ArgumentNullException.ThrowIfNull(destinationRules);
        ImmutableArray<ResourceSync> resources = [.. virtualServices.Select(static vs => Read(vs)), .. destinationRules.Select(static dr => Read(dr))];
        if (resources.IsEmpty || resources.All(static r => r.State == ProxySyncState.NotReported))
        {
            return new ServiceSync(ProxySyncState.NotReported, resources);
        }

        // The cluster reports: a resource still silent (just created) is as pending as one reported at an older generation.
        return new ServiceSync(resources.All(static r => r.State == ProxySyncState.Reconciled) ? ProxySyncState.Reconciled : ProxySyncState.Pending, resources);
    }

    private static JsonElement? Reconciled(JsonElement status)
    {
        if (!status.TryGetProperty("conditions", out JsonElement conditions) || conditions.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        foreach (JsonElement condition in conditions.EnumerateArray())
        {
            if (condition.ValueKind == JsonValueKind.Object && condition.TryGetProperty("type", out JsonElement type)
                && type.ValueKind == JsonValueKind.String && string.Equals(type.GetString(), ReconciledCondition, StringComparison.Ordinal))
            {
                return condition;
            }
        }

        return null;
    }

    // observedGeneration as istiod writes it: a number, or (int64 in proto JSON) a string of digits.
    private static long? GenerationIn(JsonElement element)
    {
        if (!element.TryGetProperty("observedGeneration", out JsonElement value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.Number when value.TryGetInt64(out long number) => number,
            JsonValueKind.String when long.TryParse(value.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out long parsed) => parsed,
            _ => null,
        };
    }

    private static DateTimeOffset? TimeIn(JsonElement condition) =>
        condition.TryGetProperty("lastTransitionTime", out JsonElement value) && value.ValueKind == JsonValueKind.String
            && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset at)
                ? at
                : null;
}
