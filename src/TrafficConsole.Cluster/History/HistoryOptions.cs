using System.Globalization;

using Microsoft.Extensions.Options;

namespace TrafficConsole.Cluster.History;

/// <summary>The rollout history (bound from <c>History</c>): how many revisions are kept and when external changes are recorded.</summary>
public sealed class HistoryOptions
{
    public const string SectionName = "History";

    /// <summary>Revisions kept per service; the oldest beyond it are pruned.</summary>
    public int MaxRevisionsPerService { get; set; } = 30;

    /// <summary>How long a change must stand unrecorded before it is recorded as seen in the cluster (external, or a replica that crashed).</summary>
    public TimeSpan SettleDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>False: record nothing (the history pages then show what is already recorded).</summary>
    public bool Enabled { get; set; } = true;
}

/// <summary>Refuses history settings that cannot work, naming the setting.</summary>
public sealed class HistoryOptionsValidator : IValidateOptions<HistoryOptions>
{
    /// <summary>The most revisions per service the console keeps.</summary>
    public const int MaxCap = 1000;

    public ValidateOptionsResult Validate(string? name, HistoryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        List<string> failures = [];
        if (options.MaxRevisionsPerService is < 1 or > MaxCap)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture,
                $"History:MaxRevisionsPerService must be between 1 and {MaxCap} (got {options.MaxRevisionsPerService})."));
        }

        if (options.SettleDelay < TimeSpan.Zero || options.SettleDelay > TimeSpan.FromMinutes(5))
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture,
                $"History:SettleDelay must be between 00:00:00 and 00:05:00 (got {options.SettleDelay})."));
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
