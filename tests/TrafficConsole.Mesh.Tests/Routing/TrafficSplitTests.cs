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
    public void ToString_is_readable_for_logs()
    {
        Assert.Equal("v1=90, v2=10; mirror v2 5%", (TrafficSplit.Of(("v1", 90), ("v2", 10)) with { Mirror = new MirrorTarget("v2", 5) }).ToString());
    }
}
