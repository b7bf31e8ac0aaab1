namespace TrafficConsole.Cluster.Cache;

/// <summary>Exponential back-off between reconnect attempts: initial, x2 each failure, capped.</summary>
internal sealed class Backoff
{
    private readonly TimeSpan _initial;
    private readonly TimeSpan _max;
    private int _failures;

    public Backoff(TimeSpan initial, TimeSpan max)
    {
        _initial = initial <= TimeSpan.Zero ? TimeSpan.FromMilliseconds(1) : initial;
        _max = max < _initial ? _initial : max;
    }

    /// <summary>Failures since the last success.</summary>
    public int Failures => _failures;

    /// <summary>Records a failure and returns how long to wait before the next attempt.</summary>
    public TimeSpan NextDelay()
    {
        int exponent = Math.Min(_failures, 30);
        _failures++;
        double ticks = _initial.Ticks * Math.Pow(2, exponent);
        return ticks >= _max.Ticks ? _max : TimeSpan.FromTicks((long)ticks);
    }

    public void Reset() => _failures = 0;
}
