using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Services;
using TrafficConsole.Mesh.Validation;

using static TrafficConsole.Mesh.Tests.TestData.Samples;

namespace TrafficConsole.Mesh.Tests.Validation;

public class TrafficSplitValidatorTests
{
    private static string[] Codes(TrafficSplit split, ServiceView? view = null) =>
        [.. RoutingIntentValidator.ValidateSplit(view ?? View(), split).Select(static i => i.Code)];

    [Fact]
    public void A_valid_split_has_no_issues()
    {
        Assert.Empty(Codes(TrafficSplit.Of(("v1", 80), ("v2", 20), ("v3", 0))));
        Assert.Empty(Codes(TrafficSplit.Of(("v1", 100)) with { Mirror = new MirrorTarget("v3", 12.5) }));
    }

    [Fact]
    public void Weights_must_be_within_0_and_100()
    {
        ValidationIssue issue = RoutingIntentValidator.ValidateSplit(View(), TrafficSplit.Of(("v1", 110), ("v2", -10))).First();

        Assert.Equal((ValidationCodes.WeightOutOfRange, Severity.Error, "weights[v1]"), (issue.Code, issue.Severity, issue.Path));
        Assert.Contains(ValidationCodes.WeightOutOfRange, Codes(TrafficSplit.Of(("v1", 110), ("v2", -10))).Skip(1));
    }

    [Theory]
    [InlineData(int.MaxValue, 1)]
    [InlineData(int.MinValue, -1)]
    public void Weights_whose_sum_overflows_an_int_are_out_of_range_not_a_crash(int first, int second)
    {
        ValidationIssue[] issues = [.. RoutingIntentValidator.ValidateSplit(View(), TrafficSplit.Of(("v1", first), ("v2", second)))];

        Assert.Equal((ValidationCodes.WeightOutOfRange, "weights[v1]"), (issues[0].Code, issues[0].Path));
        Assert.Contains(issues, static i => i.Code == ValidationCodes.TotalNot100);
        Assert.Equal((long)first + second, TrafficSplit.Of(("v1", first), ("v2", second)).Total);
    }

    [Fact]
    public void The_total_must_be_100_and_the_message_says_by_how_much()
    {
        ValidationIssue issue = Assert.Single(RoutingIntentValidator.ValidateSplit(View(), TrafficSplit.Of(("v1", 60), ("v2", 30))));

        Assert.Equal(ValidationCodes.TotalNot100, issue.Code);
        Assert.Contains("90", issue.Message, StringComparison.Ordinal);
        Assert.Contains("add 10", issue.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void All_zero_is_its_own_error()
    {
        Assert.Equal([ValidationCodes.AllWeightsZero], Codes(TrafficSplit.Of(("v1", 0), ("v2", 0))));
    }

    [Fact]
    public void Unknown_and_duplicate_versions_are_errors()
    {
        Assert.Equal([ValidationCodes.UnknownVersion], Codes(TrafficSplit.Of(("v1", 50), ("v7", 50))));
        Assert.Equal([ValidationCodes.DuplicateVersion], Codes(TrafficSplit.Of(("v1", 50), ("v1", 50))));
        Assert.Equal([ValidationCodes.EmptySplit], Codes(TrafficSplit.Empty));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(100.5)]
    [InlineData(double.NaN)]
    public void Mirror_percent_must_be_within_0_and_100(double percent)
    {
        Assert.Equal([ValidationCodes.MirrorPercentOutOfRange], Codes(TrafficSplit.Of(("v1", 100)) with { Mirror = new MirrorTarget("v2", percent) }));
    }

    [Fact]
    public void Mirror_target_must_be_a_known_version()
    {
        Assert.Equal([ValidationCodes.UnknownMirrorVersion], Codes(TrafficSplit.Of(("v1", 100)) with { Mirror = new MirrorTarget("v9", 10) }));
    }

    [Fact]
    public void Mirroring_to_a_weighted_version_is_a_warning()
    {
        ValidationIssue issue = Assert.Single(RoutingIntentValidator.ValidateSplit(View(), TrafficSplit.Of(("v1", 50), ("v2", 50)) with { Mirror = new MirrorTarget("v2", 10) }));

        Assert.Equal((ValidationCodes.MirrorAlsoWeighted, Severity.Warning), (issue.Code, issue.Severity));
    }

    [Fact]
    public void Sending_traffic_to_unversioned_workloads_next_to_versioned_ones_is_an_error()
    {
        ServiceView view = View(workloads: [ReviewsVersion("v1"), Deployment("reviews-legacy", Labels(("app", "reviews")))]);

        ValidationIssue issue = Assert.Single(RoutingIntentValidator.ValidateSplit(view, TrafficSplit.Of(("v1", 50), (ServiceVersion.UnversionedName, 50))));

        Assert.Equal(ValidationCodes.UnversionedTarget, issue.Code);
        Assert.Contains("reviews-legacy", issue.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Traffic_to_a_version_without_ready_pods_is_a_warning()
    {
        ServiceView view = View(workloads: [ReviewsVersion("v1"), ReviewsVersion("v2", ready: 0)]);

        Assert.Equal([ValidationCodes.NoReadyReplicas], Codes(TrafficSplit.Of(("v1", 90), ("v2", 10)), view));
        Assert.Empty(Codes(TrafficSplit.Of(("v1", 100), ("v2", 0)), view));
    }
}
