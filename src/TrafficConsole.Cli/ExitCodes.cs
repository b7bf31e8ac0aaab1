namespace TrafficConsole.Cli;

/// <summary>The process exit codes of <c>trafficconsole</c> (documented in README.md; scripts depend on them).</summary>
internal static class ExitCodes
{
    /// <summary>Everything checked is fine (warnings do not fail), or the simulated request has a route.</summary>
    public const int Ok = 0;

    /// <summary>validate: a resource would be rejected; analyze: an error-level finding.</summary>
    public const int Findings = 1;

    /// <summary>Bad usage, or input that cannot be read: a missing file, a YAML syntax error, an unknown kind, an unknown host.</summary>
    public const int InvalidInput = 2;

    /// <summary>simulate: no rule takes the request, so it gets 404 Not Found.</summary>
    public const int NoRoute = 3;

    /// <summary>A bug in the tool (an unexpected exception); the message says so.</summary>
    public const int InternalError = 70;
}
