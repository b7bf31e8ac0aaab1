using Microsoft.AspNetCore.SignalR;
using TrafficConsole.Web.Model;
using TrafficConsole.Web.Services;

namespace TrafficConsole.Web.Hubs;

/// <summary>
/// Subscribes once to the service layer and forwards every change to the hub group of its
/// namespace, so N hub clients cost what one subscriber does.
/// </summary>
internal sealed partial class HubBroadcaster(
    ITrafficService traffic,
    IHubContext<TrafficHub, ITrafficClient> hub,
    ILogger<HubBroadcaster> logger) : BackgroundService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await foreach (TrafficUpdate update in traffic.WatchAsync(null, stoppingToken).ConfigureAwait(false))
                {
                    await BroadcastAsync(update, stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A bug in one batch must not end live updates for everyone: log, resubscribe.
                LogWatchFailed(ex);
            }

            await Task.Delay(RetryDelay, stoppingToken).ConfigureAwait(false);
        }
    }

    private async Task BroadcastAsync(TrafficUpdate update, CancellationToken cancellationToken)
    {
        foreach (ServiceChangedEvent change in update.Services)
        {
            await hub.Clients.Group(TrafficHub.GroupName(change.Namespace)).ServiceChanged(change).ConfigureAwait(false);
        }

        if (update.Health is { } health)
        {
            await hub.Clients.All.ConnectionChanged(health).ConfigureAwait(false);
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Live updates to hub clients failed; resubscribing")]
    private partial void LogWatchFailed(Exception exception);
}
