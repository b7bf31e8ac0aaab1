using AngleSharp.Dom;

using Bunit;

using MudBlazor;

using TrafficConsole.Web.Components.Pages;
using TrafficConsole.Web.Model;
using TrafficConsole.Web.Tests.Components.Infrastructure;

using static TrafficConsole.Web.Tests.Components.Infrastructure.TestServices;

namespace TrafficConsole.Web.Tests.Components.Pages;

/// <summary>The per-namespace audit list: newest first, filters, links to the history, live.</summary>
public sealed class AuditPageTests : ConsoleTestContext
{
    public AuditPageTests()
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        Traffic.Put(Service("bookinfo", "reviews", [Version("v1", app: "reviews"), Version("v2", app: "reviews")], RoutingKind.Split, Weights(("v1", 100), ("v2", 0))));
        Traffic.AddRevision("bookinfo", "reviews", Weights(("v1", 30), ("v2", 70)), "alice", now.AddDays(-3), reason: "<script>alert(1)</script>");
        Traffic.AddRevision("bookinfo", "reviews", Weights(("v1", 50), ("v2", 50)), "bob", now.AddMinutes(-30));
        Traffic.AddRevision("bookinfo", "ratings", Weights(("v1", 100)), "kubectl-edit", now.AddMinutes(-5),
            origin: RevisionOrigin.External, manager: "kubectl-edit", action: RevisionAction.External);
    }

    private IRenderedComponent<ContainerFragmentHost> Open() => RenderWithProviders<AuditPage>(("Namespace", "bookinfo"));

    private static string[] Actors(IRenderedComponent<ContainerFragmentHost> cut) =>
        [.. cut.FindAll("[data-testid=audit-entry-actor]").Select(static a => a.TextContent)];

    [Fact]
    public void Changes_are_listed_newest_first_with_links_to_the_history_and_text_kept_as_text()
    {
        IRenderedComponent<ContainerFragmentHost> cut = Open();

        Assert.Equal(["kubectl-edit", "bob", "alice"], Actors(cut));
        IElement link = cut.FindAll("[data-testid=audit-service-link]")[1];
        Assert.Equal("namespaces/bookinfo/services/reviews?tab=history", link.GetAttribute("href"));
        Assert.Contains("via kubectl-edit", cut.FindAll("[data-testid=audit-entry-actor]")[0].Closest("tr")!.TextContent, StringComparison.Ordinal);
        Assert.Equal("<script>alert(1)</script>", cut.FindAll("[data-testid=audit-reason]")[2].TextContent);
        Assert.Empty(cut.FindAll("[data-testid=audit-reason] script"));
    }

    [Fact]
    public async Task Filters_by_actor_service_and_time_range_go_to_the_service_layer()
    {
        IRenderedComponent<ContainerFragmentHost> cut = Open();

        cut.Find("input[data-testid=audit-actor]").Input("ALI");
        cut.WaitForAssertion(() => Assert.Equal(["alice"], Actors(cut)));
        Assert.Equal("ALI", Traffic.AuditQueries[^1].Actor);
        cut.Find("input[data-testid=audit-actor]").Input(string.Empty);

        cut.Find("input[data-testid=audit-service]").Input("rev");
        cut.WaitForAssertion(() => Assert.Equal(["bob", "alice"], Actors(cut)));

        IRenderedComponent<MudSelect<string>> range = cut.FindComponent<MudSelect<string>>();
        await cut.InvokeAsync(() => range.Instance.ValueChanged.InvokeAsync("24h"));

        cut.WaitForAssertion(() => Assert.Equal(["bob"], Actors(cut)));
        AuditQuery last = Traffic.AuditQueries[^1];
        Assert.Equal("rev", last.Service);
        Assert.NotNull(last.From);
        Assert.InRange(DateTimeOffset.UtcNow - last.From!.Value, TimeSpan.FromHours(23), TimeSpan.FromHours(25));

        cut.Find("input[data-testid=audit-service]").Input("nothing");
        cut.WaitForAssertion(() => Assert.Equal("No change matches these filters.", cut.Find("[data-testid=no-audit]").TextContent.Trim()));
    }

    [Fact]
    public void A_new_change_appears_live()
    {
        IRenderedComponent<ContainerFragmentHost> cut = Open();
        cut.WaitForAssertion(() => Assert.Equal(1, Traffic.ActiveSubscriptions));

        Traffic.AddRevision("bookinfo", "reviews", Weights(("v1", 0), ("v2", 100)), "carol", DateTimeOffset.UtcNow, reason: "promote v2");
        Traffic.Change(Traffic.GetService("bookinfo", "reviews")!);

        cut.WaitForAssertion(() => Assert.Equal("carol", Actors(cut)[0]));
        Assert.Equal("promote v2", cut.FindAll("[data-testid=audit-reason]")[0].TextContent);
    }
}
