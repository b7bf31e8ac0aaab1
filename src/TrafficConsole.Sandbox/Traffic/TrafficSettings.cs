using System.Globalization;
using TrafficConsole.Mesh.Validation;

namespace TrafficConsole.Sandbox.Traffic;

/// <summary>
/// Reads the traffic settings as people write them (the program's <c>--traffic</c> and <c>--proxy-sync-delay</c>, the
/// console's <c>Sandbox:Traffic</c> and <c>Sandbox:ProxySyncDelay</c>): <c>off</c>, or a rate / a duration. One rule for
/// both places, so they accept and refuse the same text with the same reason.
/// </summary>
public static class TrafficSettings
{
    /// <summary>The word that turns a setting off.</summary>
    public const string Off = "off";

    /// <summary>Requests per second each service gets unless told otherwise.</summary>
    public const double DefaultRequestsPerSecond = 5;

    /// <summary>The highest rate accepted: beyond it the simulator would cost more than a demo should.</summary>
    public const double MaxRequestsPerSecond = 1000;

    /// <summary>How long the sandbox's istiod takes to report a routing change as pushed to the proxies, unless told otherwise.</summary>
    public static TimeSpan DefaultProxySyncDelay { get; } = TimeSpan.FromMilliseconds(300);

    /// <summary>The longest proxy sync delay accepted.</summary>
    public static TimeSpan MaxProxySyncDelay { get; } = TimeSpan.FromMinutes(10);

    private static readonly NumberEntry Rate = new(NumberKind.Fraction, 0, MaxRequestsPerSecond);

    /// <summary>
    /// Reads a rate: <c>off</c> (then <paramref name="requestsPerSecond"/> is null) or a number above 0 and at most
    /// <see cref="MaxRequestsPerSecond"/>, digits with a dot for decimals. False with <paramref name="problem"/> otherwise.
    /// </summary>
    /// <param name="text">What was written.</param>
    /// <param name="requestsPerSecond">The rate, or null for off.</param>
    /// <param name="problem">Why the text is refused, for people; null when it is accepted.</param>
    public static bool TryParseRequestsPerSecond(string? text, out double? requestsPerSecond, out string? problem)
    {
        requestsPerSecond = null;
        problem = null;
        string trimmed = text?.Trim() ?? string.Empty;
        if (string.Equals(trimmed, Off, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        NumberReading reading = Rate.Read(trimmed);
        if (reading.Value is not { } value || value <= 0)
        {
            problem = $"'{Shorten(trimmed)}' is neither {Off} nor a number of requests per second per service above 0 and at most "
                + $"{MaxRequestsPerSecond.ToString(CultureInfo.InvariantCulture)} (digits, a dot for decimals: 5 or 0.5).";
            return false;
        }

        requestsPerSecond = value;
        return true;
    }

    /// <summary>
    /// Reads a delay: <c>off</c> (then <paramref name="delay"/> is null) or a duration with a unit (<c>300ms</c>, <c>1s</c>,
    /// <c>0s</c> for at once) of at most <see cref="MaxProxySyncDelay"/>. False with <paramref name="problem"/> otherwise.
    /// </summary>
    /// <param name="text">What was written.</param>
    /// <param name="delay">The delay, or null for off.</param>
    /// <param name="problem">Why the text is refused, for people; null when it is accepted.</param>
    public static bool TryParseProxySyncDelay(string? text, out TimeSpan? delay, out string? problem)
    {
        delay = null;
        problem = null;
        string trimmed = text?.Trim() ?? string.Empty;
        if (string.Equals(trimmed, Off, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (FieldRules.ParseDuration(trimmed) is not { } duration || duration > MaxProxySyncDelay)
        {
            problem = $"'{Shorten(trimmed)}' is neither {Off} nor a duration with a unit of at most 10m (such as 300ms, 1s or 0s).";
            return false;
        }

        delay = duration;
        return true;
    }

    /// <summary>How a delay is written back: <c>off</c>, or milliseconds.</summary>
    /// <param name="delay">The delay, or null for off.</param>
    public static string Format(TimeSpan? delay) =>
        delay is { } d ? d.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture) + "ms" : Off;

    private static string Shorten(string text) => text.Length > 40 ? text[..40] + "…" : text;
}
