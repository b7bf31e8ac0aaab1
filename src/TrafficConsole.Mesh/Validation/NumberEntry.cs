using System.Globalization;

namespace TrafficConsole.Mesh.Validation;

/// <summary>What a number field accepts: whole numbers only, or decimals with a dot (percentages).</summary>
public enum NumberKind
{
    /// <summary>Digits only (a weight, an HTTP status, a count).</summary>
    Whole,

    /// <summary>Digits with at most one decimal point, written with a dot (a percentage of requests).</summary>
    Fraction,
}

/// <summary>
/// The one rule for numbers typed by a person, used by every field that takes a weight, a percentage or a count:
/// plain digits (and, for decimals, one dot) within a range, or a reason. Nothing is guessed: <c>12,5</c>, <c>1e2</c>,
/// <c>-5</c>, <c>150</c> and an empty field are refused, never read as some other number.
/// </summary>
/// <param name="Kind">Whole numbers or decimals.</param>
/// <param name="Min">The smallest value accepted.</param>
/// <param name="Max">The largest value accepted.</param>
/// <param name="Optional">True when an empty field means "not set" (a null value) instead of an error.</param>
public sealed record NumberEntry(NumberKind Kind, double Min, double Max, bool Optional = false)
{
    /// <summary>The longest text looked at; longer input is refused without parsing.</summary>
    public const int MaxLength = 16;

    /// <summary>A weight in percent: a whole number from 0 to 100.</summary>
    public static NumberEntry Weight { get; } = new(NumberKind.Whole, 0, 100);

    /// <summary>A share of requests in percent: 0 to 100, decimals allowed (Istio's <c>Percent</c>).</summary>
    public static NumberEntry Percentage { get; } = new(NumberKind.Fraction, 0, 100);

    /// <summary>A whole number in a range.</summary>
    public static NumberEntry WholeBetween(int min, int max, bool optional = false) => new(NumberKind.Whole, min, max, optional);

    /// <summary>What the field accepts, in words ("a whole number from 0 to 100").</summary>
    public string Expectation
    {
        get
        {
            string what = Kind == NumberKind.Whole ? "a whole number" : "a number";
            string range = Max >= int.MaxValue
                ? string.Create(CultureInfo.InvariantCulture, $"of at least {Min}")
                : string.Create(CultureInfo.InvariantCulture, $"from {Min} to {Max}");
            return Optional ? $"{what} {range}, or nothing" : $"{what} {range}";
        }
    }

    /// <summary>Reads <paramref name="text"/>: the value, or why it is not accepted (then the value is null).</summary>
    public NumberReading Read(string? text)
    {
        string trimmed = text?.Trim() ?? string.Empty;
        if (trimmed.Length == 0)
        {
            return Optional ? new NumberReading(null, null) : new NumberReading(null, $"Enter {Expectation}.");
        }

        if (trimmed.Length > MaxLength || !IsPlain(trimmed))
        {
            string hint = trimmed.Contains(',', StringComparison.Ordinal) && Kind == NumberKind.Fraction ? " (use a dot for decimals)" : string.Empty;
            return new NumberReading(null, $"“{Shorten(trimmed)}” is not {Expectation}{hint}.");
        }

        double value = double.Parse(trimmed, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
        if (value < Min || value > Max)
        {
            return new NumberReading(null, $"{trimmed} is out of range: enter {Expectation}.");
        }

        return new NumberReading(value, null);
    }

    /// <summary>The text a field shows for <paramref name="value"/> (no exponent, no thousands separator).</summary>
    public static string Format(double? value) =>
        value is { } v ? v.ToString("0.####", CultureInfo.InvariantCulture) : string.Empty;

    // Digits, and for decimals one dot between digits (".5" and "5." are refused as guesses too).
    private bool IsPlain(string text)
    {
        int dots = 0;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c is >= '0' and <= '9')
            {
                continue;
            }

            if (c == '.' && Kind == NumberKind.Fraction && i > 0 && i < text.Length - 1 && ++dots == 1)
            {
                continue;
            }

            return false;
        }

        return true;
    }

    private static string Shorten(string text) => text.Length <= MaxLength ? text : text[..MaxLength] + "…";
}

/// <summary>A typed number: its value (null when empty and optional, or invalid) and why it is invalid, if it is.</summary>
public sealed record NumberReading(double? Value, string? Problem)
{
    /// <summary>True when the text is accepted.</summary>
    public bool IsValid => Problem is null;
}
