using TrafficConsole.Mesh.Routing;

namespace TrafficConsole.Mesh.Tests.Routing;

public class TrafficSplitTests
{
    [Fact]
    public void Total_and_percent_of_a_version()
    {
        TrafficSplit split = TrafficSplit.Of(("v1", 1), ("v2", 3));

        Assert.Equal(4, split.Total);
        Assert.Equal(25.0, split.PercentOf("v1"));
        Assert.Equal(75.0, split.PercentOf("v2"));
        Assert.Equal(0.0, split.PercentOf("v9"));
        Assert.Equal(0.0, TrafficSplit.Empty.PercentOf("v1"));
    }

    [Fact]
    public void Normalized_turns_relative_weights_into_percentages()
    {
        Assert.Equal(TrafficSplit.Of(("v1", 25), ("v2", 75)), TrafficSplit.Of(("v1", 1), ("v2", 3)).Normalized());
        Assert.Equal(TrafficSplit.Of(("a", 33), ("b", 33), ("c", 34)), TrafficSplit.Of(("a", 5), ("b", 5), ("c", 5)).Normalized());
    }

    [Fact]
    public void Equality_compares_weights_and_mirror()
    {
        TrafficSplit a = TrafficSplit.Of(("v1", 90), ("v2", 10));

        Assert.Equal(a, TrafficSplit.Of(("v1", 90), ("v2", 10)));
        Assert.Equal(a.GetHashCode(), TrafficSplit.Of(("v1", 90), ("v2", 10)).GetHashCode());
        Assert.NotEqual(a, TrafficSplit.Of(("v1", 80), ("v2", 20)));
        Assert.NotEqual(a, a with { Mirror = new MirrorTarget("v2", 10) });
    }

    [Fact]
    public void WithWeight_replaces_or_appends()
    {
        TrafficSplit split = TrafficSplit.Of(("v1", 90), ("v2", 10));

        Assert.Equal(TrafficSplit.Of(("v1", 80), ("v2", 10)), split.WithWeight("v1", 80));
        Assert.Equal(TrafficSplit.Of(("v1", 90), ("v2", 10), ("v3", 0)), split.WithWeight("v3", 0));
    }

    [Fact]
    public void AllTo_sends_everything_to_one_version()
    {
        Assert.Equal(TrafficSplit.Of(("v1", 100), ("v2", 0), ("v3", 0)), TrafficSplit.AllTo(["v1", "v2", "v3"], "v1"));
    }

    [Fact]
    public void Json_shape_is_weights_and_mirror()
    {
        TrafficSplit split = TrafficSplit.Of(("v1", 90), ("v2", 10)) with { Mirror = new MirrorTarget("v2", 5) };

        string json = System.Text.Json.JsonSerializer.Serialize(split, System.Text.Json.JsonSerializerOptions.Web);
        TrafficSplit? back = System.Text.Json.JsonSerializer.Deserialize<TrafficSplit>(json, System.Text.Json.JsonSerializerOptions.Web);

        Assert.Equal("""{"weights":[{"version":"v1","weight":90},{"version":"v2","weight":10}],"mirror":{"version":"v2","percent":5},"total":100}""", json);
        Assert.Equal(split, back);
    }

    [Fact]
    public void ToString_is_readable_for_logs()
    {
        Assert.Equal("v1=90, v2=10; mirror v2 5%", (TrafficSplit.Of(("v1", 90), ("v2", 10)) with { Mirror = new MirrorTarget("v2", 5) }).ToString());
    }
}
