using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

using TrafficConsole.Cluster.Telemetry;
using TrafficConsole.Mesh.Telemetry;

namespace TrafficConsole.Cluster.Tests.Telemetry;

/// <summary><c>Telemetry:</c> as bound from configuration, the thresholds each service gets, and start-up refusing settings that cannot work.</summary>
public sealed class TelemetryOptionsTests : IDisposable
{
    private readonly string _existing = Path.GetTempFileName();

    public void Dispose() => File.Delete(_existing);

    private static TelemetryOptions Bind(params (string Key, string Value)[] settings)
    {
        IConfiguration configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build();
        var services = new ServiceCollection().AddLogging().AddTelemetry(configuration);
        using ServiceProvider provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<TelemetryOptions>>().Value;
    }

    [Fact]
    public void Defaults_match_the_issue()
    {
        TelemetryOptions options = Bind();

        Assert.Null(options.Prometheus.Url);
        Assert.Equal(TimeSpan.FromSeconds(10), options.Prometheus.QueryTimeout);
        Assert.Equal(TimeSpan.FromSeconds(10), options.RefreshInterval);
        Assert.Equal("destination_version", options.VersionLabel);
        Assert.Equal(HealthThresholds.Default, options.ThresholdsFor("bookinfo", "reviews"));
        Assert.Empty(TelemetryOptionsValidator.Check(options));
    }

    [Fact]
    public void Thresholds_layer_default_then_namespace_then_service_each_overriding_what_it_sets()
    {
        TelemetryOptions options = Bind(
            ("Telemetry:Health:Default:ServerErrorDegradedPercent", "0"),
            ("Telemetry:Health:Namespaces:bookinfo:ServerErrorFailurePercent", "5"),
            ("Telemetry:Health:Namespaces:bookinfo:ClientErrorDegradedPercent", "15"),
            ("Telemetry:Health:Services:bookinfo/reviews:ClientErrorDegradedPercent", "1"),
            ("Telemetry:Prometheus:Headers:X-Scope-OrgID", "tenant-a"),
            ("Telemetry:VersionLabel", "destination_canonical_revision"));

        Assert.Equal(new HealthThresholds { ServerErrorDegradedPercent = 0 }, options.ThresholdsFor("shop", "cart"));
        Assert.Equal(
            new HealthThresholds { ServerErrorDegradedPercent = 0, ServerErrorFailurePercent = 5, ClientErrorDegradedPercent = 15 },
            options.ThresholdsFor("bookinfo", "ratings"));
        Assert.Equal(
            new HealthThresholds { ServerErrorDegradedPercent = 0, ServerErrorFailurePercent = 5, ClientErrorDegradedPercent = 1 },
            options.ThresholdsFor("bookinfo", "reviews"));
        Assert.Equal("tenant-a", options.Prometheus.Headers["x-scope-orgid"]);
        Assert.Equal("destination_canonical_revision", options.VersionLabel);
    }

    public static TheoryData<string, Action<TelemetryOptions, string>> BadSettings => new()
    {
        { "Telemetry:Prometheus:Url 'prometheus:9090/x' is not an absolute http(s) URL", static (o, _) => o.Prometheus.Url = "prometheus:9090/x" },
        { "Telemetry:Prometheus:Url '/prometheus' is not an absolute http(s) URL", static (o, _) => o.Prometheus.Url = "/prometheus" },
        { "Telemetry:Prometheus:Url must not carry credentials", static (o, _) => o.Prometheus.Url = "http://admin:pw@prometheus:9090" },
        { "Telemetry:Prometheus:CaFile '/nonexistent/ca.pem' does not exist", static (o, _) => (o.Prometheus.Url, o.Prometheus.CaFile) = ("https://p:9090", "/nonexistent/ca.pem") },
        { "Telemetry:Prometheus:BearerTokenFile '/nonexistent/token' does not exist", static (o, _) => (o.Prometheus.Url, o.Prometheus.BearerTokenFile) = ("http://p:9090", "/nonexistent/token") },
        {
            "Telemetry:Prometheus:BearerTokenFile and Telemetry:Prometheus:Username are both set",
            static (o, file) => (o.Prometheus.Url, o.Prometheus.BearerTokenFile, o.Prometheus.Username, o.Prometheus.Password) = ("http://p:9090", file, "u", "p")
        },
        { "Telemetry:Prometheus:Username is set without", static (o, _) => (o.Prometheus.Url, o.Prometheus.Username) = ("http://p:9090", "u") },
        {
            "Telemetry:Prometheus:Password and Telemetry:Prometheus:PasswordFile are both set",
            static (o, file) => (o.Prometheus.Url, o.Prometheus.Username, o.Prometheus.Password, o.Prometheus.PasswordFile) = ("http://p:9090", "u", "p", file)
        },
        { "Telemetry:Prometheus:Headers:Bad Header is not an HTTP header name", static (o, _) => (o.Prometheus.Url, o.Prometheus.Headers["Bad Header"]) = ("http://p:9090", "x") },
        { "Telemetry:Prometheus:Headers:X-Evil has a value with a line break", static (o, _) => (o.Prometheus.Url, o.Prometheus.Headers["X-Evil"]) = ("http://p:9090", "a\r\nHost: b") },
        { "Telemetry:Prometheus:QueryTimeout '-00:00:01' must be more than 0", static (o, _) => o.Prometheus.QueryTimeout = TimeSpan.FromSeconds(-1) },
        { "Telemetry:RefreshInterval '00:00:00' must be between 1 second and 10 minutes", static (o, _) => o.RefreshInterval = TimeSpan.Zero },
        { "Telemetry:VersionLabel 'destination-version' is not a Prometheus label name", static (o, _) => o.VersionLabel = "destination-version" },
        {
            "Telemetry:Health:Default: ServerErrorDegradedPercent (20) is above ServerErrorFailurePercent (10)",
            static (o, _) => o.Health.Default = new HealthThresholdOptions { ServerErrorDegradedPercent = 20 }
        },
        {
            "Telemetry:Health:Namespaces:bookinfo: ClientErrorDegradedPercent (10) is above ClientErrorFailurePercent (5)",
            static (o, _) => o.Health.Namespaces["bookinfo"] = new HealthThresholdOptions { ClientErrorFailurePercent = 5 }
        },
        { "Telemetry:Health:Services:reviews must be named '{namespace}/{service}'", static (o, _) => o.Health.Services["reviews"] = new HealthThresholdOptions() },
        {
            "Telemetry:Health:Services:bookinfo/reviews:ServerErrorFailurePercent '-1' must be a percent between 0 and 100",
            static (o, _) => o.Health.Services["bookinfo/reviews"] = new HealthThresholdOptions { ServerErrorDegradedPercent = -2, ServerErrorFailurePercent = -1 }
        },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public void A_bad_setting_is_named(string problem, Action<TelemetryOptions, string> spoil)
    {
        var options = new TelemetryOptions();
        spoil(options, _existing);

        Assert.Contains(TelemetryOptionsValidator.Check(options), p => p.StartsWith(problem, StringComparison.Ordinal));
    }

    [Fact]
    public void Start_up_fails_on_a_bad_setting_naming_it()
    {
        IConfiguration configuration = new ConfigurationBuilder()
            .AddInMemoryCollection([new("Telemetry:Prometheus:Url", "prometheus.istio-system:9090")])
            .Build();
        using ServiceProvider provider = new ServiceCollection().AddLogging().AddTelemetry(configuration).BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<TelemetryOptions>>().Value);
        Assert.Contains("Telemetry:Prometheus:Url", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void With_a_url_the_monitor_reads_prometheus_and_without_one_nothing()
    {
        static ITelemetryMonitor Monitor(params KeyValuePair<string, string?>[] settings)
        {
            IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
            ServiceProvider provider = new ServiceCollection().AddLogging().AddTelemetry(configuration).BuildServiceProvider();
            return provider.GetRequiredService<ITelemetryMonitor>();
        }

        Assert.Equal(TelemetrySourceKind.Prometheus, Monitor(new KeyValuePair<string, string?>("Telemetry:Prometheus:Url", "http://prometheus.istio-system:9090")).Source);
        Assert.Null(Monitor().Source);
    }

    [Fact]
    public void A_source_registered_by_someone_else_is_the_one_the_monitor_reads()
    {
        IConfiguration configuration = new ConfigurationBuilder().Build();
        var services = new ServiceCollection().AddLogging().AddTelemetry(configuration);
        services.AddSingleton<ITelemetrySource>(sp => new PrometheusTelemetrySource(
            Options.Create(new TelemetryOptions { Prometheus = { Url = "http://127.0.0.1:1" } }), TimeProvider.System, sp.GetRequiredService<ILogger<PrometheusTelemetrySource>>()));
        using ServiceProvider provider = services.BuildServiceProvider();

        Assert.Equal(TelemetrySourceKind.Prometheus, provider.GetRequiredService<ITelemetryMonitor>().Source);
    }
}
