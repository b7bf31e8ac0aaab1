using AngleSharp.Dom;

using Bunit;

using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

using TrafficConsole.Web.Components.Pages;
using TrafficConsole.Web.Model;
using TrafficConsole.Web.Tests.Components.Infrastructure;

using static TrafficConsole.Web.Tests.Components.Infrastructure.TestServices;

namespace TrafficConsole.Web.Tests.Components.Controls;

/// <summary>
/// What an operator types into the editors reaches the cluster only as typed: a number the field cannot take keeps it
/// invalid, says why and blocks Apply; a draft is marked unsaved and is not lost without a word; Apply takes a reason.
/// </summary>
public sealed class DraftEntryTests : ConsoleTestContext
{
    private IRenderedComponent<ContainerFragmentHost> OpenReviews()
    {
        Traffic.Put(Service("bookinfo", "reviews", [Version("v1", app: "reviews"), Version("v2", app: "reviews")], RoutingKind.Split, Weights(("v1", 50), ("v2", 50))));
        return RenderWithProviders<ServiceDetailPage>(("Namespace", "bookinfo"), ("Service", "reviews"));
    }

    private static IElement WeightInput(IRenderedComponent<ContainerFragmentHost> cut, string version) =>
        cut.Find($"[data-testid=weight-row][data-version={version}] input[data-testid=weight-input]");

    private static string ShiftingText(IRenderedComponent<ContainerFragmentHost> cut) => cut.Find("[data-testid=traffic-shifting]").TextContent;

    // Each of these was once read as another number (12.5 -> 0, "" -> 0, 150 and 12,5 -> 100, 1e2 -> 12, -5 -> 0) and applied.
    [Theory]
    [InlineData("12.5", "“12.5” is not a whole number from 0 to 100")]
    [InlineData("", "Enter a whole number from 0 to 100")]
    [InlineData("150", "150 is out of range")]
    [InlineData("12,5", "“12,5” is not a whole number")]
    [InlineData("1e2", "“1e2” is not a whole number")]
    [InlineData("-5", "“-5” is not a whole number")]
    public void A_weight_the_field_cannot_take_blocks_apply_with_the_reason_and_writes_nothing(string typed, string because)
    {
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews();

        WeightInput(cut, "v1").Change(typed);

        cut.WaitForAssertion(() => Assert.True(cut.Find("[data-testid=apply]").HasAttribute("disabled")));
        string blocked = cut.Find("[data-testid=apply-blocked-reason]").TextContent;
        Assert.Contains("Fix v1 weight:", blocked, StringComparison.Ordinal);
        Assert.Contains(because, blocked, StringComparison.Ordinal);
        Assert.Contains(because, ShiftingText(cut), StringComparison.Ordinal);
        Assert.Equal("true", WeightInput(cut, "v1").GetAttribute("aria-invalid"));
        // The draft keeps the last valid numbers: nothing was guessed, nothing rebalanced.
        Assert.Equal("v1 50 · v2 50", cut.Find("[data-testid=draft-bar]").GetAttribute("data-weights"));
        Assert.NotNull(cut.Find("[data-testid=shifting-draft-badge]"));

        // A click that slipped through (the button turned disabled as the field lost focus) still writes nothing.
        cut.Find("[data-testid=apply]").Click();
        Assert.Empty(Traffic.Applies);
    }

    [Fact]
    public void Fixing_the_field_takes_the_number_and_enables_apply()
    {
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews();
        WeightInput(cut, "v1").Change("12.5");
        cut.WaitForAssertion(() => Assert.True(cut.Find("[data-testid=apply]").HasAttribute("disabled")));

        WeightInput(cut, "v1").Change("30");

        cut.WaitForAssertion(() => Assert.False(cut.Find("[data-testid=apply]").HasAttribute("disabled")));
        Assert.Equal("v1 30 · v2 70", cut.Find("[data-testid=draft-bar]").GetAttribute("data-weights"));
        Assert.Equal("false", WeightInput(cut, "v1").GetAttribute("aria-invalid"));
        cut.Find("[data-testid=apply]").Click();
        cut.WaitForAssertion(() => Assert.Single(Traffic.Applies));
        Assert.Equal([30, 70], Traffic.Applies[0].Draft.Weights.Select(static w => w.Percent));
    }

    [Fact]
    public void Reset_drops_what_was_typed()
    {
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews();
        WeightInput(cut, "v1").Change("1e2");
        cut.WaitForAssertion(() => Assert.False(cut.Find("[data-testid=reset]").HasAttribute("disabled")));

        cut.Find("[data-testid=reset]").Click();

        cut.WaitForAssertion(() => Assert.Equal("50", WeightInput(cut, "v1").GetAttribute("value")));
        Assert.Empty(cut.FindAll("[data-testid=shifting-draft-badge]"));
        Assert.Contains("No changes", cut.Find("[data-testid=apply-blocked-reason]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void A_mirror_share_with_a_comma_is_refused_and_says_to_use_a_dot()
    {
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews();
        cut.Find("input[data-testid=mirror-switch]").Change(true);

        cut.WaitForElement("input[data-testid=mirror-percent]").Change("12,5");

        cut.WaitForAssertion(() => Assert.Contains("use a dot for decimals", cut.Find("[data-testid=apply-blocked-reason]").TextContent, StringComparison.Ordinal));
        cut.Find("input[data-testid=mirror-percent]").Change("12.5");
        cut.WaitForAssertion(() => Assert.False(cut.Find("[data-testid=apply]").HasAttribute("disabled")));
        cut.Find("[data-testid=apply]").Click();
        cut.WaitForAssertion(() => Assert.Single(Traffic.Applies));
        Assert.Equal(new MirrorShare("v2", 12.5), Traffic.Applies[0].Draft.Mirror);
    }

    [Fact]
    public void The_rule_editor_blocks_apply_on_a_weight_it_cannot_take()
    {
        IRenderedComponent<ContainerFragmentHost> cut = RenderWithProviders<ServiceDetailPage>(("Namespace", "bookinfo"), ("Service", "reviews"));
        cut.Find("[data-testid=default-route] [data-testid=rule-edit]").Click();
        cut.WaitForElement("[data-testid=default-route] [data-testid=rule-body]");
        cut.Find("[data-testid=default-route] [data-testid=destination-mode] button:nth-child(2)").Click();

        cut.WaitForElement("[data-testid=default-route] [data-testid=weight-row][data-version=v1] input[data-testid=weight-input]").Change("1e2");

        cut.WaitForAssertion(() => Assert.True(cut.Find("[data-testid=routing-apply]").HasAttribute("disabled")));
        Assert.Contains("“1e2” is not a whole number", cut.Find("[data-testid=routing-apply-blocked]").TextContent, StringComparison.Ordinal);
        Assert.NotNull(cut.Find("[data-testid=routing-draft-badge]"));
        cut.WaitForAssertion(() => Assert.Contains("Request routing · unsaved", cut.Find("[data-testid=edit-tabs] .mud-tabs-tabbar").TextContent, StringComparison.Ordinal));
        cut.Find("[data-testid=routing-apply]").Click();
        Assert.Empty(Traffic.RoutingApplies);
    }

    [Fact]
    public void The_sliders_apply_with_the_reason_typed_beside_apply()
    {
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews();
        WeightInput(cut, "v1").Change("30");
        cut.Find("input[data-testid=apply-reason]").Input("canary looks healthy");

        cut.WaitForAssertion(() => Assert.False(cut.Find("[data-testid=apply]").HasAttribute("disabled")));
        cut.Find("[data-testid=apply]").Click();

        cut.WaitForAssertion(() => Assert.Single(Traffic.Applies));
        Assert.Equal("canary looks healthy", Traffic.Contexts[^1].Reason);
    }

    [Fact]
    public void A_reason_over_the_limit_blocks_apply()
    {
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews();
        WeightInput(cut, "v1").Change("30");

        cut.Find("input[data-testid=apply-reason]").Input(new string('x', 501));

        cut.WaitForAssertion(() => Assert.Contains("at most 500 characters", cut.Find("[data-testid=apply-blocked-reason]").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public void The_tab_says_when_the_sliders_hold_an_unsaved_draft()
    {
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews();
        Assert.DoesNotContain("unsaved", cut.Find("[data-testid=edit-tabs] .mud-tabs-tabbar").TextContent, StringComparison.Ordinal);

        WeightInput(cut, "v1").Change("30");

        cut.WaitForAssertion(() => Assert.Contains("Traffic shifting · unsaved", cut.Find("[data-testid=edit-tabs] .mud-tabs-tabbar").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public void Leaving_with_a_draft_asks_first_and_staying_keeps_it()
    {
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews();
        NavigationManager navigation = Services.GetRequiredService<NavigationManager>();
        string here = navigation.Uri;
        WeightInput(cut, "v1").Change("30");
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=shifting-draft-badge]")));

        _ = cut.InvokeAsync(() => navigation.NavigateTo("namespaces/bookinfo/services"));

        cut.WaitForAssertion(() => Assert.Contains("Leave without applying?", cut.Markup, StringComparison.Ordinal));
        Assert.Contains("traffic-shifting draft (v1 30% · v2 70%)", cut.Markup, StringComparison.Ordinal);
        cut.FindAll("button").First(b => b.TextContent.Contains("Stay", StringComparison.Ordinal)).Click();
        cut.WaitForAssertion(() => Assert.DoesNotContain("Leave without applying?", cut.Markup, StringComparison.Ordinal));
        Assert.Equal(here, navigation.Uri);
        Assert.Equal("v1 30 · v2 70", cut.Find("[data-testid=draft-bar]").GetAttribute("data-weights"));

        _ = cut.InvokeAsync(() => navigation.NavigateTo("namespaces/bookinfo/services"));
        cut.WaitForAssertion(() => Assert.Contains("Leave without applying?", cut.Markup, StringComparison.Ordinal));
        cut.FindAll("button").First(b => b.TextContent.Contains("Discard and leave", StringComparison.Ordinal)).Click();
        cut.WaitForAssertion(() => Assert.EndsWith("namespaces/bookinfo/services", navigation.Uri, StringComparison.Ordinal));
    }

    [Fact]
    public void Leaving_without_a_draft_does_not_ask()
    {
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews();
        NavigationManager navigation = Services.GetRequiredService<NavigationManager>();

        cut.InvokeAsync(() => navigation.NavigateTo("namespaces/bookinfo/services"));

        cut.WaitForAssertion(() => Assert.EndsWith("namespaces/bookinfo/services", navigation.Uri, StringComparison.Ordinal));
        Assert.DoesNotContain("Leave without applying?", cut.Markup, StringComparison.Ordinal);
    }
}
