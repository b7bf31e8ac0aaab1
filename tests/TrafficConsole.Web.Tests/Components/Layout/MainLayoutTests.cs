using Bunit;

using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

using TrafficConsole.Web.Components.Layout;
using TrafficConsole.Web.Components.Pages;
using TrafficConsole.Web.Model;
using TrafficConsole.Web.Tests.Components.Infrastructure;

namespace TrafficConsole.Web.Tests.Components.Layout;

/// <summary>The shell: cluster badge, connection banner, namespace navigation and the start page.</summary>
public sealed class MainLayoutTests : ConsoleTestContext
{
    private IRenderedComponent<MainLayout> RenderLayout() =>
        Render<MainLayout>(p => p.Add(l => l.Body, (RenderFragment)(b => b.AddContent(0, "page body"))));

    [Fact]
    public void The_sandbox_gets_an_orange_chip_and_a_copyable_kubeconfig_path()
    {
        IRenderedComponent<MainLayout> cut = RenderLayout();

        Assert.Equal("sandbox", cut.Find("[data-testid=cluster-name]").TextContent);
        Assert.Equal("SANDBOX", cut.Find("[data-testid=sandbox-chip]").TextContent);

        cut.Find("[data-testid=copy-kubeconfig]").Click();

        cut.WaitForAssertion(() => Assert.Single(JSInterop.Invocations, i => i.Identifier == "navigator.clipboard.writeText"
            && (string?)i.Arguments[0] == "/tmp/trafficconsole/kubeconfig"));
    }

    [Fact]
    public void A_dark_mode_click_while_the_stored_theme_loads_is_kept_and_saved()
    {
        BunitJSModuleInterop module = JSInterop.SetupModule(static i => i.Arguments is [string path, ..] && path.Contains("/js/console.js?", StringComparison.Ordinal));
        JSRuntimeInvocationHandler<string?> stored = module.Setup<string?>("loadDarkMode");
        IRenderedComponent<MainLayout> cut = RenderLayout();

        cut.Find("[data-testid=dark-mode-toggle]").Click();
        stored.SetResult(null); // nothing stored yet, and the system theme is light

        cut.WaitForAssertion(() => Assert.Equal(true, (bool?)module.Invocations.Last(static i => i.Identifier == "saveDarkMode").Arguments[0]));
        Assert.Equal("true", cut.Find("[data-testid=dark-mode-toggle]").GetAttribute("aria-pressed"));
    }

    [Fact]
    public void A_real_cluster_shows_no_sandbox_chip()
    {
        Traffic.Cluster = new ClusterInfo("prod-eu-1", "https://10.0.0.1:6443", IsSandbox: false, KubeconfigPath: "/home/op/.kube/config");

        IRenderedComponent<MainLayout> cut = RenderLayout();

        Assert.Equal("prod-eu-1", cut.Find("[data-testid=cluster-name]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=sandbox-chip]"));
    }

    [Fact]
    public void The_banner_appears_while_the_api_server_is_unreachable_and_goes_away_by_itself()
    {
        IRenderedComponent<MainLayout> cut = RenderLayout();
        Assert.Empty(cut.FindAll("[data-testid=connection-banner]"));

        Traffic.SetHealth(new ConnectionHealth(ConnectionState.Unreachable, "dial tcp 127.0.0.1:6443: connection refused", DateTimeOffset.UtcNow));

        cut.WaitForAssertion(() => Assert.Contains("unreachable", cut.Find("[data-testid=connection-banner]").TextContent, StringComparison.Ordinal));
        Assert.Contains("connection refused", cut.Find("[data-testid=connection-banner]").TextContent, StringComparison.Ordinal);

        Traffic.SetHealth(new ConnectionHealth(ConnectionState.Connected, null, DateTimeOffset.UtcNow));

        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=connection-banner]")));
    }

    [Fact]
    public void The_drawer_links_every_namespace_and_the_picker_follows_the_url()
    {
        NavigationManager navigation = Services.GetRequiredService<NavigationManager>();
        navigation.NavigateTo("namespaces/default/services");

        IRenderedComponent<MainLayout> cut = RenderLayout();

        Assert.Equal(["bookinfo", "default"], cut.FindAll("[data-testid=nav-namespace]").Select(static a => a.TextContent.Trim()));
        Assert.Equal("default", cut.FindComponent<NamespacePicker>().Instance.Current);

        navigation.NavigateTo("namespaces/bookinfo/services/reviews");

        cut.WaitForAssertion(() => Assert.Equal("bookinfo", cut.FindComponent<NamespacePicker>().Instance.Current));
    }

    [Fact]
    public void The_start_page_opens_bookinfo_when_it_exists()
    {
        Render<Home>();

        Assert.EndsWith("/namespaces/bookinfo/services", Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal);
        Assert.Equal("default", Home.PickStartNamespace(["default", "kube-system"]));
        Assert.Null(Home.PickStartNamespace([]));
    }

    [Fact]
    public async Task Before_the_cluster_answers_the_start_page_waits_and_then_opens_the_first_namespace()
    {
        Traffic = new FakeTrafficService();
        NavigationManager navigation = Services.GetRequiredService<NavigationManager>();
        var navigated = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        navigation.LocationChanged += (_, e) => navigated.TrySetResult(e.Location);

        IRenderedComponent<Home> cut = Render<Home>();

        Assert.Contains("Waiting for the cluster", cut.Find("[data-testid=no-namespaces]").TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain("namespaces/", navigation.Uri, StringComparison.Ordinal);

        Traffic.Change(TestServices.Service("shop", "cart", [TestServices.Version("v1")]));

        // Navigation does not re-render the page, so wait for the navigation itself.
        Assert.EndsWith("/namespaces/shop/services", await navigated.Task.WaitAsync(TimeSpan.FromSeconds(5)), StringComparison.Ordinal);
    }

    [Fact]
    public void Namespaces_are_read_from_console_urls()
    {
        Assert.Equal("bookinfo", MainLayout.NamespaceFromPath("namespaces/bookinfo/services/reviews?x=1"));
        Assert.Equal("my ns", MainLayout.NamespaceFromPath("namespaces/my%20ns/services"));
        Assert.Null(MainLayout.NamespaceFromPath(""));
        Assert.Null(MainLayout.NamespaceFromPath("healthz"));
    }

    [Fact]
    public void A_failing_page_is_contained_and_the_shell_keeps_working()
    {
        IRenderedComponent<MainLayout> cut = Render<MainLayout>(p => p.Add(l => l.Body, (RenderFragment)(b =>
        {
            b.OpenComponent<ExplodingPage>(0);
            b.CloseComponent();
        })));

        Assert.Contains("unexpected error", cut.Find("[data-testid=page-error]").TextContent, StringComparison.Ordinal);
        Assert.Equal("SANDBOX", cut.Find("[data-testid=sandbox-chip]").TextContent);
    }

    private sealed class ExplodingPage : ComponentBase
    {
        protected override void OnInitialized() => throw new InvalidOperationException("a bug in a page");
    }
}
