using System.Collections.Immutable;

using Bunit;

using Microsoft.AspNetCore.Components;

using TrafficConsole.Web.Auth;
using TrafficConsole.Web.Components.Layout;
using TrafficConsole.Web.Components.Pages;
using TrafficConsole.Web.Model;
using TrafficConsole.Web.Tests.Components.Infrastructure;

using static TrafficConsole.Web.Tests.Components.Infrastructure.TestServices;

namespace TrafficConsole.Web.Tests.Security;

/// <summary>The page actions a viewer may not take are disabled with the cluster's reason; markup in cluster data is shown as text.</summary>
public sealed class PageActionTests : ConsoleTestContext
{
    private const string UpdateDenied = "bob may not update virtualservices.networking.istio.io in namespace bookinfo (RBAC: no Role allows it).";
    private const string DeleteDenied = "bob may not delete virtualservices.networking.istio.io in namespace bookinfo (RBAC: no Role allows it).";
    private static readonly ImmutableArray<VersionSummary> TwoVersions = [Version("v1", app: "reviews"), Version("v2", app: "reviews")];

    [Fact]
    public void A_viewer_sees_apply_rule_editor_apply_and_delete_disabled_with_the_reason()
    {
        Traffic.Put(Service("bookinfo", "reviews", TwoVersions, RoutingKind.Split, Weights(("v1", 50), ("v2", 50))));
        Permissions.Deny(ResourceAccess.UpdateVirtualServices, UpdateDenied);
        Permissions.Deny(ResourceAccess.DeleteVirtualServices, DeleteDenied);

        IRenderedComponent<ContainerFragmentHost> cut = RenderWithProviders<ServiceDetailPage>(("Namespace", "bookinfo"), ("Service", "reviews"));

        cut.WaitForAssertion(() => Assert.Equal(UpdateDenied, cut.Find("[data-testid=apply-blocked-reason]").TextContent.Trim()));
        Assert.True(cut.Find("[data-testid=apply]").HasAttribute("disabled"));
        Assert.True(cut.Find("[data-testid=delete-routing]").HasAttribute("disabled"));
        Assert.Equal(DeleteDenied, cut.Find("[data-testid=delete-blocked-reason]").TextContent.Trim());
        Assert.True(cut.Find("[data-testid=routing-apply]").HasAttribute("disabled"));
        Assert.Empty(Traffic.Applies);
    }

    [Fact]
    public void An_operator_has_apply_and_delete_enabled()
    {
        Traffic.Put(Service("bookinfo", "reviews", TwoVersions, RoutingKind.Split, Weights(("v1", 50), ("v2", 50))));

        IRenderedComponent<ContainerFragmentHost> cut = RenderWithProviders<ServiceDetailPage>(("Namespace", "bookinfo"), ("Service", "reviews"));

        cut.WaitForAssertion(() => Assert.False(cut.Find("[data-testid=delete-routing]").HasAttribute("disabled")));
        Assert.Empty(cut.FindAll("[data-testid=delete-blocked-reason]"));
    }

    [Fact]
    public void Markup_in_who_changed_the_routing_is_shown_as_text()
    {
        const string markup = "<img id=\"xss\" src=\"x\" onerror=\"alert(1)\"><b id=\"bold\">mallory</b>";
        Traffic.Put(Service("bookinfo", "reviews", TwoVersions, RoutingKind.Split, Weights(("v1", 50), ("v2", 50)), changedBy: markup));

        IRenderedComponent<ContainerFragmentHost> cut = RenderWithProviders<ServiceDetailPage>(("Namespace", "bookinfo"), ("Service", "reviews"));

        cut.WaitForAssertion(() => Assert.Contains(markup, string.Concat(cut.Nodes.Select(static n => n.TextContent)), StringComparison.Ordinal));
        Assert.Contains("&lt;img id=", cut.Markup, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("#xss"));
        Assert.Empty(cut.FindAll("#bold"));
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public void The_layout_shows_the_anonymous_banner_only_without_sign_in(bool signInRequired, bool banner)
    {
        Permissions.RequiresIdentity = signInRequired;

        IRenderedComponent<MainLayout> cut = Render<MainLayout>(p => p.Add(l => l.Body, (RenderFragment)(b => b.AddContent(0, "page"))));

        cut.WaitForAssertion(() => Assert.Contains("page", cut.Markup, StringComparison.Ordinal));
        Assert.Equal(banner, cut.FindAll("[data-testid=anonymous-banner]").Count == 1);
        if (banner)
        {
            Assert.Contains("anyone who can open this console can change traffic", cut.Find("[data-testid=anonymous-banner]").TextContent, StringComparison.Ordinal);
        }
    }
}
