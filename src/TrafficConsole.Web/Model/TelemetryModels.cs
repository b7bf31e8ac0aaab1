using System.Collections.Immutable;
using System.Globalization;

using TrafficConsole.Mesh.Telemetry;

namespace TrafficConsole.Web.Model;

/// <summary>Whether the console has observed traffic to show.</summary>
public enum TelemetryState
{
    /// <summary>No telemetry source (no Prometheus, no sandbox simulator): routing works, figures are absent.</summary>
    NotConfigured,

    /// <summary>A source is configured but did not answer; the reason says why, in one line.</summary>
    Unavailable,

    /// <summary>Figures are there.</summary>
    Available,
}

/// <summary>Which telemetry source the figures come from, or why there are none, as a page says it in one line.</summary>
/// <param name="State">Configured, answering or not.</param>
/// <param name="Source">The source in use; null when not configured.</param>
/// <param name="Reason">Why the source did not answer (e.g. "Prometheus at http://… is not reachable: …").</param>
public sealed record TelemetryStatus(TelemetryState State, TelemetrySourceKind? Source, string? Reason)
{
    /// <summary>The one line shown when no source is configured.</summary>
    public const string NotConfiguredLine = "Telemetry is not configured: observed traffic and health need a Prometheus that scrapes Istio's proxies.";

    public static TelemetryStatus NotConfigured { get; } = new(TelemetryState.NotConfigured, null, null);

    /// <summary>Figures from <paramref name="source"/>.</summary>
    /// <param name="source">The source that measured them.</param>
    public static TelemetryStatus From(TelemetrySourceKind source) => new(TelemetryState.Available, source, null);

    /// <summary>The source did not answer.</summary>
    /// <param name="source">The source asked.</param>
    /// <param name="reason">Why, for people.</param>
    public static TelemetryStatus Down(TelemetrySourceKind? source, string reason) => new(TelemetryState.Unavailable, source, reason);

    /// <summary>"Prometheus" or "synthetic traffic (sandbox)"; null when not configured.</summary>
    public string? SourceLabel => Source switch
    {
        TelemetrySourceKind.Prometheus => "Prometheus",
        TelemetrySourceKind.Sandbox => "synthetic traffic (sandbox)",
        _ => null,
    };

    /// <summary>The line a page shows instead of figures; null when there are figures.</summary>
    public string? Line => State switch
    {
        TelemetryState.NotConfigured => NotConfiguredLine,
        TelemetryState.Unavailable => Reason ?? "Telemetry is not available.",
        _ => null,
    };
}

/// <summary>One service's live traffic over a window, or why there is none.</summary>
/// <param name="Namespace">The service's namespace.</param>
/// <param name="Service">The service.</param>
/// <param name="Window">The window the figures are measured over.</param>
/// <param name="Status">Source, or why there are no figures.</param>
/// <param name="Traffic">Per version: observed next to configured share, success rate, latency, health; null without figures.</param>
public sealed record ServiceTrafficReadout(string Namespace, string Service, TelemetryWindow Window, TelemetryStatus Status, ServiceTraffic? Traffic);

/// <summary>The live traffic of every service with figures in a namespace (null: every namespace), for lists and the overview.</summary>
/// <param name="Namespace">The namespace read; null for all.</param>
/// <param name="Window">The window the figures are measured over.</param>
/// <param name="Status">Source, or why there are no figures.</param>
/// <param name="Services">Per <c>namespace/service</c>; a service missing here had no traffic in the window.</param>
public sealed record NamespaceTrafficReadout(
    string? Namespace,
    TelemetryWindow Window,
    TelemetryStatus Status,
    ImmutableDictionary<string, ServiceTraffic> Services)
{
    /// <summary>The traffic of one service; null when it had none in the window or there are no figures.</summary>
    /// <param name="namespaceName">The service's namespace.</param>
    /// <param name="service">The service.</param>
    public ServiceTraffic? Find(string namespaceName, string service) => Services.GetValueOrDefault(Key(namespaceName, service));

    /// <summary>What a list shows for one service: its worst version, or null when there are no figures at all.</summary>
    /// <param name="namespaceName">The service's namespace.</param>
    /// <param name="service">The service.</param>
    public ServiceHealth? HealthOf(string namespaceName, string service) =>
        Status.State == TelemetryState.Available ? ServiceHealth.Of(Find(namespaceName, service)) : null;

    /// <summary>The key of <see cref="Services"/>.</summary>
    /// <param name="namespaceName">The namespace.</param>
    /// <param name="service">The service.</param>
    public static string Key(string namespaceName, string service) => $"{namespaceName}/{service}";
}

/// <summary>A service's health in a list: its worst version and that version's error rate ("Failure · v2 20% errors").</summary>
/// <param name="Health">The worst version's health.</param>
/// <param name="Version">That version; null without traffic.</param>
/// <param name="ServerErrorRate">Its share of failed requests (5xx, gRPC not OK), 0..1.</param>
/// <param name="ClientErrorRate">Its share of 4xx, 0..1.</param>
public sealed record ServiceHealth(TrafficHealth Health, string? Version, double? ServerErrorRate, double? ClientErrorRate)
{
    public static ServiceHealth NoTraffic { get; } = new(TrafficHealth.NoTraffic, null, null, null);

    /// <summary>The worst version of <paramref name="traffic"/>; no traffic when it is null or nothing was served.</summary>
    /// <param name="traffic">A composed reading of one service.</param>
    public static ServiceHealth Of(ServiceTraffic? traffic) =>
        traffic?.Worst is { Health: not TrafficHealth.NoTraffic } worst
            ? new ServiceHealth(worst.Health, worst.Version, worst.SuccessRate is { } s ? 1 - s : null, worst.ClientErrorRate)
            : NoTraffic;

    /// <summary>Failing first: Failure, Degraded, Healthy, No traffic; the higher error rate first within a level.</summary>
    public double SortKey => Health switch
    {
        TrafficHealth.Failure => 0,
        TrafficHealth.Degraded => 1,
        TrafficHealth.Healthy => 2,
        _ => 3,
    } + (1 - Math.Clamp(Math.Max(ServerErrorRate ?? 0, ClientErrorRate ?? 0), 0, 1)) / 2;

    /// <summary>Failure or Degraded.</summary>
    public bool IsFailingOrDegraded => Health is TrafficHealth.Failure or TrafficHealth.Degraded;

    /// <summary>"Failure · v2 20% errors", "Healthy · v1 0% errors", "No traffic".</summary>
    public string Text => Detail is { } detail ? $"{TrafficWords.HealthLabel(Health)} · {detail}" : TrafficWords.HealthLabel(Health);

    /// <summary>The worst version and its error rate, "v2 20% errors" (or "v2 12% 4xx"); null without traffic.</summary>
    public string? Detail
    {
        get
        {
            if (Health == TrafficHealth.NoTraffic || Version is null)
            {
                return null;
            }

            // 4xx drive the health only when they outweigh the 5xx; say which errors the figure counts.
            bool client = (ClientErrorRate ?? 0) > (ServerErrorRate ?? 0) && Health != TrafficHealth.Healthy;
            string figure = client ? $"{TrafficWords.Percent(ClientErrorRate)} 4xx" : $"{TrafficWords.Percent(ServerErrorRate)} errors";
            return $"{Version} {figure}";
        }
    }
}

/// <summary>A service's per-version requests/s and error rate over a period, for the charts, or why there is none.</summary>
/// <param name="Status">Source, or why there are no figures.</param>
/// <param name="Range">The period asked for.</param>
/// <param name="Series">The points; null without figures.</param>
public sealed record TrafficSeriesReadout(TelemetryStatus Status, TelemetryRange Range, TelemetrySeries? Series)
{
    /// <summary>Each version's share of the requests at each point, 0..1 (0 where the service had none).</summary>
    public ImmutableArray<(string Version, ImmutableArray<double> Shares)> ObservedShares()
    {
        if (Series is not { } series || series.Versions.IsDefaultOrEmpty)
        {
            return [];
        }

        int points = series.Times.Length;
        double[] totals = new double[points];
        foreach (VersionSeries version in series.Versions)
        {
            for (int i = 0; i < points && i < version.RequestsPerSecond.Length; i++)
            {
                totals[i] += Finite(version.RequestsPerSecond[i]);
            }
        }

        return [.. series.Versions.Select(v => (v.Version, ImmutableArray.CreateRange(Enumerable.Range(0, points)
            .Select(i => totals[i] > 0 && i < v.RequestsPerSecond.Length ? Finite(v.RequestsPerSecond[i]) / totals[i] : 0))))];
    }

    private static double Finite(double value) => double.IsFinite(value) ? value : 0;
}

/// <summary>Figures in the few words and units every page shows them with.</summary>
public static class TrafficWords
{
    /// <summary>"Healthy", "Degraded", "Failure", "No traffic".</summary>
    /// <param name="health">The health.</param>
    public static string HealthLabel(TrafficHealth health) => health switch
    {
        TrafficHealth.Healthy => "Healthy",
        TrafficHealth.Degraded => "Degraded",
        TrafficHealth.Failure => "Failure",
        _ => "No traffic",
    };

    /// <summary>A share 0..1 as percent: "31%", "1.4%" below 10 %, "0.05%" below 0.1 %, "—" when unknown.</summary>
    /// <param name="share">The share.</param>
    public static string Percent(double? share)
    {
        if (share is not { } s || !double.IsFinite(s))
        {
            return "—";
        }

        double percent = s * 100;
        string format = percent == 0 || percent >= 10 ? "0" : percent >= 0.1 ? "0.#" : "0.##";
        string text = percent.ToString(format, CultureInfo.InvariantCulture);
        return text == "0" && percent > 0 ? "<0.01%" : text + "%";
    }

    /// <summary>Whole percent points between observed and configured share: "+1", "-3", "±0"; null when either is unknown.</summary>
    /// <param name="observed">Observed share, 0..1.</param>
    /// <param name="configured">Configured share, 0..1.</param>
    public static string? Difference(double? observed, double? configured)
    {
        if (observed is not { } o || configured is not { } c)
        {
            return null;
        }

        int points = (int)Math.Round(100 * o, MidpointRounding.AwayFromZero) - (int)Math.Round(100 * c, MidpointRounding.AwayFromZero);
        return points switch
        {
            > 0 => "+" + points.ToString(CultureInfo.InvariantCulture),
            < 0 => "\u2212" + (-points).ToString(CultureInfo.InvariantCulture),
            _ => "\u00b10",
        };
    }

    /// <summary>Requests per second: "12.3 req/s", "0.05 req/s", "0 req/s".</summary>
    /// <param name="perSecond">The rate.</param>
    public static string Rate(double perSecond)
    {
        string format = perSecond == 0 || perSecond >= 100 ? "0" : perSecond >= 1 ? "0.#" : "0.##";
        return perSecond.ToString(format, CultureInfo.InvariantCulture) + " req/s";
    }

    /// <summary>A latency in milliseconds: "45 ms", "1.2 s", "—" when nothing was measured.</summary>
    /// <param name="milliseconds">The duration.</param>
    public static string Latency(double? milliseconds) => milliseconds switch
    {
        null => "—",
        { } ms when !double.IsFinite(ms) => "—",
        >= 1000 => (milliseconds.Value / 1000).ToString("0.0#", CultureInfo.InvariantCulture) + " s",
        { } ms => ms.ToString(ms < 10 ? "0.#" : "0", CultureInfo.InvariantCulture) + " ms",
    };
}
