using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

using TrafficConsole.Web.Auth;

namespace TrafficConsole.Web.Components;

/// <summary>
/// Ends a page whose sign-in ended: when the circuit's token session is over (the cluster no longer accepts the token, or the
/// user signed out in another tab), the browser goes to the sign-in page with the reason, and the circuit with its live
/// data goes away. Renders nothing.
/// </summary>
public sealed class SessionGuard : ComponentBase, IDisposable
{
    [Inject]
    public required AuthenticationStateProvider Authentication { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    public void Dispose() => Authentication.AuthenticationStateChanged -= OnChanged;

    protected override void OnInitialized() => Authentication.AuthenticationStateChanged += OnChanged;

    private void OnChanged(Task<AuthenticationState> state)
    {
        if (Authentication is not SessionAuthenticationStateProvider { EndedReason: { } reason })
        {
            return;
        }

        string target = $"{SignInEndpoints.SignInPath}?error={Uri.EscapeDataString($"Your sign-in ended: {reason}")}";
        _ = InvokeAsync(() => Navigation.NavigateTo(target, forceLoad: true));
    }
}
