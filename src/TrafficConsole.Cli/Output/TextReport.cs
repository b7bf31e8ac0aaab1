using System.Collections.Immutable;
using System.Globalization;

namespace TrafficConsole.Cli.Output;

/// <summary>Pieces the text reports share.</summary>
internal static class TextReport
{
    /// <summary>"1 error", "2 errors".</summary>
    public static string Count(int count, string noun) =>
        string.Create(CultureInfo.InvariantCulture, $"{count} {noun}{(count == 1 ? string.Empty : "s")}");

    /// <summary>One line per kind and reason: "Skipped 4 ServiceAccounts: not a kind trafficconsole reads."</summary>
    public static void WriteSkipped(TextWriter output, ImmutableArray<SkippedReport> skipped)
    {
        foreach (IGrouping<(string Kind, string Reason), SkippedReport> group in skipped.GroupBy(static s => (s.Kind, s.Reason)))
        {
            SkippedReport first = group.First();
            string what = group.Count() == 1
                ? $"{first.Kind} {first.Name} ({first.Source}:{first.Line})"
                : Count(group.Count(), first.Kind);
            output.WriteLine($"Skipped {what}: {group.Key.Reason}");
        }
    }

    /// <summary>A share as a percentage without needless decimals: 1 -> "100%", 0.5 -> "50%", 1/3 -> "33.3%".</summary>
    public static string Percent(double probability)
    {
        double percent = Math.Round(probability * 100, 1);
        return percent.ToString("0.#", CultureInfo.InvariantCulture) + "%";
    }

    /// <summary>Weights as "v1 30 / v2 70" (versions in name order); "no weights" when there are none.</summary>
    public static string Weights(IReadOnlyDictionary<string, int> weights) =>
        weights.Count == 0
            ? "no weights"
            : string.Join(" / ", weights.OrderBy(static w => w.Key, StringComparer.Ordinal).Select(static w => string.Create(CultureInfo.InvariantCulture, $"{w.Key} {w.Value}")));

    /// <summary>A moment as UTC, to the second: "2026-12-01 19:02:13Z".</summary>
    public static string Timestamp(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>A duration the way people say it, two units at most: "45s", "12m", "2h 5m", "3d 4h"; a negative one (clock skew) is "0s".</summary>
    public static string Duration(TimeSpan span)
    {
        if (span < TimeSpan.Zero)
        {
            span = TimeSpan.Zero;
        }

        return span.TotalMinutes < 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalSeconds}s")
            : span.TotalHours < 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalMinutes}m")
            : span.TotalDays < 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalHours}h {span.Minutes}m")
            : string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalDays}d {span.Hours}h");
    }

    /// <summary>How long ago <paramref name="at"/> was: "12m ago".</summary>
    public static string Ago(DateTimeOffset at, DateTimeOffset now) => Duration(now - at) + " ago";
}
