using TrafficConsole.Mesh.Validation;

namespace TrafficConsole.Mesh.Tests.Validation;

public class NumberEntryTests
{
    [Theory]
    [InlineData("0", 0)]
    [InlineData("30", 30)]
    [InlineData(" 70 ", 70)]
    [InlineData("100", 100)]
    [InlineData("007", 7)]
    public void A_weight_is_a_whole_number_from_0_to_100(string text, double expected)
    {
        NumberReading reading = NumberEntry.Weight.Read(text);

        Assert.True(reading.IsValid, reading.Problem);
        Assert.Equal(expected, reading.Value);
    }

    // What the sliders' number field once guessed at: 12.5 -> 0, 150 -> 100, 12,5 -> 100, 1e2 -> 12, -5 -> 0, empty -> 0.
    [Theory]
    [InlineData("12.5", "is not a whole number from 0 to 100")]
    [InlineData("150", "out of range")]
    [InlineData("12,5", "is not a whole number")]
    [InlineData("1e2", "is not a whole number")]
    [InlineData("-5", "is not a whole number")]
    [InlineData("+5", "is not a whole number")]
    [InlineData("", "Enter a whole number from 0 to 100")]
    [InlineData("   ", "Enter a whole number from 0 to 100")]
    [InlineData("٣٠", "is not a whole number")]
    [InlineData("0x1F", "is not a whole number")]
    [InlineData("99999999999999999999999", "is not a whole number")]
    public void A_weight_refuses_every_guess_and_says_why(string text, string because)
    {
        NumberReading reading = NumberEntry.Weight.Read(text);

        Assert.False(reading.IsValid);
        Assert.Null(reading.Value);
        Assert.Contains(because, reading.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("12.5", 12.5)]
    [InlineData("0.1", 0.1)]
    [InlineData("100", 100)]
    public void A_percentage_takes_decimals_with_a_dot(string text, double expected) =>
        Assert.Equal(expected, NumberEntry.Percentage.Read(text).Value);

    [Theory]
    [InlineData("12,5", "use a dot for decimals")]
    [InlineData(".5", "is not a number")]
    [InlineData("5.", "is not a number")]
    [InlineData("1.2.3", "is not a number")]
    [InlineData("100.1", "out of range")]
    [InlineData("NaN", "is not a number")]
    [InlineData("Infinity", "is not a number")]
    public void A_percentage_refuses_what_is_not_plainly_a_number_in_range(string text, string because) =>
        Assert.Contains(because, NumberEntry.Percentage.Read(text).Problem, StringComparison.Ordinal);

    [Fact]
    public void An_optional_field_reads_empty_as_not_set_and_still_refuses_garbage()
    {
        NumberEntry connections = NumberEntry.WholeBetween(1, int.MaxValue, optional: true);

        Assert.Equal(new NumberReading(null, null), connections.Read(" "));
        Assert.Equal(1024, connections.Read("1024").Value);
        Assert.Contains("of at least 1, or nothing", connections.Read("0").Problem, StringComparison.Ordinal);
        Assert.Contains("of at least 1, or nothing", connections.Read("ten").Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Long_input_is_shortened_in_the_message()
    {
        string problem = NumberEntry.Weight.Read(new string('9', 5000)).Problem!;

        Assert.True(problem.Length < 120, problem);
    }

    [Theory]
    [InlineData(30.0, "30")]
    [InlineData(12.5, "12.5")]
    [InlineData(null, "")]
    public void Values_are_shown_without_exponent_or_separators(double? value, string expected) =>
        Assert.Equal(expected, NumberEntry.Format(value));
}
