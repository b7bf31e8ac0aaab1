using TrafficConsole.Mesh.Telemetry;

namespace TrafficConsole.Mesh.Tests.Telemetry;

/// <summary>Every query the console sends, spelled out: a change to one shows here as a diff of PromQL.</summary>
public class PromQlTests
{
    private const string By = "destination_service_namespace, destination_service_name, destination_version";

    private static readonly PromQl Queries = new();

    [Fact]
    public void Requests_per_version_of_a_namespace_as_the_destination_reported_them()
    {
        Assert.Equal(
            $"sum by ({By}) (rate(istio_requests_total{{reporter=\"destination\",destination_service_namespace=\"bookinfo\"}}[5m]))",
            Queries.Requests("bookinfo", null, TelemetryWindow.FiveMinutes, PromReporter.Destination));
    }

    [Fact]
    public void Requests_of_every_namespace_as_the_source_reported_them()
    {
        Assert.Equal(
            $"sum by ({By}) (rate(istio_requests_total{{reporter=\"source\"}}[1m]))",
            Queries.Requests(null, null, TelemetryWindow.OneMinute, PromReporter.Source));
    }

    [Fact]
    public void Failed_requests_are_http_5xx_or_no_response_and_grpc_not_ok()
    {
        Assert.Equal(
            $"sum by ({By}) ("
            + "rate(istio_requests_total{reporter=\"destination\",destination_service_namespace=\"bookinfo\",request_protocol!=\"grpc\",response_code=~\"0|5..\"}[15m])"
            + " or rate(istio_requests_total{reporter=\"destination\",destination_service_namespace=\"bookinfo\",request_protocol=\"grpc\",grpc_response_status!~\"0|\"}[15m])"
            + " or rate(istio_requests_total{reporter=\"destination\",destination_service_namespace=\"bookinfo\",request_protocol=\"grpc\",response_code=\"0\"}[15m]))",
            Queries.ServerErrors("bookinfo", null, TelemetryWindow.FifteenMinutes, PromReporter.Destination));
    }

    [Fact]
    public void Client_errors_are_http_4xx()
    {
        Assert.Equal(
            $"sum by ({By}) (rate(istio_requests_total{{reporter=\"source\",request_protocol!=\"grpc\",response_code=~\"4..\"}}[1h]))",
            Queries.ClientErrors(null, null, TelemetryWindow.OneHour, PromReporter.Source));
    }

    [Theory]
    [InlineData(FigureKind.LatencyP50, "0.5")]
    [InlineData(FigureKind.LatencyP90, "0.9")]
    [InlineData(FigureKind.LatencyP99, "0.99")]
    public void Latency_quantiles_come_from_the_duration_histogram_summed_by_bucket(FigureKind kind, string quantile)
    {
        Assert.Equal(
            $"histogram_quantile({quantile}, sum by (le, {By}) (rate(istio_request_duration_milliseconds_bucket{{reporter=\"destination\",destination_service_namespace=\"bookinfo\"}}[5m])))",
            Queries.Figure(kind, "bookinfo", null, TelemetryWindow.FiveMinutes, PromReporter.Destination));
    }

    [Fact]
    public void A_reading_asks_every_figure_of_both_reporters()
    {
        var queries = Queries.Figures("bookinfo", TelemetryWindow.FiveMinutes);

        Assert.Equal(12, queries.Length);
        foreach (PromReporter reporter in Enum.GetValues<PromReporter>())
        {
            foreach (FigureKind kind in Enum.GetValues<FigureKind>())
            {
                FigureQuery query = Assert.Single(queries, q => q.Kind == kind && q.Reporter == reporter);
                Assert.Equal(Queries.Figure(kind, "bookinfo", null, TelemetryWindow.FiveMinutes, reporter), query.Expression);
            }
        }
    }

    [Fact]
    public void A_chart_asks_one_service_per_version_requests_and_failures_of_both_reporters()
    {
        var queries = Queries.Series("bookinfo", "reviews", TelemetryWindow.OneMinute);

        Assert.Equal(
            [
                $"sum by ({By}) (rate(istio_requests_total{{reporter=\"destination\",destination_service_namespace=\"bookinfo\",destination_service_name=\"reviews\"}}[1m]))",
                Queries.ServerErrors("bookinfo", "reviews", TelemetryWindow.OneMinute, PromReporter.Destination),
                $"sum by ({By}) (rate(istio_requests_total{{reporter=\"source\",destination_service_namespace=\"bookinfo\",destination_service_name=\"reviews\"}}[1m]))",
                Queries.ServerErrors("bookinfo", "reviews", TelemetryWindow.OneMinute, PromReporter.Source),
            ],
            queries.Select(q => q.Expression));
        Assert.Equal([FigureKind.Requests, FigureKind.ServerErrors, FigureKind.Requests, FigureKind.ServerErrors], queries.Select(q => q.Kind));
    }

    [Fact]
    public void The_version_label_is_configurable()
    {
        var revisions = new PromQl("destination_canonical_revision");

        Assert.Equal(
            "sum by (destination_service_namespace, destination_service_name, destination_canonical_revision) (rate(istio_requests_total{reporter=\"destination\"}[5m]))",
            revisions.Requests(null, null, TelemetryWindow.FiveMinutes, PromReporter.Destination));
    }

    [Theory]
    [InlineData("")]
    [InlineData("9version")]
    [InlineData("destination-version")]
    [InlineData("version) or vector(1")]
    public void A_version_label_that_is_not_a_label_name_is_refused(string label)
    {
        var ex = Assert.Throws<ArgumentException>(() => new PromQl(label));
        Assert.Contains("not a Prometheus label name", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("plain", "\"plain\"")]
    [InlineData("quo\"te", "\"quo\\\"te\"")]
    [InlineData("back\\slash", "\"back\\\\slash\"")]
    [InlineData("new\nline", "\"new\\nline\"")]
    [InlineData("tab\tcr\r", "\"tab\\tcr\\r\"")]
    [InlineData("bell\u0007", "\"bell\\u0007\"")]
    [InlineData("ünï", "\"ünï\"")]
    public void Label_values_are_escaped_as_promql_strings(string value, string literal)
    {
        Assert.Equal(literal, PromQl.Quote(value));
    }

    [Fact]
    public void A_hostile_namespace_stays_inside_its_string()
    {
        string query = Queries.Requests("x\"} or vector(1) or {a=\"", null, TelemetryWindow.FiveMinutes, PromReporter.Destination);

        Assert.Contains("destination_service_namespace=\"x\\\"} or vector(1) or {a=\\\"\"", query, StringComparison.Ordinal);
    }
}
