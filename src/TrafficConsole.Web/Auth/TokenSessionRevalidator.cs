using Microsoft.Extensions.Options;

namespace TrafficConsole.Web.Auth;

/// <summary>
/// Token sign-ins follow the cluster: every <see cref="AuthOptions.SessionRevalidationInterval"/> each browser session's token
/// is shown to the cluster again. A token it no longer accepts (revoked, expired) ends the session, and with it the session's
/// open pages (<see cref="SessionAuthenticationStateProvider"/>); a cluster that does not answer ends nothing.
/// </summary>
internal sealed partial class TokenSessionRevalidator(
    TokenSessions sessions,
    TokenReviewer reviewer,
    IOptions<AuthOptions> options,
    TimeProvider time,
    ILogger<TokenSessionRevalidator> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.Resolved != AuthStrategy.Token)
        {
            return;
        }

        TimeSpan interval = options.Value.SessionRevalidationInterval;
        // Looking four times per interval keeps a session's worst case near one interval, whenever it was started.
        using PeriodicTimer timer = new(TimeSpan.FromTicks(Math.Max(interval.Ticks / 4, TimeSpan.FromMilliseconds(100).Ticks)), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                foreach ((string id, string token) in sessions.DueForReview(interval))
                {
                    await RevalidateAsync(id, token, stoppingToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task RevalidateAsync(string sessionId, string token, CancellationToken cancellationToken)
    {
        switch (await reviewer.ReviewAsync(token, cancellationToken, fresh: true).ConfigureAwait(false))
        {
            case TokenReview.Valid:
                sessions.Reviewed(sessionId);
                break;
            case TokenReview.Rejected rejected:
                LogSessionEnded(rejected.Message);
                sessions.End(sessionId, rejected.Message);
                break;
            default:
                // The cluster did not answer (or cannot review tokens): not a "no", so the session stays; asked again next round.
                break;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "A token sign-in ended because the cluster no longer accepts its token: {Reason}")]
    private partial void LogSessionEnded(string reason);
}
