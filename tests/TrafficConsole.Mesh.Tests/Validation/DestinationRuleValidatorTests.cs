using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Validation;

using static TrafficConsole.Mesh.Tests.TestData.Samples;

namespace TrafficConsole.Mesh.Tests.Validation;

public class DestinationRuleValidatorTests
{
    [Fact]
    public void A_sound_rule_has_no_issues()
    {
        Assert.Empty(DestinationRuleValidator.Validate(SubsetRule(), ReviewsV1V2V3));
    }

    [Fact]
    public void Duplicate_and_invalid_subset_names_are_errors()
    {
        DestinationRule dr = SubsetRule(versions: ["v1", "v1", "V_2"]);

        string[] codes = [.. DestinationRuleValidator.Validate(dr).Select(static i => i.Code)];

        Assert.Equal([ValidationCodes.DuplicateSubsetName, ValidationCodes.DestinationRuleInvalidSubsetName], codes);
    }

    [Fact]
    public void A_subset_selecting_no_workload_is_a_warning()
    {
        ValidationIssue issue = Assert.Single(DestinationRuleValidator.Validate(SubsetRule(versions: ["v1", "v4"]), ReviewsV1V2V3));

        Assert.Equal((ValidationCodes.SubsetSelectsNoWorkload, Severity.Warning, "spec.subsets[1].labels"), (issue.Code, issue.Severity, issue.Path));
    }

    [Fact]
    public void A_rule_without_host_is_an_error()
    {
        var dr = new DestinationRule { Metadata = Meta("x"), Spec = new DestinationRuleSpec() };

        Assert.Equal([ValidationCodes.MissingHost], DestinationRuleValidator.Validate(dr).Select(static i => i.Code));
    }
}
