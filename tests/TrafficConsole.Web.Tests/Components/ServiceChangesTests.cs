using System.Collections.Immutable;

using Bunit;

using Microsoft.Extensions.DependencyInjection;

using MudBlazor;

using TrafficConsole.Web.Auth;
using TrafficConsole.Web.Components.Pages.ServiceTabs;
using TrafficConsole.Web.Model;
using TrafficConsole.Web.Tests.Components.Infrastructure;

using static TrafficConsole.Web.Tests.Components.Infrastructure.TestServices;

namespace TrafficConsole.Web.Tests.Components;

/// <summary>The service page's one place that turns a write's outcome into UI: a toast, the conflict dialog, or a message.</summary>
public sealed class ServiceChangesTests : ConsoleTestContext
{
    private readonly IRenderedComponent<ContainerFragmentHost> _providers;
    private readonly ServiceChanges _changes;

    public ServiceChangesTests()
    {
        Traffic.Put(Service("bookinfo", "reviews", [Version("v1", app: "reviews"), Version("v2", app: "reviews")], RoutingKind.Split, Weights(("v1", 50), ("v2", 50))));
        _providers = RenderWithProviders<ContainerFragmentHost>();
        _changes = new ServiceChanges(Traffic, Traffic, Services.GetRequiredService<IDialogService>(), Services.GetRequiredService<ISnackbar>(), Services.GetRequiredService<ConsoleSession>());
        _changes.Open("bookinfo", "reviews");
        _providers.InvokeAsync(_changes.LoadPermissionsAsync).GetAwaiter().GetResult();
        _providers.InvokeAsync(_changes.Refresh).GetAwaiter().GetResult();
    }

    private static ChangeWords Words(ConflictDraft? draft = null) => new("Applied to reviews: v1 30%", "Nothing was applied.") { Draft = draft };

    private Task<WriteFollowUp> Show(ChangeOutcome outcome, ChangeWords words) => _providers.InvokeAsync(() => _changes.ShowOutcomeAsync(outcome, words));

    [Fact]
    public async Task Applied_shows_the_toast_and_the_new_state()
    {
        Traffic.Change(WithRouting(Traffic.GetService("bookinfo", "reviews")!, RoutingKind.Split, Weights(("v1", 30), ("v2", 70)), "rv-2", "operator@test", null));

        Assert.Equal(WriteFollowUp.Applied, await Show(new ChangeOutcome.Applied("rv-2"), Words()));

        _providers.WaitForAssertion(() => Assert.Contains("Applied to reviews: v1 30%", _providers.Find(".mud-snackbar").TextContent, StringComparison.Ordinal));
        Assert.Equal("rv-2", _changes.Detail!.Summary.Routing.Revision);
        Assert.Null(_changes.Outcome);
    }

    public static TheoryData<ChangeOutcome, string, string> Refusals => new()
    {
        { new ChangeOutcome.Invalid([new ValidationMessage("TC1104", MessageSeverity.Error, "weights[v2]", "Subset v2 has no pods.")]), "invalid", "Nothing was applied." },
        { new ChangeOutcome.Forbidden("User anonymous cannot patch virtualservices."), "forbidden", "User anonymous cannot patch virtualservices. Nothing was applied." },
        { new ChangeOutcome.NotFound("reviews does not exist."), "not-found", "reviews does not exist. Nothing was applied." },
        { new ChangeOutcome.Unavailable("connection refused"), "unavailable", "connection refused Nothing was applied." },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task A_refusal_is_a_message_that_says_nothing_was_done(ChangeOutcome outcome, string kind, string message)
    {
        Assert.Equal(WriteFollowUp.None, await Show(outcome, Words()));

        Assert.Equal(kind, _changes.Outcome!.Kind);
        Assert.Equal(message, _changes.Outcome.Message);
        Assert.Equal(outcome is ChangeOutcome.Invalid invalid ? invalid.Messages : ImmutableArray<ValidationMessage>.Empty, _changes.Outcome.Messages);
        Assert.Empty(_providers.FindAll(".mud-snackbar"));
        Assert.Empty(_providers.FindAll("[data-testid=conflict-dialog]"));
    }

    [Fact]
    public async Task A_conflict_without_a_draft_shows_the_newer_state_and_a_message()
    {
        ServiceDetail theirs = WithRouting(Traffic.GetService("bookinfo", "reviews")!, RoutingKind.Split, Weights(("v1", 90), ("v2", 10)), "rv-9", "bob", null);

        WriteFollowUp followUp = await Show(new ChangeOutcome.Conflict(theirs, "reviews was changed by bob."),
            Words() with { NotDone = "Not marked:", ConflictAdvice = "Look at the latest state and try again." });

        Assert.Equal(WriteFollowUp.None, followUp);
        Assert.Equal(("conflict", Severity.Warning, "Not marked:"), (_changes.Outcome!.Kind, _changes.Outcome.Severity, _changes.Outcome.Title));
        Assert.Equal("reviews was changed by bob. Look at the latest state and try again.", _changes.Outcome.Message);
        Assert.Equal("rv-9", _changes.Detail!.Summary.Routing.Revision);
        Assert.Empty(_providers.FindAll("[data-testid=conflict-dialog]"));
    }

    [Theory]
    [InlineData("conflict-reapply", WriteFollowUp.Reapply)]
    [InlineData("conflict-load-latest", WriteFollowUp.LoadLatest)]
    [InlineData("conflict-keep", WriteFollowUp.None)]
    public async Task A_conflict_with_a_draft_opens_the_conflict_view_and_returns_the_choice(string button, WriteFollowUp expected)
    {
        string startedAt = _changes.Detail!.Summary.Routing.Revision;
        ServiceDetail theirs = WithRouting(Traffic.GetService("bookinfo", "reviews")!, RoutingKind.Split, Weights(("v1", 90), ("v2", 10)), "rv-9", "bob", null);
        var draft = new ConflictDraft(startedAt, new TrafficDraft(Weights(("v1", 30), ("v2", 70)), null), Text: null, () => "kind: VirtualService\n");

        Task<WriteFollowUp> shown = Show(new ChangeOutcome.Conflict(theirs, "reviews was changed by bob."), Words(draft));

        _providers.WaitForElement("[data-testid=conflict-dialog]");
        Assert.Equal("Nothing was written. reviews was changed by bob.", _providers.Find("[data-testid=conflict-message]").TextContent.Trim());
        Assert.Contains(startedAt, _providers.Find("[data-testid=conflict-started]").TextContent, StringComparison.Ordinal);
        Assert.Equal("v1 30 · v2 70", _providers.Find("[data-testid=conflict-draft] [data-testid=weight-bar]").GetAttribute("data-weights"));
        _providers.Find($"[data-testid={button}]").Click();

        Assert.Equal(expected, await shown);
        Assert.Null(_changes.Outcome);
    }

    [Fact]
    public async Task A_conflict_that_already_says_nothing_was_written_does_not_say_it_twice()
    {
        ServiceDetail theirs = WithRouting(Traffic.GetService("bookinfo", "reviews")!, RoutingKind.Split, Weights(("v1", 90), ("v2", 10)), "rv-9", "bob", null);
        var draft = new ConflictDraft("rv-1", null, "your YAML (kept in the editor)", () => null);

        Task<WriteFollowUp> shown = Show(new ChangeOutcome.Conflict(theirs, "bookinfo/reviews changed since revision rv-1 (now rv-9); nothing was written.") { SaysNothingWritten = true }, Words(draft));

        _providers.WaitForElement("[data-testid=conflict-dialog]");
        Assert.Equal("bookinfo/reviews changed since revision rv-1 (now rv-9); nothing was written.", _providers.Find("[data-testid=conflict-message]").TextContent.Trim());
        // Nothing the draft could write over the state now: no re-apply.
        Assert.Empty(_providers.FindAll("[data-testid=conflict-reapply]"));
        _providers.Find("[data-testid=conflict-keep]").Click();
        Assert.Equal(WriteFollowUp.None, await shown);
    }
}
