using Microsoft.Extensions.Options;
using TrafficConsole.Sandbox.Traffic;

namespace TrafficConsole.Web.Hosting;

/// <summary>Rejects sandbox settings that would only fail later, naming the setting.</summary>
internal sealed class SandboxHostOptionsValidator : IValidateOptions<SandboxHostOptions>
{
    public ValidateOptionsResult Validate(string? name, SandboxHostOptions options)
    {
        List<string> failures = [];
        if (options.Port is < 0 or > 65535)
        {
            failures.Add($"Sandbox:Port must be between 0 and 65535 (0 picks a free port), got {options.Port}.");
        }

        if (string.IsNullOrWhiteSpace(options.DataDir))
        {
            failures.Add("Sandbox:DataDir must name a directory.");
        }
        else if (options.DataDir.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
        {
            failures.Add($"Sandbox:DataDir '{options.DataDir}' is not a valid path.");
        }
        else if (File.Exists(options.DataDir))
        {
            failures.Add($"Sandbox:DataDir '{options.DataDir}' is a file, not a directory.");
        }

        if (!TrafficSettings.TryParseRequestsPerSecond(options.Traffic, out _, out string? trafficProblem))
        {
            failures.Add($"Sandbox:Traffic {trafficProblem}");
        }

        if (!TrafficSettings.TryParseProxySyncDelay(options.ProxySyncDelay, out _, out string? delayProblem))
        {
            failures.Add($"Sandbox:ProxySyncDelay {delayProblem}");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
