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

    private const int Counts = 3;

    private readonly long[] _second = new long[Seconds];

    // Flat per-slot rows: requests, 5xx, 4xx; and (allocated with the first request) one count per duration bucket, at most
    // a few thousand a second, so 16 bits hold them: about 0.3 MB per version and reporter, whatever the rate.
    private readonly int[] _counts = new int[Seconds * Counts];
    private ushort[]? _buckets;

    public VersionHistory() => Array.Fill(_second, -1);

    public void Add(long second, int responseCode, double milliseconds)
    {
        var slot = Slot(second);
        _buckets ??= new ushort[Seconds * DurationBuckets.Count];
        if (_second[slot] != second)
        {
            _second[slot] = second;
            Array.Clear(_counts, slot * Counts, Counts);
            Array.Clear(_buckets, slot * DurationBuckets.Count, DurationBuckets.Count);
        }

        _counts[slot * Counts]++;
        if (responseCode >= 500)
        {
            _counts[(slot * Counts) + 1]++;
        }
        else if (responseCode >= 400)
        {
            _counts[(slot * Counts) + 2]++;
        }

        ref var bucket = ref _buckets[(slot * DurationBuckets.Count) + DurationBuckets.IndexOf(milliseconds)];
        bucket = (ushort)Math.Min(ushort.MaxValue, bucket + 1);
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

            totals.Requests += _counts[slot * Counts];
            totals.ServerErrors += _counts[(slot * Counts) + 1];
            totals.ClientErrors += _counts[(slot * Counts) + 2];
            if (withBuckets && _buckets is { } buckets)
            {
                var row = slot * DurationBuckets.Count;
                for (var i = 0; i < DurationBuckets.Count; i++)
                {
                    totals.Buckets[i] += buckets[row + i];
                }
            }
        }

        return totals;
    }

    /// <summary>
    /// Running totals of requests and 5xx from <paramref name="from"/>: element i holds the sums over the seconds before
    /// <c>from + i</c>, so any span inside costs two look-ups (a chart's every point over a long window).
    /// </summary>
    public (long[] Requests, long[] ServerErrors) Prefix(long from, long to)
    {
        var length = (int)Math.Max(0, to - from);
        var requests = new long[length + 1];
        var serverErrors = new long[length + 1];
        for (var i = 0; i < length; i++)
        {
            var second = from + i;
            var slot = Slot(second);
            var here = _second[slot] == second;
            requests[i + 1] = requests[i] + (here ? _counts[slot * Counts] : 0);
            serverErrors[i + 1] = serverErrors[i] + (here ? _counts[(slot * Counts) + 1] : 0);
        }

        return (requests, serverErrors);
    }

    private static int Slot(long second) => (int)(((second % Seconds) + Seconds) % Seconds);
}
