using Microsoft.Extensions.Options;

using TrafficConsole.Mesh.Telemetry;

namespace TrafficConsole.Cluster.Telemetry;

/// <summary>Fails start-up with a message that names the bad <c>Telemetry:*</c> setting.</summary>
public sealed class TelemetryOptionsValidator : IValidateOptions<TelemetryOptions>
{
    private const string Section = TelemetryOptions.SectionName;
    private const string Prom = Section + ":Prometheus";

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, TelemetryOptions options)
    {
        IReadOnlyList<string> problems = Check(options);
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    /// <summary>Every problem with the options, each naming its setting; empty when they are usable.</summary>
    public static IReadOnlyList<string> Check(TelemetryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        CheckPrometheus(options.Prometheus, problems);

        if (!PromQl.IsLabelName(options.VersionLabel))
        {
            problems.Add($"{Section}:VersionLabel '{options.VersionLabel}' is not a Prometheus label name (letters, digits and _, not starting with a digit).");
        }

        if (options.RefreshInterval < TimeSpan.FromSeconds(1) || options.RefreshInterval > TimeSpan.FromMinutes(10))
        {
            problems.Add($"{Section}:RefreshInterval '{options.RefreshInterval}' must be between 1 second and 10 minutes.");
        }

        CheckThresholds($"{Section}:Health:Default", options.Health.Default, options.ThresholdsFor(string.Empty, string.Empty), problems);
        foreach ((string ns, HealthThresholdOptions level) in options.Health.Namespaces)
        {
            CheckThresholds($"{Section}:Health:Namespaces:{ns}", level, options.ThresholdsFor(ns, string.Empty), problems);
        }

        foreach ((string key, HealthThresholdOptions level) in options.Health.Services)
        {
            int slash = key.IndexOf('/', StringComparison.Ordinal);
            if (slash <= 0 || slash == key.Length - 1 || key.IndexOf('/', slash + 1) >= 0)
            {
                problems.Add($"{Section}:Health:Services:{key} must be named '{{namespace}}/{{service}}'.");
                continue;
            }

            CheckThresholds($"{Section}:Health:Services:{key}", level, options.ThresholdsFor(key[..slash], key[(slash + 1)..]), problems);
        }

        return problems;
    }

    private static void CheckPrometheus(PrometheusOptions prometheus, List<string> problems)
    {
        if (prometheus.QueryTimeout <= TimeSpan.Zero || prometheus.QueryTimeout > TimeSpan.FromMinutes(5))
        {
            problems.Add($"{Prom}:QueryTimeout '{prometheus.QueryTimeout}' must be more than 0 and at most 5 minutes.");
        }

        if (prometheus.MaxAnswerBytes < 1024)
        {
            problems.Add($"{Prom}:MaxAnswerBytes '{prometheus.MaxAnswerBytes}' must be at least 1024.");
        }

        if (string.IsNullOrWhiteSpace(prometheus.Url))
        {
            return;
        }

        if (!Uri.TryCreate(prometheus.Url, UriKind.Absolute, out Uri? url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            problems.Add($"{Prom}:Url '{prometheus.Url}' is not an absolute http(s) URL.");
        }
        else if (!string.IsNullOrEmpty(url.UserInfo))
        {
            problems.Add($"{Prom}:Url must not carry credentials; set {Prom}:Username and {Prom}:PasswordFile instead.");
        }
        else if (!string.IsNullOrEmpty(url.Query) || !string.IsNullOrEmpty(url.Fragment))
        {
            problems.Add($"{Prom}:Url '{prometheus.Url}' must not have a query or fragment.");
        }

        bool basic = !string.IsNullOrEmpty(prometheus.Username);
        bool token = !string.IsNullOrEmpty(prometheus.BearerTokenFile);
        if (basic && token)
        {
            problems.Add($"{Prom}:BearerTokenFile and {Prom}:Username are both set; use one way to sign in.");
        }

        if (token)
        {
            FileMustExist($"{Prom}:BearerTokenFile", prometheus.BearerTokenFile!, problems);
        }

        bool password = !string.IsNullOrEmpty(prometheus.Password);
        bool passwordFile = !string.IsNullOrEmpty(prometheus.PasswordFile);
        if (password && passwordFile)
        {
            problems.Add($"{Prom}:Password and {Prom}:PasswordFile are both set; use one.");
        }

        if (basic && !password && !passwordFile)
        {
            problems.Add($"{Prom}:Username is set without {Prom}:Password or {Prom}:PasswordFile.");
        }

        if (!basic && (password || passwordFile))
        {
            problems.Add($"{Prom}:Password/PasswordFile is set without {Prom}:Username.");
        }

        if (passwordFile)
        {
            FileMustExist($"{Prom}:PasswordFile", prometheus.PasswordFile!, problems);
        }

        if (!string.IsNullOrEmpty(prometheus.CaFile))
        {
            if (prometheus.InsecureSkipVerify)
            {
                problems.Add($"{Prom}:CaFile and {Prom}:InsecureSkipVerify are both set; a CA is pointless when nothing is verified.");
            }

            FileMustExist($"{Prom}:CaFile", prometheus.CaFile, problems);
        }

        foreach ((string header, string value) in prometheus.Headers)
        {
            if (header.Length == 0 || !header.All(static c => c > 32 && c < 127 && !"()<>@,;:\\\"/[]?={}".Contains(c, StringComparison.Ordinal)))
            {
                problems.Add($"{Prom}:Headers:{header} is not an HTTP header name.");
            }
            else if (value is null || value.Any(static c => c is '\r' or '\n' or '\0'))
            {
                problems.Add($"{Prom}:Headers:{header} has a value with a line break (or none).");
            }
            else if (string.Equals(header, "Authorization", StringComparison.OrdinalIgnoreCase) && (basic || token))
            {
                problems.Add($"{Prom}:Headers:Authorization is set besides {(token ? "BearerTokenFile" : "Username")}; use one way to sign in.");
            }
        }
    }

    private static void FileMustExist(string setting, string path, List<string> problems)
    {
        if (!File.Exists(path))
        {
            problems.Add($"{setting} '{path}' does not exist.");
        }
    }

    private static void CheckThresholds(string setting, HealthThresholdOptions? level, HealthThresholds effective, List<string> problems)
    {
        if (level is null)
        {
            return;
        }

        foreach ((string name, double? value) in new[]
        {
            (nameof(level.ServerErrorDegradedPercent), level.ServerErrorDegradedPercent),
            (nameof(level.ServerErrorFailurePercent), level.ServerErrorFailurePercent),
            (nameof(level.ClientErrorDegradedPercent), level.ClientErrorDegradedPercent),
            (nameof(level.ClientErrorFailurePercent), level.ClientErrorFailurePercent),
        })
        {
            if (value is { } v && (!double.IsFinite(v) || v < 0 || v > 100))
            {
                problems.Add($"{setting}:{name} '{v}' must be a percent between 0 and 100.");
            }
        }

        if (effective.ServerErrorDegradedPercent > effective.ServerErrorFailurePercent)
        {
            problems.Add($"{setting}: ServerErrorDegradedPercent ({effective.ServerErrorDegradedPercent}) is above ServerErrorFailurePercent ({effective.ServerErrorFailurePercent}).");
        }

        if (effective.ClientErrorDegradedPercent > effective.ClientErrorFailurePercent)
        {
            problems.Add($"{setting}: ClientErrorDegradedPercent ({effective.ClientErrorDegradedPercent}) is above ClientErrorFailurePercent ({effective.ClientErrorFailurePercent}).");
        }
    }
}
