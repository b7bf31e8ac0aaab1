using Bunit;

using TrafficConsole.Web.Components.Controls;
using TrafficConsole.Web.Model;
using TrafficConsole.Web.Tests.Components.Infrastructure;

namespace TrafficConsole.Web.Tests.Components.Controls;

/// <summary>The small building blocks: weight bars, time labels, diff lines.</summary>
public sealed class ControlsTests : ConsoleTestContext
{
    [Fact]
    public void A_weight_bar_draws_one_segment_per_version_with_traffic_in_that_versions_colour()
    {
        IRenderedComponent<WeightBar> cut = Render<WeightBar>(p => p
            .Add(b => b.Weights, TestServices.Weights(("v1", 30), ("v2", 70), ("v3", 0)))
            .Add(b => b.VersionNames, ["v1", "v2", "v3"]));

        AngleSharp.Dom.IElement[] segments = [.. cut.FindAll(".tc-weightbar__segment")];
        Assert.Equal(2, segments.Length);
        Assert.Contains("width:30%", segments[0].GetAttribute("style"), StringComparison.Ordinal);
        Assert.Contains(VersionPalette.CssAt(0), segments[0].GetAttribute("style"), StringComparison.Ordinal);
        Assert.Contains(VersionPalette.CssAt(1), segments[1].GetAttribute("style"), StringComparison.Ordinal);
        Assert.Equal("Traffic split: v1 30 percent, v2 70 percent, v3 0 percent", cut.Find("[role=img]").GetAttribute("aria-label"));
    }

    [Fact]
    public void Times_read_as_their_age()
    {
        DateTimeOffset now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

        Assert.Equal("just now", TimeAgo.Format(now.AddSeconds(-10), now));
        Assert.Equal("5 min ago", TimeAgo.Format(now.AddMinutes(-5), now));
        Assert.Equal("3 h ago", TimeAgo.Format(now.AddHours(-3), now));
        Assert.Equal("2026-11-20", TimeAgo.Format(now.AddDays(-5), now));
    }

    [Fact]
    public void Diff_lines_are_marked_added_removed_or_kept()
    {
        IRenderedComponent<DiffView> cut = Render<DiffView>(p => p.Add(d => d.Lines,
        [
            new DiffLine(DiffLineKind.Unchanged, "http:"),
            new DiffLine(DiffLineKind.Removed, "  weight: 50"),
            new DiffLine(DiffLineKind.Added, "  weight: 30"),
        ]));

        Assert.Equal(["unchanged", "removed", "added"], cut.FindAll(".tc-diff__line").Select(static l => l.GetAttribute("data-kind")));
        Assert.Equal("-  weight: 50", cut.Find(".tc-diff__line--removed").TextContent);
        Assert.Equal("+  weight: 30", cut.Find(".tc-diff__line--added").TextContent);
    }
}
