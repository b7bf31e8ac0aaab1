using System.Globalization;
using System.Text.RegularExpressions;

namespace TrafficConsole.Mesh.Validation;

/// <summary>
/// The rules a single field must follow, shared by every validator (draft, resource, analyzer) so the same
/// value gets the same verdict everywhere. Each check returns null when the value is fine, else the reason.
/// </summary>
public static partial class FieldRules
{
    /// <summary>The longest regex accepted; Envoy refuses RE2 programs above its size limit, and length is a cheap, predictable proxy for it.</summary>
    public const int MaxRegexLength = 1024;

    /// <summary>
    /// Why Envoy's RE2 would reject <paramref name="pattern"/>, or null. RE2 has no backreferences, lookaround,
    /// atomic groups or possessive quantifiers; .NET's non-backtracking engine refuses the same constructs,
    /// so a pattern it compiles is within RE2's language (modulo syntax both share).
    /// </summary>
    public static string? RegexProblem(string? pattern)
    {
        if (pattern is null)
        {
            return "A regex is required.";
        }

        if (pattern.Length > MaxRegexLength)
        {
            return $"The regex is {pattern.Length.ToString(CultureInfo.InvariantCulture)} characters long; keep it under {MaxRegexLength.ToString(CultureInfo.InvariantCulture)} (Envoy rejects programs that are too large).";
        }

        try
        {
            _ = new Regex(pattern, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            return null;
        }
        catch (NotSupportedException)
        {
            return "RE2 (Envoy's regex engine) does not support backreferences, lookahead, lookbehind, atomic groups or conditionals.";
        }
        catch (ArgumentException e)
        {
            return "Not a valid regex: " + TrimRegexError(e.Message);
        }
    }

    /// <summary>Why <paramref name="name"/> is not a valid HTTP header name for Istio (RFC 7230 token, lower case), or null.</summary>
    public static string? HeaderNameProblem(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "A header name is required.";
        }

        if (!HeaderToken().IsMatch(name))
        {
            return $"'{name}' is not a valid header name: use letters, digits and !#$%&'*+-.^_`|~ only, no spaces or colons.";
        }

        return name.Any(char.IsUpper) ? $"Header names are matched in lower case; write '{name.ToLowerInvariant()}'." : null;
    }

    /// <summary>The duration in a protobuf/Go duration string (<c>1.5s</c>, <c>100ms</c>, <c>1m30s</c>, <c>2h</c>), or null when it is not one.</summary>
    public static TimeSpan? ParseDuration(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        Match match = DurationPattern().Match(text);
        if (!match.Success)
        {
            return null;
        }

        double ticks = 0;
        foreach (Capture part in match.Groups["part"].Captures)
        {
            Match piece = DurationPart().Match(part.Value);
            double number = double.Parse(piece.Groups["n"].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
            ticks += number * piece.Groups["u"].Value switch
            {
                "h" => TimeSpan.TicksPerHour,
                "m" => TimeSpan.TicksPerMinute,
                "s" => TimeSpan.TicksPerSecond,
                "ms" => TimeSpan.TicksPerMillisecond,
                "us" or "µs" => TimeSpan.TicksPerMillisecond / 1000.0,
                _ => 0.01, // ns: 100 ns per tick
            };
        }

        return ticks > TimeSpan.MaxValue.Ticks ? null : TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>Why <paramref name="text"/> is not a duration Istio accepts (at least 1 ms), or null.</summary>
    public static string? DurationProblem(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return "A duration is required, such as 2s or 500ms.";
        }

        TimeSpan? duration = ParseDuration(text);
        if (duration is null)
        {
            return $"'{text}' is not a duration: write a number and a unit, such as 2s, 500ms, 1m30s or 1h.";
        }

        return duration.Value < TimeSpan.FromMilliseconds(1) ? $"'{text}' is shorter than 1ms, the shortest duration Istio accepts." : null;
    }

    /// <summary>Why <paramref name="percent"/> is not a percentage 0..100, or null.</summary>
    public static string? PercentProblem(double? percent) =>
        percent is not { } p ? "A percentage is required."
        : double.IsFinite(p) && p is >= 0 and <= 100 ? null
        : $"{p.ToString(CultureInfo.InvariantCulture)} is outside 0..100.";

    /// <summary>Why <paramref name="status"/> is not an HTTP status Envoy can answer with (200..599), or null.</summary>
    public static string? HttpStatusProblem(int? status) =>
        status is >= 200 and <= 599 ? null : $"{status?.ToString(CultureInfo.InvariantCulture) ?? "(none)"} is not an HTTP status code (200..599).";

    /// <summary>Why <paramref name="name"/> is not a DNS-1123 label (subset names, route names), or null.</summary>
    public static string? Dns1123LabelProblem(string? name) =>
        Routing.SubsetNames.IsValid(name) ? null
        : $"'{name}' is not a DNS-1123 label: lower-case letters, digits and '-', at most 63, starting and ending with a letter or digit.";

    private static string TrimRegexError(string message)
    {
        // "Invalid pattern 'x(' at offset 2. Not enough )'s." -> "Not enough )'s (at offset 2)."
        Match m = RegexErrorShape().Match(message);
        return m.Success ? $"{m.Groups["why"].Value.TrimEnd('.')} (at character {m.Groups["at"].Value})." : message;
    }

    [GeneratedRegex(@"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$", RegexOptions.CultureInvariant)]
    private static partial Regex HeaderToken();

    [GeneratedRegex(@"^(?<part>(\d+(\.\d+)?|\.\d+)(h|ms|m|s|us|µs|ns))+$", RegexOptions.CultureInvariant)]
    private static partial Regex DurationPattern();

    [GeneratedRegex(@"^(?<n>\d*\.?\d+)(?<u>h|ms|m|s|us|µs|ns)$", RegexOptions.CultureInvariant)]
    private static partial Regex DurationPart();

    [GeneratedRegex(@"at offset (?<at>\d+)\. (?<why>.+)$", RegexOptions.CultureInvariant)]
    private static partial Regex RegexErrorShape();
}
