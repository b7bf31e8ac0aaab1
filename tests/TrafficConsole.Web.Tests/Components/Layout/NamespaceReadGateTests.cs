using Bunit;

using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

using TrafficConsole.Web.Auth;
using TrafficConsole.Web.Components.Layout;
using TrafficConsole.Web.Components.Pages;
using TrafficConsole.Web.Tests.Components.Infrastructure;

namespace TrafficConsole.Web.Tests.Components.Layout;

/// <summary>
/// The read policy on the pages: the gate in the layout creates a page of a namespace only when the cluster lets the user
/// read it (history and audit need the revision ConfigMaps too), the shell offers only readable namespaces, the rollouts
/// overview leaves the others out, and the service page's history says why it is not shown.
/// </summary>
public sealed class NamespaceReadGateTests : ConsoleTestContext
{
    private const string ShopDenied = "operator may not list virtualservices.networking.istio.io in namespace shop. Ask a cluster admin for a Role that allows it.";

    private IRenderedComponent<NamespaceReadGate> RenderGate(Type page, string ns) =>
        Render<NamespaceReadGate>(p => p
            .AddCascadingValue(new RouteData(page, new Dictionary<string, object?> { ["Namespace"] = ns }))
            .AddChildContent("<p data-testid=\"the-page\">page</p>"));

    [Fact]
    public void The_page_of_a_namespace_whose_routing_may_not_be_read_is_not_shown_and_the_gate_says_why()
    {
        Permissions.DenyIn("shop", ResourceAccess.ListVirtualServices, ShopDenied);

        IRenderedComponent<NamespaceReadGate> shop = RenderGate(typeof(ServicesPage), "shop");
        IRenderedComponent<NamespaceReadGate> bookinfo = RenderGate(typeof(ServiceDetailPage), "bookinfo");

        shop.WaitForAssertion(() => Assert.Equal($"You may not read routing in namespace shop: {ShopDenied}", shop.Find("[data-testid=read-denied]").TextContent.Trim()));
        Assert.Empty(shop.FindAll("[data-testid=the-page]"));
        bookinfo.WaitForAssertion(() => Assert.Single(bookinfo.FindAll("[data-testid=the-page]")));
        Assert.Empty(bookinfo.FindAll("[data-testid=read-denied]"));
    }

    [Fact]
    public void The_audit_page_needs_the_right_to_read_the_revision_configmaps_and_the_services_list_does_not()
    {
        Permissions.DenyIn("bookinfo", ResourceAccess.ListConfigMaps, "operator may not list configmaps in namespace bookinfo.");

        IRenderedComponent<NamespaceReadGate> audit = RenderGate(typeof(AuditPage), "bookinfo");
        IRenderedComponent<NamespaceReadGate> services = RenderGate(typeof(ServicesPage), "bookinfo");

        audit.WaitForAssertion(() => Assert.Contains("You may not read the history of namespace bookinfo: operator may not list configmaps", audit.Find("[data-testid=read-denied]").TextContent, StringComparison.Ordinal));
        Assert.Empty(audit.FindAll("[data-testid=the-page]"));
        services.WaitForAssertion(() => Assert.Single(services.FindAll("[data-testid=the-page]")));
    }

    [Fact]
    public void The_shell_offers_only_the_namespaces_the_user_may_read()
    {
        Traffic.Put(TestServices.Service("shop", "cart", [TestServices.Version("v1")]));
        Permissions.DenyIn("shop", ResourceAccess.ListVirtualServices, ShopDenied);

        IRenderedComponent<MainLayout> cut = Render<MainLayout>(p => p.Add(l => l.Body, (RenderFragment)(b => b.AddContent(0, "page body"))));

        cut.WaitForAssertion(() => Assert.Equal(["bookinfo", "default"], cut.FindAll("[data-testid=nav-namespace]").Select(static a => a.TextContent.Trim())));
    }

    [Fact]
    public void The_rollouts_overview_leaves_out_namespaces_the_user_may_not_read()
    {
        PutRollouts();

        IRenderedComponent<ContainerFragmentHost> all = RenderWithProviders<RolloutsPage>();

        all.WaitForAssertion(() => Assert.Equal(["bookinfo/reviews"], all.FindAll("[data-testid=rollout-link]").Select(static a => $"{a.GetAttribute("data-namespace")}/{a.GetAttribute("data-service")}")));
        Assert.Empty(all.FindAll("[data-testid=read-denied]"));
    }

    [Fact]
    public void The_rollouts_overview_of_a_namespace_the_user_may_not_read_says_why()
    {
        PutRollouts();
        Services.GetRequiredService<NavigationManager>().NavigateTo("http://localhost/rollouts?namespace=shop");

        IRenderedComponent<ContainerFragmentHost> shop = RenderWithProviders<RolloutsPage>();

        shop.WaitForAssertion(() => Assert.Contains("You may not read routing in namespace shop", shop.Find("[data-testid=read-denied]").TextContent, StringComparison.Ordinal));
        Assert.Empty(shop.FindAll("[data-testid=rollout-link]"));
    }

    [Fact]
    public void The_rollouts_overview_leaves_out_who_changed_a_service_when_the_user_may_not_read_its_history()
    {
        PutRollouts();
        Traffic.AddRevision("bookinfo", "reviews", TestServices.Weights(("v1", 30), ("v2", 70)), "alice", DateTimeOffset.UtcNow.AddHours(-2));
        Permissions.DenyIn("bookinfo", ResourceAccess.ListConfigMaps, "operator may not list configmaps in namespace bookinfo.");

        IRenderedComponent<ContainerFragmentHost> cut = RenderWithProviders<RolloutsPage>();

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=rollout-link][data-service=reviews]")));
        Assert.DoesNotContain("alice", cut.Find("[data-testid=rollouts-grid]").TextContent, StringComparison.Ordinal);
        Assert.Equal("—", cut.Find("[data-testid=rollout-in-flight]").TextContent.Trim());
    }

    private void PutRollouts()
    {
        Traffic.Put(TestServices.Service("bookinfo", "reviews", [TestServices.Version("v1", app: "reviews"), TestServices.Version("v2", app: "reviews")],
            Web.Model.RoutingKind.Split, TestServices.Weights(("v1", 30), ("v2", 70))));
        Traffic.Put(TestServices.Service("shop", "cart", [TestServices.Version("v1", app: "cart"), TestServices.Version("v2", app: "cart")],
            Web.Model.RoutingKind.Split, TestServices.Weights(("v1", 50), ("v2", 50))));
        Permissions.DenyIn("shop", ResourceAccess.ListVirtualServices, ShopDenied);
    }

    [Fact]
    public void The_service_page_history_says_why_it_is_not_shown_without_the_right_to_read_configmaps()
    {
        Traffic.AddRevision("bookinfo", "reviews", TestServices.Weights(("v1", 30), ("v2", 70)), "alice", DateTimeOffset.UtcNow.AddHours(-1));
        Permissions.DenyIn("bookinfo", ResourceAccess.ListConfigMaps, "operator may not list configmaps in namespace bookinfo.");
        Services.GetRequiredService<NavigationManager>().NavigateTo("http://localhost/namespaces/bookinfo/services/reviews?tab=history");

        IRenderedComponent<ContainerFragmentHost> cut = RenderWithProviders<ServiceDetailPage>(("Namespace", "bookinfo"), ("Service", "reviews"));

        cut.WaitForAssertion(() => Assert.Contains("You may not read the history of namespace bookinfo", cut.Find("[data-testid=history-problem]").TextContent, StringComparison.Ordinal));
        Assert.Empty(cut.FindAll("[data-testid=revision-row]"));
        Assert.DoesNotContain("alice", cut.Find("[data-testid=history]").TextContent, StringComparison.Ordinal);
    }
}
