using System.Collections.Immutable;

using TrafficConsole.Mesh.Telemetry;

namespace TrafficConsole.Mesh.Tests.Telemetry;

/// <summary>Answers to the reading's queries become per-version figures; destination data first, source only without it.</summary>
public class PrometheusFiguresTests
{
    private const string Label = PromQl.DefaultVersionLabel;
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

    private static PromSample Sample(string ns, string service, string version, double value) =>
        new(ImmutableDictionary<string, string>.Empty
            .Add(PromQl.NamespaceLabel, ns).Add(PromQl.ServiceLabel, service).Add(Label, version), At, value);

    private static (FigureQuery, ImmutableArray<PromSample>) Answer(FigureKind kind, PromReporter reporter, params PromSample[] samples) =>
        (new FigureQuery(kind, reporter, $"{kind} {reporter}"), [.. samples]);

    [Fact]
    public void Destination_figures_per_version()
    {
        var services = PrometheusFigures.Combine(
            [
                Answer(FigureKind.Requests, PromReporter.Destination, Sample("bookinfo", "reviews", "v1", 9), Sample("bookinfo", "reviews", "v2", 1)),
                Answer(FigureKind.ServerErrors, PromReporter.Destination, Sample("bookinfo", "reviews", "v2", 0.5)),
                Answer(FigureKind.ClientErrors, PromReporter.Destination, Sample("bookinfo", "reviews", "v1", 0.9)),
                Answer(FigureKind.LatencyP50, PromReporter.Destination, Sample("bookinfo", "reviews", "v1", 10), Sample("bookinfo", "reviews", "v2", double.NaN)),
                Answer(FigureKind.LatencyP90, PromReporter.Destination, Sample("bookinfo", "reviews", "v1", 50)),
                Answer(FigureKind.LatencyP99, PromReporter.Destination, Sample("bookinfo", "reviews", "v1", 235)),
            ],
            Label);

        ServiceFigures reviews = Assert.Single(services);
        Assert.Equal(("bookinfo", "reviews"), (reviews.Namespace, reviews.Service));
        Assert.Equal(
            [
                new VersionFigures("v1", 9, 0, 0.9, 10, 50, 235),
                new VersionFigures("v2", 1, 0.5, 0, null, null, null),
            ],
            reviews.Versions.ToArray());
        Assert.Equal(10, reviews.RequestsPerSecond);
    }

    [Fact]
    public void A_service_without_destination_data_is_measured_by_its_callers_and_one_with_it_is_not()
    {
        var services = PrometheusFigures.Combine(
            [
                Answer(FigureKind.Requests, PromReporter.Destination, Sample("bookinfo", "reviews", "v1", 4)),
                Answer(FigureKind.Requests, PromReporter.Source, Sample("bookinfo", "reviews", "v1", 100), Sample("bookinfo", "ratings", "v1", 3)),
                Answer(FigureKind.ServerErrors, PromReporter.Source, Sample("bookinfo", "ratings", "v1", 1), Sample("bookinfo", "reviews", "v1", 50)),
                Answer(FigureKind.LatencyP50, PromReporter.Source, Sample("bookinfo", "ratings", "v1", 7)),
            ],
            Label);

        Assert.Equal(["ratings", "reviews"], services.Select(s => s.Service));
        Assert.Equal(new VersionFigures("v1", 3, 1, 0, 7, null, null), Assert.Single(services[0].Versions));
        Assert.Equal(new VersionFigures("v1", 4, 0, 0, null, null, null), Assert.Single(services[1].Versions));
    }

    [Fact]
    public void Services_are_ordered_by_namespace_then_name_and_unlabelled_series_are_skipped()
    {
        var services = PrometheusFigures.Combine(
            [
                Answer(
                    FigureKind.Requests,
                    PromReporter.Destination,
                    Sample("shop", "cart", "v1", 1),
                    Sample("bookinfo", "reviews", "v1", 1),
                    Sample("bookinfo", "details", "v1", 1),
                    Sample("", "unknown", "v1", 5)),
            ],
            Label);

        Assert.Equal(["bookinfo/details", "bookinfo/reviews", "shop/cart"], services.Select(s => $"{s.Namespace}/{s.Service}"));
    }

    [Fact]
    public void No_answers_no_services()
    {
        Assert.Empty(PrometheusFigures.Combine([Answer(FigureKind.Requests, PromReporter.Destination)], Label));
    }

    [Fact]
    public void Series_are_aligned_on_the_range_steps_with_an_error_rate_and_nan_without_traffic()
    {
        var range = new TelemetryRange(DateTimeOffset.FromUnixTimeSeconds(1000), DateTimeOffset.FromUnixTimeSeconds(1030), TimeSpan.FromSeconds(15));
        static PromSeries Series(string version, params (long T, double V)[] points) => new(
            ImmutableDictionary<string, string>.Empty.Add(Label, version),
            [.. points.Select(p => (DateTimeOffset.FromUnixTimeSeconds(p.T), p.V))]);

        TelemetrySeries series = PrometheusFigures.CombineSeries(
            [
                (new SeriesQuery(FigureKind.Requests, PromReporter.Destination, "r"), [Series("v1", (1000, 10), (1015, 10), (1030, 0)), Series("v2", (1015, 2))]),
                (new SeriesQuery(FigureKind.ServerErrors, PromReporter.Destination, "e"), [Series("v1", (1000, 1), (1015, 0))]),
                (new SeriesQuery(FigureKind.Requests, PromReporter.Source, "r"), [Series("v9", (1000, 99))]),
            ],
            range,
            Label,
            TelemetrySourceKind.Prometheus);

        Assert.Equal([1000L, 1015L, 1030L], series.Times.Select(t => t.ToUnixTimeSeconds()));
        Assert.Equal(["v1", "v2"], series.Versions.Select(v => v.Version));
        Assert.Equal([10.0, 10.0, 0.0], series.Versions[0].RequestsPerSecond.ToArray());
        Assert.Equal(0.1, series.Versions[0].ErrorRate[0], 9);
        Assert.Equal(0, series.Versions[0].ErrorRate[1]);
        Assert.True(double.IsNaN(series.Versions[0].ErrorRate[2]));
        Assert.Equal([0.0, 2.0, 0.0], series.Versions[1].RequestsPerSecond.ToArray());
    }

    [Fact]
    public void Series_fall_back_to_the_source_reporter_when_the_destination_has_none()
    {
        var range = new TelemetryRange(DateTimeOffset.FromUnixTimeSeconds(1000), DateTimeOffset.FromUnixTimeSeconds(1010), TimeSpan.FromSeconds(10));
        static PromSeries Series(string version, double value) => new(
            ImmutableDictionary<string, string>.Empty.Add(Label, version), [(DateTimeOffset.FromUnixTimeSeconds(1010), value)]);

        TelemetrySeries series = PrometheusFigures.CombineSeries(
            [
                (new SeriesQuery(FigureKind.Requests, PromReporter.Destination, "r"), []),
                (new SeriesQuery(FigureKind.Requests, PromReporter.Source, "r"), [Series("v1", 4)]),
                (new SeriesQuery(FigureKind.ServerErrors, PromReporter.Source, "e"), [Series("v1", 1)]),
            ],
            range,
            Label,
            TelemetrySourceKind.Prometheus);

        VersionSeries v1 = Assert.Single(series.Versions);
        Assert.Equal([0.0, 4.0], v1.RequestsPerSecond.ToArray());
        Assert.Equal(0.25, v1.ErrorRate[1]);
    }
}
