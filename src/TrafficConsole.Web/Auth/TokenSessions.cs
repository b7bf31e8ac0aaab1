using System.Collections.Concurrent;
using System.Security.Cryptography;

using Microsoft.Extensions.Options;

namespace TrafficConsole.Web.Auth;

/// <summary>
/// The Kubernetes tokens of token sign-ins, in memory only, keyed by a random session id that the auth cookie
/// carries (encrypted by ASP.NET Core data protection). The token itself never leaves the server.
/// </summary>
public sealed class TokenSessions(IOptions<AuthOptions> options, TimeProvider time)
{
    /// <summary>Prefix of the sessions REST bearer tokens get (their fingerprint follows); browser sessions have random ids.</summary>
    public const string BearerPrefix = "bearer:";

    private readonly ConcurrentDictionary<string, Entry> _sessions = new(StringComparer.Ordinal);

    /// <summary>A session ended (sign-out, or the cluster no longer accepts its token): circuits of that session follow.</summary>
    public event EventHandler<TokenSessionEndedEventArgs>? Ended;

    /// <summary>Keeps <paramref name="token"/> and returns the new session's id.</summary>
    public string Start(string token, TimeSpan? lifetime = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(token);
        Sweep();
        string id = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        DateTimeOffset now = time.GetUtcNow();
        _sessions[id] = new Entry(token, now, lifetime ?? options.Value.SessionIdleTimeout, now);
        return id;
    }

    /// <summary>Keeps <paramref name="token"/> under a session id the caller chose (REST bearer tokens: their fingerprint).</summary>
    public void Keep(string sessionId, string token, TimeSpan lifetime)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sessionId);
        ArgumentException.ThrowIfNullOrWhiteSpace(token);
        DateTimeOffset now = time.GetUtcNow();
        _sessions[sessionId] = new Entry(token, now, lifetime, now);
    }

    /// <summary>The token of a live session (and marks it used), or null.</summary>
    public string? TokenOf(string sessionId)
    {
        if (!_sessions.TryGetValue(sessionId, out Entry? entry))
        {
            return null;
        }

        DateTimeOffset now = time.GetUtcNow();
        if (now - entry.LastUsed > entry.Lifetime)
        {
            _sessions.TryRemove(sessionId, out _);
            return null;
        }

        _sessions.TryUpdate(sessionId, entry with { LastUsed = now }, entry);
        return entry.Token;
    }

    /// <summary>Forgets the session (sign-out).</summary>
    public void End(string sessionId) => End(sessionId, "You signed out.");

    /// <summary>Forgets the session and tells its circuits why.</summary>
    public void End(string sessionId, string reason)
    {
        if (_sessions.TryRemove(sessionId, out _))
        {
            Ended?.Invoke(this, new TokenSessionEndedEventArgs(sessionId, reason));
        }
    }

    /// <summary>Browser sessions whose token the cluster last accepted longer than <paramref name="interval"/> ago.</summary>
    internal IReadOnlyList<(string Id, string Token)> DueForReview(TimeSpan interval)
    {
        DateTimeOffset now = time.GetUtcNow();
        return
        [
            .. _sessions
                .Where(p => !p.Key.StartsWith(BearerPrefix, StringComparison.Ordinal) && now - p.Value.ReviewedAt >= interval && now - p.Value.LastUsed <= p.Value.Lifetime)
                .Select(static p => (p.Key, p.Value.Token)),
        ];
    }

    /// <summary>The cluster accepted the session's token just now.</summary>
    internal void Reviewed(string sessionId)
    {
        if (_sessions.TryGetValue(sessionId, out Entry? entry))
        {
            _sessions.TryUpdate(sessionId, entry with { ReviewedAt = time.GetUtcNow() }, entry);
        }
    }

    /// <summary>How many sessions are live (for tests and diagnostics).</summary>
    public int Count => _sessions.Count;

    private void Sweep()
    {
        DateTimeOffset now = time.GetUtcNow();
        foreach (KeyValuePair<string, Entry> pair in _sessions)
        {
            if (now - pair.Value.LastUsed > pair.Value.Lifetime)
            {
                _sessions.TryRemove(pair.Key, out _);
            }
        }
    }

    private sealed record Entry(string Token, DateTimeOffset LastUsed, TimeSpan Lifetime, DateTimeOffset ReviewedAt)
    {
        // The token stays out of any accidental ToString.
        public override string ToString() => $"session used {LastUsed:O}";
    }
}

/// <summary>A token session ended: its id and why, for the circuits that belong to it.</summary>
public sealed class TokenSessionEndedEventArgs(string sessionId, string reason) : EventArgs
{
    /// <summary>The session's id (the cookie's session claim).</summary>
    public string SessionId { get; } = sessionId;

    /// <summary>Why, in the user's words.</summary>
    public string Reason { get; } = reason;
}
