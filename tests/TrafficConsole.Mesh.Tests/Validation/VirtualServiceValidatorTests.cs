using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Validation;

using static TrafficConsole.Mesh.Tests.TestData.Samples;

namespace TrafficConsole.Mesh.Tests.Validation;

public class VirtualServiceValidatorTests
{
    private static VirtualServiceValidationContext Context { get; } = VirtualServiceValidationContext.With([SubsetRule()]);

    private static ValidationIssue[] Validate(VirtualService vs, VirtualServiceValidationContext? context = null) =>
        [.. VirtualServiceValidator.Validate(vs, context ?? Context)];

    [Fact]
    public void A_sound_split_has_no_issues()
    {
        Assert.Empty(Validate(SplitService("1", ("v1", 90), ("v2", 10))));
    }

    [Fact]
    public void Negative_weights_are_errors_with_their_path()
    {
        ValidationIssue issue = Validate(SplitService("1", ("v1", -10), ("v2", 110))).First();

        Assert.Equal((ValidationCodes.NegativeWeight, Severity.Error, "spec.http[0].route[0].weight"), (issue.Code, issue.Severity, issue.Path));
    }

    [Fact]
    public void Weights_whose_sum_overflows_an_int_are_judged_not_a_crash()
    {
        ValidationIssue[] issues = Validate(SplitService("1", ("v1", int.MaxValue), ("v2", 1)));

        Assert.Contains(issues, static i => i.Code == ValidationCodes.WeightsNot100);
    }

    [Fact]
    public void All_zero_weights_with_several_destinations_are_an_error()
    {
        ValidationIssue issue = Assert.Single(Validate(SplitService("1", ("v1", 0), ("v2", null))));

        Assert.Equal((ValidationCodes.AllDestinationWeightsZero, Severity.Error, "spec.http[0].route"), (issue.Code, issue.Severity, issue.Path));
    }

    [Fact]
    public void A_single_destination_with_weight_below_100_is_a_warning()
    {
        ValidationIssue issue = Assert.Single(Validate(SplitService("1", ("v1", 50))));

        Assert.Equal((ValidationCodes.SingleDestinationWeight, Severity.Warning), (issue.Code, issue.Severity));
        Assert.Empty(Validate(SplitService("1", ("v1", null))));
        Assert.Empty(Validate(SplitService("1", ("v1", 100))));
    }

    [Fact]
    public void Weights_not_adding_to_100_are_information_about_relative_shares()
    {
        ValidationIssue issue = Assert.Single(Validate(SplitService("1", ("v1", 1), ("v2", 3))));

        Assert.Equal((ValidationCodes.WeightsNot100, Severity.Info), (issue.Code, issue.Severity));
        Assert.Contains("25/75", issue.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_subset_no_DestinationRule_defines_is_an_error()
    {
        ValidationIssue issue = Assert.Single(Validate(SplitService("1", ("v1", 50), ("v4", 50))));

        Assert.Equal((ValidationCodes.SubsetNotDefined, "spec.http[0].route[1].destination.subset"), (issue.Code, issue.Path));
        Assert.Contains("'v4'", issue.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Subsets_of_a_DestinationRule_for_another_host_do_not_count()
    {
        var context = VirtualServiceValidationContext.With([SubsetRule(host: "ratings")]);

        Assert.All(Validate(SplitService("1", ("v1", 100)), context), static i => Assert.Equal(ValidationCodes.SubsetNotDefined, i.Code));
        Assert.Single(Validate(SplitService("1", ("v1", 100)), context));
    }

    [Fact]
    public void Short_and_full_host_names_find_the_same_DestinationRule()
    {
        var context = VirtualServiceValidationContext.With([SubsetRule(host: "reviews.bookinfo.svc.cluster.local")]);

        Assert.Empty(Validate(SplitService("1", ("v1", 100)), context));
    }

    [Fact]
    public void Invalid_subset_names_are_errors()
    {
        ValidationIssue[] issues = Validate(SplitService("1", ("V1.0", 100)), VirtualServiceValidationContext.With([SubsetRule(versions: ["V1.0"])]));

        ValidationIssue issue = Assert.Single(issues);
        Assert.Equal(ValidationCodes.InvalidSubsetName, issue.Code);
    }

    [Fact]
    public void Routes_after_the_catch_all_are_unreachable()
    {
        VirtualService vs = SplitService("1", ("v1", 100));
        vs.Spec = vs.Spec! with
        {
            Http = [.. vs.Spec.Http!, new HttpRouteRule { Name = "late", Match = [new HttpMatchRequest { Uri = StringMatch.ForPrefix("/x") }], Route = [Dest("reviews", "v2")] }],
        };

        ValidationIssue issue = Assert.Single(Validate(vs));

        Assert.Equal((ValidationCodes.UnreachableRoute, Severity.Warning, "spec.http[1]"), (issue.Code, issue.Severity, issue.Path));
        Assert.Contains("'late'", issue.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mirror_problems_are_reported()
    {
        VirtualService vs = SplitService("1", ("v1", 100));
        vs.Spec = vs.Spec! with { Http = [vs.Spec.Http![0] with { Mirror = new Destination { Host = "reviews", Subset = "v8" }, MirrorPercentage = new Percent { Value = 150 } }] };

        string[] codes = [.. Validate(vs).Select(static i => i.Code)];

        Assert.Equal([ValidationCodes.SubsetNotDefined, ValidationCodes.MirrorPercentageOutOfRange], codes);
    }

    [Fact]
    public void No_hosts_and_missing_destination_host_are_errors()
    {
        var vs = new VirtualService { Metadata = Meta("broken"), Spec = new VirtualServiceSpec { Http = [new HttpRouteRule { Route = [new HttpRouteDestination { Destination = new Destination() }] }] } };

        Assert.Equal([ValidationCodes.NoHosts, ValidationCodes.MissingDestinationHost], Validate(vs).Select(static i => i.Code));
    }
}
