using TrafficConsole.Mesh.Telemetry;

namespace TrafficConsole.Mesh.Tests.Telemetry;

/// <summary>Prometheus' HTTP API answers as its documentation and a real server write them, and text that is not one.</summary>
public class PrometheusAnswerTests
{
    [Fact]
    public void A_vector_keeps_labels_time_and_value()
    {
        var answer = PrometheusAnswer.Parse("""
            {"status":"success","data":{"resultType":"vector","result":[
              {"metric":{"destination_service_name":"reviews","destination_version":"v1"},"value":[1700000000.5,"12.25"]},
              {"metric":{"destination_service_name":"reviews","destination_version":"v2"},"value":[1700000000.5,"0"]}]}}
            """);

        var vector = Assert.IsType<PrometheusAnswer.Vector>(answer);
        Assert.Equal(2, vector.Samples.Length);
        Assert.Equal("v1", vector.Samples[0].Label("destination_version"));
        Assert.Equal(12.25, vector.Samples[0].Value);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_500), vector.Samples[0].At);
        Assert.Equal(string.Empty, vector.Samples[0].Label("missing"));
        Assert.Empty(vector.Warnings);
    }

    [Fact]
    public void Special_values_survive()
    {
        var vector = Assert.IsType<PrometheusAnswer.Vector>(PrometheusAnswer.Parse("""
            {"status":"success","data":{"resultType":"vector","result":[
              {"metric":{},"value":[1,"NaN"]},{"metric":{},"value":[1,"+Inf"]},{"metric":{},"value":[1,"-Inf"]},{"metric":{},"value":[1,"1e-3"]}]}}
            """));

        Assert.True(double.IsNaN(vector.Samples[0].Value));
        Assert.Equal(double.PositiveInfinity, vector.Samples[1].Value);
        Assert.Equal(double.NegativeInfinity, vector.Samples[2].Value);
        Assert.Equal(0.001, vector.Samples[3].Value);
    }

    [Fact]
    public void An_empty_result_is_an_empty_vector()
    {
        var vector = Assert.IsType<PrometheusAnswer.Vector>(PrometheusAnswer.Parse("""{"status":"success","data":{"resultType":"vector","result":[]}}"""));
        Assert.Empty(vector.Samples);
    }

    [Fact]
    public void A_matrix_keeps_every_point_in_order()
    {
        var matrix = Assert.IsType<PrometheusAnswer.Matrix>(PrometheusAnswer.Parse("""
            {"status":"success","data":{"resultType":"matrix","result":[
              {"metric":{"destination_version":"v1"},"values":[[100,"1"],[115,"2.5"],[130,"NaN"]]}]}}
            """));

        PromSeries series = Assert.Single(matrix.Series);
        Assert.Equal("v1", series.Label("destination_version"));
        Assert.Equal([100L, 115L, 130L], series.Points.Select(p => p.At.ToUnixTimeSeconds()));
        Assert.Equal(2.5, series.Points[1].Value);
        Assert.True(double.IsNaN(series.Points[2].Value));
    }

    [Fact]
    public void A_scalar_is_read()
    {
        var scalar = Assert.IsType<PrometheusAnswer.Scalar>(PrometheusAnswer.Parse("""{"status":"success","data":{"resultType":"scalar","result":[1435781451.781,"1"]}}"""));
        Assert.Equal(1, scalar.Value);
        Assert.Equal(1435781451, scalar.At.ToUnixTimeSeconds());
    }

    [Fact]
    public void Warnings_are_kept()
    {
        var vector = Assert.IsType<PrometheusAnswer.Vector>(PrometheusAnswer.Parse("""
            {"status":"success","data":{"resultType":"vector","result":[]},"warnings":["PromQL info: metric might not be a counter"]}
            """));
        Assert.Equal(["PromQL info: metric might not be a counter"], vector.Warnings.ToArray());
    }

    [Fact]
    public void An_error_keeps_prometheus_type_and_text()
    {
        var error = Assert.IsType<PrometheusAnswer.Failed>(PrometheusAnswer.Parse("""
            {"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:6: parse error: unexpected end of input"}
            """));

        Assert.Equal("bad_data", error.ErrorType);
        Assert.Equal("bad_data: invalid parameter \"query\": 1:6: parse error: unexpected end of input", error.ToString());
    }

    [Theory]
    [InlineData("", "not JSON")]
    [InlineData("<html>502 Bad Gateway</html>", "not JSON")]
    [InlineData("{\"status\":\"success\"", "not JSON")]
    [InlineData("[1,2]", "a JSON array, not an object")]
    [InlineData("{}", "no \"status\"")]
    [InlineData("{\"status\":\"maybe\"}", "neither \"success\" nor \"error\"")]
    [InlineData("{\"status\":\"success\"}", "no \"data\" object")]
    [InlineData("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\"}}", "no \"result\"")]
    [InlineData("{\"status\":\"success\",\"data\":{\"result\":[]}}", "no \"resultType\"")]
    [InlineData("{\"status\":\"success\",\"data\":{\"resultType\":\"string\",\"result\":[1,\"a\"]}}", "resultType is \"string\"")]
    [InlineData("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":{}}}", "not an array")]
    [InlineData("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{}}]}}", "with a \"value\"")]
    [InlineData("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},\"value\":[1,2]}]}}", "value is not a string")]
    [InlineData("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},\"value\":[1,\"ten\"]}]}}", "\"ten\" is not a sample value")]
    [InlineData("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},\"value\":[\"1\",\"1\"]}]}}", "time is not a number")]
    [InlineData("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{\"a\":1},\"value\":[1,\"1\"]}]}}", "label \"a\" is not a string")]
    [InlineData("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":{},\"values\":[[1]]}]}}", "not a [time, \"value\"] pair")]
    public void Text_that_is_not_an_answer_says_why(string json, string reason)
    {
        var malformed = Assert.IsType<PrometheusAnswer.Malformed>(PrometheusAnswer.Parse(json));
        Assert.Contains(reason, malformed.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Deep_nesting_is_refused_not_recursed()
    {
        string json = "{\"status\":\"success\",\"data\":" + new string('[', 5000) + new string(']', 5000) + "}";
        Assert.IsType<PrometheusAnswer.Malformed>(PrometheusAnswer.Parse(json));
    }
}
