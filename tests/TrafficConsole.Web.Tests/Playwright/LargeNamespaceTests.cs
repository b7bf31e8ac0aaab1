using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

using TrafficConsole.Web.Components;
using TrafficConsole.Web.Model;
using TrafficConsole.Web.Services;
using TrafficConsole.Web.Tests.Components.Infrastructure;

using static Microsoft.Playwright.Assertions;
using static TrafficConsole.Web.Tests.Components.Infrastructure.TestServices;

namespace TrafficConsole.Web.Tests.Playwright;

/// <summary>
/// 2,000 services in one namespace: the list stays virtualized (a screenful of rows in the DOM), scrolls
/// to the end, searches, and takes live updates. Served by the UI alone over a fake service layer, so the
/// test measures the page rather than the cluster.
/// </summary>
public sealed class LargeNamespaceTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private const int ServiceCount = 2000;
    private readonly FakeTrafficService _traffic = new();
    private WebApplication? _app;
    private Uri? _baseUrl;

    public async Task InitializeAsync()
    {
        for (int i = 0; i < ServiceCount; i++)
        {
            string name = $"svc-{i:D4}";
            _traffic.Put(i % 3 == 0
                ? Service("load", name, [Version("v1", app: name), Version("v2", app: name)], RoutingKind.Split, Weights(("v1", 90), ("v2", 10)), changedBy: "ci-bot")
                : Service("load", name, [Version("v1", app: name)]));
        }

        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            // The web project's name, so its static web assets (MudBlazor's CSS and JS) are found.
            ApplicationName = typeof(ComponentsSetup).Assembly.GetName().Name,
            EnvironmentName = "Development",
        });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddConsoleUi();
        builder.Services.AddSingleton<ITrafficService>(_traffic);
        builder.Services.AddTrafficServiceParts(static sp => sp.GetRequiredService<ITrafficService>());
        builder.Services.AddSingleton<IActorAccessor>(new FixedActor("load-tester"));
        builder.Services.AddSingleton<TrafficConsole.Web.Auth.IConsolePermissions>(new TestPermissions());
        builder.Services.AddScoped<TrafficConsole.Web.Auth.ConsoleSession>();
        _app = builder.Build();
        _app.UseConsoleAssets();
        _app.MapConsoleUi();
        await _app.StartAsync();
        string address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _baseUrl = new Uri(address.TrimEnd('/') + "/");
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    [Fact]
    public async Task Two_thousand_services_render_a_window_of_rows_scroll_search_and_update_live()
    {
        await using IBrowserContext context = await browser.NewContextAsync();
        IPage page = await context.NewPageAsync();

        DateTime started = DateTime.UtcNow;
        await page.GotoAsync(new Uri(_baseUrl!, "namespaces/load/services").ToString());
        await Expect(page.Locator("[data-testid=service-link][data-service=svc-0000]")).ToBeVisibleAsync();
        TimeSpan firstRows = DateTime.UtcNow - started;
        await Expect(page.Locator("[data-testid=row-count]")).ToHaveTextAsync("2000 services");

        // Virtualized: only about a screenful of rows exists in the DOM.
        int rendered = await page.Locator("[data-testid=service-link]").CountAsync();
        Assert.InRange(rendered, 5, 120);
        Assert.True(firstRows < TimeSpan.FromSeconds(10), $"The first rows took {firstRows.TotalSeconds:0.0} s.");

        // Scroll to the end: the last service appears.
        await page.Locator(".tc-grid .mud-table-container").EvaluateAsync("el => el.scrollTop = el.scrollHeight");
        await Expect(page.Locator("[data-testid=service-link][data-service=svc-1999]")).ToBeVisibleAsync();
        Assert.InRange(await page.Locator("[data-testid=service-link]").CountAsync(), 5, 120);

        // A live change to a row far away arrives while the operator looks at the end of the list.
        ServiceDetail last = _traffic.GetService("load", "svc-1999")!;
        _traffic.Change(WithRouting(WithVersions(last, [Version("v1", app: "svc-1999"), Version("v2", app: "svc-1999")]),
            RoutingKind.Split, Weights(("v1", 75), ("v2", 25)), "rv-2", "bob", null));
        ILocator lastRow = page.Locator("tr").Filter(new() { Has = page.Locator("[data-testid=service-link][data-service=svc-1999]") });
        await Expect(lastRow.Locator("[data-testid=weight-bar]")).ToHaveAttributeAsync("data-weights", "v1 75 · v2 25");

        // Search narrows 2,000 rows down to the matching ones.
        await page.Locator("input[data-testid=service-search]").FillAsync("svc-123");
        await Expect(page.Locator("[data-testid=row-count]")).ToHaveTextAsync("10 of 2000 services");
        await Expect(page.Locator("[data-testid=service-link]")).ToHaveCountAsync(10);
    }
}
