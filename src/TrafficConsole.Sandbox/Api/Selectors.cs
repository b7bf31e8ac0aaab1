using System.Collections.Immutable;

namespace TrafficConsole.Sandbox.Api;

/// <summary>A parsed labelSelector (<c>=</c>, <c>==</c>, <c>!=</c>, <c>in</c>, <c>notin</c>, <c>key</c>, <c>!key</c>).</summary>
internal sealed class LabelSelector
{
    private enum Op
    {
        Equals,
        NotEquals,
        In,
        NotIn,
        Exists,
        DoesNotExist,
    }

    private sealed record Requirement(string Key, Op Op, ImmutableArray<string> Values);

    private readonly ImmutableArray<Requirement> _requirements;

    private LabelSelector(ImmutableArray<Requirement> requirements) => _requirements = requirements;

    public static LabelSelector Everything { get; } = new([]);

    public bool IsEmpty => _requirements.IsEmpty;

    public bool Matches(IReadOnlyDictionary<string, string> labels) => _requirements.All(r =>
    {
        var has = labels.TryGetValue(r.Key, out var value);
        return r.Op switch
        {
            Op.Equals => has && value == r.Values[0],
            Op.NotEquals => !has || value != r.Values[0],
            Op.In => has && r.Values.Contains(value!),
            Op.NotIn => !has || !r.Values.Contains(value!),
            Op.Exists => has,
            _ => !has,
        };
    });

    /// <summary>Parses a selector; a malformed one is a 400 worded like the API server's.</summary>
    public static LabelSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }

        var requirements = ImmutableArray.CreateBuilder<Requirement>();
        foreach (var part in SplitTopLevel(text))
        {
            var p = part.Trim();
            if (p.Length == 0)
            {
                throw ApiException.BadRequest($"unable to parse requirement: found '', expected: identifier in \"{text}\"");
            }

            requirements.Add(ParseRequirement(p, text));
        }

        return new LabelSelector(requirements.ToImmutable());
    }

    private static Requirement ParseRequirement(string p, string whole)
    {
        if (p.StartsWith('!'))
        {
            return new Requirement(CheckKey(p[1..].Trim(), whole), Op.DoesNotExist, []);
        }

        var setMatch = FindSetOperator(p);
        if (setMatch is { } s)
        {
            var key = CheckKey(p[..s.Index].Trim(), whole);
            var rest = p[(s.Index + s.Length)..].Trim();
            if (!rest.StartsWith('(') || !rest.EndsWith(')'))
            {
                throw ApiException.BadRequest($"unable to parse requirement: found '{rest}', expected: '(' in \"{whole}\"");
            }

            var values = rest[1..^1].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            return new Requirement(key, s.NotIn ? Op.NotIn : Op.In, [.. values]);
        }

        foreach (var (token, op) in new[] { ("!=", Op.NotEquals), ("==", Op.Equals), ("=", Op.Equals) })
        {
            var i = p.IndexOf(token, StringComparison.Ordinal);
            if (i > 0)
            {
                return new Requirement(CheckKey(p[..i].Trim(), whole), op, [p[(i + token.Length)..].Trim()]);
            }
        }

        return new Requirement(CheckKey(p, whole), Op.Exists, []);
    }

    private static (int Index, int Length, bool NotIn)? FindSetOperator(string p)
    {
        foreach (var (word, notIn) in new[] { (" notin ", true), (" in ", false), (" notin(", true), (" in(", false) })
        {
            var i = p.IndexOf(word, StringComparison.Ordinal);
            if (i > 0)
            {
                return (i, word.TrimEnd('(').Length, notIn);
            }
        }

        return null;
    }

    private static string CheckKey(string key, string whole)
    {
        if (key.Length == 0 || key.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/')))
        {
            throw ApiException.BadRequest($"unable to parse requirement: invalid label key \"{key}\" in \"{whole}\"");
        }

        return key;
    }

    private static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    break;
                case ',' when depth == 0:
                    yield return text[start..i];
                    start = i + 1;
                    break;
            }
        }

        yield return text[start..];
    }
}

/// <summary>A parsed fieldSelector over metadata.name and metadata.namespace.</summary>
internal sealed class FieldSelector
{
    private readonly ImmutableArray<(string Field, bool Equal, string Value)> _terms;

    private FieldSelector(ImmutableArray<(string, bool, string)> terms) => _terms = terms;

    public static FieldSelector Everything { get; } = new([]);

    public bool Matches(string ns, string name) => _terms.All(t =>
        (t.Field == "metadata.name" ? name == t.Value : ns == t.Value) == t.Equal);

    public static FieldSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }

        var terms = ImmutableArray.CreateBuilder<(string, bool, string)>();
        foreach (var raw in text.Split(','))
        {
            var part = raw.Trim();
            var (i, len, equal) = part.IndexOf("!=", StringComparison.Ordinal) is var ne and > 0 ? (ne, 2, false)
                : part.IndexOf("==", StringComparison.Ordinal) is var ee and > 0 ? (ee, 2, true)
                : part.IndexOf('=', StringComparison.Ordinal) is var e and > 0 ? (e, 1, true)
                : throw ApiException.BadRequest($"invalid selector: '{text}'; can't understand '{part}'");
            var field = part[..i].Trim();
            if (field is not ("metadata.name" or "metadata.namespace"))
            {
                throw ApiException.BadRequest(
                    $"\"{field}\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"");
            }

            terms.Add((field, equal, part[(i + len)..].Trim()));
        }

        return new FieldSelector(terms.ToImmutable());
    }
}
