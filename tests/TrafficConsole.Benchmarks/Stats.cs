namespace TrafficConsole.Benchmarks;

/// <summary>Percentiles over a set of latency samples, in milliseconds.</summary>
internal sealed class Stats
{
    private readonly List<double> _samples = [];

    public int Count => _samples.Count;

    public void Add(double milliseconds) => _samples.Add(milliseconds);

    public void AddRange(IEnumerable<double> milliseconds) => _samples.AddRange(milliseconds);

    /// <summary>Nearest-rank percentile (p in 0..100).</summary>
    public double Percentile(double p)
    {
        if (_samples.Count == 0)
        {
            return double.NaN;
        }

        var sorted = _samples.Order().ToArray();
        var rank = (int)Math.Ceiling(p / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    public double Max => _samples.Count == 0 ? double.NaN : _samples.Max();

    public string Summary() => $"p50 {Percentile(50):F1} ms, p99 {Percentile(99):F1} ms, max {Max:F1} ms (n={Count})";
}
