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
}
