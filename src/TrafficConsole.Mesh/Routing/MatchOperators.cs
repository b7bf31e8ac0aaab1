using System.Collections.Immutable;

namespace TrafficConsole.Mesh.Routing;

/// <summary>
/// Which comparisons Istio allows on which part of a request (<see cref="MatchCondition"/>): negations only for headers
/// (<c>withoutHeaders</c>), presence only for headers and query parameters, exact only for source labels.
/// </summary>
public static class MatchOperators
{
    private static readonly ImmutableArray<(MatchOperator Operator, bool Negated)> HeaderOperators =
    [
        (MatchOperator.Exact, false), (MatchOperator.Prefix, false), (MatchOperator.Regex, false), (MatchOperator.Present, false),
        (MatchOperator.Exact, true), (MatchOperator.Prefix, true), (MatchOperator.Regex, true), (MatchOperator.Present, true),
    ];

    private static readonly ImmutableArray<(MatchOperator Operator, bool Negated)> QueryParamOperators =
        [(MatchOperator.Exact, false), (MatchOperator.Prefix, false), (MatchOperator.Regex, false), (MatchOperator.Present, false)];

    private static readonly ImmutableArray<(MatchOperator Operator, bool Negated)> SourceLabelOperators = [(MatchOperator.Exact, false)];

    private static readonly ImmutableArray<(MatchOperator Operator, bool Negated)> OtherOperators =
        [(MatchOperator.Exact, false), (MatchOperator.Prefix, false), (MatchOperator.Regex, false)];

    /// <summary>The comparisons (operator, negated) Istio allows on <paramref name="field"/>, plain ones first.</summary>
    public static ImmutableArray<(MatchOperator Operator, bool Negated)> AllowedOn(MatchField field) => field switch
    {
        MatchField.Header => HeaderOperators,
        MatchField.QueryParam => QueryParamOperators,
        MatchField.SourceLabel => SourceLabelOperators,
        _ => OtherOperators,
    };

    /// <summary>True when Istio allows comparing <paramref name="field"/> with <paramref name="op"/> (negated or not).</summary>
    public static bool Allows(MatchField field, MatchOperator op, bool negated) => AllowedOn(field).Contains((op, negated));

    /// <summary>True when the field needs a key (a header, query parameter or label name).</summary>
    public static bool HasKey(MatchField field) => field is MatchField.Header or MatchField.QueryParam or MatchField.SourceLabel;
}
