using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace TrafficConsole.Cluster.Connection;

/// <summary>
/// Binds <c>Cluster:*</c> by hand: the configuration binder would throw a bare conversion error
/// for an unknown <c>Cluster:Mode</c>; this way the validator can say what the choices are.
/// </summary>
public static class ClusterSettings
{
    /// <summary>The key of <see cref="ClusterOptions.Mode"/>.</summary>
    public const string ModeKey = ClusterOptions.SectionName + ":" + nameof(ClusterOptions.Mode);

    /// <summary>Reads <c>Cluster:*</c> from <paramref name="configuration"/> into <paramref name="options"/> (an unknown mode leaves the default; the validator names it).</summary>
    public static void Bind(ClusterOptions options, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(configuration);
        IConfigurationSection section = configuration.GetSection(ClusterOptions.SectionName);
        if (TryParseMode(section[nameof(ClusterOptions.Mode)], out ClusterMode mode))
        {
            options.Mode = mode;
        }

        options.KubeConfigPath = NullIfEmpty(section[nameof(ClusterOptions.KubeConfigPath)]);
        options.Context = NullIfEmpty(section[nameof(ClusterOptions.Context)]);
        options.ServerUrl = NullIfEmpty(section[nameof(ClusterOptions.ServerUrl)]);
        options.Token = NullIfEmpty(section[nameof(ClusterOptions.Token)]);
    }

    /// <summary>Empty means the default (Sandbox); otherwise one of the names, any case.</summary>
    public static bool TryParseMode(string? value, out ClusterMode mode)
    {
        mode = ClusterMode.Sandbox;
        if (string.IsNullOrWhiteSpace(value))
        {
            return true;
        }

        // Names only: Enum.TryParse alone would also accept "7".
        return Enum.GetNames<ClusterMode>().Any(n => string.Equals(n, value.Trim(), StringComparison.OrdinalIgnoreCase))
            && Enum.TryParse(value.Trim(), ignoreCase: true, out mode);
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

/// <summary>
/// Fails start-up on a bad <c>Cluster:*</c> setting, naming it. Sandbox mode without <c>Cluster:ServerUrl</c> is the embedded
/// sandbox: the host starts it and connects (<see cref="ClusterConnection.Connect"/>).
/// </summary>
public sealed class ClusterSettingsValidator(IConfiguration configuration) : IValidateOptions<ClusterOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ClusterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        string? mode = configuration[ClusterSettings.ModeKey];
        if (!ClusterSettings.TryParseMode(mode, out _))
        {
            return ValidateOptionsResult.Fail(
                $"{ClusterSettings.ModeKey} '{mode}' is not valid: use Sandbox (the default, an embedded demo cluster), KubeConfig or InCluster.");
        }

        // In Sandbox mode the console starts the sandbox itself and fills in its URL and token.
        if (options.Mode == ClusterMode.Sandbox && string.IsNullOrEmpty(options.ServerUrl))
        {
            return ValidateOptionsResult.Success;
        }

        IReadOnlyList<string> problems = ClusterOptionsValidator.Check(options);
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
