using System.Globalization;

namespace TrafficConsole.Web.Model;

/// <summary>Why a version is the stable one, in the few words every page shows it with.</summary>
public static class StableWords
{
    /// <summary>"marked by alice 2 h ago", "promoted by bob just now", "first seen at 100% on 2026-12-01", "oldest version".</summary>
    /// <param name="stable">The stable version and why.</param>
    /// <param name="now">The moment "2 h ago" is measured from.</param>
    public static string Why(StableVersionInfo stable, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(stable);
        return stable.Reason switch
        {
            StableReason.Marked or StableReason.Promoted when stable.By is { } by && stable.At is { } at =>
                $"{(stable.Reason == StableReason.Promoted ? "promoted" : "marked")} by {by} {Ago(at, now)}",
            StableReason.Marked => "marked",
            StableReason.Promoted => "promoted",
            StableReason.FirstSeen when stable.At is { } at => $"first seen at 100% on {at.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}",
            StableReason.FirstSeen => "first seen at 100%",
            StableReason.Oldest => "oldest version",
            _ => "none",
        };
    }

    private static string Ago(DateTimeOffset at, DateTimeOffset now)
    {
        TimeSpan age = now - at;
        return age.TotalSeconds switch
        {
            < 45 => "just now",
            < 3600 => $"{Math.Max(1, (int)Math.Round(age.TotalMinutes))} min ago",
            < 86400 => $"{(int)age.TotalHours} h ago",
            _ => "on " + at.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        };
    }
}
