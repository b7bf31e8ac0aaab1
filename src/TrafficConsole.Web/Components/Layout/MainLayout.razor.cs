using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Routing;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.JSInterop;

using MudBlazor;

using TrafficConsole.Web.Auth;
using TrafficConsole.Web.Model;
using TrafficConsole.Web.Services;

namespace TrafficConsole.Web.Components.Layout;

/// <summary>The shell: app bar (brand, cluster badge, namespace picker, dark mode), drawer and the connection banner.</summary>
public partial class MainLayout : IAsyncDisposable
{
    private readonly LiveLoop _live = new();
    private MudThemeProvider? _themeProvider;
    private ErrorBoundary? _errorBoundary;
    private IJSObjectReference? _module;
    private bool _isDarkMode;
    private bool _themeChosen;
    private bool _drawerOpen = true;
    private IReadOnlyList<string> _namespaces = [];
    private string? _currentNamespace;
    private ConnectionHealth? _health;
    private bool _anonymous;
    private string? _userName;

    [Inject]
    public required IServiceReader Traffic { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    [Inject]
    public required IJSRuntime JS { get; init; }

    [Inject]
    public required ConsoleSession Session { get; init; }

    [CascadingParameter]
    public Task<AuthenticationState>? AuthenticationState { get; set; }

    private string HomeHref => _currentNamespace is null ? "./" : $"namespaces/{Uri.EscapeDataString(_currentNamespace)}/services";

    /// <summary>The namespace a console URL points at (<c>/namespaces/{ns}/...</c>), or null.</summary>
    public static string? NamespaceFromPath(string relativePath)
    {
        ArgumentNullException.ThrowIfNull(relativePath);
        string path = relativePath.Split('?', '#')[0];
        string[] segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return segments.Length >= 2 && segments[0] == "namespaces" ? Uri.UnescapeDataString(segments[1]) : null;
    }

    protected override async Task OnInitializedAsync()
    {
        _anonymous = !Session.SignInRequired;
        if (!_anonymous && AuthenticationState is not null && (await AuthenticationState).User.Identity is { IsAuthenticated: true, Name: { Length: > 0 } name })
        {
            _userName = name;
        }

        Initialize();
        _namespaces = await Session.ReadableAsync(Traffic.Namespaces);
    }

    private void Initialize()
    {
        long since = Traffic.Version;
        _health = Traffic.Health;
        _currentNamespace = NamespaceFromPath(Navigation.ToBaseRelativePath(Navigation.Uri));
        Navigation.LocationChanged += OnLocationChanged;
        _ = _live.RestartAsync(ct => WatchHealthAsync(since, ct));
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!firstRender)
        {
            return;
        }

        try
        {
            _module = await JS.InvokeAsync<IJSObjectReference>(
                "import", Navigation.ToAbsoluteUri(ComponentsSetup.AssetPath("js/console.js")).ToString());
            string? stored = await _module.InvokeAsync<string?>("loadDarkMode");
            bool dark = stored is null
                ? _themeProvider is not null && await _themeProvider.GetSystemDarkModeAsync()
                : stored == "dark";
            if (_themeChosen)
            {
                // A click while the stored theme was loading is the newer choice: keep it, and save it now the module is here.
                await SaveDarkModeAsync();
            }
            else if (dark != _isDarkMode)
            {
                _isDarkMode = dark;
                StateHasChanged();
            }
        }
        catch (JSDisconnectedException)
        {
            // The circuit went away before the page finished loading; nothing to restore.
        }
    }

    private async Task ToggleDarkModeAsync()
    {
        _isDarkMode = !_isDarkMode;
        _themeChosen = true;
        await SaveDarkModeAsync();
    }

    private async Task SaveDarkModeAsync()
    {
        if (_module is not null)
        {
            try
            {
                await _module.InvokeVoidAsync("saveDarkMode", _isDarkMode);
            }
            catch (JSDisconnectedException)
            {
                // Nothing to persist to any more.
            }
        }
    }

    private void OnLocationChanged(object? sender, LocationChangedEventArgs e)
    {
        // Navigating away from a page that failed starts the next one fresh.
        _errorBoundary?.Recover();
        string? ns = NamespaceFromPath(Navigation.ToBaseRelativePath(e.Location));
        if (ns != _currentNamespace)
        {
            _currentNamespace = ns;
            _ = InvokeAsync(StateHasChanged);
        }
    }

    // One subscription for the shell: the connection banner and the namespace list follow the cluster.
    private async Task WatchHealthAsync(long since, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (TrafficUpdate update in Traffic.WatchAsync(null, since, cancellationToken).ConfigureAwait(false))
            {
                // Only the namespaces the user may read are offered (answers are cached briefly, so this is cheap).
                IReadOnlyList<string> readable = await Session.ReadableAsync(Traffic.Namespaces, cancellationToken: cancellationToken).ConfigureAwait(false);
                await InvokeAsync(() =>
                {
                    _health = update.Health ?? Traffic.Health;
                    _namespaces = readable;
                    StateHasChanged();
                }).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The layout is going away.
        }
    }

    public async ValueTask DisposeAsync()
    {
        Navigation.LocationChanged -= OnLocationChanged;
        await _live.DisposeAsync().ConfigureAwait(false);
        if (_module is not null)
        {
            try
            {
                await _module.DisposeAsync().ConfigureAwait(false);
            }
            catch (JSDisconnectedException)
            {
                // The browser is gone; nothing to release.
            }
        }

        GC.SuppressFinalize(this);
    }
}
