using Microsoft.Playwright;

using TrafficConsole.TestIdentityProvider;
using TrafficConsole.Web.Tests.Security;

using static Microsoft.Playwright.Assertions;

namespace TrafficConsole.Web.Tests.Playwright;

/// <summary>Sign-in in real Chromium: through the OpenID Connect test provider, the token page, the anonymous banner; under the CSP.</summary>
public sealed class SignInTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task An_operator_signs_in_through_the_provider_and_a_viewer_sees_apply_disabled_with_the_reason()
    {
        await using TestOpenIdProvider provider = await TestOpenIdProvider.StartAsync();
        await using ConsoleTestHost host = await OpenIdTests.StartConsoleAsync(provider);
        KubectlRunner.Result rbac = await host.KubectlApplyAsync(OpenIdTests.Rbac);
        Assert.True(rbac.ExitCode == 0, rbac.ToString());

        await using IBrowserContext alice = await browser.NewContextAsync();
        IPage page = await alice.NewPageAsync();
        List<string> cspErrors = WatchCsp(page);
        // The first sign-in of a fresh console fetches the provider's metadata on the way: allow a cold start on a loaded machine.
        await page.GotoAsync(new Uri(host.BaseUrl, "namespaces/bookinfo/services/reviews").ToString(),
            new PageGotoOptions { WaitUntil = WaitUntilState.Commit, Timeout = 30_000 });
        try
        {
            await Expect(page.Locator("#username")).ToBeVisibleAsync();
        }
        catch (PlaywrightException)
        {
            Assert.Fail($"at {page.Url}: {await page.ContentAsync()}");
        }
        Assert.StartsWith(provider.Issuer.ToString(), page.Url, StringComparison.Ordinal);
        await BrowserFixture.ScreenshotAsync(page, "signin-provider");
        await page.FillAsync("#username", "alice");
        await page.FillAsync("#password", "alice-password");
        await page.ClickAsync("#login");

        await Expect(page.Locator("[data-testid=signed-in-user]")).ToHaveTextAsync("alice");
        await Expect(page.Locator("[data-testid=weight-row][data-version=v1]")).ToBeVisibleAsync();
        Assert.StartsWith(new Uri(host.BaseUrl, "namespaces/bookinfo/services/reviews").ToString(), page.Url, StringComparison.Ordinal);
        await Expect(page.Locator("[data-testid=anonymous-banner]")).ToHaveCountAsync(0);
        await Expect(page.Locator("[data-testid=delete-blocked-reason]")).ToHaveCountAsync(0);
        await BrowserFixture.ScreenshotAsync(page, "signed-in-operator");

        await using IBrowserContext bob = await browser.NewContextAsync();
        IPage viewer = await bob.NewPageAsync();
        cspErrors.AddRange(WatchCsp(viewer));
        await viewer.GotoAsync(new Uri(host.BaseUrl, "namespaces/bookinfo/services/reviews").ToString());
        await viewer.FillAsync("#username", "bob");
        await viewer.FillAsync("#password", "bob-password");
        await viewer.ClickAsync("#login");

        await Expect(viewer.Locator("[data-testid=signed-in-user]")).ToHaveTextAsync("bob");
        await Expect(viewer.Locator("[data-testid=apply-blocked-reason]")).ToContainTextAsync("bob may not update virtualservices.networking.istio.io in namespace bookinfo");
        await Expect(viewer.Locator("[data-testid=apply]")).ToBeDisabledAsync();
        await Expect(viewer.Locator("[data-testid=delete-routing]")).ToBeDisabledAsync();
        await viewer.Locator("[data-testid=apply-blocked-reason]").ScrollIntoViewIfNeededAsync();
        await BrowserFixture.ScreenshotAsync(viewer, "apply-disabled-viewer");
        Assert.Empty(cspErrors);
    }

    [Fact]
    public async Task The_token_page_says_why_a_token_is_refused_and_signs_in_with_a_good_one()
    {
        await using ConsoleTestHost host = await SecurityHosts.TokenAsync();
        await using IBrowserContext context = await browser.NewContextAsync();
        IPage page = await context.NewPageAsync();
        List<string> cspErrors = WatchCsp(page);

        await page.GotoAsync(new Uri(host.BaseUrl, "namespaces/bookinfo/services").ToString());
        await page.FillAsync("[data-testid=signin-token]", "an-expired-token");
        await page.ClickAsync("[data-testid=signin-submit]");
        await Expect(page.Locator("[data-testid=signin-error]")).ToContainTextAsync("did not accept this token");
        await BrowserFixture.ScreenshotAsync(page, "signin-token-error");

        await page.FillAsync("[data-testid=signin-token]", host.AdminToken);
        await page.ClickAsync("[data-testid=signin-submit]");
        await Expect(page.Locator("[data-testid=signed-in-user]")).ToHaveTextAsync("sandbox-admin");
        await Expect(page.Locator("[data-testid=services-grid]")).ToBeVisibleAsync();

        await page.ClickAsync("[data-testid=signout]");
        await Expect(page.Locator("[data-testid=signin-token]")).ToBeVisibleAsync();
        Assert.Empty(cspErrors);
        Assert.DoesNotContain(host.AdminToken, host.Log.RenderAll(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_revoked_token_ends_the_open_page_within_the_revalidation_interval_and_an_unanswering_cluster_does_not()
    {
        await using ConsoleTestHost host = await SecurityHosts.TokenAsync(o =>
        {
            o.ThroughFreezableProxy = true;
            o.Settings["Auth:SessionRevalidationInterval"] = "00:00:01";
            o.Settings["Auth:TokenReviewTimeout"] = "00:00:02";
        });
        await using IBrowserContext context = await browser.NewContextAsync();
        IPage page = await context.NewPageAsync();
        string services = new Uri(host.BaseUrl, "namespaces/bookinfo/services").ToString();
        await page.GotoAsync(services);
        await page.FillAsync("[data-testid=signin-token]", SecurityHosts.ViewerToken);
        await page.ClickAsync("[data-testid=signin-submit]");
        await Expect(page.Locator("[data-testid=signed-in-user]")).ToHaveTextAsync(SecurityHosts.Viewer);
        await Expect(page.Locator("[data-testid=services-grid]")).ToBeVisibleAsync();

        // The cluster not answering is not the cluster saying no: several rounds of re-validation later the page is still open.
        host.Proxy!.Freeze();
        await Task.Delay(TimeSpan.FromSeconds(4));
        host.Proxy.Thaw();
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(services, page.Url);
        await Expect(page.Locator("[data-testid=services-grid]")).ToBeVisibleAsync();

        Assert.True(host.Sandbox!.RevokeToken(SecurityHosts.ViewerToken));

        // Well within a minute (the interval is 1 s here): the open page is sent to sign in, saying why.
        await Expect(page.Locator("[data-testid=signin-error]")).ToContainTextAsync("Your sign-in ended", new() { Timeout = 20_000 });
        await Expect(page.Locator("[data-testid=signin-error]")).ToContainTextAsync("did not accept this token");
        await page.GotoAsync(services);
        await Expect(page.Locator("[data-testid=signin-token]")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-testid=services-grid]")).ToHaveCountAsync(0);
        Assert.DoesNotContain(SecurityHosts.ViewerToken, host.Log.RenderAll(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_sign_in_the_banner_says_anyone_can_change_traffic_and_the_console_works_under_the_csp()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        await using IBrowserContext context = await browser.NewContextAsync();
        IPage page = await context.NewPageAsync();
        List<string> cspErrors = WatchCsp(page);

        await page.GotoAsync(new Uri(host.BaseUrl, "namespaces/bookinfo/services/reviews").ToString());

        await Expect(page.Locator("[data-testid=anonymous-banner]")).ToContainTextAsync("anyone who can open this console can change traffic");
        await Expect(page.Locator("[data-testid=weight-row][data-version=v1]")).ToBeVisibleAsync();
        await page.Locator("[data-testid=dark-mode-toggle]").ClickAsync();
        await page.Locator("[data-testid=dark-mode-toggle]").ClickAsync();
        await BrowserFixture.ScreenshotAsync(page, "anonymous-banner");
        Assert.Empty(cspErrors);
    }

    // Chromium reports every CSP violation on the console ("Refused to ... because it violates ... Content Security Policy").
    private static List<string> WatchCsp(IPage page)
    {
        List<string> errors = [];
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase) || message.Text.Contains("Refused to", StringComparison.Ordinal))
            {
                lock (errors)
                {
                    errors.Add(message.Text);
                }
            }
        };
        return errors;
    }
}
