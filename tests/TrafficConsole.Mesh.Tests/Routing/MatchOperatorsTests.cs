using TrafficConsole.Mesh.Routing;

namespace TrafficConsole.Mesh.Tests.Routing;

public class MatchOperatorsTests
{
    [Fact]
    public void Headers_allow_every_comparison_and_its_negation()
    {
        Assert.Equal(8, MatchOperators.AllowedOn(MatchField.Header).Length);
        Assert.True(MatchOperators.Allows(MatchField.Header, MatchOperator.Present, negated: true));
        Assert.True(MatchOperators.Allows(MatchField.Header, MatchOperator.Regex, negated: true));
    }

    [Fact]
    public void Query_parameters_allow_presence_but_no_negation()
    {
        Assert.True(MatchOperators.Allows(MatchField.QueryParam, MatchOperator.Present, negated: false));
        Assert.False(MatchOperators.Allows(MatchField.QueryParam, MatchOperator.Exact, negated: true));
    }

    [Fact]
    public void Source_labels_match_exactly_only()
    {
        Assert.Equal([(MatchOperator.Exact, false)], MatchOperators.AllowedOn(MatchField.SourceLabel).ToArray());
    }

    [Theory]
    [InlineData(MatchField.Uri)]
    [InlineData(MatchField.Method)]
    [InlineData(MatchField.Authority)]
    [InlineData(MatchField.Scheme)]
    public void Fields_always_present_have_no_presence_check_and_no_negation(MatchField field)
    {
        Assert.Equal([MatchOperator.Exact, MatchOperator.Prefix, MatchOperator.Regex], MatchOperators.AllowedOn(field).Select(static a => a.Operator));
        Assert.All(MatchOperators.AllowedOn(field), static a => Assert.False(a.Negated));
        Assert.False(MatchOperators.Allows(field, MatchOperator.Present, negated: false));
    }

    [Fact]
    public void Keyed_fields_are_headers_query_parameters_and_source_labels()
    {
        Assert.Equal([MatchField.Header, MatchField.QueryParam, MatchField.SourceLabel], Enum.GetValues<MatchField>().Where(MatchOperators.HasKey));
    }
}
