using AngleSharp.Dom;

using Bunit;

using TrafficConsole.Web.Components.Pages;
using TrafficConsole.Web.Model;
using TrafficConsole.Web.Tests.Components.Infrastructure;

using static TrafficConsole.Web.Tests.Components.Infrastructure.TestServices;

namespace TrafficConsole.Web.Tests.Components.Pages;

/// <summary>The services list: what a row shows, search, and live updates.</summary>
public sealed class ServicesPageTests : ConsoleTestContext
{
    public ServicesPageTests()
    {
        Traffic.Put(Service("bookinfo", "reviews", [Version("v1", app: "reviews"), Version("v2", ready: 1, desired: 2, app: "reviews")],
            RoutingKind.Split, Weights(("v1", 30), ("v2", 70)),
            validation: [new ValidationMessage("TC2003", MessageSeverity.Warning, "spec.subsets[1]", "Subset v2 has fewer ready pods than desired.")],
            changedBy: "alice"));
        Traffic.Put(Service("bookinfo", "ratings", [Version("v1", app: "ratings")], RoutingKind.ReadOnly, readOnlyReason: "Routes to another host."));
    }

    private IRenderedComponent<ServicesPage> OpenList(string ns = "bookinfo") => Render<ServicesPage>(p => p.Add(s => s.Namespace, ns));

    private static IElement RowOf(IRenderedComponent<ServicesPage> cut, string service) =>
        cut.Find($"[data-testid=service-link][data-service={service}]").Closest("tr")!;

    private static string[] ListedServices(IRenderedComponent<ServicesPage> cut) =>
        [.. cut.FindAll("[data-testid=service-link]").Select(static a => a.TextContent)];

    [Fact]
    public void A_row_shows_versions_with_replicas_the_weight_bar_and_the_validation_icon()
    {
        IRenderedComponent<ServicesPage> cut = OpenList();

        IElement reviews = RowOf(cut, "reviews");
        Assert.Equal(["v1 1/1", "v2 1/2"], reviews.QuerySelectorAll("[data-testid=version-chip]").Select(static c => string.Join(' ', c.TextContent.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))));
        Assert.Equal("v1 30 · v2 70", reviews.QuerySelector("[data-testid=weight-bar]")!.GetAttribute("data-weights"));
        Assert.Contains("v1 30", reviews.QuerySelector(".tc-weightbar__legend")!.TextContent.Replace('\u00a0', ' '), StringComparison.Ordinal);
        IElement icon = reviews.QuerySelector("[data-testid=validation-icon]")!;
        Assert.Equal("warning", icon.GetAttribute("data-severity"));
        Assert.Contains("TC2003", icon.GetAttribute("aria-label"), StringComparison.Ordinal);
        Assert.Contains("alice", reviews.QuerySelector("[data-testid=last-change]")!.TextContent, StringComparison.Ordinal);

        Assert.Equal("read-only", RowOf(cut, "ratings").QuerySelector("[data-testid=routing-tag]")!.GetAttribute("data-routing"));
        Assert.Equal("none", RowOf(cut, "details").QuerySelector("[data-testid=routing-tag]")!.GetAttribute("data-routing"));
        Assert.Equal("ok", RowOf(cut, "details").QuerySelector("[data-testid=validation-icon]")!.GetAttribute("data-severity"));
        Assert.Equal("namespaces/bookinfo/services/reviews", cut.Find("[data-testid=service-link][data-service=reviews]").GetAttribute("href"));
    }

    [Fact]
    public void Search_filters_rows_by_service_name()
    {
        IRenderedComponent<ServicesPage> cut = OpenList();
        Assert.Equal(["details", "productpage", "ratings", "reviews"], ListedServices(cut));

        cut.Find("input[data-testid=service-search]").Input("rev");

        cut.WaitForAssertion(() => Assert.Equal(["reviews"], ListedServices(cut)));
        Assert.Equal("1 of 4 services", cut.Find("[data-testid=row-count]").TextContent);

        cut.Find("input[data-testid=service-search]").Input("nothing-like-this");

        cut.WaitForAssertion(() => Assert.Empty(ListedServices(cut)));
        Assert.Contains("No service matches", cut.Find("[data-testid=no-services]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Rows_update_in_place_when_the_cluster_changes()
    {
        IRenderedComponent<ServicesPage> cut = OpenList();
        Assert.Equal("none", RowOf(cut, "details").QuerySelector("[data-testid=routing-tag]")!.GetAttribute("data-routing"));

        ServiceDetail details = Traffic.GetService("bookinfo", "details")!;
        Traffic.Change(WithRouting(WithVersions(details, [Version("v1", app: "details"), Version("v2", app: "details")]),
            RoutingKind.Split, Weights(("v1", 90), ("v2", 10)), "rv-5", "bob", null));

        cut.WaitForAssertion(() => Assert.Equal("v1 90 · v2 10", RowOf(cut, "details").QuerySelector("[data-testid=weight-bar]")?.GetAttribute("data-weights")));
        Assert.Equal(2, RowOf(cut, "details").QuerySelectorAll("[data-testid=version-chip]").Length);
        Assert.Equal(["details", "productpage", "ratings", "reviews"], ListedServices(cut));
    }

    [Fact]
    public void Columns_sort_when_their_header_is_clicked()
    {
        IRenderedComponent<ServicesPage> cut = OpenList();

        // The Service column starts ascending; one click turns it around.
        cut.FindAll(".sortable-column-header").Single(h => h.TextContent == "Service").Click();

        cut.WaitForAssertion(() => Assert.Equal(["reviews", "ratings", "productpage", "details"], ListedServices(cut)));
    }

    [Fact]
    public void An_unknown_namespace_is_said_plainly()
    {
        IRenderedComponent<ServicesPage> cut = OpenList("nope");

        Assert.Contains("does not exist", cut.Find("[data-testid=unknown-namespace]").TextContent, StringComparison.Ordinal);
        Assert.Empty(ListedServices(cut));
    }

    [Fact]
    public async Task Switching_namespace_moves_the_one_live_subscription_and_leaving_ends_it()
    {
        IRenderedComponent<ServicesPage> cut = OpenList();
        cut.WaitForAssertion(() => Assert.Equal(1, Traffic.ActiveSubscriptions));

        cut.Render(p => p.Add(s => s.Namespace, "default"));

        cut.WaitForAssertion(() => Assert.Equal(["echo"], ListedServices(cut)));
        cut.WaitForAssertion(() => Assert.Equal(1, Traffic.ActiveSubscriptions));
        Traffic.Change(WithRouting(Traffic.GetService("default", "echo")!, RoutingKind.ReadOnly, [], "rv-3", "carol", null));
        cut.WaitForAssertion(() => Assert.Equal("read-only", RowOf(cut, "echo").QuerySelector("[data-testid=routing-tag]")!.GetAttribute("data-routing")));

        await DisposeComponentsAsync();

        Assert.Equal(0, Traffic.ActiveSubscriptions);
    }
}
