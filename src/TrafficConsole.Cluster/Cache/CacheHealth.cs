namespace TrafficConsole.Cluster.Cache;

/// <summary>How the cache's connection to the API server is doing.</summary>
public enum CacheHealthState
{
    /// <summary>Started, first lists not done yet.</summary>
    Connecting,

    /// <summary>Every list/watch is up.</summary>
    Connected,

    /// <summary>A request failed; retrying with back-off. The snapshot may be stale.</summary>
    Reconnecting,

    /// <summary>Repeated failures: the API server cannot be reached. The snapshot is stale.</summary>
    Unreachable,
}

/// <summary>The cache's connection health; pages show "API server unreachable" from it and recover by themselves.</summary>
/// <param name="State">Connected, reconnecting or unreachable.</param>
/// <param name="Since">When the cache entered this state.</param>
/// <param name="LastError">The last error message while not connected (never contains credentials).</param>
public sealed record CacheHealth(CacheHealthState State, DateTimeOffset Since, string? LastError = null)
{
    public bool IsConnected => State == CacheHealthState.Connected;

    /// <summary>A short sentence for people.</summary>
    public string Describe() => State switch
    {
        CacheHealthState.Connecting => "Connecting to the API server",
        CacheHealthState.Connected => "Connected",
        CacheHealthState.Reconnecting => $"Reconnecting to the API server: {LastError}",
        CacheHealthState.Unreachable => $"API server unreachable since {Since:u}: {LastError}",
        _ => State.ToString(),
    };
}
