using AngleSharp.Dom;

using Bunit;

using MudBlazor;

using TrafficConsole.Mesh.Routing;
using TrafficConsole.Web.Components.Controls;
using TrafficConsole.Web.Components.Pages;
using TrafficConsole.Web.Model;
using TrafficConsole.Web.Tests.Components.Infrastructure;

namespace TrafficConsole.Web.Tests.Components.Controls;

/// <summary>
/// The request-routing editor on the service page, over the fake service (which validates, plans and simulates
/// with the real Mesh code): rules, conditions, field errors, Apply, the simulator and YAML mode.
/// </summary>
public sealed class RoutingEditorTests : ConsoleTestContext
{
    private IRenderedComponent<ContainerFragmentHost> OpenReviews() =>
        RenderWithProviders<ServiceDetailPage>(("Namespace", "bookinfo"), ("Service", "reviews"));

    private static IElement Editor(IRenderedComponent<ContainerFragmentHost> cut) => cut.Find("[data-testid=routing-editor]");

    private static IReadOnlyList<IElement> Rules(IRenderedComponent<ContainerFragmentHost> cut) => cut.FindAll("[data-testid=rule-card]");

    private static string[] RuleMatches(IRenderedComponent<ContainerFragmentHost> cut) =>
        [.. Rules(cut).Select(static r => r.QuerySelector("[data-testid=rule-match]")!.TextContent.Trim())];

    private static bool ApplyDisabled(IRenderedComponent<ContainerFragmentHost> cut) =>
        cut.Find("[data-testid=routing-apply]").HasAttribute("disabled");

    private static string BlockedReason(IRenderedComponent<ContainerFragmentHost> cut) =>
        cut.Find("[data-testid=routing-apply-blocked]").TextContent.Trim();

    private static void Type(IRenderedComponent<ContainerFragmentHost> cut, string selector, string value, int index = 0) =>
        cut.FindAll(selector)[index].Input(value);

    /// <summary>Adds a rule "header {key} is exactly {value} -> {version}" through the editor, then collapses it.</summary>
    private static void AddHeaderRule(IRenderedComponent<ContainerFragmentHost> cut, string key, string value)
    {
        int index = Rules(cut).Count;
        cut.Find("[data-testid=add-rule]").Click();
        cut.WaitForAssertion(() => Assert.Equal(index + 1, Rules(cut).Count));
        Atomically(cut, () => Rules(cut)[index].QuerySelector("input[data-testid=condition-key]")!.Input(key));
        Atomically(cut, () => Rules(cut)[index].QuerySelector("input[data-testid=condition-value]")!.Input(value));
        Atomically(cut, () => Rules(cut)[index].QuerySelector("[data-testid=rule-edit]")!.Click());
        cut.WaitForAssertion(() => Assert.Equal("false", Rules(cut)[index].GetAttribute("data-expanded")));

        // The draft holds the condition (not only the inputs) before the caller goes on.
        cut.WaitForAssertion(() => Assert.Equal($"header {key} is exactly {value}", RuleMatches(cut)[index]));
    }

    // Find and act in one step on the renderer's thread, so no re-render (a draft turning unsaved re-renders the page) can
    // replace the element's handler between them, as bUnit advises; Blazor Server keeps old handler ids until the browser
    // acknowledges a render, so only the test harness can meet this.
    private static void Atomically(IRenderedComponent<ContainerFragmentHost> cut, Action act) =>
        cut.InvokeAsync(act).GetAwaiter().GetResult();

    private static Task PickOperator(IRenderedComponent<ContainerFragmentHost> cut, ConditionOperator op) =>
        cut.InvokeAsync(() => cut.FindComponents<MudSelect<ConditionOperator>>()[0].Instance.ValueChanged.InvokeAsync(op));

    private static Task PickVersion(IRenderedComponent<ContainerFragmentHost> cut, string version) =>
        cut.InvokeAsync(() => cut.FindComponents<DestinationsEditor>()[0].FindComponents<MudSelect<string>>()[0].Instance.ValueChanged.InvokeAsync(version));

    [Fact]
    public void The_editor_starts_from_the_cluster_a_default_route_by_replicas_and_nothing_to_apply()
    {
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews();

        Assert.Empty(Rules(cut));
        Assert.Equal("v1 33 · v2 33 · v3 34", cut.Find("[data-testid=default-route] [data-testid=rule-bar]").GetAttribute("data-weights"));
        Assert.True(ApplyDisabled(cut));
        Assert.Equal("No changes to apply.", BlockedReason(cut));
    }

    [Fact]
    public void A_new_rule_opens_expanded_and_apply_waits_until_its_header_is_named()
    {
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews();

        cut.Find("[data-testid=add-rule]").Click();

        IElement card = cut.WaitForElement("[data-testid=rule-card]");
        Assert.Equal("true", card.GetAttribute("data-expanded"));
        Assert.True(ApplyDisabled(cut));
        Assert.Contains("Name the header", cut.Find("[data-testid=rule-body]").TextContent, StringComparison.Ordinal);
        Assert.Contains("rules[0].matches[0].conditions[0].key", BlockedReason(cut), StringComparison.Ordinal);
        Assert.Equal("1 error", cut.Find("[data-testid=rule-errors]").TextContent.Trim()[..7]);

        Type(cut, "input[data-testid=condition-key]", "end-user");
        Type(cut, "input[data-testid=condition-value]", "jason");

        cut.WaitForAssertion(() => Assert.False(ApplyDisabled(cut)));
        Assert.Equal(["header end-user is exactly jason"], RuleMatches(cut));
        Assert.Empty(cut.FindAll("[data-testid=rule-errors]"));
    }

    [Fact]
    public async Task A_regex_RE2_rejects_is_named_at_its_field_and_blocks_apply()
    {
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews();
        cut.Find("[data-testid=add-rule]").Click();
        Type(cut, "input[data-testid=condition-key]", "end-user");
        await PickOperator(cut, ConditionOperator.Regex);

        Type(cut, "input[data-testid=condition-value]", "(?<=x)gmail");

        cut.WaitForAssertion(() => Assert.Contains("RE2", cut.Find("[data-testid=condition]").TextContent, StringComparison.Ordinal));
        Assert.True(ApplyDisabled(cut));
        Assert.Contains("rules[0].matches[0].conditions[0].value", BlockedReason(cut), StringComparison.Ordinal);
        Assert.Contains(cut.FindAll("[data-testid=routing-validation] [data-code]"), m => m.GetAttribute("data-code")!.StartsWith("TC4", StringComparison.Ordinal));

        Type(cut, "input[data-testid=condition-value]", @".*@gmail\.com$");

        cut.WaitForAssertion(() => Assert.False(ApplyDisabled(cut)));
        Assert.Equal([@"header end-user matches regex .*@gmail\.com$"], RuleMatches(cut));
    }

    [Fact]
    public void Conditions_are_ANDed_and_alternatives_ORed_in_the_summary()
    {
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews();
        cut.Find("[data-testid=add-rule]").Click();
        Type(cut, "input[data-testid=condition-key]", "end-user");
        Type(cut, "input[data-testid=condition-value]", "jason");

        cut.Find("[data-testid=add-condition]").Click();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=condition]").Count));
        Type(cut, "input[data-testid=condition-key]", "x-canary", 1);
        Type(cut, "input[data-testid=condition-value]", "1", 1);
        cut.Find("[data-testid=add-alternative]").Click();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=alternative]").Count));
        Type(cut, "input[data-testid=condition-key]", "cookie", 2);
        Type(cut, "input[data-testid=condition-value]", "beta", 2);

        cut.WaitForAssertion(() => Assert.Equal(
            ["header end-user is exactly jason AND header x-canary is exactly 1", "header cookie is exactly beta"],
            [.. cut.FindAll("[data-testid=rule-card] [data-testid=rule-match]").Select(static m => m.TextContent.Trim())]));
        Assert.Equal("OR", cut.Find("[data-testid=rule-card] .tc-rule__or").TextContent.Trim());

        cut.FindAll("[data-testid=remove-alternative]")[1].Click();
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=alternative]")));
    }

    [Fact]
    public void Rules_move_up_and_down_and_the_ends_cannot_move_further()
    {
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews();
        AddHeaderRule(cut, "end-user", "jason");
        AddHeaderRule(cut, "end-user", "maria");

        Assert.True(Rules(cut)[0].QuerySelector("[data-testid=rule-up]")!.HasAttribute("disabled"));
        Assert.True(Rules(cut)[1].QuerySelector("[data-testid=rule-down]")!.HasAttribute("disabled"));

        Atomically(cut, () => Rules(cut)[0].QuerySelector("[data-testid=rule-down]")!.Click());

        cut.WaitForAssertion(() => Assert.Equal(["header end-user is exactly maria", "header end-user is exactly jason"], RuleMatches(cut)));
        Atomically(cut, () => Rules(cut)[1].QuerySelector("[data-testid=rule-up]")!.Click());
        cut.WaitForAssertion(() => Assert.Equal(["header end-user is exactly jason", "header end-user is exactly maria"], RuleMatches(cut)));
    }

    [Fact]
    public void Duplicate_puts_an_open_copy_below_and_delete_removes_exactly_that_rule()
    {
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews();
        AddHeaderRule(cut, "end-user", "jason");

        Atomically(cut, () => Rules(cut)[0].QuerySelector("[data-testid=rule-duplicate]")!.Click());

        cut.WaitForAssertion(() => Assert.Equal(2, Rules(cut).Count));
        Assert.Equal("true", Rules(cut)[1].GetAttribute("data-expanded"));
        Atomically(cut, () => Rules(cut)[1].QuerySelector("input[data-testid=condition-value]")!.Input("maria"));
        cut.WaitForAssertion(() => Assert.Equal(["header end-user is exactly jason", "header end-user is exactly maria"], RuleMatches(cut)));

        Atomically(cut, () => Rules(cut)[0].QuerySelector("[data-testid=rule-delete]")!.Click());

        cut.WaitForAssertion(() => Assert.Equal(["header end-user is exactly maria"], RuleMatches(cut)));
    }

    [Fact]
    public void Without_a_default_route_unmatched_requests_get_404_and_add_default_route_brings_it_back()
    {
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews();
        AddHeaderRule(cut, "end-user", "jason");

        cut.Find("[data-testid=default-route] [data-testid=rule-delete]").Click();

        IElement none = cut.WaitForElement("[data-testid=no-default-route]");
        Assert.Contains("requests matching no rule get 404", none.TextContent, StringComparison.Ordinal);
        Assert.False(ApplyDisabled(cut));

        cut.Find("[data-testid=add-default-route]").Click();

        cut.WaitForAssertion(() => Assert.Equal("v1 100", cut.Find("[data-testid=default-route] [data-testid=rule-bar]").GetAttribute("data-weights")));
        Assert.Empty(cut.FindAll("[data-testid=no-default-route]"));
    }

    [Fact]
    public void With_neither_a_rule_nor_a_default_route_apply_is_refused_with_the_reason()
    {
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews();

        cut.Find("[data-testid=default-route] [data-testid=rule-delete]").Click();

        cut.WaitForAssertion(() => Assert.True(ApplyDisabled(cut)));
        Assert.Contains("404", BlockedReason(cut), StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_route_splits_with_the_shared_sliders_which_rebalance_the_others()
    {
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews();
        cut.Find("[data-testid=default-route] [data-testid=rule-edit]").Click();
        cut.WaitForElement("[data-testid=default-route] [data-testid=rule-body]");
        cut.Find("[data-testid=default-route] [data-testid=destination-mode] button:nth-child(2)").Click();

        cut.Find("[data-testid=default-route] [data-testid=weight-row][data-version=v3] input[data-testid=weight-input]").Change("0");
        cut.Find("[data-testid=default-route] [data-testid=weight-row][data-version=v1] input[data-testid=weight-input]").Change("10");

        cut.WaitForAssertion(() => Assert.Equal("v1 10 · v2 90", cut.Find("[data-testid=default-route] [data-testid=rule-bar]").GetAttribute("data-weights")));
        Assert.Equal("Remaining: 0%", cut.Find("[data-testid=default-route] [data-testid=rule-remaining]").TextContent.Trim());
    }

    [Fact]
    public void Options_show_as_badges_and_a_bad_duration_is_named_at_its_field()
    {
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews();
        AddHeaderRule(cut, "end-user", "jason");
        Atomically(cut, () => Rules(cut)[0].QuerySelector("[data-testid=rule-edit]")!.Click());

        cut.WaitForElement("[data-testid=rule-options]");
        cut.Find("input[data-testid=fault-delay-switch]").Change(true);
        cut.WaitForElement("input[data-testid=fault-delay]").Input("soon");

        cut.WaitForAssertion(() => Assert.Contains("'soon' is not a duration", cut.Find("[data-testid=rule-options]").TextContent, StringComparison.Ordinal));
        Assert.True(ApplyDisabled(cut));

        cut.Find("input[data-testid=fault-delay]").Input("7s");
        Type(cut, "input[data-testid=rule-timeout]", "2s");

        cut.WaitForAssertion(() => Assert.Equal(["delay 7s · 100%", "timeout 2s"],
            [.. Rules(cut)[0].QuerySelectorAll("[data-testid=rule-badge]").Select(static b => b.TextContent.Trim())]));
        Assert.False(ApplyDisabled(cut));
    }

    [Fact]
    public async Task Apply_sends_the_draft_with_the_revision_it_started_from_and_the_editor_follows_the_result()
    {
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews();
        AddHeaderRule(cut, "end-user", "jason");
        Atomically(cut, () => Rules(cut)[0].QuerySelector("[data-testid=rule-edit]")!.Click());
        await PickVersion(cut, "v3");

        cut.Find("[data-testid=routing-apply]").Click();

        cut.WaitForAssertion(() => Assert.Single(Traffic.RoutingApplies));
        (string service, RoutingIntent intent, string? revision, string actor) = Traffic.RoutingApplies[0];
        Assert.Equal(("reviews", "none", "operator@test"), (service, revision, actor));
        MatchCondition condition = intent.Rules.Single().Matches.Single().Conditions.Single();
        Assert.Equal(new MatchCondition(MatchField.Header, MatchOperator.Exact, "jason", "end-user"), condition);
        Assert.Equal(TrafficSplit.Of(("v3", 100)), intent.Rules[0].Destinations);
        cut.WaitForAssertion(() => Assert.Equal("No changes to apply.", BlockedReason(cut)));
        Assert.Equal("false", Editor(cut).GetAttribute("data-dirty"));
    }

    [Fact]
    public void A_change_by_someone_else_keeps_the_draft_and_marks_it_stale()
    {
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews();
        AddHeaderRule(cut, "end-user", "jason");

        Traffic.ChangeRouting("bookinfo", "reviews", new RoutingIntent { DefaultRoute = new RouteRule { Destinations = TrafficSplit.Of(("v2", 100)) } }, "alice");

        cut.WaitForAssertion(() => Assert.Contains("alice", cut.Find("[data-testid=routing-stale]").TextContent, StringComparison.Ordinal));
        Assert.Equal(["header end-user is exactly jason"], RuleMatches(cut));

        cut.Find("[data-testid=routing-load-latest]").Click();

        cut.WaitForAssertion(() =>
        {
            Assert.Empty(Rules(cut));
            Assert.Equal("v2 100", cut.Find("[data-testid=default-route] [data-testid=rule-bar]").GetAttribute("data-weights"));
        });
    }

    [Fact]
    public void A_conflict_on_apply_shows_the_dialog_and_keeps_the_draft()
    {
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews();
        AddHeaderRule(cut, "end-user", "jason");
        Traffic.NextRoutingOutcome = detail => new ChangeOutcome.Conflict(detail, "reviews changed since revision none; nothing was written.");

        cut.Find("[data-testid=routing-apply]").Click();

        cut.WaitForElement("[data-testid=conflict-dialog]");
        Assert.Contains("1 rule + default route", cut.Find("[data-testid=conflict-draft]").TextContent, StringComparison.Ordinal);
        Assert.Equal(["header end-user is exactly jason"], RuleMatches(cut));
    }

    [Fact]
    public async Task The_simulator_names_the_rule_and_the_versions_and_says_404_when_nothing_matches()
    {
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews();
        AddHeaderRule(cut, "end-user", "jason");
        Atomically(cut, () => Rules(cut)[0].QuerySelector("[data-testid=rule-edit]")!.Click());
        await PickVersion(cut, "v3");

        cut.Find("textarea[data-testid=sim-headers]").Input("end-user: jason");
        cut.Find("[data-testid=simulate]").Click();

        cut.WaitForAssertion(() => Assert.Contains("Rule 1", cut.Find("[data-testid=sim-rule]").TextContent, StringComparison.Ordinal));
        Assert.Equal("v3", cut.Find("[data-testid=sim-destination]").GetAttribute("data-version"));
        Assert.Contains("100%", cut.Find("[data-testid=sim-destination]").TextContent, StringComparison.Ordinal);

        cut.Find("textarea[data-testid=sim-headers]").Input("end-user: maria");
        cut.Find("[data-testid=simulate]").Click();
        cut.WaitForAssertion(() => Assert.Contains("Default route", cut.Find("[data-testid=sim-rule]").TextContent, StringComparison.Ordinal));
        Assert.Contains("Rule 1", cut.Find("[data-testid=sim-skipped]").TextContent, StringComparison.Ordinal);
        Assert.Equal(3, cut.FindAll("[data-testid=sim-destination]").Count);

        cut.Find("[data-testid=default-route] [data-testid=rule-delete]").Click();
        cut.Find("[data-testid=simulate]").Click();
        cut.WaitForAssertion(() => Assert.Equal("No rule matches: Istio answers 404.", cut.Find("[data-testid=sim-no-match]").TextContent.Trim()));
        Assert.Equal("false", cut.Find("[data-testid=sim-outcome]").GetAttribute("data-matched"));
    }

    [Fact]
    public void Yaml_mode_reports_a_parse_error_and_keeps_apply_disabled()
    {
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews();
        Assert.Equal("No changes to apply.", cut.Find("[data-testid=yaml-apply-blocked]").TextContent.Trim());

        cut.Find("textarea[data-testid=yaml-vs]").Input("kind: VirtualService\nspec: [unclosed");

        cut.WaitForAssertion(() => Assert.Equal("TC0002", cut.Find("[data-testid=yaml-validation] [data-code]").GetAttribute("data-code")), TimeSpan.FromSeconds(5));
        Assert.True(cut.Find("[data-testid=yaml-apply]").HasAttribute("disabled"));
        Assert.Contains("Fix the YAML first", cut.Find("[data-testid=yaml-apply-blocked]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Yaml_mode_shows_which_limit_an_alias_bomb_goes_over_and_keeps_apply_disabled()
    {
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews();

        cut.Find("textarea[data-testid=yaml-vs]").Input(HostileInput.VirtualServiceAliasBomb());

        cut.WaitForAssertion(() => Assert.Contains("alias limit exceeded", cut.Find("[data-testid=yaml-validation]").TextContent, StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        Assert.True(cut.Find("[data-testid=yaml-apply]").HasAttribute("disabled"));
    }

    [Fact]
    public void Gateways_typed_by_hand_must_be_namespace_slash_name()
    {
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews();

        cut.Find("input[data-testid=gateway-name]").Input("ingress");

        cut.WaitForAssertion(() => Assert.Contains("namespace/name", cut.Find("[data-testid=hosts-editor]").TextContent, StringComparison.Ordinal));
        Assert.True(cut.Find("[data-testid=add-gateway]").HasAttribute("disabled"));

        cut.Find("input[data-testid=gateway-name]").Input("istio-system/public");
        cut.WaitForAssertion(() => Assert.False(cut.Find("[data-testid=add-gateway]").HasAttribute("disabled")));
        cut.Find("[data-testid=add-gateway]").Click();

        cut.WaitForAssertion(() => Assert.Equal("istio-system/public", cut.Find("[data-testid=gateway]").TextContent.Trim()));
        Assert.False(ApplyDisabled(cut));
    }

    [Fact]
    public async Task Sticky_sessions_need_a_cookie_name_named_at_its_field()
    {
        IRenderedComponent<ContainerFragmentHost> cut = OpenReviews();
        IRenderedComponent<TrafficPolicyEditor> serviceWide = cut.FindComponents<TrafficPolicyEditor>().First(p => p.Instance.Path == "policy");

        await cut.InvokeAsync(() => serviceWide.FindComponents<MudSelect<string>>()[0].Instance.ValueChanged.InvokeAsync("HASH"));
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("input[data-testid=policy-hash-name]")));
        cut.Find("input[data-testid=policy-hash-name]").Input(string.Empty);

        cut.WaitForAssertion(() => Assert.Contains("Name the cookie", cut.Find("[data-testid=policy-editor][data-path=policy]").TextContent, StringComparison.Ordinal));
        Assert.True(ApplyDisabled(cut));
        Assert.Contains("policy.consistentHash.name", BlockedReason(cut), StringComparison.Ordinal);

        cut.Find("input[data-testid=policy-hash-name]").Input("session");
        cut.WaitForAssertion(() => Assert.False(ApplyDisabled(cut)));
    }
}
