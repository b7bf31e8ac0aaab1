using System.Globalization;

using Microsoft.AspNetCore.Components;

using TrafficConsole.Web.Model;

namespace TrafficConsole.Web.Components.Controls;

/// <summary>
/// One line about proxy sync: "Applied · reached the proxies in 0.4 s", "Applied · waiting for the proxies (2 s)" (counting
/// up each second while it waits), or that the cluster does not report it.
/// </summary>
public sealed partial class ProxySyncNote : IDisposable
{
    private ITimer? _ticker;

    /// <summary>The service's proxy sync (from <c>IServiceReader.GetProxySync</c>); nothing is shown without routing resources.</summary>
    [Parameter]
    public ProxySyncInfo? Sync { get; set; }

    /// <summary>The clock the waiting time counts on.</summary>
    [Parameter]
    public TimeProvider Time { get; set; } = TimeProvider.System;

    /// <summary>The words for <paramref name="sync"/> seen at <paramref name="now"/>.</summary>
    /// <param name="sync">The service's proxy sync.</param>
    /// <param name="now">The current time on the console's clock.</param>
    public static string Text(ProxySyncInfo sync, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(sync);
        return sync switch
        {
            { State: ProxySyncStatus.Reconciled, ReconciledAfter: { } after } => $"Applied · reached the proxies in {Seconds(after)}",
            { State: ProxySyncStatus.Reconciled } => "In sync with the proxies",
            { IsWaiting: true, AppliedAt: { } at } => $"Applied · waiting for the proxies ({Whole(now - at)})",
            { State: ProxySyncStatus.Pending } => "Waiting for the proxies",
            _ => "This cluster does not report proxy sync (Istio's PILOT_ENABLE_STATUS is off)",
        };
    }

    /// <summary>"0.4 s" under ten seconds, else whole seconds.</summary>
    /// <param name="duration">A duration.</param>
    public static string Seconds(TimeSpan duration) =>
        duration < TimeSpan.FromSeconds(10)
            ? $"{Math.Max(0, duration.TotalSeconds).ToString("0.0", CultureInfo.InvariantCulture)} s"
            : Whole(duration);

    private static string Whole(TimeSpan duration) => $"{Math.Max(0, (long)duration.TotalSeconds).ToString(CultureInfo.InvariantCulture)} s";

    private static string Explanation(ProxySyncInfo sync) => sync.State switch
    {
        ProxySyncStatus.NotReported => "istiod writes a Reconciled condition into the routing resources' status only with PILOT_ENABLE_STATUS=true.",
        _ when sync.Generation is { } generation => string.Create(CultureInfo.InvariantCulture,
            $"Routing generation {generation}; istiod reports generation {(sync.ObservedGeneration is { } observed ? observed.ToString(CultureInfo.InvariantCulture) : "none")}."),
        _ => "istiod's Reconciled status of the routing resources.",
    };

    protected override void OnParametersSet()
    {
        // Count up only while a write waits; a timer per page, gone with the wait.
        if (Sync is { IsWaiting: true })
        {
            _ticker ??= Time.CreateTimer(_ => _ = InvokeAsync(StateHasChanged), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        }
        else
        {
            _ticker?.Dispose();
            _ticker = null;
        }
    }

    public void Dispose()
    {
        _ticker?.Dispose();
        _ticker = null;
    }
}
