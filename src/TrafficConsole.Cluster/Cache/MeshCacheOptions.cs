using System.Text.RegularExpressions;

using Microsoft.Extensions.Options;

namespace TrafficConsole.Cluster.Cache;

/// <summary>Timing and sizing of the <see cref="MeshCache"/>; bound from <c>Cluster:Cache</c>.</summary>
public sealed class MeshCacheOptions
{
    public const string SectionName = "Cluster:Cache";

    /// <summary>How long a subscriber's burst of changes is collected into one batch.</summary>
    public TimeSpan BatchWindow { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Published change sets a subscriber may have unread before it is told to resync.</summary>
    public int SubscriberCapacity { get; set; } = 1024;

    /// <summary>Published change sets remembered for a subscriber that starts from an earlier snapshot (a page's read).</summary>
    public int RecentChangesKept { get; set; } = 512;

    /// <summary>First back-off after a failure; doubles each time.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Back-off cap.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The server-side timeout asked for each watch (renewed with up to 20% jitter).</summary>
    public TimeSpan WatchTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Objects per page when listing (large clusters are listed in pages).</summary>
    public int ListPageSize { get; set; } = 500;

    /// <summary>
    /// The namespaces to follow; empty (default): all of them, which needs cluster-wide read access. Listed: one
    /// list/watch per kind and namespace, which per-namespace Roles allow; other namespaces are not shown.
    /// Namespaces themselves are still listed and watched cluster-wide (a Role cannot grant that). Bound from
    /// <c>Cluster:WatchNamespaces</c>.
    /// </summary>
    public IReadOnlyList<string> WatchNamespaces { get; set; } = [];

    /// <summary>Consecutive failed attempts after which health is Unreachable rather than Reconnecting.</summary>
    public int UnreachableAfterFailures { get; set; } = 3;
}

/// <summary>Refuses a namespace list the cache cannot follow, naming the setting.</summary>
public sealed partial class MeshCacheOptionsValidator : IValidateOptions<MeshCacheOptions>
{
    public ValidateOptionsResult Validate(string? name, MeshCacheOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        List<string> failures = [];
        foreach (string ns in options.WatchNamespaces)
        {
            if (ns.Length > 63 || !NamespaceName().IsMatch(ns))
            {
                failures.Add($"Cluster:WatchNamespaces: '{ns}' is not a namespace name (lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters).");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex NamespaceName();
}
