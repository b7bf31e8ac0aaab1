namespace TrafficConsole.Web.Components.Controls;

/// <summary>
/// One process-wide 30-second tick that visible "5 min ago" labels re-render on; a timer per label
/// would cost a timer per row.
/// </summary>
public static class RelativeTimeClock
{
    private static readonly Lock Gate = new();
    private static Action? s_tick;
    private static Timer? s_timer;

    /// <summary>Raised every 30 seconds while anyone listens.</summary>
    public static event Action? Tick
    {
        add
        {
            lock (Gate)
            {
                s_tick += value;
                s_timer ??= new Timer(static _ => s_tick?.Invoke(), null, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30));
            }
        }
        remove
        {
            lock (Gate)
            {
                s_tick -= value;
                if (s_tick is null && s_timer is not null)
                {
                    s_timer.Dispose();
                    s_timer = null;
                }
            }
        }
    }
}
