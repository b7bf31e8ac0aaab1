using TrafficConsole.Mesh.Telemetry;

namespace TrafficConsole.Cluster.Telemetry;

/// <summary>Where telemetry comes from and how it is judged; bound from <c>Telemetry:</c>.</summary>
public sealed class TelemetryOptions
{
    public const string SectionName = "Telemetry";

    /// <summary>The Prometheus server that scrapes Istio's proxies; without a URL the console reads no Prometheus.</summary>
    public PrometheusOptions Prometheus { get; set; } = new();

    /// <summary>The label that tells versions apart (some meshes use <c>destination_canonical_revision</c>).</summary>
    public string VersionLabel { get; set; } = PromQl.DefaultVersionLabel;

    /// <summary>How often a watched reading is taken again, and how long an answer is reused.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Error-ratio thresholds: a default, then per namespace, then per service (<c>{namespace}/{service}</c>), each overriding only what it sets.</summary>
    public HealthOptions Health { get; set; } = new();

    /// <summary>The thresholds of one service: Kiali's defaults, overridden by <c>Health:Default</c>, then its namespace's, then its own.</summary>
    public HealthThresholds ThresholdsFor(string namespaceName, string service)
    {
        ArgumentNullException.ThrowIfNull(namespaceName);
        ArgumentNullException.ThrowIfNull(service);
        HealthThresholds thresholds = HealthThresholds.Default;
        thresholds = Health.Default?.ApplyTo(thresholds) ?? thresholds;
        if (Health.Namespaces.TryGetValue(namespaceName, out HealthThresholdOptions? byNamespace))
        {
            thresholds = byNamespace.ApplyTo(thresholds);
        }

        if (Health.Services.TryGetValue($"{namespaceName}/{service}", out HealthThresholdOptions? byService))
        {
            thresholds = byService.ApplyTo(thresholds);
        }

        return thresholds;
    }
}

/// <summary>How to reach and query Prometheus; bound from <c>Telemetry:Prometheus:</c>. Secrets come from files or settings, never from logs.</summary>
public sealed class PrometheusOptions
{
    /// <summary>The server's base URL, e.g. <c>http://prometheus.istio-system:9090</c> (a path prefix is kept).</summary>
    public string? Url { get; set; }

    /// <summary>A file holding a bearer token (a service account token), read again when it changes.</summary>
    public string? BearerTokenFile { get; set; }

    /// <summary>Basic auth user name.</summary>
    public string? Username { get; set; }

    /// <summary>Basic auth password (prefer <see cref="PasswordFile"/>).</summary>
    public string? Password { get; set; }

    /// <summary>A file holding the basic auth password, read again when it changes.</summary>
    public string? PasswordFile { get; set; }

    /// <summary>A PEM file of the CA(s) that sign Prometheus' certificate, trusted instead of the system's.</summary>
    public string? CaFile { get; set; }

    /// <summary>Accept any certificate (for a test cluster only).</summary>
    public bool InsecureSkipVerify { get; set; }

    /// <summary>Extra request headers, e.g. <c>X-Scope-OrgID</c> for a multi-tenant Thanos or Mimir.</summary>
    public Dictionary<string, string> Headers { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>How long one query may take, sent to Prometheus as its <c>timeout</c> and enforced here.</summary>
    public TimeSpan QueryTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The largest answer read for one query; a bigger one is refused rather than held in memory.</summary>
    public long MaxAnswerBytes { get; set; } = 16 * 1024 * 1024;
}

/// <summary>The health thresholds at each level; bound from <c>Telemetry:Health:</c>.</summary>
public sealed class HealthOptions
{
    /// <summary>Overrides of Kiali's defaults for every service.</summary>
    public HealthThresholdOptions? Default { get; set; }

    /// <summary>Overrides per namespace name.</summary>
    public Dictionary<string, HealthThresholdOptions> Namespaces { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Overrides per service, keyed <c>{namespace}/{service}</c>.</summary>
    public Dictionary<string, HealthThresholdOptions> Services { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>Error-ratio thresholds in percent at one level; an unset one is inherited.</summary>
public sealed class HealthThresholdOptions
{
    public double? ServerErrorDegradedPercent { get; set; }

    public double? ServerErrorFailurePercent { get; set; }

    public double? ClientErrorDegradedPercent { get; set; }

    public double? ClientErrorFailurePercent { get; set; }

    /// <summary><paramref name="inherited"/> with the thresholds this level sets.</summary>
    public HealthThresholds ApplyTo(HealthThresholds inherited)
    {
        ArgumentNullException.ThrowIfNull(inherited);
        return inherited with
        {
            ServerErrorDegradedPercent = ServerErrorDegradedPercent ?? inherited.ServerErrorDegradedPercent,
            ServerErrorFailurePercent = ServerErrorFailurePercent ?? inherited.ServerErrorFailurePercent,
            ClientErrorDegradedPercent = ClientErrorDegradedPercent ?? inherited.ClientErrorDegradedPercent,
            ClientErrorFailurePercent = ClientErrorFailurePercent ?? inherited.ClientErrorFailurePercent,
        };
    }
}
