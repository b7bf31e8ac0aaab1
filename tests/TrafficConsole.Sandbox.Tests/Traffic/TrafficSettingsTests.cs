using TrafficConsole.Sandbox.Traffic;

namespace TrafficConsole.Sandbox.Tests.Traffic;

/// <summary>The one reading of --traffic / Sandbox:Traffic and --proxy-sync-delay / Sandbox:ProxySyncDelay.</summary>
public class TrafficSettingsTests
{
    [Theory]
    [InlineData("off", null)]
    [InlineData("OFF", null)]
    [InlineData("5", 5.0)]
    [InlineData(" 0.5 ", 0.5)]
    [InlineData("1000", 1000.0)]
    public void Rates_and_off_are_read(string text, double? expected)
    {
        Assert.True(TrafficSettings.TryParseRequestsPerSecond(text, out var rate, out var problem));
        Assert.Equal(expected, rate);
        Assert.Null(problem);
    }

    [Theory]
    [InlineData("fast")]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("5,5")]
    [InlineData("1e2")]
    [InlineData("1001")]
    [InlineData("")]
    [InlineData(null)]
    public void Anything_else_is_refused_with_the_reason(string? text)
    {
        Assert.False(TrafficSettings.TryParseRequestsPerSecond(text, out var rate, out var problem));
        Assert.Null(rate);
        Assert.Contains("neither off nor a number of requests per second", problem, StringComparison.Ordinal);
        Assert.Contains($"'{text?.Trim()}'", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("off", null)]
    [InlineData("300ms", 300.0)]
    [InlineData("1.5s", 1500.0)]
    [InlineData("0s", 0.0)]
    [InlineData("10m", 600_000.0)]
    public void Delays_and_off_are_read(string text, double? expectedMs)
    {
        Assert.True(TrafficSettings.TryParseProxySyncDelay(text, out var delay, out var problem));
        Assert.Equal(expectedMs, delay?.TotalMilliseconds);
        Assert.Null(problem);
    }

    [Theory]
    [InlineData("300")]
    [InlineData("soon")]
    [InlineData("-1s")]
    [InlineData("11m")]
    [InlineData("")]
    public void Other_delays_are_refused_with_the_reason(string text)
    {
        Assert.False(TrafficSettings.TryParseProxySyncDelay(text, out var delay, out var problem));
        Assert.Null(delay);
        Assert.Contains("neither off nor a duration with a unit", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_sandbox_refuses_options_out_of_range()
    {
        var tooFast = await Assert.ThrowsAsync<ArgumentException>(() => SandboxServer.StartAsync(new SandboxOptions { TrafficRequestsPerSecond = 0 }));
        Assert.Contains("TrafficRequestsPerSecond", tooFast.Message, StringComparison.Ordinal);
        var negative = await Assert.ThrowsAsync<ArgumentException>(() => SandboxServer.StartAsync(new SandboxOptions { ProxySyncDelay = TimeSpan.FromSeconds(-1) }));
        Assert.Contains("ProxySyncDelay", negative.Message, StringComparison.Ordinal);
    }
}
