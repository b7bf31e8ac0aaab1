using TrafficConsole.Mesh.Telemetry;

using static TrafficConsole.Mesh.Tests.TestData.Samples;

namespace TrafficConsole.Mesh.Tests.Telemetry;

/// <summary>Observed traffic next to the weights, and health with Kiali's semantics (business/health_calculator.go applyThresholds).</summary>
public class TrafficComposerTests
{
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

    private static VersionFigures Figures(double rps, double fivexx = 0, double fourxx = 0) => new("v1", rps, fivexx, fourxx, null, null, null);

    [Theory]
    [InlineData(0, 0, TrafficHealth.Healthy)]
    [InlineData(0.0999, 0, TrafficHealth.Healthy)]
    [InlineData(0.1, 0, TrafficHealth.Degraded)] // reached at >=, as Kiali
    [InlineData(9.99, 0, TrafficHealth.Degraded)]
    [InlineData(10, 0, TrafficHealth.Failure)]
    [InlineData(0, 9.99, TrafficHealth.Healthy)]
    [InlineData(0, 10, TrafficHealth.Degraded)]
    [InlineData(0, 20, TrafficHealth.Failure)]
    [InlineData(0.1, 20, TrafficHealth.Failure)] // the worse of the two
    [InlineData(10, 10, TrafficHealth.Failure)]
    public void Health_is_the_worse_of_the_5xx_and_4xx_percent_against_the_default_thresholds(double serverPercent, double clientPercent, TrafficHealth expected)
    {
        Assert.Equal(expected, HealthRules.Evaluate(Figures(100, serverPercent, clientPercent), HealthThresholds.Default));
    }

    [Fact]
    public void No_request_is_no_traffic_not_healthy()
    {
        Assert.Equal(TrafficHealth.NoTraffic, HealthRules.Evaluate(null, HealthThresholds.Default));
        Assert.Equal(TrafficHealth.NoTraffic, HealthRules.Evaluate(Figures(0), HealthThresholds.Default));
    }

    [Fact]
    public void A_zero_threshold_means_any_error_but_no_error_stays_healthy()
    {
        // Kiali's shipped 5XX tolerance has degraded 0: one failed request degrades, none does not.
        var anyError = new HealthThresholds { ServerErrorDegradedPercent = 0, ClientErrorDegradedPercent = 0, ClientErrorFailurePercent = 0 };

        Assert.Equal(TrafficHealth.Healthy, HealthRules.Evaluate(Figures(100), anyError));
        Assert.Equal(TrafficHealth.Degraded, HealthRules.Evaluate(Figures(100_000, fivexx: 1), anyError));
        Assert.Equal(TrafficHealth.Failure, HealthRules.Evaluate(Figures(100_000, fourxx: 1), anyError));
    }

    [Fact]
    public void Observed_shares_sit_beside_the_weights()
    {
        var view = View([SplitService("1", ("v1", 90), ("v2", 10))], [SubsetRule(versions: ["v1", "v2", "v3"])]);
        var figures = new ServiceFigures(Ns, "reviews",
        [
            new VersionFigures("v1", 8, 0, 0, 5, 9, 20),
            new VersionFigures("v2", 2, 1, 0, 6, 10, 30),
            new VersionFigures("v0", 0, 0, 0, null, null, null),
        ]);

        ServiceTraffic traffic = TrafficComposer.Compose(view, figures, TelemetrySourceKind.Prometheus, TelemetryWindow.OneMinute, At, HealthThresholds.Default);

        Assert.Equal(["v1", "v2", "v3", "v0"], traffic.Versions.Select(v => v.Version));
        VersionTraffic v1 = traffic.Versions[0];
        Assert.Equal(0.8, v1.ObservedShare!.Value, 9);
        Assert.Equal(0.9, v1.ConfiguredShare!.Value, 9);
        Assert.Equal(1, v1.SuccessRate);
        Assert.Equal(new LatencyPercentiles(5, 9, 20), v1.Latency);
        Assert.Equal(TrafficHealth.Healthy, v1.Health);

        VersionTraffic v2 = traffic.Versions[1];
        Assert.Equal(0.2, v2.ObservedShare!.Value, 9);
        Assert.Equal(0.5, v2.SuccessRate);
        Assert.Equal(TrafficHealth.Failure, v2.Health);

        VersionTraffic v3 = traffic.Versions[2];
        Assert.Equal((0.0, 0.0), (v3.ObservedShare, v3.ConfiguredShare));
        Assert.Null(v3.SuccessRate);
        Assert.Equal(TrafficHealth.NoTraffic, v3.Health);

        Assert.Equal(TrafficHealth.NoTraffic, traffic.Versions[3].Health);
        Assert.Equal("v2", traffic.Worst!.Version);
        Assert.Equal(10, traffic.RequestsPerSecond);
    }

    [Fact]
    public void Rates_from_separate_queries_never_make_a_share_outside_0_to_1()
    {
        var figures = new ServiceFigures(Ns, "reviews", [new VersionFigures("v1", 2, 2.0001, 2.5, null, null, null)]);

        VersionTraffic v1 = TrafficComposer.Compose(View(), figures, TelemetrySourceKind.Prometheus, TelemetryWindow.OneMinute, At, HealthThresholds.Default).Versions[0];

        Assert.Equal((0.0, 1.0), (v1.SuccessRate, v1.ClientErrorRate));
        Assert.Equal(TrafficHealth.Failure, v1.Health);
    }

    [Fact]
    public void Without_figures_every_version_is_listed_with_no_traffic()
    {
        ServiceTraffic traffic = TrafficComposer.Compose(View(), null, TelemetrySourceKind.Sandbox, TelemetryWindow.Default, At, HealthThresholds.Default);

        Assert.Equal(["v1", "v2", "v3"], traffic.Versions.Select(v => v.Version));
        Assert.All(traffic.Versions, v => Assert.Equal((TrafficHealth.NoTraffic, (double?)null), (v.Health, v.ObservedShare)));
    }
}
