namespace TrafficConsole.Cluster.Writing;

/// <summary>Knobs of the <see cref="RoutingWriter"/>.</summary>
public sealed class RoutingWriterOptions
{
    /// <summary>How long a write waits for the cache to show it before returning anyway.</summary>
    public TimeSpan CacheWaitTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a conflict waits for the cache to show the other writer's change (so the user sees it).</summary>
    public TimeSpan ConflictRefreshTimeout { get; set; } = TimeSpan.FromSeconds(2);
}
