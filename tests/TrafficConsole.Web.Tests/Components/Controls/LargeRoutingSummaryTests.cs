using Bunit;

using TrafficConsole.Mesh.Routing;
using TrafficConsole.Web.Components.Controls;
using TrafficConsole.Web.Components.Pages;
using TrafficConsole.Web.Model;
using TrafficConsole.Web.Tests.Components.Infrastructure;

namespace TrafficConsole.Web.Tests.Components.Controls;

/// <summary>
/// Big routing stays usable: beyond <see cref="RoutingLimits.MaxEditableRules"/> rules the service page shows a virtualized
/// read-only summary instead of one rule editor per rule.
/// </summary>
public sealed class LargeRoutingSummaryTests : ConsoleTestContext
{
    [Fact]
    public void A_service_with_5000_rules_renders_a_bounded_read_only_summary_instead_of_5000_rule_editors()
    {
        PutRules(5000);

        IRenderedComponent<ContainerFragmentHost> cut = RenderWithProviders<ServiceDetailPage>(("Namespace", "bookinfo"), ("Service", "reviews"));

        cut.WaitForAssertion(() => Assert.Contains("5,000 rules", cut.Find("[data-testid=large-routing-notice]").TextContent, StringComparison.Ordinal));
        string notice = cut.Find("[data-testid=large-routing-notice]").TextContent;
        Assert.Contains($"at most {RoutingLimits.MaxEditableRules} rules", notice, StringComparison.Ordinal);
        Assert.Contains("kubectl -n bookinfo edit virtualservice", notice, StringComparison.Ordinal);
        Assert.Empty(cut.FindComponents<RoutingEditor>());
        Assert.Empty(cut.FindComponents<RuleCard>());
        Assert.InRange(cut.FindAll("[data-testid=large-routing-rule]").Count, 0, 200);
        Assert.InRange(cut.FindAll("*").Count, 1, 5000);
        Assert.Contains("Default route: v1 100%", cut.Find("[data-testid=large-routing-default]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void At_the_limit_the_rule_editor_still_opens()
    {
        PutRules(RoutingLimits.MaxEditableRules);

        IRenderedComponent<ContainerFragmentHost> cut = RenderWithProviders<ServiceDetailPage>(("Namespace", "bookinfo"), ("Service", "reviews"));

        cut.WaitForAssertion(() => Assert.Equal(RoutingLimits.MaxEditableRules, cut.FindComponents<RuleCard>().Count - 1));
        Assert.Empty(cut.FindAll("[data-testid=large-routing-notice]"));
    }

    [Fact]
    public void Each_row_of_the_summary_says_what_its_rule_matches_and_where_it_goes()
    {
        ServiceRouting routing = WithRules(Traffic.GetRouting("bookinfo", "reviews")!, 300);

        IRenderedComponent<LargeRoutingSummary> cut = Render<LargeRoutingSummary>(p => p
            .Add(c => c.Routing, routing).Add(c => c.Namespace, "bookinfo").Add(c => c.Service, "reviews")
            .Add(c => c.Resources, ["VirtualService bookinfo/reviews-routes"]));

        Assert.Contains("kubectl -n bookinfo edit virtualservice reviews-routes", cut.Find("[data-testid=large-routing-notice]").TextContent, StringComparison.Ordinal);
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=large-routing-rule]")));
        Assert.Contains("rule-0: header end-user is exactly user-0 → v2 100%", cut.FindAll("[data-testid=large-routing-rule]")[0].TextContent, StringComparison.Ordinal);
    }

    private void PutRules(int count) =>
        Traffic.PutRouting("bookinfo", "reviews", WithRules(Traffic.GetRouting("bookinfo", "reviews")!, count));

    private static ServiceRouting WithRules(ServiceRouting routing, int count) => routing with
    {
        Intent = routing.Intent with
        {
            Rules =
            [
                .. Enumerable.Range(0, count).Select(static i => new RouteRule
                {
                    Name = $"rule-{i}",
                    Matches = [new RequestMatch { Conditions = [new MatchCondition(MatchField.Header, MatchOperator.Exact, $"user-{i}", "end-user")] }],
                    Destinations = TrafficSplit.Of(("v2", 100)),
                }),
            ],
            DefaultRoute = new RouteRule { Destinations = TrafficSplit.Of(("v1", 100)) },
        },
    };
}
