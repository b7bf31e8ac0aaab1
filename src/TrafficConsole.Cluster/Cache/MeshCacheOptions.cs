namespace TrafficConsole.Cluster.Cache;

/// <summary>Timing and sizing of the <see cref="MeshCache"/>; bound from <c>Cluster:Cache</c>.</summary>
public sealed class MeshCacheOptions
{
    public const string SectionName = "Cluster:Cache";

    /// <summary>How long a subscriber's burst of changes is collected into one batch.</summary>
    public TimeSpan BatchWindow { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Published change sets a subscriber may have unread before it is told to resync.</summary>
    public int SubscriberCapacity { get; set; } = 1024;

    /// <summary>First back-off after a failure; doubles each time.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Back-off cap.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The server-side timeout asked for each watch (renewed with up to 20% jitter).</summary>
    public TimeSpan WatchTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Objects per page when listing (large clusters are listed in pages).</summary>
    public int ListPageSize { get; set; } = 500;

    /// <summary>Consecutive failed attempts after which health is Unreachable rather than Reconnecting.</summary>
    public int UnreachableAfterFailures { get; set; } = 3;
}
