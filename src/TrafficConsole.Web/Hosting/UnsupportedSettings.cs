using Microsoft.Extensions.Options;

namespace TrafficConsole.Web.Hosting;

/// <summary>
/// Settings the Helm chart can already pass but this version does not implement yet. Ignoring
/// them would be worse than refusing them: <c>Cluster:WatchNamespaces</c> with per-namespace
/// RBAC would leave the cache retrying forever.
/// </summary>
internal sealed class UnsupportedSettings
{
    public IReadOnlyList<string> WatchNamespaces { get; set; } = [];

    public static void Register(IServiceCollection services)
    {
        services.AddOptions<UnsupportedSettings>()
            .Configure<IConfiguration>(static (settings, configuration) =>
            {
                settings.WatchNamespaces = [.. configuration.GetSection("Cluster:WatchNamespaces").GetChildren()
                    .Select(static c => c.Value).OfType<string>().Where(static v => v.Length > 0)];
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<UnsupportedSettings>, Validator>();
    }

    private sealed class Validator : IValidateOptions<UnsupportedSettings>
    {
        public ValidateOptionsResult Validate(string? name, UnsupportedSettings options)
        {
            List<string> failures = [];
            if (options.WatchNamespaces.Count > 0)
            {
                failures.Add($"Cluster:WatchNamespaces ({string.Join(", ", options.WatchNamespaces)}) is not supported by this version: the console watches all namespaces and needs cluster-wide read access. Leave it empty.");
            }

            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}
