using System.Collections.Immutable;
using System.Globalization;

using AngleSharp.Dom;

using Bunit;

using TrafficConsole.Web.Components.Pages;
using TrafficConsole.Web.Model;
using TrafficConsole.Web.Tests.Components.Infrastructure;

using static TrafficConsole.Web.Tests.Components.Infrastructure.TestServices;

namespace TrafficConsole.Web.Tests.Components.Pages;

/// <summary>Preview, apply, conflicts, live updates and delete on the service page.</summary>
public sealed class ServiceDetailPageTests : ConsoleTestContext
{
    private static readonly ImmutableArray<VersionSummary> TwoVersions = [Version("v1", app: "reviews"), Version("v2", app: "reviews")];

    public ServiceDetailPageTests()
    {
        Traffic.Put(Service("bookinfo", "reviews", TwoVersions, RoutingKind.Split, Weights(("v1", 50), ("v2", 50))));
    }

    private IRenderedComponent<ContainerFragmentHost> OpenReviews() =>
        RenderWithProviders<ServiceDetailPage>(("Namespace", "bookinfo"), ("Service", "reviews"));

    private static int Weight(IRenderedComponent<ContainerFragmentHost> cut, string version) =>
        int.Parse(cut.Find($"[data-testid=weight-row][data-version={version}] input[data-testid=weight-input]").GetAttribute("value")!, CultureInfo.InvariantCulture);

    private static void TypeWeight(IRenderedComponent<ContainerFragmentHost> cut, string version, int value)
    {
        cut.Find($"[data-testid=weight-row][data-version={version}] input[data-testid=weight-input]").Change(value.ToString(CultureInfo.InvariantCulture));
        cut.WaitForAssertion(() => Assert.Equal("true", cut.Find("[data-testid=traffic-shifting]").GetAttribute("data-dirty")));
    }

    [Fact]
    public void Preview_shows_both_resources_as_yaml_the_diff_and_validation()
    {
        // The planner's finding about the intent's default route; the sliders show it at the weights' path.
        Traffic.PreviewNotes = [new ValidationMessage("TC1201", MessageSeverity.Info, "defaultRoute.destinations[v2]", "A version gets no traffic.")];
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews();
        TypeWeight(cut, "v1", 30);

        cut.Find("[data-testid=preview]").Click();

        cut.WaitForElement("[data-testid=preview-dialog]");
        Assert.Equal("v1 50 · v2 50", cut.Find("[data-testid=preview-before]").GetAttribute("data-weights"));
        Assert.Equal("v1 30 · v2 70", cut.Find("[data-testid=preview-after]").GetAttribute("data-weights"));
        IElement[] added = [.. cut.FindAll("[data-testid=vs-diff] .tc-diff__line--added")];
        Assert.Contains(added, l => l.TextContent.Contains("weight: 30", StringComparison.Ordinal));
        Assert.Contains(added, l => l.TextContent.Contains("weight: 70", StringComparison.Ordinal));
        Assert.All(added, l => Assert.StartsWith("+", l.TextContent, StringComparison.Ordinal));
        Assert.Contains(cut.FindAll("[data-testid=vs-diff] .tc-diff__line--removed"), l => l.TextContent.StartsWith('-'));
        Assert.Equal("TC1201", cut.Find("[data-testid=validation-messages] [data-code]").GetAttribute("data-code"));
        Assert.Contains("(weights[v2])", cut.Find("[data-testid=validation-messages] [data-code=TC1201]").TextContent, StringComparison.Ordinal);

        cut.FindAll(".mud-tab").Single(t => t.TextContent.Contains("VirtualService", StringComparison.Ordinal)).Click();
        string yaml = cut.WaitForElement("[data-testid=vs-yaml]").TextContent;
        Assert.Contains("kind: VirtualService", yaml, StringComparison.Ordinal);
        Assert.Contains("weight: 30", yaml, StringComparison.Ordinal);
        Assert.Empty(Traffic.Applies);
    }

    [Fact]
    public void Apply_from_the_preview_writes_the_draft_with_the_loaded_revision()
    {
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews();
        TypeWeight(cut, "v1", 30);
        cut.Find("[data-testid=preview]").Click();

        cut.WaitForElement("[data-testid=preview-apply]").Click();

        cut.WaitForAssertion(() => Assert.Single(Traffic.Applies));
        (string service, TrafficDraft draft, string? revision, string actor) = Traffic.Applies[0];
        Assert.Equal("operator@test", actor);
        Assert.Equal("reviews", service);
        Assert.Equal(Weights(("v1", 30), ("v2", 70)).ToArray(), draft.Weights.ToArray());
        Assert.Equal("rv-1", revision);
        cut.WaitForAssertion(() => Assert.Contains("Applied to reviews", cut.Find(".mud-snackbar").TextContent, StringComparison.Ordinal));
        cut.WaitForAssertion(() => Assert.Equal("v1 30 · v2 70", cut.Find("[data-testid=cluster-bar]").GetAttribute("data-weights")));
        Assert.Equal("false", cut.Find("[data-testid=traffic-shifting]").GetAttribute("data-dirty"));
    }

    [Fact]
    public void A_conflict_shows_the_newer_state_and_keeps_the_draft()
    {
        ServiceDetail newer = WithRouting(Traffic.GetService("bookinfo", "reviews")!, RoutingKind.Split, Weights(("v1", 90), ("v2", 10)), "rv-7", "alice", null);
        Traffic.NextRoutingOutcome = _ => new ChangeOutcome.Conflict(newer, "reviews was changed by alice.");
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews();
        TypeWeight(cut, "v1", 30);

        cut.Find("[data-testid=apply]").Click();

        cut.WaitForElement("[data-testid=conflict-dialog]");
        Assert.Equal("alice", cut.Find("[data-testid=conflict-who]").TextContent);
        Assert.Equal("v1 90 · v2 10", cut.Find("[data-testid=conflict-current] [data-testid=weight-bar]").GetAttribute("data-weights"));
        Assert.Equal("v1 30 · v2 70", cut.Find("[data-testid=conflict-draft] [data-testid=weight-bar]").GetAttribute("data-weights"));

        cut.Find("[data-testid=conflict-keep]").Click();

        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=conflict-dialog]")));
        Assert.Equal([30, 70], [Weight(cut, "v1"), Weight(cut, "v2")]);
        Assert.Equal("alice", cut.Find("[data-testid=stale-who]").TextContent);
        Assert.Equal("v1 90 · v2 10", cut.Find("[data-testid=cluster-bar]").GetAttribute("data-weights"));
    }

    [Fact]
    public void A_change_by_someone_else_marks_the_draft_stale_and_load_latest_takes_theirs()
    {
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews();
        TypeWeight(cut, "v1", 30);

        Traffic.Change(WithRouting(Traffic.GetService("bookinfo", "reviews")!, RoutingKind.Split, Weights(("v1", 80), ("v2", 20)), "rv-9", "bob", null));

        cut.WaitForAssertion(() => Assert.Equal("bob", cut.Find("[data-testid=stale-who]").TextContent));
        Assert.Contains("older revision", cut.Find("[data-testid=stale-draft]").TextContent, StringComparison.Ordinal);
        Assert.Equal([30, 70], [Weight(cut, "v1"), Weight(cut, "v2")]);
        Assert.Equal("v1 80 · v2 20", cut.Find("[data-testid=cluster-bar]").GetAttribute("data-weights"));

        cut.Find("[data-testid=load-latest]").Click();

        cut.WaitForAssertion(() => Assert.Equal([80, 20], [Weight(cut, "v1"), Weight(cut, "v2")]));
        Assert.Empty(cut.FindAll("[data-testid=stale-draft]"));
    }

    [Fact]
    public void Without_a_draft_the_sliders_follow_the_cluster()
    {
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews();

        Traffic.Change(WithRouting(Traffic.GetService("bookinfo", "reviews")!, RoutingKind.Split, Weights(("v1", 10), ("v2", 90)), "rv-9", "bob", null));

        cut.WaitForAssertion(() => Assert.Equal([10, 90], [Weight(cut, "v1"), Weight(cut, "v2")]));
        Assert.Empty(cut.FindAll("[data-testid=stale-draft]"));
    }

    [Fact]
    public void A_change_made_while_the_page_still_loads_its_permissions_is_shown()
    {
        Permissions.Pending = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews();
        cut.WaitForAssertion(() => Assert.Equal([50, 50], [Weight(cut, "v1"), Weight(cut, "v2")]));

        // The page has read the service but does not watch yet: nobody hears this change as it happens.
        Traffic.Change(WithRouting(Traffic.GetService("bookinfo", "reviews")!, RoutingKind.Split, Weights(("v1", 10), ("v2", 90)), "rv-9", "bob", null));
        Assert.Equal(0, Traffic.ActiveSubscriptions);
        Permissions.Pending.SetResult();

        cut.WaitForAssertion(() => Assert.Equal([10, 90], [Weight(cut, "v1"), Weight(cut, "v2")]));
    }

    [Fact]
    public void Scaling_a_version_updates_its_replicas_but_not_the_weights()
    {
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews();

        Traffic.Change(WithVersions(Traffic.GetService("bookinfo", "reviews")!, [Version("v1", ready: 4, desired: 4, app: "reviews"), Version("v2", app: "reviews")]));

        cut.WaitForAssertion(() => Assert.Equal("4/4", cut.Find("[data-testid=version-row][data-version=v1] [data-testid=replicas]").TextContent));
        Assert.Equal([50, 50], [Weight(cut, "v1"), Weight(cut, "v2")]);
    }

    [Fact]
    public void An_invalid_outcome_is_explained_and_the_draft_stays()
    {
        Traffic.NextRoutingOutcome = _ => new ChangeOutcome.Invalid([new ValidationMessage("TC1104", MessageSeverity.Error, "spec.http[0]", "Subset v2 has no pods.")]);
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews();
        TypeWeight(cut, "v1", 30);

        cut.Find("[data-testid=apply]").Click();

        cut.WaitForAssertion(() => Assert.Equal("invalid", cut.Find("[data-testid=outcome]").GetAttribute("data-outcome")));
        Assert.Contains("Subset v2 has no pods.", cut.Find("[data-testid=outcome]").TextContent, StringComparison.Ordinal);
        Assert.Equal([30, 70], [Weight(cut, "v1"), Weight(cut, "v2")]);
    }

    [Fact]
    public void Unavailable_and_forbidden_outcomes_say_so_and_keep_the_draft()
    {
        Traffic.NextRoutingOutcome = _ => new ChangeOutcome.Forbidden("User anonymous cannot patch virtualservices.");
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews();
        TypeWeight(cut, "v1", 40);

        cut.Find("[data-testid=apply]").Click();
        cut.WaitForAssertion(() => Assert.Contains("cannot patch virtualservices", cut.Find("[data-testid=outcome]").TextContent, StringComparison.Ordinal));

        Traffic.NextRoutingOutcome = _ => new ChangeOutcome.Unavailable("connection refused");
        cut.Find("[data-testid=apply]").Click();

        cut.WaitForAssertion(() => Assert.Equal("unavailable", cut.Find("[data-testid=outcome]").GetAttribute("data-outcome")));
        Assert.Contains("connection refused", cut.Find("[data-testid=outcome]").TextContent, StringComparison.Ordinal);
        Assert.Equal([40, 60], [Weight(cut, "v1"), Weight(cut, "v2")]);
    }

    [Fact]
    public void Delete_lists_the_resources_and_removes_the_routing_after_confirmation()
    {
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews();

        cut.Find("[data-testid=delete-routing]").Click();

        string listed = cut.WaitForElement("[data-testid=delete-resources]").TextContent;
        Assert.Contains("VirtualService bookinfo/reviews", listed, StringComparison.Ordinal);
        Assert.Contains("DestinationRule bookinfo/reviews", listed, StringComparison.Ordinal);
        Assert.Empty(Traffic.Deletes);

        cut.Find("input[data-testid=delete-reason]").Input("rolling back the experiment");
        cut.Find("[data-testid=delete-confirm]").Click();

        cut.WaitForAssertion(() => Assert.Equal(("reviews", (string?)"rv-1"), Assert.Single(Traffic.Deletes)));
        Assert.Equal("rolling back the experiment", Traffic.Contexts[^1].Reason);
        cut.WaitForAssertion(() => Assert.Equal("no routing", cut.Find("[data-testid=routing-kind]").TextContent));
    }

    [Fact]
    public void Apply_is_blocked_with_a_reason_while_the_api_server_is_unreachable()
    {
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews();
        TypeWeight(cut, "v1", 30);

        Traffic.SetHealth(new ConnectionHealth(ConnectionState.Unreachable, "dial tcp: connection refused", DateTimeOffset.UtcNow));

        cut.WaitForAssertion(() => Assert.True(cut.Find("[data-testid=apply]").HasAttribute("disabled")));
        Assert.Contains("unreachable", cut.Find("[data-testid=apply-blocked-reason]").TextContent, StringComparison.Ordinal);
        Assert.Equal([30, 70], [Weight(cut, "v1"), Weight(cut, "v2")]);
    }

    [Fact]
    public async Task Leaving_the_page_ends_its_live_subscription()
    {
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews();
        cut.WaitForAssertion(() => Assert.Equal(1, Traffic.ActiveSubscriptions));

        await DisposeComponentsAsync();

        Assert.Equal(0, Traffic.ActiveSubscriptions);
    }

    [Fact]
    public void Reset_returns_the_draft_to_the_cluster_state()
    {
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews();
        TypeWeight(cut, "v1", 30);
        Assert.False(cut.Find("[data-testid=reset]").HasAttribute("disabled"));

        cut.Find("[data-testid=reset]").Click();

        cut.WaitForAssertion(() => Assert.Equal([50, 50], [Weight(cut, "v1"), Weight(cut, "v2")]));
        Assert.Equal("false", cut.Find("[data-testid=traffic-shifting]").GetAttribute("data-dirty"));
        Assert.True(cut.Find("[data-testid=reset]").HasAttribute("disabled"));
        Assert.Contains("No changes", cut.Find("[data-testid=apply-blocked-reason]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void A_service_that_does_not_exist_says_so()
    {
        IRenderedComponent<ContainerFragmentHost> cut = RenderWithProviders<ServiceDetailPage>(("Namespace", "bookinfo"), ("Service", "nope"));

        Assert.Contains("does not exist", cut.Find("[data-testid=service-not-found]").TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=traffic-shifting]"));
    }
}
