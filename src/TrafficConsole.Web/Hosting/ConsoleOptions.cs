namespace TrafficConsole.Web.Hosting;

/// <summary>Settings of the console itself (section <c>Console</c>).</summary>
public sealed class ConsoleOptions
{
    public const string SectionName = "Console";

    /// <summary>
    /// Who changes are recorded as when nobody is signed in. Empty: "anonymous@&lt;remote ip&gt;".
    /// </summary>
    public string? DefaultActor { get; set; }
}

/// <summary>Settings of the embedded sandbox cluster used when <c>Cluster:Mode</c> is <c>Sandbox</c> (section <c>Sandbox</c>).</summary>
public sealed class SandboxHostOptions
{
    public const string SectionName = "Sandbox";

    /// <summary>Where the sandbox keeps its state; empty means a per-user directory.</summary>
    public string? DataDir { get; set; }

    /// <summary>Port of the sandbox API server on 127.0.0.1; 0 picks a free one.</summary>
    public int Port { get; set; }

    /// <summary>Whether an empty sandbox is seeded with the Bookinfo demo.</summary>
    public bool Seed { get; set; } = true;

    /// <summary>
    /// Simulated requests per second to each service in namespaces labelled for injection (<c>5</c>, <c>0.5</c>), or
    /// <c>off</c>; read by <c>TrafficSettings.TryParseRequestsPerSecond</c>.
    /// </summary>
    public string? Traffic { get; set; } = "5";

    /// <summary>
    /// How long after a routing change the sandbox's istiod reports it Reconciled (<c>300ms</c>, <c>0s</c>), or <c>off</c>
    /// for no status; read by <c>TrafficSettings.TryParseProxySyncDelay</c>.
    /// </summary>
    public string? ProxySyncDelay { get; set; } = "300ms";

    /// <summary>The per-user default for <see cref="DataDir"/>.</summary>
    public static string DefaultDataDir()
    {
        string root = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
        if (string.IsNullOrEmpty(root))
        {
            // No profile directory (e.g. a locked-down service account): fall back to temp.
            root = Path.GetTempPath();
        }

        return Path.Combine(root, "TrafficConsole", "sandbox");
    }
}
