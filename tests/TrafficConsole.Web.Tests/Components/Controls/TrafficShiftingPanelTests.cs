using AngleSharp.Dom;

using Bunit;

using TrafficConsole.Web.Components.Pages;
using TrafficConsole.Web.Model;
using TrafficConsole.Web.Tests.Components.Infrastructure;

using static TrafficConsole.Web.Tests.Components.Infrastructure.TestServices;

namespace TrafficConsole.Web.Tests.Components.Controls;

/// <summary>The slider rules as an operator meets them on the service page.</summary>
public sealed class TrafficShiftingPanelTests : ConsoleTestContext
{
    private IRenderedComponent<ContainerFragmentHost> OpenService(string service, string ns = "bookinfo") =>
        RenderWithProviders<ServiceDetailPage>(("Namespace", ns), ("Service", service));

    private static IElement Row(IRenderedComponent<ContainerFragmentHost> cut, string version) =>
        cut.Find($"[data-testid=weight-row][data-version={version}]");

    private static int Weight(IRenderedComponent<ContainerFragmentHost> cut, string version) =>
        int.Parse(Row(cut, version).QuerySelector("input[data-testid=weight-input]")!.GetAttribute("value")!, System.Globalization.CultureInfo.InvariantCulture);

    private static void TypeWeight(IRenderedComponent<ContainerFragmentHost> cut, string version, int value) =>
        cut.Find($"[data-testid=weight-row][data-version={version}] input[data-testid=weight-input]").Change(value.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private void PutReviews(RoutingKind kind, params (string Version, int Percent)[] weights) =>
        Traffic.Put(Service("bookinfo", "reviews", [Version("v1", app: "reviews"), Version("v2", app: "reviews"), Version("v3", app: "reviews")],
            kind, Weights(weights)));

    [Fact]
    public void Moving_v1_to_30_rebalances_v2_to_70()
    {
        Traffic.Put(Service("bookinfo", "reviews", [Version("v1"), Version("v2")], RoutingKind.Split, Weights(("v1", 50), ("v2", 50))));
        IRenderedComponent<ContainerFragmentHost> cut = OpenService("reviews");

        TypeWeight(cut, "v1", 30);

        cut.WaitForAssertion(() => Assert.Equal(70, Weight(cut, "v2")));
        Assert.Equal(30, Weight(cut, "v1"));
        Assert.Equal("Remaining: 0%", cut.Find("[data-testid=remaining]").TextContent.Trim());
        Assert.Equal("v1 30 · v2 70", cut.Find("[data-testid=draft-bar]").GetAttribute("data-weights"));
    }

    [Fact]
    public void Dragging_the_slider_rebalances_the_unlocked_others()
    {
        PutReviews(RoutingKind.Split, ("v1", 100), ("v2", 0), ("v3", 0));
        IRenderedComponent<ContainerFragmentHost> cut = OpenService("reviews");

        Row(cut, "v2").QuerySelector("input[type=range]")!.Input("40");

        cut.WaitForAssertion(() => Assert.Equal(60, Weight(cut, "v1")));
        Assert.Equal(40, Weight(cut, "v2"));
        Assert.Equal(0, Weight(cut, "v3"));
    }

    [Fact]
    public void A_locked_version_keeps_its_weight_while_the_others_move()
    {
        PutReviews(RoutingKind.Split, ("v1", 40), ("v2", 40), ("v3", 20));
        IRenderedComponent<ContainerFragmentHost> cut = OpenService("reviews");

        Row(cut, "v3").QuerySelector("[data-testid=weight-lock]")!.Click();
        cut.WaitForAssertion(() => Assert.True(Row(cut, "v3").QuerySelector("input[data-testid=weight-input]")!.HasAttribute("disabled")));
        TypeWeight(cut, "v1", 70);

        cut.WaitForAssertion(() => Assert.Equal(10, Weight(cut, "v2")));
        Assert.Equal(70, Weight(cut, "v1"));
        Assert.Equal(20, Weight(cut, "v3"));
        Assert.True(Row(cut, "v3").QuerySelector("input[data-testid=weight-input]")!.HasAttribute("disabled"));
    }

    [Fact]
    public void Evenly_distribute_gives_33_33_34()
    {
        PutReviews(RoutingKind.Split, ("v1", 80), ("v2", 10), ("v3", 10));
        IRenderedComponent<ContainerFragmentHost> cut = OpenService("reviews");

        cut.Find("[data-testid=evenly-distribute]").Click();

        cut.WaitForAssertion(() => Assert.Equal([33, 33, 34], [Weight(cut, "v1"), Weight(cut, "v2"), Weight(cut, "v3")]));
    }

    [Fact]
    public void Apply_is_disabled_with_the_reason_until_the_weights_add_up_to_100()
    {
        // No ready pods and no routing: nothing implies a split, so every version starts at 0.
        Traffic.Put(Service("bookinfo", "reviews", [Version("v1", ready: 0), Version("v2", ready: 0), Version("v3", ready: 0)]));
        IRenderedComponent<ContainerFragmentHost> cut = OpenService("reviews");

        Assert.Equal("Remaining: 100%", cut.Find("[data-testid=remaining]").TextContent.Trim());
        Assert.True(cut.Find("[data-testid=apply]").HasAttribute("disabled"));
        Assert.Contains("add up to 0%", cut.Find("[data-testid=apply-blocked-reason]").TextContent, StringComparison.Ordinal);

        cut.Find("[data-testid=evenly-distribute]").Click();

        cut.WaitForAssertion(() => Assert.Equal("Remaining: 0%", cut.Find("[data-testid=remaining]").TextContent.Trim()));
        Assert.False(cut.Find("[data-testid=apply]").HasAttribute("disabled"));
        Assert.Empty(cut.FindAll("[data-testid=apply-blocked-reason]"));
    }

    [Fact]
    public void Read_only_routing_shows_the_reason_and_no_sliders()
    {
        Traffic.Put(Service("bookinfo", "reviews", [Version("v1"), Version("v2")], RoutingKind.ReadOnly,
            readOnlyReason: "The VirtualService routes to another host (reviews.legacy)."));
        IRenderedComponent<ContainerFragmentHost> cut = OpenService("reviews");

        Assert.Contains("routes to another host", cut.Find("[data-testid=read-only-reason]").TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=weight-row]"));
        Assert.Empty(cut.FindAll("[data-testid=apply]"));
        Assert.False(cut.Find("[data-testid=delete-routing]").HasAttribute("disabled"));
    }

    [Fact]
    public void Without_routing_the_draft_starts_from_the_split_replicas_imply()
    {
        Traffic.Put(Service("bookinfo", "reviews", [Version("v1", ready: 2, desired: 2), Version("v2"), Version("v3", ready: 1, desired: 2)]));
        IRenderedComponent<ContainerFragmentHost> cut = OpenService("reviews");

        Assert.Equal([50, 25, 25], [Weight(cut, "v1"), Weight(cut, "v2"), Weight(cut, "v3")]);
        string note = cut.Find("[data-testid=implied-note]").TextContent;
        Assert.Contains("implied by replicas", note, StringComparison.Ordinal);
        Assert.Contains("4 ready pods share requests equally (v1 2, v2 1, v3 1)", note, StringComparison.Ordinal);
        Assert.Contains("1% to a canary this way would need 100 pods", note, StringComparison.Ordinal);
        Assert.Contains("tc-weightbar--implied", cut.Find("[data-testid=cluster-bar]").ClassName, StringComparison.Ordinal);
        // Pinning the implied split in a VirtualService is a valid first Apply.
        Assert.False(cut.Find("[data-testid=apply]").HasAttribute("disabled"));
    }

    [Fact]
    public void Mirroring_a_share_of_requests_to_the_idle_version_is_part_of_the_draft()
    {
        PutReviews(RoutingKind.Split, ("v1", 50), ("v2", 50), ("v3", 0));
        IRenderedComponent<ContainerFragmentHost> cut = OpenService("reviews");
        Assert.Contains("No changes", cut.Find("[data-testid=apply-blocked-reason]").TextContent, StringComparison.Ordinal);

        cut.Find("input[data-testid=mirror-switch]").Change(true);
        cut.WaitForElement("input[data-testid=mirror-percent]").Change("20");

        cut.WaitForAssertion(() => Assert.False(cut.Find("[data-testid=apply]").HasAttribute("disabled")));
        cut.Find("[data-testid=apply]").Click();

        cut.WaitForAssertion(() => Assert.Single(Traffic.Applies));
        Assert.Equal(new MirrorShare("v3", 20), Traffic.Applies[0].Draft.Mirror);
        Assert.Equal([50, 50, 0], Traffic.Applies[0].Draft.Weights.Select(static w => w.Percent));
    }

    [Fact]
    public void Scaling_without_routing_moves_an_untouched_draft_and_leaves_an_edited_one_alone()
    {
        Traffic.Put(Service("bookinfo", "reviews", [Version("v1"), Version("v2")]));
        IRenderedComponent<ContainerFragmentHost> cut = OpenService("reviews");
        Assert.Equal([50, 50], [Weight(cut, "v1"), Weight(cut, "v2")]);

        Traffic.Change(WithVersions(Traffic.GetService("bookinfo", "reviews")!, [Version("v1", ready: 3, desired: 3), Version("v2")]));

        cut.WaitForAssertion(() => Assert.Equal([75, 25], [Weight(cut, "v1"), Weight(cut, "v2")]));

        TypeWeight(cut, "v1", 90);
        cut.WaitForAssertion(() => Assert.Equal(10, Weight(cut, "v2")));
        Traffic.Change(WithVersions(Traffic.GetService("bookinfo", "reviews")!, [Version("v1"), Version("v2")]));

        cut.WaitForAssertion(() => Assert.Equal("v1 50 · v2 50", cut.Find("[data-testid=cluster-bar]").GetAttribute("data-weights")));
        Assert.Equal([90, 10], [Weight(cut, "v1"), Weight(cut, "v2")]);
        Assert.Empty(cut.FindAll("[data-testid=stale-draft]"));
    }
}
