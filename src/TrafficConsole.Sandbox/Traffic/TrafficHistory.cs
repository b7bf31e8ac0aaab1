namespace TrafficConsole.Sandbox.Traffic;

/// <summary>The counters of one version of one service as one proxy side reports them, aggregated over callers and codes.</summary>
internal readonly record struct VersionKey(string Namespace, string Service, string Version, Reporter Reporter);

/// <summary>What a version served over a span of seconds: requests, failures and the per-bucket duration counts.</summary>
internal sealed class Totals
{
    public long Requests { get; set; }

    public long ServerErrors { get; set; }

    public long ClientErrors { get; set; }

    public long[] Buckets { get; } = new long[DurationBuckets.Count];
}

/// <summary>
/// Per-second increases of one <see cref="VersionKey"/>'s counters over the last <see cref="Seconds"/> seconds (a ring):
/// the increase of a counter over a window is the sum of the seconds in it, which is what Prometheus computes from two
/// samples of the counter. Bounded: one slot per second of history, whatever the request rate.
/// </summary>
internal sealed class VersionHistory
{
    /// <summary>A 1h window read at every point of a 30 min chart, and a minute to spare.</summary>
    public const int Seconds = (90 * 60) + 60;

    private readonly long[] _second = new long[Seconds];
    private readonly int[] _requests = new int[Seconds];
    private readonly int[] _serverErrors = new int[Seconds];
    private readonly int[] _clientErrors = new int[Seconds];
    private readonly int[]?[] _buckets = new int[]?[Seconds];

    public VersionHistory() => Array.Fill(_second, -1);

    public void Add(long second, int responseCode, double milliseconds)
    {
        var slot = Slot(second);
        if (_second[slot] != second)
        {
            _second[slot] = second;
            _requests[slot] = 0;
            _serverErrors[slot] = 0;
            _clientErrors[slot] = 0;
            if (_buckets[slot] is { } old)
            {
                Array.Clear(old);
            }
        }

        _requests[slot]++;
        if (responseCode >= 500)
        {
            _serverErrors[slot]++;
        }
        else if (responseCode >= 400)
        {
            _clientErrors[slot]++;
        }

        (_buckets[slot] ??= new int[DurationBuckets.Count])[DurationBuckets.IndexOf(milliseconds)]++;
    }

    /// <summary>The increases over the seconds <paramref name="from"/> (inclusive) to <paramref name="to"/> (exclusive).</summary>
    public Totals Sum(long from, long to, bool withBuckets)
    {
        var totals = new Totals();
        from = Math.Max(from, to - Seconds);
        for (var second = from; second < to; second++)
        {
            var slot = Slot(second);
            if (_second[slot] != second)
            {
                continue;
            }

            totals.Requests += _requests[slot];
            totals.ServerErrors += _serverErrors[slot];
            totals.ClientErrors += _clientErrors[slot];
            if (withBuckets && _buckets[slot] is { } buckets)
            {
                for (var i = 0; i < buckets.Length; i++)
                {
                    totals.Buckets[i] += buckets[i];
                }
            }
        }

        return totals;
    }

    private static int Slot(long second) => (int)(((second % Seconds) + Seconds) % Seconds);
}
