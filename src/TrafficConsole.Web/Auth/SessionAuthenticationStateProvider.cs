using System.Security.Claims;

using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;

namespace TrafficConsole.Web.Auth;

/// <summary>
/// A circuit's authentication state that follows its token session: when <see cref="TokenSessions"/> ends the session (the
/// cluster rejected the token, or the user signed out elsewhere), the circuit's user becomes anonymous at once and
/// <see cref="EndedReason"/> says why, so the page can send the browser to sign in (<c>SessionGuard</c>).
/// </summary>
internal sealed class SessionAuthenticationStateProvider : ServerAuthenticationStateProvider, IDisposable
{
    private static readonly Task<AuthenticationState> SignedOut = Task.FromResult(new AuthenticationState(new ClaimsPrincipal(new ClaimsIdentity())));

    private readonly TokenSessions _sessions;
    private volatile string? _sessionId;

    public SessionAuthenticationStateProvider(TokenSessions sessions)
    {
        _sessions = sessions;
        AuthenticationStateChanged += Follow;
        _sessions.Ended += OnEnded;
    }

    /// <summary>Why the session ended, once it has; else null.</summary>
    public string? EndedReason { get; private set; }

    public void Dispose()
    {
        _sessions.Ended -= OnEnded;
        AuthenticationStateChanged -= Follow;
    }

    private void Follow(Task<AuthenticationState> state) =>
        _ = state.ContinueWith(
            t => _sessionId = t.IsCompletedSuccessfully ? t.Result.User.FindFirst(ConsoleClaims.Session)?.Value : null,
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    private void OnEnded(object? sender, TokenSessionEndedEventArgs e)
    {
        if (EndedReason is null && _sessionId is { } id && string.Equals(id, e.SessionId, StringComparison.Ordinal))
        {
            EndedReason = e.Reason;
            SetAuthenticationState(SignedOut);
        }
    }
}
