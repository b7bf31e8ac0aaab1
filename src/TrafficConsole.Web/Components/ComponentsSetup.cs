using Microsoft.Extensions.FileProviders;

using MudBlazor;
using MudBlazor.Services;

namespace TrafficConsole.Web.Components;

/// <summary>Wires the Blazor UI into the host with two calls: <see cref="AddConsoleUi"/> and <see cref="MapConsoleUi"/>.</summary>
public static class ComponentsSetup
{
    /// <summary>URL prefix under which the files of the repository's <c>wwwroot-assets/</c> folder are served.</summary>
    public const string AssetsRequestPath = "/assets";

    /// <summary>Folder (next to the app's binaries) that the build copies <c>wwwroot-assets/</c> into.</summary>
    public const string AssetsFolderName = "wwwroot-assets";

    // Cache-busting: a new build gets new URLs, so browsers never mix old CSS with new markup.
    private static readonly string AssetVersion =
        typeof(ComponentsSetup).Assembly.ManifestModule.ModuleVersionId.ToString("N")[..8];

    /// <summary>The URL of a file from <c>wwwroot-assets/</c>, e.g. <c>css/console.css</c>.</summary>
    public static string AssetPath(string relativePath) => $"{AssetsRequestPath.TrimStart('/')}/{relativePath}?v={AssetVersion}";

    /// <summary>Registers Razor components with interactive server rendering and MudBlazor's services.</summary>
    public static IServiceCollection AddConsoleUi(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddCascadingAuthenticationState();
        services.AddMudServices(options =>
        {
            options.SnackbarConfiguration.PositionClass = Defaults.Classes.Position.BottomRight;
            options.SnackbarConfiguration.PreventDuplicates = false;
            options.SnackbarConfiguration.VisibleStateDuration = 4000;
            options.SnackbarConfiguration.ShowCloseIcon = true;
        });
        return services;
    }

    /// <summary>
    /// Serves the files of <c>wwwroot-assets/</c> under /assets. Called before routing and sign-in: the sign-in page
    /// needs its stylesheet before anyone is signed in, and nothing in there is secret.
    /// </summary>
    public static WebApplication UseConsoleAssets(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        string assets = Path.Combine(AppContext.BaseDirectory, AssetsFolderName);
        if (Directory.Exists(assets))
        {
            app.UseStaticFiles(new StaticFileOptions
            {
                FileProvider = new PhysicalFileProvider(assets),
                RequestPath = AssetsRequestPath,
            });
        }

        return app;
    }

    /// <summary>Serves MudBlazor's and the framework's static files and maps the Blazor app.</summary>
    public static WebApplication MapConsoleUi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseAntiforgery();
        // Static assets stay open (the sign-in page and the reconnect UI need them before sign-in).
        app.MapStaticAssets().AllowAnonymous();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
