using System.Globalization;

using Bunit;

using TrafficConsole.Mesh.Routing;
using TrafficConsole.Web.Components.Pages;
using TrafficConsole.Web.Components.Pages.ServiceTabs;
using TrafficConsole.Web.Model;
using TrafficConsole.Web.Tests.Components.Infrastructure;

using static TrafficConsole.Web.Tests.Components.Infrastructure.TestServices;

using RoutingKind = TrafficConsole.Web.Model.RoutingKind;

namespace TrafficConsole.Web.Tests.Components;

/// <summary>The traffic-shifting tab edits the default route of the one routing intent the rule editor edits.</summary>
public sealed class TrafficTabTests : ConsoleTestContext
{
    private static readonly RouteRule JasonToV2 = new()
    {
        Name = "jason",
        Matches = [new RequestMatch { Conditions = [new MatchCondition(MatchField.Header, MatchOperator.Exact, "jason", "end-user")] }],
        Destinations = TrafficSplit.Of(("v2", 100)),
    };

    public TrafficTabTests()
    {
        Traffic.Put(Service("bookinfo", "reviews", [Version("v1", app: "reviews"), Version("v2", app: "reviews")], RoutingKind.Rules, Weights(("v1", 50), ("v2", 50))));
    }

    private void PutIntent(Func<RoutingIntent, RoutingIntent> change)
    {
        ServiceRouting routing = Traffic.GetRouting("bookinfo", "reviews")!;
        Traffic.PutRouting("bookinfo", "reviews", routing with { Intent = change(routing.Intent) });
    }

    private IRenderedComponent<ContainerFragmentHost> OpenReviews() =>
        RenderWithProviders<ServiceDetailPage>(("Namespace", "bookinfo"), ("Service", "reviews"));

    private static void TypeWeight(IRenderedComponent<ContainerFragmentHost> cut, string version, int value)
    {
        cut.Find($"[data-testid=weight-row][data-version={version}] input[data-testid=weight-input]").Change(value.ToString(CultureInfo.InvariantCulture));
        cut.WaitForAssertion(() => Assert.Equal("true", cut.Find("[data-testid=traffic-shifting]").GetAttribute("data-dirty")));
    }

    [Fact]
    public void Applying_the_sliders_writes_the_routing_intent_with_its_rules_and_the_new_default_split()
    {
        PutIntent(intent => intent with { Rules = [JasonToV2], DefaultRoute = new RouteRule { Timeout = "2s", Destinations = TrafficSplit.Of(("v1", 50), ("v2", 50)) } });
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews();
        TypeWeight(cut, "v1", 30);

        cut.Find("[data-testid=apply]").Click();

        cut.WaitForAssertion(() => Assert.Single(Traffic.RoutingApplies));
        (string service, RoutingIntent intent, string? revision, _) = Traffic.RoutingApplies[0];
        Assert.Equal(("reviews", "rv-1"), (service, revision));
        RouteRule rule = Assert.Single(intent.Rules);
        Assert.Equal(("jason", TrafficSplit.Of(("v2", 100))), (rule.Name, rule.Destinations));
        Assert.Equal(JasonToV2.Matches[0].Conditions, Assert.Single(rule.Matches).Conditions);
        Assert.Equal(TrafficSplit.Of(("v1", 30), ("v2", 70)), intent.DefaultRoute!.Destinations);
        // The default route's own options are the rule editor's: the sliders leave them alone.
        Assert.Equal("2s", intent.DefaultRoute.Timeout);
    }

    [Fact]
    public void The_sliders_are_read_only_exactly_when_the_default_route_is()
    {
        PutIntent(intent => intent with { DefaultRoute = new RouteRule { ReadOnlyReason = "The default route redirects to /maintenance." } });

        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews();

        Assert.Contains("redirects to /maintenance", cut.Find("[data-testid=read-only-reason]").TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=weight-row]"));
        Assert.Empty(cut.FindAll("[data-testid=apply]"));
    }

    [Fact]
    public void The_sliders_are_read_only_when_a_rule_before_the_default_route_takes_every_request()
    {
        // The same rule as the routing's projection: a change to the default route would never receive traffic.
        PutIntent(intent => intent with { Rules = [JasonToV2 with { Matches = [] }] });

        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews();

        Assert.Contains("matches every request", cut.Find("[data-testid=read-only-reason]").TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=apply]"));
    }

    [Fact]
    public void A_refusal_of_the_default_route_is_shown_at_the_sliders_paths()
    {
        Traffic.NextRoutingOutcome = _ => new ChangeOutcome.Invalid(
            [new ValidationMessage("TC1104", MessageSeverity.Error, "defaultRoute.destinations[v2]", "Subset v2 has no pods.")]);
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews();
        TypeWeight(cut, "v1", 30);

        cut.Find("[data-testid=apply]").Click();

        cut.WaitForAssertion(() => Assert.Equal("invalid", cut.Find("[data-testid=outcome]").GetAttribute("data-outcome")));
        Assert.Contains("(weights[v2])", cut.Find("[data-testid=outcome] [data-code=TC1104]").TextContent, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("defaultRoute.destinations[v1]", "weights[v1]")]
    [InlineData("defaultRoute.destinations", "weights")]
    [InlineData("defaultRoute.mirror.version", "mirror.version")]
    [InlineData("rules[0].destinations[v1]", "rules[0].destinations[v1]")]
    [InlineData("spec.http[0]", "spec.http[0]")]
    [InlineData("defaultRoute.destinationsX", "defaultRoute.destinationsX")]
    public void Messages_about_the_default_route_move_to_the_sliders_paths_and_others_stay(string path, string shown)
    {
        Assert.Equal(shown, Assert.Single(TrafficTab.ForSliders([new ValidationMessage("TC1", MessageSeverity.Error, path, "m")])).Path);
    }
}
