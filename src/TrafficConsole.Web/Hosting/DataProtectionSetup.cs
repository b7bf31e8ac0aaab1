using System.Text.RegularExpressions;

using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Options;

using TrafficConsole.Cluster.Secrets;
using TrafficConsole.Mesh.Validation;

namespace TrafficConsole.Web.Hosting;

/// <summary>Where the data protection keys live (section <c>DataProtection</c>).</summary>
public sealed class DataProtectionSettings
{
    public const string SectionName = "DataProtection";

    /// <summary>
    /// <c>DataProtection:KeysSecret</c>: the Secret that holds the key ring, shared by every replica and kept across restarts.
    /// Empty: keys stay on the local disk of each process (fine for one instance that never moves).
    /// </summary>
    public string? KeysSecret { get; set; }

    /// <summary><c>DataProtection:KeysNamespace</c>: the namespace of <see cref="KeysSecret"/> (the chart sets the release's).</summary>
    public string? KeysNamespace { get; set; }
}

internal static class DataProtectionSetup
{
    /// <summary>The application name every replica protects with: cookies from one are readable by all.</summary>
    public const string ApplicationName = "TrafficConsole";

    public static IServiceCollection AddConsoleDataProtection(this IServiceCollection services)
    {
        services.AddDataProtection().SetApplicationName(ApplicationName);
        services.AddOptions<DataProtectionSettings>().BindConfiguration(DataProtectionSettings.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DataProtectionSettings>, DataProtectionSettingsValidator>();
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(static sp => new ConfigureOptions<KeyManagementOptions>(options =>
        {
            DataProtectionSettings settings = sp.GetRequiredService<IOptions<DataProtectionSettings>>().Value;
            if (!string.IsNullOrWhiteSpace(settings.KeysSecret))
            {
                // The cluster layer reads and writes the Secret; the key ring is first read once the host has started (and connected).
                options.XmlRepository = new KeyRingSecret(sp.GetRequiredService<IKeyRingStore>(), settings.KeysNamespace!.Trim(), settings.KeysSecret.Trim(),
                    sp.GetRequiredService<ILogger<KeyRingSecret>>());
            }
        }));
        return services;
    }
}

/// <summary>Fails start-up naming the <c>DataProtection:*</c> setting that is wrong.</summary>
internal sealed partial class DataProtectionSettingsValidator : IValidateOptions<DataProtectionSettings>
{
    public ValidateOptionsResult Validate(string? name, DataProtectionSettings options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.KeysSecret))
        {
            return ValidateOptionsResult.Success;
        }

        List<string> failures = [];
        string secret = options.KeysSecret.Trim();
        if (secret.Length > 253 || !SecretName().IsMatch(secret))
        {
            failures.Add($"DataProtection:KeysSecret: '{secret}' is not a Secret name (lower-case letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters).");
        }

        if (string.IsNullOrWhiteSpace(options.KeysNamespace))
        {
            failures.Add("DataProtection:KeysNamespace is required with DataProtection:KeysSecret: the namespace the Secret is in.");
        }
        else if (FieldRules.Dns1123LabelProblem(options.KeysNamespace.Trim()) is { } problem)
        {
            failures.Add($"DataProtection:KeysNamespace: {problem}");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", RegexOptions.CultureInvariant)]
    private static partial Regex SecretName();
}
