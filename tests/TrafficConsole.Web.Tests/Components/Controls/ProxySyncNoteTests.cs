using Bunit;

using Microsoft.Extensions.Time.Testing;

using TrafficConsole.Web.Components.Controls;
using TrafficConsole.Web.Components.Pages;
using TrafficConsole.Web.Model;
using TrafficConsole.Web.Tests.Components.Infrastructure;

using static TrafficConsole.Web.Tests.Components.Infrastructure.TestServices;

namespace TrafficConsole.Web.Tests.Components.Controls;

/// <summary>"Did the change reach the mesh?" on the service page, in each state istiod can report.</summary>
public sealed class ProxySyncNoteTests : ConsoleTestContext
{
    private static readonly DateTimeOffset AppliedAt = new(2026, 12, 7, 18, 0, 0, TimeSpan.Zero);

    public ProxySyncNoteTests()
    {
        Traffic.Put(Service("bookinfo", "reviews", [Version("v1", app: "reviews"), Version("v2", app: "reviews")], RoutingKind.Split, Weights(("v1", 50), ("v2", 50))));
    }

    [Fact]
    public void A_write_that_reached_the_proxies_says_how_long_it_took()
    {
        IRenderedComponent<ProxySyncNote> cut = Render<ProxySyncNote>(p => p
            .Add(c => c.Sync, new ProxySyncInfo(ProxySyncStatus.Reconciled, 4, 4, TimeSpan.FromMilliseconds(412), AppliedAt, HasRouting: true)));

        Assert.Equal("Applied · reached the proxies in 0.4 s", cut.Find("[data-testid=proxy-sync]").TextContent);
        Assert.Equal("Reconciled", cut.Find("[data-testid=proxy-sync]").GetAttribute("data-state"));
    }

    [Fact]
    public void A_waiting_write_counts_up_each_second_on_its_own()
    {
        var time = new FakeTimeProvider(AppliedAt.AddSeconds(2));
        IRenderedComponent<ProxySyncNote> cut = Render<ProxySyncNote>(p => p
            .Add(c => c.Sync, new ProxySyncInfo(ProxySyncStatus.Pending, 5, 4, null, AppliedAt, HasRouting: true))
            .Add(c => c.Time, time));
        Assert.Equal("Applied · waiting for the proxies (2 s)", cut.Find("[data-testid=proxy-sync]").TextContent);

        time.Advance(TimeSpan.FromSeconds(1));

        cut.WaitForAssertion(() => Assert.Equal("Applied · waiting for the proxies (3 s)", cut.Find("[data-testid=proxy-sync]").TextContent));
    }

    [Fact]
    public void A_cluster_without_status_says_it_does_not_report_and_a_service_without_routing_says_nothing()
    {
        IRenderedComponent<ProxySyncNote> silent = Render<ProxySyncNote>(p => p
            .Add(c => c.Sync, new ProxySyncInfo(ProxySyncStatus.NotReported, 4, null, null, null, HasRouting: true)));
        IRenderedComponent<ProxySyncNote> none = Render<ProxySyncNote>(p => p.Add(c => c.Sync, ProxySyncInfo.None));

        Assert.Equal("This cluster does not report proxy sync (Istio's PILOT_ENABLE_STATUS is off)", silent.Find("[data-testid=proxy-sync]").TextContent);
        Assert.Empty(none.FindAll("[data-testid=proxy-sync]"));
    }

    [Fact]
    public void A_change_of_someone_else_that_istiod_has_or_has_not_yet_is_told_without_a_time()
    {
        Assert.Equal("In sync with the proxies", ProxySyncNote.Text(new ProxySyncInfo(ProxySyncStatus.Reconciled, 4, 4, null, null, true), AppliedAt));
        Assert.Equal("Waiting for the proxies", ProxySyncNote.Text(new ProxySyncInfo(ProxySyncStatus.Pending, 5, 4, null, null, true), AppliedAt));
        Assert.Equal("Applied · reached the proxies in 12 s", ProxySyncNote.Text(new ProxySyncInfo(ProxySyncStatus.Reconciled, 4, 4, TimeSpan.FromSeconds(12.7), AppliedAt, true), AppliedAt));
    }

    [Fact]
    public void The_service_page_shows_the_wait_and_then_the_time_when_istiods_status_arrives()
    {
        Traffic.SetProxySync("bookinfo", "reviews", new ProxySyncInfo(ProxySyncStatus.Pending, 5, 4, null, DateTimeOffset.UtcNow, HasRouting: true));
        IRenderedComponent<ContainerFragmentHost> cut = RenderWithProviders<ServiceDetailPage>(("Namespace", "bookinfo"), ("Service", "reviews"));
        cut.WaitForAssertion(() => Assert.StartsWith("Applied · waiting for the proxies (", cut.Find("[data-testid=proxy-sync]").TextContent, StringComparison.Ordinal));

        Traffic.SetProxySync("bookinfo", "reviews", new ProxySyncInfo(ProxySyncStatus.Reconciled, 5, 5, TimeSpan.FromMilliseconds(430), DateTimeOffset.UtcNow, HasRouting: true));

        cut.WaitForAssertion(() => Assert.Equal("Applied · reached the proxies in 0.4 s", cut.Find("[data-testid=proxy-sync]").TextContent));
    }
}
