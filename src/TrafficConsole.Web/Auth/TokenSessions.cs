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
    private readonly ConcurrentDictionary<string, Entry> _sessions = new(StringComparer.Ordinal);

    /// <summary>Keeps <paramref name="token"/> and returns the new session's id.</summary>
    public string Start(string token, TimeSpan? lifetime = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(token);
        Sweep();
        string id = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        _sessions[id] = new Entry(token, time.GetUtcNow(), lifetime ?? options.Value.SessionIdleTimeout);
        return id;
    }

    /// <summary>Keeps <paramref name="token"/> under a session id the caller chose (REST bearer tokens: their fingerprint).</summary>
    public void Keep(string sessionId, string token, TimeSpan lifetime)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sessionId);
        ArgumentException.ThrowIfNullOrWhiteSpace(token);
        _sessions[sessionId] = new Entry(token, time.GetUtcNow(), lifetime);
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

        _sessions[sessionId] = entry with { LastUsed = now };
        return entry.Token;
    }

    /// <summary>Forgets the session (sign-out).</summary>
    public void End(string sessionId) => _sessions.TryRemove(sessionId, out _);

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

    private sealed record Entry(string Token, DateTimeOffset LastUsed, TimeSpan Lifetime)
    {
        // The token stays out of any accidental ToString.
        public override string ToString() => $"session used {LastUsed:O}";
    }
}
