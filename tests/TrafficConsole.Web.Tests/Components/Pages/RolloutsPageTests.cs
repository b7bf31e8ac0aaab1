using AngleSharp.Dom;

using Bunit;

using Microsoft.Extensions.DependencyInjection;

using MudBlazor;

using TrafficConsole.Web.Components.Pages;
using TrafficConsole.Web.Model;
using TrafficConsole.Web.Tests.Components.Infrastructure;

using static TrafficConsole.Web.Tests.Components.Infrastructure.TestServices;

namespace TrafficConsole.Web.Tests.Components.Pages;

/// <summary>The rollouts overview: what a row shows, filters, sort, live updates, export links, To stable and the namespace rollback.</summary>
public sealed class RolloutsPageTests : ConsoleTestContext
{
    public RolloutsPageTests()
    {
        Traffic.Put(Service("bookinfo", "reviews", [Version("v1", app: "reviews"), Version("v2", app: "reviews")], RoutingKind.Split,
            Weights(("v1", 30), ("v2", 70)),
            validation: [new ValidationMessage("TC2003", MessageSeverity.Warning, "spec.subsets[1]", "Subset v2 has fewer ready pods than desired.")],
            changedBy: "alice"));
        Traffic.AddRevision("bookinfo", "reviews", Weights(("v1", 30), ("v2", 70)), "alice", DateTimeOffset.UtcNow.AddHours(-3).AddMinutes(-5));
        Traffic.Put(Service("bookinfo", "ratings", [Version("v1", app: "ratings"), Version("v2", app: "ratings")], RoutingKind.Split,
            Weights(("v1", 90), ("v2", 10)), changedBy: "bob"));
        Traffic.AddRevision("bookinfo", "ratings", Weights(("v1", 90), ("v2", 10)), "kubectl-edit", DateTimeOffset.UtcNow.AddMinutes(-20),
            origin: RevisionOrigin.External, manager: "kubectl-edit", action: RevisionAction.External);
        Traffic.SetStable("bookinfo", "ratings", new StableVersionInfo(null, StableReason.Unknown, "no version held 100% and none is marked."));
        Traffic.Put(Service("default", "echo", [Version("v1", app: "echo"), Version("v2", app: "echo")], RoutingKind.Split,
            Weights(("v1", 50), ("v2", 50)), changedBy: "carol"));
        Traffic.AddRevision("default", "echo", Weights(("v1", 50), ("v2", 50)), "carol", DateTimeOffset.UtcNow.AddMinutes(-2));
        Traffic.RolloutQueries.Clear();
    }

    private IRenderedComponent<ContainerFragmentHost> Open(string? ns = null)
    {
        if (ns is not null)
        {
            Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>().NavigateTo($"http://localhost/rollouts?namespace={ns}");
        }

        return RenderWithProviders<RolloutsPage>();
    }

    private static string[] Listed(IRenderedComponent<ContainerFragmentHost> cut) =>
        [.. cut.FindAll("[data-testid=rollout-link]").Select(static a => $"{a.GetAttribute("data-namespace")}/{a.GetAttribute("data-service")}")];

    private static IElement RowOf(IRenderedComponent<ContainerFragmentHost> cut, string service) =>
        cut.Find($"[data-testid=rollout-link][data-service={service}]").Closest("tr")!;

    private static async Task SelectAsync(IRenderedComponent<ContainerFragmentHost> cut, string testId, string value)
    {
        IRenderedComponent<MudSelect<string>> select = cut.FindComponents<MudSelect<string>>()
            .Single(s => s.Markup.Contains($"data-testid=\"{testId}\"", StringComparison.Ordinal));
        await cut.InvokeAsync(() => select.Instance.ValueChanged.InvokeAsync(value));
    }

    [Fact]
    public void A_canary_holding_all_traffic_is_listed_with_to_stable_enabled_and_the_stable_version_says_why()
    {
        Traffic.Put(Service("shop", "cart", [Version("v1", app: "cart"), Version("v2", app: "cart")], RoutingKind.Split,
            Weights(("v1", 0), ("v2", 100)), changedBy: "dave"));
        Traffic.SetStable("shop", "cart", new StableVersionInfo("v1", StableReason.Promoted, "promoted by bob on …", "bob", DateTimeOffset.UtcNow.AddHours(-2).AddMinutes(-1)));

        IRenderedComponent<ContainerFragmentHost> cut = Open();

        IElement cart = RowOf(cut, "cart");
        Assert.Equal("promoted by bob 2 h ago", cart.QuerySelector("[data-testid=rollout-stable-why]")!.TextContent);
        Assert.False(cart.QuerySelector("[data-testid=row-to-stable]")!.HasAttribute("disabled"));
    }

    [Fact]
    public void Every_rollout_in_every_namespace_with_split_stable_in_flight_last_change_and_validation()
    {
        IRenderedComponent<ContainerFragmentHost> cut = Open();

        Assert.Equal(["bookinfo/ratings", "bookinfo/reviews", "default/echo"], Listed(cut));
        IElement reviews = RowOf(cut, "reviews");
        Assert.Equal("v1 30 · v2 70", reviews.QuerySelector("[data-testid=weight-bar]")!.GetAttribute("data-weights"));
        Assert.Contains("v1", reviews.QuerySelector("[data-testid=rollout-stable]")!.TextContent, StringComparison.Ordinal);
        Assert.Equal("3 h 5 min", reviews.QuerySelector("[data-testid=rollout-in-flight]")!.TextContent);
        Assert.Contains("alice", reviews.QuerySelector("[data-testid=rollout-last-change]")!.TextContent, StringComparison.Ordinal);
        Assert.Equal("warning", reviews.QuerySelector("[data-testid=validation-icon]")!.GetAttribute("data-severity"));
        Assert.Contains("external", RowOf(cut, "ratings").QuerySelector("[data-testid=rollout-last-change]")!.TextContent, StringComparison.Ordinal);
        // One query for the whole list, none per row.
        Assert.Equal([null], Traffic.RolloutQueries);
    }

    [Fact]
    public async Task Filters_by_namespace_text_origin_and_validation()
    {
        IRenderedComponent<ContainerFragmentHost> cut = Open();

        cut.Find("input[data-testid=rollout-search]").Input("alice");
        cut.WaitForAssertion(() => Assert.Equal(["bookinfo/reviews"], Listed(cut)));
        Assert.Equal("1 of 3 rollouts", cut.Find("[data-testid=rollout-count]").TextContent);
        cut.Find("input[data-testid=rollout-search]").Input(string.Empty);
        cut.WaitForAssertion(() => Assert.Equal(3, Listed(cut).Length));

        await SelectAsync(cut, "filter-origin", "External");
        cut.WaitForAssertion(() => Assert.Equal(["bookinfo/ratings"], Listed(cut)));
        await SelectAsync(cut, "filter-origin", string.Empty);

        await SelectAsync(cut, "filter-validation", "problems");
        cut.WaitForAssertion(() => Assert.Equal(["bookinfo/reviews"], Listed(cut)));
        await SelectAsync(cut, "filter-validation", string.Empty);

        await SelectAsync(cut, "filter-namespace", "default");
        cut.WaitForAssertion(() => Assert.Equal(["default/echo"], Listed(cut)));
        Assert.Equal("default", Traffic.RolloutQueries[^1]);
    }

    [Fact]
    public void Columns_sort_when_their_header_is_clicked()
    {
        IRenderedComponent<ContainerFragmentHost> cut = Open();

        cut.FindAll(".sortable-column-header").Single(h => h.TextContent == "In flight for").Click();

        // Longest in flight first (the earliest start).
        cut.WaitForAssertion(() => Assert.Equal(["bookinfo/reviews", "bookinfo/ratings", "default/echo"], Listed(cut)));

        cut.FindAll(".sortable-column-header").Single(h => h.TextContent == "Service").Click();
        cut.WaitForAssertion(() => Assert.Equal(["bookinfo/ratings", "bookinfo/reviews", "default/echo"], Listed(cut)));
    }

    [Fact]
    public void A_change_anywhere_updates_the_list_live_with_one_query_per_batch()
    {
        IRenderedComponent<ContainerFragmentHost> cut = Open();
        cut.WaitForAssertion(() => Assert.Equal(1, Traffic.ActiveSubscriptions));

        Traffic.Change(WithRouting(Traffic.GetService("bookinfo", "details")!, RoutingKind.Split, Weights(("v1", 100)), "rv-900", "dave", null));

        cut.WaitForAssertion(() => Assert.Contains("bookinfo/details", Listed(cut)));
        Assert.InRange(Traffic.RolloutQueries.Count, 2, 3);
        Traffic.Change(WithRouting(Traffic.GetService("bookinfo", "reviews")!, RoutingKind.Split, Weights(("v1", 5), ("v2", 95)), "rv-901", "erin", null));
        cut.WaitForAssertion(() => Assert.Equal("v1 5 · v2 95", RowOf(cut, "reviews").QuerySelector("[data-testid=weight-bar]")!.GetAttribute("data-weights")));
    }

    [Fact]
    public async Task Export_links_carry_the_namespace_filter()
    {
        IRenderedComponent<ContainerFragmentHost> cut = Open();
        Assert.Equal("api/v1/rollouts?format=csv", cut.Find("[data-testid=export-csv]").GetAttribute("href"));
        Assert.Equal("api/v1/rollouts", cut.Find("[data-testid=export-json]").GetAttribute("href"));

        await SelectAsync(cut, "filter-namespace", "bookinfo");

        cut.WaitForAssertion(() => Assert.Equal("api/v1/rollouts?format=csv&namespace=bookinfo", cut.Find("[data-testid=export-csv]").GetAttribute("href")));
        Assert.Equal("api/v1/rollouts?namespace=bookinfo", cut.Find("[data-testid=export-json]").GetAttribute("href"));
    }

    [Fact]
    public void To_stable_on_a_row_is_two_clicks_and_says_which_version_first()
    {
        IRenderedComponent<ContainerFragmentHost> cut = Open();
        string revision = Traffic.GetService("bookinfo", "reviews")!.Summary.Routing.Revision;

        RowOf(cut, "reviews").QuerySelector("[data-testid=row-to-stable]")!.Click();

        cut.WaitForElement("[data-testid=preview-dialog]");
        Assert.Equal("v1", cut.Find("[data-testid=preview-stable-version]").TextContent);
        Assert.Equal("v1 30 · v2 70", cut.Find("[data-testid=preview-before]").GetAttribute("data-weights"));
        Assert.Equal("v1 100 · v2 0", cut.Find("[data-testid=preview-after]").GetAttribute("data-weights"));
        Assert.Empty(Traffic.Rollbacks);

        cut.Find("[data-testid=preview-apply]").Click();

        cut.WaitForAssertion(() => Assert.Single(Traffic.Rollbacks));
        Assert.Equal(("reviews", true, revision), (Traffic.Rollbacks[0].Service, Traffic.Rollbacks[0].Target.ToStable, Traffic.Rollbacks[0].Revision));
        cut.WaitForAssertion(() => Assert.Equal("v1 100 · v2 0", RowOf(cut, "reviews").QuerySelector("[data-testid=weight-bar]")!.GetAttribute("data-weights")));
    }

    [Fact]
    public void To_stable_is_disabled_with_the_reason_when_a_row_has_no_stable_version()
    {
        IRenderedComponent<ContainerFragmentHost> cut = Open();

        IElement ratings = RowOf(cut, "ratings");
        Assert.True(ratings.QuerySelector("[data-testid=row-to-stable]")!.HasAttribute("disabled"));
        Assert.Equal("No stable version: no version held 100% and none is marked.",
            ratings.QuerySelector("[data-testid=row-to-stable-wrap]")!.GetAttribute("title"));
    }

    [Fact]
    public void A_row_rollback_that_conflicts_writes_nothing_and_says_so()
    {
        IRenderedComponent<ContainerFragmentHost> cut = Open();
        Traffic.NextRollbackOutcome = d => new ChangeOutcome.Conflict(d, "reviews was changed by zoe.");

        RowOf(cut, "reviews").QuerySelector("[data-testid=row-to-stable]")!.Click();
        cut.WaitForElement("[data-testid=preview-apply]").Click();

        cut.WaitForAssertion(() => Assert.Contains("was not rolled back: reviews was changed by zoe.", cut.Find("[data-testid=rollouts-notice]").TextContent, StringComparison.Ordinal));
        Assert.Equal("v1 30 · v2 70", RowOf(cut, "reviews").QuerySelector("[data-testid=weight-bar]")!.GetAttribute("data-weights"));
    }

    [Fact]
    public void The_namespace_rollback_lists_each_service_first_then_shows_each_outcome()
    {
        IRenderedComponent<ContainerFragmentHost> cut = Open("bookinfo");
        Assert.Empty(cut.FindAll("[data-testid=namespace-rollback-dialog]"));

        cut.Find("[data-testid=namespace-rollback]").Click();

        cut.WaitForElement("[data-testid=namespace-rollback-dialog]");
        IElement reviews = cut.Find("[data-testid=namespace-rollback-item][data-service=reviews]");
        Assert.Equal("false", reviews.GetAttribute("data-blocked"));
        Assert.Equal("v1 30 · v2 70", reviews.QuerySelector("[data-testid=weight-bar]")!.GetAttribute("data-weights"));
        Assert.Equal("100% v1", reviews.QuerySelector("[data-testid=namespace-rollback-after]")!.TextContent.Trim());
        IElement ratings = cut.Find("[data-testid=namespace-rollback-item][data-service=ratings]");
        Assert.Equal("true", ratings.GetAttribute("data-blocked"));
        Assert.Equal("No stable version.", ratings.QuerySelector("[data-testid=namespace-rollback-note]")!.TextContent.Trim());
        Assert.Empty(Traffic.NamespaceRollbacks);
        Assert.Contains("roll back 1 service(s)", cut.Find("[data-testid=namespace-rollback-confirm]").TextContent, StringComparison.Ordinal);

        cut.Find("input[data-testid=namespace-rollback-reason], textarea[data-testid=namespace-rollback-reason]").Input("INC-7");
        cut.Find("[data-testid=namespace-rollback-confirm]").Click();

        cut.WaitForAssertion(() => Assert.Equal("applied", cut.Find("[data-testid=namespace-rollback-item][data-service=reviews]").GetAttribute("data-outcome")));
        Assert.Equal("none", cut.Find("[data-testid=namespace-rollback-item][data-service=ratings]").GetAttribute("data-outcome"));
        Assert.Contains("1 of 1 service(s) rolled back", cut.Find("[data-testid=namespace-rollback-done]").TextContent, StringComparison.Ordinal);
        Assert.Equal("INC-7", Traffic.Contexts[^1].Reason);
        Assert.Equal(100, Traffic.GetService("bookinfo", "reviews")!.Summary.Routing.Effective.Single(w => w.Version == "v1").Percent);
    }

    [Fact]
    public void Five_hundred_rollouts_in_fifty_namespaces_are_one_query_and_a_virtualized_grid()
    {
        for (int n = 0; n < 50; n++)
        {
            for (int i = 0; i < 10; i++)
            {
                Traffic.Put(Service($"team-{n:D2}", $"svc-{i}", [Version("v1", app: $"svc-{i}"), Version("v2", app: $"svc-{i}")], RoutingKind.Split,
                    Weights(("v1", 90), ("v2", 10)), changedBy: $"lead-{n}"));
            }
        }

        IRenderedComponent<ContainerFragmentHost> cut = Open();

        Assert.Equal("503 rollouts", cut.Find("[data-testid=rollout-count]").TextContent);
        Assert.Equal([null], Traffic.RolloutQueries);
        // Only the rows in view (plus overscan) are rendered, not all 503.
        Assert.InRange(cut.FindAll("[data-testid=rollout-link]").Count, 1, 150);

        cut.Find("input[data-testid=rollout-search]").Input("team-42");
        cut.WaitForAssertion(() => Assert.Equal("10 of 503 rollouts", cut.Find("[data-testid=rollout-count]").TextContent));
        Assert.Equal([null], Traffic.RolloutQueries);
    }
}
