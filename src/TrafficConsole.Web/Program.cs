using Microsoft.Extensions.Options;
using TrafficConsole.Web.Hosting;

try
{
    WebApplication app = ConsoleApp.Build(args);
    await app.RunAsync().ConfigureAwait(false);
    return 0;
}
catch (OptionsValidationException ex)
{
    // A configuration error: say which setting, without a stack trace to dig through.
    await Console.Error.WriteLineAsync($"TrafficConsole cannot start: {string.Join(" ", ex.Failures)}").ConfigureAwait(false);
    return 2;
}
catch (StartupException ex)
{
    await Console.Error.WriteLineAsync($"TrafficConsole cannot start: {ex.Message}").ConfigureAwait(false);
    return 2;
}
