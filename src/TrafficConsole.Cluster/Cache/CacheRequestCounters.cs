using System.Collections.Immutable;

namespace TrafficConsole.Cluster.Cache;

/// <summary>How many requests the cache made to the API server, per resource kind.</summary>
/// <remarks>Viewers never add to these: the benchmark uses them to show N viewers cost what one does.</remarks>
public sealed class CacheRequestCounters
{
    private readonly long[] _lists = new long[Enum.GetValues<MeshResourceKind>().Length];
    private readonly long[] _watches = new long[Enum.GetValues<MeshResourceKind>().Length];
    private readonly long[] _probes = new long[Enum.GetValues<MeshResourceKind>().Length];

    /// <summary>List requests (one per list, pages of one list count once).</summary>
    public long Lists => SumOf(_lists);

    /// <summary>Watch requests.</summary>
    public long Watches => SumOf(_watches);

    /// <summary>Reachability probes made while reconnecting.</summary>
    public long Probes => SumOf(_probes);

    /// <summary>Every request the cache made.</summary>
    public long Total => Lists + Watches + Probes;

    public long ListsOf(MeshResourceKind kind) => Interlocked.Read(ref _lists[(int)kind]);

    public long WatchesOf(MeshResourceKind kind) => Interlocked.Read(ref _watches[(int)kind]);

    /// <summary>A copy of the counters, e.g. for a status endpoint.</summary>
    public ImmutableDictionary<string, long> ToDictionary() =>
        ImmutableDictionary<string, long>.Empty
            .Add("lists", Lists)
            .Add("watches", Watches)
            .Add("probes", Probes)
            .Add("total", Total);

    private static long SumOf(long[] values)
    {
        long sum = 0;
        for (int i = 0; i < values.Length; i++)
        {
            sum += Interlocked.Read(ref values[i]);
        }

        return sum;
    }

    internal void CountList(MeshResourceKind kind) => Interlocked.Increment(ref _lists[(int)kind]);

    internal void CountWatch(MeshResourceKind kind) => Interlocked.Increment(ref _watches[(int)kind]);

    internal void CountProbe(MeshResourceKind kind) => Interlocked.Increment(ref _probes[(int)kind]);
}
