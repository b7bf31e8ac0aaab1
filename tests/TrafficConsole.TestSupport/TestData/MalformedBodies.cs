using System.Globalization;
using System.Text;

namespace TrafficConsole.TestSupport.TestData;

/// <summary>
/// Generates malformed request bodies from valid samples, for fuzz-style tests of every API that reads a body: random
/// bytes, truncated and mutated JSON and YAML, deep nesting, huge numbers, invalid UTF-8, values of the wrong type.
/// Seeded, so a failure reproduces: a test prints its seed and takes one from <c>TRAFFICCONSOLE_FUZZ_SEED</c>.
/// </summary>
public sealed class MalformedBodies(int seed, IReadOnlyList<string> samples)
{
    private static readonly string[] Replacements =
    [
        "null", "true", "false", "0", "-1", "1.5", "1e400", "-1e400", "99999999999999999999999999", "2147483648", "-2147483649",
        "9223372036854775808", "\"\"", "\"x\"", "[]", "{}", "[[]]", "{\"a\":{}}", "\"\\ud800\"", "\"\\u0000\"", "NaN", "Infinity",
        "\"" + new string('a', 70_000) + "\"", "\"yes\"", "\"../../etc\"", "\"\\n\\r\\t\"",
    ];

    private readonly Random _random = new(seed);

    /// <summary>The seed from <c>TRAFFICCONSOLE_FUZZ_SEED</c>, or a new one.</summary>
    public static int SeedFromEnvironment() =>
        int.TryParse(Environment.GetEnvironmentVariable("TRAFFICCONSOLE_FUZZ_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int given)
            ? given
            : Random.Shared.Next();

    public int Seed { get; } = seed;

    /// <summary>The next body and a short name of how it was made.</summary>
    public (byte[] Body, string Shape) Next()
    {
        string sample = samples[_random.Next(samples.Count)];
        return _random.Next(10) switch
        {
            0 => (RandomBytes(), "random-bytes"),
            1 => (Utf8(sample[.._random.Next(sample.Length + 1)]), "truncated"),
            2 => (Utf8(MutateCharacters(sample)), "mutated-chars"),
            3 => (Utf8(ReplaceValue(sample)), "wrong-type"),
            4 => (Utf8(Deep()), "deep"),
            5 => (InvalidUtf8(sample), "invalid-utf8"),
            6 => (Utf8(ReplaceValue(ReplaceValue(sample))), "wrong-types"),
            7 => (Utf8(DuplicateOrDrop(sample)), "structure"),
            8 => (Utf8(Splice(sample, samples[_random.Next(samples.Count)])), "spliced"),
            _ => (Utf8(Yamlish(sample)), "yaml-like"),
        };
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private byte[] RandomBytes()
    {
        byte[] bytes = new byte[_random.Next(_random.Next(4) == 0 ? 20_000 : 300)];
        _random.NextBytes(bytes);
        return bytes;
    }

    private string MutateCharacters(string sample)
    {
        var text = new StringBuilder(sample);
        const string alphabet = "{}[]:,\"\\ 0123456789-+.eE\ntrufalsn#&*!|>-?'\u00e9\u20ac";
        for (int i = _random.Next(1, 6); i > 0 && text.Length > 0; i--)
        {
            int at = _random.Next(text.Length);
            char c = alphabet[_random.Next(alphabet.Length)];
            switch (_random.Next(3))
            {
                case 0:
                    text[at] = c;
                    break;
                case 1:
                    text.Insert(at, c);
                    break;
                default:
                    text.Remove(at, 1);
                    break;
            }
        }

        return text.ToString();
    }

    /// <summary>Replaces one scalar, object or list of the sample with a value of another kind.</summary>
    private string ReplaceValue(string sample)
    {
        // A value starts after ':' or '[' or ','; replace up to the next ',', '}' or ']' at the same depth.
        List<int> starts = [];
        for (int i = 0; i < sample.Length; i++)
        {
            if (sample[i] is ':' or '[' or ',')
            {
                starts.Add(i + 1);
            }
        }

        if (starts.Count == 0)
        {
            return sample;
        }

        int start = starts[_random.Next(starts.Count)];
        int end = start;
        int depth = 0;
        bool quoted = false;
        for (; end < sample.Length; end++)
        {
            char c = sample[end];
            if (quoted)
            {
                if (c == '\\')
                {
                    end++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }

                continue;
            }

            if (c == '"')
            {
                quoted = true;
            }
            else if (c is '{' or '[')
            {
                depth++;
            }
            else if (c is '}' or ']')
            {
                if (depth == 0)
                {
                    break;
                }

                depth--;
            }
            else if (c == ',' && depth == 0)
            {
                break;
            }
        }

        return string.Concat(sample.AsSpan(0, start), Replacements[_random.Next(Replacements.Length)], sample.AsSpan(Math.Min(end, sample.Length)));
    }

    private string Deep()
    {
        int levels = _random.Next(4) == 0 ? 100_000 : _random.Next(30, 3_000);
        return _random.Next(3) switch
        {
            0 => new string('[', levels) + new string(']', levels),
            1 => new StringBuilder().Insert(0, "{\"weights\":", levels).Append('1').Append('}', levels).ToString(),
            _ => new StringBuilder().Insert(0, "- ", levels).ToString(), // YAML block sequences, unterminated
        };
    }

    private byte[] InvalidUtf8(string sample)
    {
        byte[][] invalid = [[0xC3, 0x28], [0xFF], [0xED, 0xA0, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xC0, 0xAF], [0xE2, 0x82]];
        byte[] bytes = Utf8(sample);
        int at = Math.Min(bytes.Length, _random.Next(bytes.Length + 1));
        // Inside a string where the sample has one (a key or a value), else anywhere.
        int quote = Array.IndexOf(bytes, (byte)'"', at);
        if (quote >= 0 && _random.Next(2) == 0)
        {
            at = quote + 1;
        }

        return [.. bytes.AsSpan(0, at), .. invalid[_random.Next(invalid.Length)], .. bytes.AsSpan(at)];
    }

    private string DuplicateOrDrop(string sample)
    {
        int a = _random.Next(sample.Length + 1);
        int b = Math.Min(sample.Length, a + _random.Next(1, 60));
        return _random.Next(2) == 0
            ? string.Concat(sample.AsSpan(0, b), sample.AsSpan(a, b - a), sample.AsSpan(b))
            : string.Concat(sample.AsSpan(0, a), sample.AsSpan(b));
    }

    private string Splice(string first, string second)
    {
        int a = _random.Next(first.Length + 1);
        int b = _random.Next(second.Length + 1);
        return string.Concat(first.AsSpan(0, a), second.AsSpan(b));
    }

    /// <summary>YAML-ish text: anchors, aliases, tags, flow and block mixed with the sample's words.</summary>
    private string Yamlish(string sample)
    {
        string[] pieces = ["&a ", "*a ", "!!str ", "!!binary ", "!!map ", "? ", "- ", "--- ", "... ", "|\n  ", ">-\n  ", "<<: *a\n", "{", "}", "[", "]", ": ", "\n", "  ", "%YAML 1.1\n", "\t", "'", "\""];
        var text = new StringBuilder();
        for (int i = _random.Next(3, 40); i > 0; i--)
        {
            int from = _random.Next(sample.Length);
            text.Append(_random.Next(3) == 0 ? sample.AsSpan(from, Math.Min(6, sample.Length - from)) : pieces[_random.Next(pieces.Length)]);
        }

        return text.ToString();
    }
}
