using System.Collections.Immutable;
using System.Globalization;

using AngleSharp.Dom;

using Bunit;

using Microsoft.Extensions.DependencyInjection;

using TrafficConsole.Web.Components.Pages;
using TrafficConsole.Web.Model;
using TrafficConsole.Web.Tests.Components.Infrastructure;

using static TrafficConsole.Web.Tests.Components.Infrastructure.TestServices;

namespace TrafficConsole.Web.Tests.Components.Controls;

/// <summary>The service page's history tab, "All traffic to stable", Mark as stable, the reason at apply and the conflict view.</summary>
public sealed class HistoryTests : ConsoleTestContext
{
    private static readonly ImmutableArray<VersionSummary> TwoVersions = [Version("v1", app: "reviews"), Version("v2", app: "reviews")];
    private readonly string _first;
    private readonly string _second;

    public HistoryTests()
    {
        Traffic.Put(Service("bookinfo", "reviews", TwoVersions, RoutingKind.Split, Weights(("v1", 100), ("v2", 0))));
        DateTimeOffset now = DateTimeOffset.UtcNow;
        _first = Traffic.AddRevision("bookinfo", "reviews", Weights(("v1", 30), ("v2", 70)), "alice", now.AddMinutes(-30), reason: "canary <b>step</b> 1");
        _second = Traffic.AddRevision("bookinfo", "reviews", Weights(("v1", 50), ("v2", 50)), "kubectl-client-side-apply", now.AddMinutes(-10),
            origin: RevisionOrigin.External, manager: "kubectl-client-side-apply", action: RevisionAction.External);
        Traffic.SetStable("bookinfo", "reviews", new StableVersionInfo("v1", StableReason.FirstSeen, "first seen at 100% on 2026-12-01 09:00 UTC", At: new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero)));
    }

    private IRenderedComponent<ContainerFragmentHost> OpenReviews(string? tab = "history")
    {
        if (tab is not null)
        {
            Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>()
                .NavigateTo($"http://localhost/namespaces/bookinfo/services/reviews?tab={tab}");
        }

        return RenderWithProviders<ServiceDetailPage>(("Namespace", "bookinfo"), ("Service", "reviews"));
    }

    private static IElement Row(IRenderedComponent<ContainerFragmentHost> cut, string id) =>
        cut.Find($"[data-testid=revision-row][data-revision='{id}']");

    private static void Pick(IRenderedComponent<ContainerFragmentHost> cut, string id) =>
        Row(cut, id).QuerySelector("input[data-testid=revision-pick], [data-testid=revision-pick] input")!.Change(true);

    [Fact]
    public void The_history_tab_lists_who_when_why_and_how_with_the_current_marker_and_a_chart()
    {
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews();

        IElement[] rows = [.. cut.FindAll("[data-testid=revision-row]")];
        Assert.Equal([_second, _first], rows.Select(static r => r.GetAttribute("data-revision")));
        IElement external = Row(cut, _second);
        Assert.Equal("true", external.GetAttribute("data-current"));
        Assert.NotNull(external.QuerySelector("[data-testid=revision-current]"));
        Assert.Null(external.QuerySelector("[data-testid=rollback-to]"));
        Assert.Equal("external", external.QuerySelector("[data-testid=revision-origin]")!.TextContent);
        Assert.Equal("via kubectl-client-side-apply", external.QuerySelector("[data-testid=revision-manager]")!.TextContent);
        Assert.Equal("changed outside", external.QuerySelector("[data-testid=revision-action]")!.TextContent);
        Assert.Equal("v1 50 · v2 50", external.QuerySelector("[data-testid=weight-bar]")!.GetAttribute("data-weights"));

        IElement console = Row(cut, _first);
        Assert.Equal("alice", console.QuerySelector("[data-testid=revision-actor]")!.TextContent);
        Assert.Equal("console", console.QuerySelector("[data-testid=revision-origin]")!.TextContent);
        Assert.Contains("30 min ago", console.TextContent, StringComparison.Ordinal);
        // A reason is the operator's text, never markup.
        Assert.Equal("canary <b>step</b> 1", console.QuerySelector("[data-testid=revision-reason]")!.TextContent);
        Assert.Empty(console.QuerySelectorAll("[data-testid=revision-reason] b"));

        Assert.Equal("2", cut.Find("[data-testid=history-chart]").GetAttribute("data-points"));
        Assert.NotEmpty(cut.FindAll("[data-testid=history-chart] svg"));
    }

    [Fact]
    public void Two_ticked_revisions_show_side_by_side_older_left_with_the_changed_lines_marked()
    {
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews();
        Assert.True(cut.Find("[data-testid=compare]").HasAttribute("disabled"));

        Pick(cut, _second);
        Pick(cut, _first);
        cut.Find("[data-testid=compare]").Click();

        cut.WaitForElement("[data-testid=side-by-side-diff]");
        Assert.StartsWith(_first, cut.Find("[data-testid=sbs-left-title]").TextContent, StringComparison.Ordinal);
        Assert.StartsWith(_second, cut.Find("[data-testid=sbs-right-title]").TextContent, StringComparison.Ordinal);
        IElement[] changed = [.. cut.FindAll("[data-testid=sbs-row][data-left=modified]")];
        Assert.Contains(changed, r => r.QuerySelector("[data-testid=sbs-left]")!.TextContent.Contains("weight: 30", StringComparison.Ordinal)
            && r.QuerySelector("[data-testid=sbs-right]")!.TextContent.Contains("weight: 50", StringComparison.Ordinal));
        Assert.Contains(cut.FindAll("[data-testid=sbs-row][data-left=unchanged]"),
            r => r.QuerySelector("[data-testid=sbs-right]")!.TextContent.Contains("kind: VirtualService", StringComparison.Ordinal));
    }

    [Fact]
    public void Roll_back_to_a_revision_previews_it_then_writes_it_at_the_current_revision_with_the_reason()
    {
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews();
        string current = Traffic.GetService("bookinfo", "reviews")!.Summary.Routing.Revision;

        Row(cut, _first).QuerySelector("[data-testid=rollback-to]")!.Click();

        cut.WaitForElement("[data-testid=preview-dialog]");
        Assert.Equal("v1 50 · v2 50", cut.Find("[data-testid=preview-before]").GetAttribute("data-weights"));
        Assert.Equal("v1 30 · v2 70", cut.Find("[data-testid=preview-after]").GetAttribute("data-weights"));
        Assert.Contains(cut.FindAll("[data-testid=vs-diff] .tc-diff__line--added"), l => l.TextContent.Contains("weight: 30", StringComparison.Ordinal));
        Assert.Empty(Traffic.Rollbacks);
        cut.Find("textarea[data-testid=preview-reason], input[data-testid=preview-reason]").Input("back to the known good split");

        cut.Find("[data-testid=preview-apply]").Click();

        cut.WaitForAssertion(() => Assert.Single(Traffic.Rollbacks));
        Assert.Equal(("reviews", _first, current), (Traffic.Rollbacks[0].Service, Traffic.Rollbacks[0].Target.ToRevision, Traffic.Rollbacks[0].Revision));
        Assert.Equal("back to the known good split", Traffic.Contexts[^1].Reason);
        Assert.Equal("operator@test", Traffic.Contexts[^1].Actor);
        // The new revision shows up in the list without a reload, as the current one.
        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("[data-testid=revision-row]").Count));
        IElement newest = cut.FindAll("[data-testid=revision-row]")[0];
        Assert.Equal("true", newest.GetAttribute("data-current"));
        Assert.Equal("rolled back", newest.QuerySelector("[data-testid=revision-action]")!.TextContent);
        Assert.Equal("v1 30 · v2 70", cut.Find("[data-testid=cluster-bar]").GetAttribute("data-weights"));
    }

    [Fact]
    public void A_revision_recorded_elsewhere_appears_live()
    {
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews();
        Assert.Equal(2, cut.FindAll("[data-testid=revision-row]").Count);

        Traffic.AddRevision("bookinfo", "reviews", Weights(("v1", 10), ("v2", 90)), "bob", DateTimeOffset.UtcNow, reason: "more canary");
        Traffic.Change(Traffic.GetService("bookinfo", "reviews")!);

        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("[data-testid=revision-row]").Count));
        Assert.Equal("bob", cut.FindAll("[data-testid=revision-actor]")[0].TextContent);
        Assert.Equal("3", cut.Find("[data-testid=history-chart]").GetAttribute("data-points"));
    }

    [Fact]
    public void All_traffic_to_stable_is_two_clicks_and_says_which_version_and_why_first()
    {
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews(tab: null);
        string current = Traffic.GetService("bookinfo", "reviews")!.Summary.Routing.Revision;
        Assert.Equal("stable: v1 (first seen at 100% on 2026-12-01)", cut.Find("[data-testid=stable-note]").TextContent.Trim());

        // Click 1.
        cut.Find("[data-testid=to-stable]").Click();

        cut.WaitForElement("[data-testid=preview-dialog]");
        Assert.Equal("v1", cut.Find("[data-testid=preview-stable-version]").TextContent);
        Assert.Equal("first seen at 100% on 2026-12-01 09:00 UTC", cut.Find("[data-testid=preview-stable-why]").TextContent);
        Assert.Equal("v1 50 · v2 50", cut.Find("[data-testid=preview-before]").GetAttribute("data-weights"));
        Assert.Equal("v1 100 · v2 0", cut.Find("[data-testid=preview-after]").GetAttribute("data-weights"));
        Assert.Empty(Traffic.Rollbacks);

        // Click 2.
        cut.Find("[data-testid=preview-apply]").Click();

        cut.WaitForAssertion(() => Assert.Single(Traffic.Rollbacks));
        Assert.True(Traffic.Rollbacks[0].Target.ToStable);
        Assert.Equal(current, Traffic.Rollbacks[0].Revision);
        cut.WaitForAssertion(() => Assert.Equal("v1 100 · v2 0", cut.Find("[data-testid=cluster-bar]").GetAttribute("data-weights")));
        // Now everything is on stable: the button says why there is nothing left to do.
        cut.WaitForAssertion(() => Assert.Equal("All traffic already goes to the stable version v1.", cut.Find("[data-testid=to-stable-blocked]").TextContent));
        Assert.True(cut.Find("[data-testid=to-stable]").HasAttribute("disabled"));
    }

    [Fact]
    public void All_traffic_to_stable_is_disabled_with_the_reason_without_a_stable_version_or_on_read_only_routing()
    {
        Traffic.SetStable("bookinfo", "reviews", new StableVersionInfo(null, StableReason.Unknown, "no version held 100% and none is marked."));
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews(tab: null);

        Assert.True(cut.Find("[data-testid=to-stable]").HasAttribute("disabled"));
        Assert.Equal("No stable version: no version held 100% and none is marked.", cut.Find("[data-testid=to-stable-blocked]").TextContent);

        Traffic.SetStable("bookinfo", "reviews", new StableVersionInfo("v1", StableReason.Marked, "v1 was marked stable by alice."));
        Traffic.Change(WithRouting(Traffic.GetService("bookinfo", "reviews")!, RoutingKind.ReadOnly, [], "rv-77", "argo", null)
            is var ro ? ro with { Summary = ro.Summary with { Routing = ro.Summary.Routing with { ReadOnlyReason = "Routes to another host." } } } : null!);

        cut.WaitForAssertion(() => Assert.Equal("The routing is read-only here: Routes to another host.", cut.Find("[data-testid=to-stable-blocked]").TextContent));
        Assert.True(cut.Find("[data-testid=to-stable]").HasAttribute("disabled"));
        Assert.Empty(Traffic.Rollbacks);
    }

    [Fact]
    public void Mark_as_stable_writes_the_version_at_the_current_revision_and_shows_the_badge()
    {
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews(tab: null);
        Assert.NotNull(cut.Find("[data-testid=version-row][data-version=v1] [data-testid=stable-badge]"));
        string current = Traffic.GetService("bookinfo", "reviews")!.Summary.Routing.Revision;

        cut.Find("[data-testid=version-row][data-version=v2] [data-testid=mark-stable]").Click();

        cut.WaitForAssertion(() => Assert.Single(Traffic.StableMarks));
        Assert.Equal(("reviews", "v2", current), Traffic.StableMarks[0]);
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=version-row][data-version=v2] [data-testid=stable-badge]")));
        Assert.NotNull(cut.Find("[data-testid=version-row][data-version=v1] [data-testid=mark-stable]"));
        Assert.Equal("marked by operator@test just now", cut.Find("[data-testid=stable-why]").TextContent);
    }

    [Fact]
    public void Promote_is_two_clicks_sends_all_traffic_to_the_version_with_the_reason_and_then_it_is_stable_promoted_by_the_user()
    {
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews(tab: null);
        string current = Traffic.GetService("bookinfo", "reviews")!.Summary.Routing.Revision;
        Assert.Empty(cut.FindAll("[data-testid=version-row][data-version=v1] [data-testid=promote]")); // v1 is stable already

        // Click 1: the confirm, with now -> after.
        cut.Find("[data-testid=version-row][data-version=v2] [data-testid=promote]").Click();

        cut.WaitForElement("[data-testid=preview-dialog]");
        Assert.Equal("Promote v2 of reviews?", cut.Find("[data-testid=preview-heading]").TextContent);
        Assert.Equal("v1 50 · v2 50", cut.Find("[data-testid=preview-before]").GetAttribute("data-weights"));
        Assert.Equal("v1 0 · v2 100", cut.Find("[data-testid=preview-after]").GetAttribute("data-weights"));
        Assert.Empty(Traffic.Promotions);
        cut.Find("textarea[data-testid=preview-reason], input[data-testid=preview-reason]").Input("v2 held up for a day");

        // Click 2.
        cut.Find("[data-testid=preview-apply]").Click();

        cut.WaitForAssertion(() => Assert.Single(Traffic.Promotions));
        Assert.Equal(("reviews", "v2", current, "v2 held up for a day"), Traffic.Promotions[0]);
        cut.WaitForAssertion(() => Assert.Equal("v1 0 · v2 100", cut.Find("[data-testid=cluster-bar]").GetAttribute("data-weights")));
        Assert.Equal("promoted by operator@test just now", cut.Find("[data-testid=stable-why]").TextContent);
        Assert.NotNull(cut.Find("[data-testid=version-row][data-version=v2] [data-testid=stable-badge]"));
    }

    [Fact]
    public void The_history_tab_says_which_version_is_stable_and_who_marked_it_when()
    {
        Traffic.SetStable("bookinfo", "reviews", new StableVersionInfo("v2", StableReason.Marked, "marked by alice on …", "alice", DateTimeOffset.UtcNow.AddHours(-2).AddMinutes(-5)));

        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews();

        Assert.Equal("stable: v2 (marked by alice 2 h ago)", cut.Find("[data-testid=history-stable]").TextContent.Trim());
        Assert.Equal("stable: v2 (marked by alice 2 h ago)", cut.Find("[data-testid=stable-note]").TextContent.Trim());
    }

    [Fact]
    public void A_reason_goes_with_the_apply_and_an_over_long_one_blocks_it_with_the_message()
    {
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews(tab: null);
        cut.Find("[data-testid=weight-row][data-version=v1] input[data-testid=weight-input]").Change("20");
        cut.WaitForAssertion(() => Assert.Equal("true", cut.Find("[data-testid=traffic-shifting]").GetAttribute("data-dirty")));
        cut.Find("[data-testid=preview]").Click();
        cut.WaitForElement("[data-testid=preview-dialog]");
        IElement Reason() => cut.Find("textarea[data-testid=preview-reason], input[data-testid=preview-reason]");

        Reason().Input(new string('x', TrafficConsole.Web.Services.ChangeContext.MaxReasonLength + 1));

        cut.WaitForAssertion(() => Assert.Equal("Reason: at most 500 characters (501 typed).", cut.Find("[data-testid=preview-blocked]").TextContent.Trim()));
        Assert.True(cut.Find("[data-testid=preview-apply]").HasAttribute("disabled"));
        Assert.Contains("501 / 500", cut.Find("[data-testid=preview-dialog]").TextContent, StringComparison.Ordinal);

        Reason().Input("INC-42: v2 errors");
        cut.WaitForAssertion(() => Assert.False(cut.Find("[data-testid=preview-apply]").HasAttribute("disabled")));
        cut.Find("[data-testid=preview-apply]").Click();

        cut.WaitForAssertion(() => Assert.Single(Traffic.Applies));
        Assert.Equal("INC-42: v2 errors", Traffic.Contexts[^1].Reason);
    }

    [Fact]
    public void A_conflict_shows_started_from_now_and_the_draft_and_re_apply_writes_it_on_top_of_the_current_revision()
    {
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews(tab: null);
        string startedAt = Traffic.GetService("bookinfo", "reviews")!.Summary.Routing.Revision;
        cut.Find("[data-testid=weight-row][data-version=v1] input[data-testid=weight-input]").Change("20");
        cut.WaitForAssertion(() => Assert.Equal("true", cut.Find("[data-testid=traffic-shifting]").GetAttribute("data-dirty")));
        // Meanwhile, without this page seeing it yet, someone else sets 90/10.
        ServiceDetail theirs = WithRouting(Traffic.GetService("bookinfo", "reviews")!, RoutingKind.Split, Weights(("v1", 90), ("v2", 10)), "rv-500", "bob", null);
        theirs = theirs with { VirtualServiceYaml = RenderVirtualService("reviews", theirs.Host, Weights(("v1", 90), ("v2", 10))) };
        Traffic.NextRoutingOutcome = _ =>
        {
            Traffic.Put(theirs);
            return new ChangeOutcome.Conflict(theirs, "reviews was changed by bob.");
        };

        cut.Find("[data-testid=apply]").Click();

        cut.WaitForElement("[data-testid=conflict-dialog]");
        Assert.Contains("weight: 50", cut.Find("[data-testid=conflict-started-yaml]").TextContent, StringComparison.Ordinal);
        Assert.Contains(startedAt, cut.Find("[data-testid=conflict-started]").TextContent, StringComparison.Ordinal);
        Assert.Contains(cut.FindAll("[data-testid=conflict-now-diff] .tc-diff__line--added"), l => l.TextContent.Contains("weight: 90", StringComparison.Ordinal));
        Assert.Equal("bob", cut.Find("[data-testid=conflict-who]").TextContent);
        Assert.Contains(cut.FindAll("[data-testid=conflict-draft-diff] .tc-diff__line--added"), l => l.TextContent.Contains("weight: 20", StringComparison.Ordinal));
        Assert.Equal("v1 20 · v2 80", cut.Find("[data-testid=conflict-draft] [data-testid=weight-bar]").GetAttribute("data-weights"));

        cut.Find("[data-testid=conflict-reapply]").Click();

        cut.WaitForAssertion(() => Assert.Equal(2, Traffic.Applies.Count));
        Assert.Equal(startedAt, Traffic.Applies[0].Revision);
        Assert.Equal("rv-500", Traffic.Applies[1].Revision);
        Assert.Equal(Weights(("v1", 20), ("v2", 80)).ToArray(), Traffic.Applies[1].Draft.Weights.ToArray());
        cut.WaitForAssertion(() => Assert.Equal("v1 20 · v2 80", cut.Find("[data-testid=cluster-bar]").GetAttribute("data-weights")));
    }

    [Fact]
    public void Discard_my_draft_in_the_conflict_view_loads_the_cluster_state()
    {
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews(tab: null);
        cut.Find("[data-testid=weight-row][data-version=v1] input[data-testid=weight-input]").Change("20");
        cut.WaitForAssertion(() => Assert.Equal("true", cut.Find("[data-testid=traffic-shifting]").GetAttribute("data-dirty")));
        ServiceDetail theirs = WithRouting(Traffic.GetService("bookinfo", "reviews")!, RoutingKind.Split, Weights(("v1", 90), ("v2", 10)), "rv-501", "bob", null);
        Traffic.NextRoutingOutcome = _ => new ChangeOutcome.Conflict(theirs, "reviews was changed by bob.");

        cut.Find("[data-testid=apply]").Click();
        cut.WaitForElement("[data-testid=conflict-load-latest]").Click();

        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=conflict-dialog]")));
        Assert.Single(Traffic.Applies);
        Assert.Equal("90", cut.Find("[data-testid=weight-row][data-version=v1] input[data-testid=weight-input]").GetAttribute("value"));
    }

    [Fact]
    public void A_rollback_that_conflicts_goes_to_the_conflict_view_and_can_be_re_applied()
    {
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews();
        ServiceDetail theirs = WithRouting(Traffic.GetService("bookinfo", "reviews")!, RoutingKind.Split, Weights(("v1", 0), ("v2", 100)), "rv-600", "carol", null);
        Traffic.NextRollbackOutcome = _ =>
        {
            Traffic.Put(theirs);
            return new ChangeOutcome.Conflict(theirs, "reviews was changed by carol.");
        };
        Row(cut, _first).QuerySelector("[data-testid=rollback-to]")!.Click();
        cut.WaitForElement("[data-testid=preview-apply]").Click();

        cut.WaitForElement("[data-testid=conflict-dialog]");
        Assert.Equal("carol", cut.Find("[data-testid=conflict-who]").TextContent);
        Assert.Contains("roll back to revision", cut.Find("[data-testid=conflict-draft]").TextContent, StringComparison.Ordinal);

        cut.Find("[data-testid=conflict-reapply]").Click();

        cut.WaitForAssertion(() => Assert.Equal(2, Traffic.Rollbacks.Count));
        Assert.Equal("rv-600", Traffic.Rollbacks[1].Revision);
        Assert.Equal(_first, Traffic.Rollbacks[1].Target.ToRevision);
        cut.WaitForAssertion(() => Assert.Equal("v1 30 · v2 70", cut.Find("[data-testid=cluster-bar]").GetAttribute("data-weights")));
    }

    [Fact]
    public void A_history_that_cannot_be_read_says_why()
    {
        Traffic.HistoryProblems["reviews"] = "The console may not list ConfigMaps in bookinfo.";
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews();

        Assert.Equal("The console may not list ConfigMaps in bookinfo.", cut.Find("[data-testid=history-problem]").TextContent);
        Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"{2} revision(s) · the newest 50 are kept"), cut.Find("[data-testid=history-count]").TextContent.Trim());
    }
}
