using System.Collections.Immutable;
using System.Globalization;

using TrafficConsole.Mesh.Routing;

namespace TrafficConsole.Web.Components.Controls;

/// <summary>How a condition compares, as one choice of the editor's operator menu (the operator and its negation together).</summary>
public enum ConditionOperator { Exact, Prefix, Regex, Present, NotExact, NotPrefix, NotRegex, Absent }

/// <summary>Request-routing rules in the operator's words: conditions, alternatives, destinations and options.</summary>
public static class RuleText
{
    /// <summary>The fields a condition can look at, in menu order, with their labels.</summary>
    public static ImmutableArray<(MatchField Field, string Label)> Fields { get; } =
    [
        (MatchField.Header, "header"),
        (MatchField.Uri, "uri"),
        (MatchField.Method, "method"),
        (MatchField.Authority, "authority"),
        (MatchField.Scheme, "scheme"),
        (MatchField.QueryParam, "query parameter"),
        (MatchField.SourceLabel, "source label"),
    ];

    /// <summary>The label of a field.</summary>
    public static string Label(MatchField field) => Fields.FirstOrDefault(f => f.Field == field).Label ?? field.ToString();

    /// <summary>True when the field needs a key (a header, query parameter or label name).</summary>
    public static bool HasKey(MatchField field) => MatchOperators.HasKey(field);

    /// <summary>The menu choices for the field: the comparisons Istio allows on it (<see cref="MatchOperators.AllowedOn"/>).</summary>
    public static ImmutableArray<ConditionOperator> OperatorsFor(MatchField field) =>
        [.. MatchOperators.AllowedOn(field).Select(a => OperatorOf(new MatchCondition(field, a.Operator, string.Empty, Negated: a.Negated)))];

    /// <summary>The menu label of an operator.</summary>
    public static string Label(ConditionOperator op) => op switch
    {
        ConditionOperator.Exact => "is exactly",
        ConditionOperator.Prefix => "starts with",
        ConditionOperator.Regex => "matches regex",
        ConditionOperator.Present => "is present",
        ConditionOperator.NotExact => "is not",
        ConditionOperator.NotPrefix => "does not start with",
        ConditionOperator.NotRegex => "does not match regex",
        _ => "is absent",
    };

    /// <summary>The menu choice of a condition.</summary>
    public static ConditionOperator OperatorOf(MatchCondition condition)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return (condition.Operator, condition.Negated) switch
        {
            (MatchOperator.Exact, false) => ConditionOperator.Exact,
            (MatchOperator.Prefix, false) => ConditionOperator.Prefix,
            (MatchOperator.Regex, false) => ConditionOperator.Regex,
            (MatchOperator.Present, false) => ConditionOperator.Present,
            (MatchOperator.Exact, true) => ConditionOperator.NotExact,
            (MatchOperator.Prefix, true) => ConditionOperator.NotPrefix,
            (MatchOperator.Regex, true) => ConditionOperator.NotRegex,
            _ => ConditionOperator.Absent,
        };
    }

    /// <summary>The condition with the operator of a menu choice (the value is cleared for presence checks).</summary>
    public static MatchCondition WithOperator(MatchCondition condition, ConditionOperator op)
    {
        ArgumentNullException.ThrowIfNull(condition);
        (MatchOperator kind, bool negated) = op switch
        {
            ConditionOperator.Exact => (MatchOperator.Exact, false),
            ConditionOperator.Prefix => (MatchOperator.Prefix, false),
            ConditionOperator.Regex => (MatchOperator.Regex, false),
            ConditionOperator.Present => (MatchOperator.Present, false),
            ConditionOperator.NotExact => (MatchOperator.Exact, true),
            ConditionOperator.NotPrefix => (MatchOperator.Prefix, true),
            ConditionOperator.NotRegex => (MatchOperator.Regex, true),
            _ => (MatchOperator.Present, true),
        };
        return condition with { Operator = kind, Negated = negated, Value = kind == MatchOperator.Present ? string.Empty : condition.Value };
    }

    /// <summary>The condition on another field, keeping what still applies (key only for keyed fields, an operator the field allows).</summary>
    public static MatchCondition WithField(MatchCondition condition, MatchField field)
    {
        ArgumentNullException.ThrowIfNull(condition);
        MatchCondition moved = condition with { Field = field, Key = HasKey(field) ? condition.Key ?? string.Empty : null };
        ImmutableArray<ConditionOperator> allowed = OperatorsFor(field);
        return allowed.Contains(OperatorOf(moved)) ? moved : WithOperator(moved with { Negated = false }, allowed[0]);
    }

    /// <summary>One condition in words: <c>header end-user matches regex .*@gmail\.com$</c>.</summary>
    public static string Describe(MatchCondition condition)
    {
        ArgumentNullException.ThrowIfNull(condition);
        string subject = HasKey(condition.Field) ? $"{Label(condition.Field)} {condition.Key}" : Label(condition.Field);
        ConditionOperator op = OperatorOf(condition);
        return op is ConditionOperator.Present or ConditionOperator.Absent
            ? $"{subject} {Label(op)}"
            : $"{subject} {Label(op)} {condition.Value}";
    }

    /// <summary>One alternative: its conditions joined by AND; an alternative with no condition matches every request.</summary>
    public static string Describe(RequestMatch match)
    {
        ArgumentNullException.ThrowIfNull(match);
        return match.Conditions.IsDefaultOrEmpty ? "any request" : string.Join(" AND ", match.Conditions.Select(Describe));
    }

    /// <summary>The alternatives of a rule, one line each (the caller joins them with OR).</summary>
    public static ImmutableArray<string> DescribeMatches(RouteRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return rule.Matches.IsDefaultOrEmpty ? ["any request"] : [.. rule.Matches.Select(Describe)];
    }

    /// <summary>The rule's destinations as percentages (weights are relative in Istio), largest remainder to 100.</summary>
    public static ImmutableArray<Model.WeightShare> Shares(TrafficSplit split)
    {
        ArgumentNullException.ThrowIfNull(split);
        if (split.Weights.IsDefaultOrEmpty)
        {
            return [];
        }

        TrafficSplit normalized = split.Weights.Length == 1 ? split with { Weights = [split.Weights[0] with { Weight = 100 }] } : split.Normalized();
        return [.. normalized.Weights.Select(static w => new Model.WeightShare(w.Version, w.Weight))];
    }

    /// <summary>Short badges for the options a rule sets: fault, timeout, retries, header rewrites, mirror.</summary>
    public static ImmutableArray<string> Badges(RouteRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ImmutableArray<string>.Builder badges = ImmutableArray.CreateBuilder<string>();
        if (rule.Fault?.Delay is { } delay)
        {
            badges.Add($"delay {delay.FixedDelay} · {Percent(delay.Percent)}");
        }

        if (rule.Fault?.Abort is { } abort)
        {
            badges.Add($"abort {abort.HttpStatus.ToString(CultureInfo.InvariantCulture)} · {Percent(abort.Percent)}");
        }

        if (rule.Timeout is { Length: > 0 } timeout)
        {
            badges.Add($"timeout {timeout}");
        }

        if (rule.Retries is { } retries)
        {
            badges.Add(retries.Attempts == 0 ? "no retries" : $"retries {retries.Attempts.ToString(CultureInfo.InvariantCulture)}");
        }

        if (rule.RequestHeaders is { IsEmpty: false } || rule.ResponseHeaders is { IsEmpty: false })
        {
            badges.Add("header rewrite");
        }

        if (rule.Destinations.Mirror is { } mirror)
        {
            badges.Add($"mirror {Percent(mirror.Percent)} to {mirror.Version}");
        }

        return badges.ToImmutable();
    }

    /// <summary>A percentage as people write it: <c>100%</c>, <c>0.5%</c>.</summary>
    public static string Percent(double percent) => percent.ToString("0.##", CultureInfo.InvariantCulture) + "%";
}
