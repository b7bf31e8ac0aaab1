using Microsoft.Playwright;

using TrafficConsole.Web.Tests.Security;

using static Microsoft.Playwright.Assertions;

namespace TrafficConsole.Web.Tests.Playwright;

/// <summary>The read policy in real Chromium: an operator of bookinfo signs in with a token and sees nothing of shop, and is told why.</summary>
public sealed class ReadAuthorizationTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task An_operator_of_bookinfo_sees_only_bookinfo_and_the_pages_of_shop_say_why_they_are_not_shown()
    {
        await using ConsoleTestHost host = await SecurityHosts.TokenAsync();
        await host.MakeBookinfoOperatorAsync();
        await using IBrowserContext context = await browser.NewContextAsync();
        IPage page = await context.NewPageAsync();

        await SignInAsync(page, host, "namespaces/shop/services", SecurityHosts.BookinfoOperatorToken);
        await Expect(page.Locator("[data-testid=signed-in-user]")).ToHaveTextAsync(SecurityHosts.BookinfoOperator);

        // The services list of shop is not shown: the page says which right the cluster refused.
        await Expect(page.Locator("[data-testid=read-denied]")).ToContainTextAsync("You may not read routing in namespace shop");
        await Expect(page.Locator("[data-testid=read-denied]")).ToContainTextAsync($"{SecurityHosts.BookinfoOperator} may not list virtualservices.networking.istio.io in namespace shop");
        await Expect(page.Locator("[data-testid=services-grid]")).ToHaveCountAsync(0);
        await BrowserFixture.ScreenshotAsync(page, "read-denied");

        // The shell offers bookinfo only.
        await Expect(page.Locator("[data-testid=nav-namespace]")).ToHaveTextAsync(["bookinfo"]);

        // A service page of shop, by its URL, is not shown either.
        await page.GotoAsync(new Uri(host.BaseUrl, "namespaces/shop/services/cart").ToString());
        await Expect(page.Locator("[data-testid=read-denied]")).ToContainTextAsync("You may not read routing in namespace shop");
        await Expect(page.Locator("[data-testid=weight-row]")).ToHaveCountAsync(0);

        // The audit of shop neither; the rollouts overview leaves shop's rule-routed cart out.
        await page.GotoAsync(new Uri(host.BaseUrl, "namespaces/shop/audit").ToString());
        await Expect(page.Locator("[data-testid=read-denied]")).ToContainTextAsync("You may not read the history of namespace shop");
        await page.GotoAsync(new Uri(host.BaseUrl, "rollouts").ToString());
        await Expect(page.Locator("[data-testid=rollouts-grid]")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-testid=rollouts-summary]")).ToContainTextAsync("0 service(s)");
        await Expect(page.Locator("[data-testid=rollout-link][data-namespace=shop]")).ToHaveCountAsync(0);

        // What RBAC allows is shown as before.
        await page.GotoAsync(new Uri(host.BaseUrl, "namespaces/bookinfo/services").ToString());
        await Expect(page.Locator("[data-testid=service-link][data-service=reviews]")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-testid=read-denied]")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task The_clusters_answers_are_kept_per_user_and_forgotten_at_sign_out()
    {
        // Answers kept for ten minutes: only the sign-out can make the console ask again within this test.
        await using ConsoleTestHost host = await SecurityHosts.TokenAsync(static o => o.Settings["Auth:PermissionCacheDuration"] = "00:10:00");
        await using IBrowserContext context = await browser.NewContextAsync();
        IPage page = await context.NewPageAsync();
        await SignInAsync(page, host, "namespaces/bookinfo/services", SecurityHosts.StrangerToken);
        await Expect(page.Locator("[data-testid=read-denied]")).ToContainTextAsync($"{SecurityHosts.Stranger} may not list virtualservices.networking.istio.io in namespace bookinfo");

        // A cluster admin grants the read; the kept answer still stands for this user until they sign out.
        await host.GrantAsync(SecurityHosts.Stranger, "bookinfo", "trafficconsole:mesh-viewer", clusterRole: true);
        await page.ReloadAsync();
        await Expect(page.Locator("[data-testid=read-denied]")).ToBeVisibleAsync();

        await page.ClickAsync("[data-testid=signout]");
        await SignInAsync(page, host, "namespaces/bookinfo/services", SecurityHosts.StrangerToken);
        await Expect(page.Locator("[data-testid=service-link][data-service=reviews]")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-testid=read-denied]")).ToHaveCountAsync(0);
    }

    private static async Task SignInAsync(IPage page, ConsoleTestHost host, string path, string token)
    {
        await page.GotoAsync(new Uri(host.BaseUrl, path).ToString());
        await page.FillAsync("[data-testid=signin-token]", token);
        await page.ClickAsync("[data-testid=signin-submit]");
        await Expect(page.Locator("[data-testid=signed-in-user]")).ToBeVisibleAsync();
    }
}
