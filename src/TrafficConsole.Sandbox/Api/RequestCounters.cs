using System.Collections.Concurrent;

namespace TrafficConsole.Sandbox.Api;

/// <summary>Requests served, in total and per verb, so benchmarks can show what viewers cost the API server.</summary>
public sealed class RequestCounters
{
    private readonly ConcurrentDictionary<string, long> _byVerb = new(StringComparer.Ordinal);
    private long _total;

    public long Total => Interlocked.Read(ref _total);

    public IReadOnlyDictionary<string, long> ByVerb => _byVerb.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);

    public long this[string verb] => _byVerb.GetValueOrDefault(verb);

    internal void Count(string verb)
    {
        Interlocked.Increment(ref _total);
        _byVerb.AddOrUpdate(verb, 1, (_, n) => n + 1);
    }
}
