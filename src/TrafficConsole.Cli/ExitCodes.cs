namespace TrafficConsole.Cli;

/// <summary>The process exit codes of <c>trafficconsole</c> (documented in README.md; scripts depend on them).</summary>
internal static class ExitCodes
{
    /// <summary>Everything checked is fine (warnings do not fail), the simulated request has a route, or the console did what was asked.</summary>
    public const int Ok = 0;

    /// <summary>validate: a resource would be rejected; analyze: an error-level finding.</summary>
    public const int Findings = 1;

    /// <summary>
    /// rollouts, history, rollback: the console answered no: an unknown namespace, service or revision (404), someone
    /// changed the service meanwhile (409), a refused request (400, 422), no permission (401, 403); or the operator
    /// did not confirm. Nothing was changed.
    /// </summary>
    public const int Refused = 1;

    /// <summary>Bad usage, or input that cannot be read: a missing file, a YAML syntax error, an unknown kind, an unknown host.</summary>
    public const int InvalidInput = 2;

    /// <summary>
    /// The console cannot be used: no --server, connection refused, a timeout, an answer that is not the console's JSON,
    /// or the console failing (5xx). The message names the URL.
    /// </summary>
    public const int Unreachable = 2;

    /// <summary>simulate: no rule takes the request, so it gets 404 Not Found.</summary>
    public const int NoRoute = 3;

    /// <summary>A bug in the tool (an unexpected exception); the message says so.</summary>
    public const int InternalError = 70;
}
