using System.Globalization;

using Microsoft.AspNetCore.Components;

using MudBlazor;

using TrafficConsole.Mesh.Telemetry;
using TrafficConsole.Web.Model;
using TrafficConsole.Web.Services;

namespace TrafficConsole.Web.Components.Controls;

/// <summary>
/// The service page's "Live traffic": per version requests/s, observed share next to the configured weight, success
/// rate, latency percentiles and health over a chosen window, and the last 30 minutes as charts. It follows the shared
/// telemetry monitor's readings (and routing changes) through <see cref="ITrafficReadings.WatchTrafficAsync"/>.
/// </summary>
public partial class LiveTrafficPanel : IAsyncDisposable
{
    private readonly LiveLoop _live = new();
    private readonly string _headingId = $"live-traffic-{Guid.NewGuid():N}";
    private TelemetryWindow _window = TelemetryWindow.Default;
    private TelemetryStatus _status = TelemetryStatus.NotConfigured;
    private ServiceTraffic? _traffic;
    private TrafficSeriesReadout? _series;
    private bool _loaded;
    private (string Namespace, string Service)? _watching;
    private string[] _chartLabels = [];
    private List<ChartSeries<double>> _rpsSeries = [];
    private List<ChartSeries<double>> _errorSeries = [];
    private LineChartOptions _rpsOptions = new();
    private LineChartOptions _errorOptions = new();

    [Inject]
    public required ITrafficReadings Traffic { get; init; }

    /// <summary>The service's namespace.</summary>
    [Parameter, EditorRequired]
    public string Namespace { get; set; } = string.Empty;

    /// <summary>The service.</summary>
    [Parameter, EditorRequired]
    public string Service { get; set; } = string.Empty;

    /// <summary>The service's version names in display order; a version's position picks its colour, as in the weight bars.</summary>
    [Parameter]
    public IReadOnlyList<string> VersionNames { get; set; } = [];

    private string HeadingId => _headingId;

    private int ChartMinutes => (int)Math.Round((_series?.Range.End - _series?.Range.Start ?? TrafficTelemetry.ChartSpan).TotalMinutes);

    private string SourceText => _status.SourceLabel is { } source
        ? _traffic is { } t
            ? $"Source: {source} · last {_window.Text} · measured {t.At.UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture)} UTC"
            : $"Source: {source} · last {_window.Text}"
        : "No telemetry source";

    protected override async Task OnParametersSetAsync()
    {
        if (_watching == (Namespace, Service))
        {
            return;
        }

        _watching = (Namespace, Service);
        _status = Traffic.Telemetry;
        _traffic = null;
        _series = null;
        _loaded = false;
        await RestartAsync();
    }

    private async Task SetWindowAsync(string text)
    {
        if (TelemetryWindow.Parse(text) is not { } window || window == _window)
        {
            return;
        }

        _window = window;
        _traffic = null;
        _loaded = false;
        await RestartAsync();
    }

    private Task RestartAsync()
    {
        string ns = Namespace;
        string service = Service;
        TelemetryWindow window = _window;
        return _live.RestartAsync(ct => WatchAsync(ns, service, window, ct));
    }

    private async Task WatchAsync(string ns, string service, TelemetryWindow window, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (NamespaceTrafficReadout readout in Traffic.WatchTrafficAsync(ns, window, cancellationToken).ConfigureAwait(false))
            {
                // The chart moves one step per resolution; readings in between reuse it (the monitor shares the series too).
                TrafficSeriesReadout? series = readout.Status.State == TelemetryState.Available && SeriesDue()
                    ? await Traffic.ReadTrafficSeriesAsync(ns, service, null, cancellationToken).ConfigureAwait(false)
                    : null;
                await InvokeAsync(() =>
                {
                    _status = readout.Status;
                    _traffic = readout.Find(ns, service);
                    _loaded = true;
                    if (series is not null)
                    {
                        SetSeries(series);
                    }

                    StateHasChanged();
                }).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Window changed or the page went away.
        }
    }

    private bool SeriesDue() => _series is not { Series: not null } current || DateTimeOffset.UtcNow >= current.Range.End + current.Range.Resolution;

    private void SetSeries(TrafficSeriesReadout readout)
    {
        _series = readout;
        if (readout.Series is not { } series)
        {
            return;
        }

        int points = series.Times.Length;
        int every = Math.Max(1, points / 6);
        _chartLabels = [.. series.Times.Select((t, i) => i % every == 0 ? t.UtcDateTime.ToString("HH:mm", CultureInfo.InvariantCulture) : string.Empty)];
        IEnumerable<string> names = series.Versions.Select(static v => v.Version);
        string[] palette = [.. names.Select(v => VersionPalette.CssAt(VersionPalette.IndexOf(VersionNames, v)))];
        _rpsSeries = [.. series.Versions.Select(v => new ChartSeries<double> { Name = v.Version, Data = Points(v.RequestsPerSecond, points, 1) })];
        _errorSeries = [.. series.Versions.Select(v => new ChartSeries<double> { Name = v.Version, Data = Points(v.ErrorRate, points, 100) })];
        _rpsOptions = new LineChartOptions { ChartPalette = palette, YAxisFormat = "0.#", LineStrokeWidth = 2, InterpolationOption = InterpolationOption.Straight };
        _errorOptions = new LineChartOptions { ChartPalette = palette, YAxisFormat = "0.#", LineStrokeWidth = 2, InterpolationOption = InterpolationOption.Straight };
    }

    // No traffic at a point is NaN in the series; the chart draws it as zero rather than breaking the line.
    private static double[] Points(System.Collections.Immutable.ImmutableArray<double> values, int count, double scale) =>
        [.. Enumerable.Range(0, count).Select(i => i < values.Length && double.IsFinite(values[i]) ? values[i] * scale : 0)];

    // "31% observed" and "30% configured · +1" (without routing shares, only what was observed): kept together each.
    private static string[] SharePieces(VersionTraffic version)
    {
        ArgumentNullException.ThrowIfNull(version);
        string observed = $"{TrafficWords.Percent(version.ObservedShare)} observed";
        if (version.ConfiguredShare is not { } configured)
        {
            return [observed];
        }

        string configuredText = $"{TrafficWords.Percent(configured)} configured";
        return TrafficWords.Difference(version.ObservedShare, configured) is { } difference
            ? [observed, $"{configuredText} · {difference}"]
            : [observed, configuredText];
    }

    private static string HealthTitle(VersionTraffic version) =>
        version.Health == TrafficHealth.NoTraffic
            ? "No request in the window"
            : $"{TrafficWords.Percent(1 - version.SuccessRate)} server errors (5xx), {TrafficWords.Percent(version.ClientErrorRate)} client errors (4xx)";

    public async ValueTask DisposeAsync()
    {
        await _live.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
