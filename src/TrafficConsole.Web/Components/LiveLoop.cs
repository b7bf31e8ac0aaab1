namespace TrafficConsole.Web.Components;

/// <summary>
/// The lifetime of one background loop a component runs (a live subscription): start it, replace
/// it when the component's parameters change, and cancel and await it on dispose so a closed
/// circuit never leaks a subscription.
/// </summary>
public sealed class LiveLoop : IAsyncDisposable
{
    private CancellationTokenSource? _cts;
    private Task? _loop;

    /// <summary>Stops the running loop, if any, then starts <paramref name="loop"/>.</summary>
    public async Task RestartAsync(Func<CancellationToken, Task> loop)
    {
        ArgumentNullException.ThrowIfNull(loop);
        await StopAsync().ConfigureAwait(false);
        _cts = new CancellationTokenSource();
        _loop = loop(_cts.Token);
    }

    /// <summary>Cancels the running loop and waits until it has ended.</summary>
    public async Task StopAsync()
    {
        if (_cts is null)
        {
            return;
        }

        await _cts.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            try
            {
                await _loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Expected: we cancelled it.
            }
        }

        _cts.Dispose();
        _cts = null;
        _loop = null;
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);
}
