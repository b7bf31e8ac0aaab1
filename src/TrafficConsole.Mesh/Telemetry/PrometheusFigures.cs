using System.Collections.Immutable;

namespace TrafficConsole.Mesh.Telemetry;

/// <summary>
/// Turns Prometheus' answers to <see cref="PromQl"/>'s queries into the console's figures. Each service is measured as
/// its destination proxies reported it; a service without any destination data (no sidecar on its pods) as its
/// callers reported it, as Kiali does. A service's versions come from all its series; a missing error series means none.
/// </summary>
public static class PrometheusFigures
{
    /// <summary>Per-service, per-version figures from the vectors answering <see cref="PromQl.Figures"/>.</summary>
    /// <param name="answers">Each query with the samples Prometheus answered it with.</param>
    /// <param name="versionLabel">The label the queries grouped versions by.</param>
    public static ImmutableArray<ServiceFigures> Combine(IEnumerable<(FigureQuery Query, ImmutableArray<PromSample> Samples)> answers, string versionLabel)
    {
        ArgumentNullException.ThrowIfNull(answers);
        ArgumentException.ThrowIfNullOrEmpty(versionLabel);

        // reporter -> (namespace, service) -> version -> figures so far
        var byReporter = new Dictionary<PromReporter, SortedDictionary<(string Namespace, string Service), SortedDictionary<string, double?[]>>>();
        foreach ((FigureQuery query, ImmutableArray<PromSample> samples) in answers)
        {
            if (!byReporter.TryGetValue(query.Reporter, out var services))
            {
                byReporter[query.Reporter] = services = new(ServiceKeyComparer.Instance);
            }

            foreach (PromSample sample in samples)
            {
                var key = (sample.Label(PromQl.NamespaceLabel), sample.Label(PromQl.ServiceLabel));
                if (key.Item1.Length == 0 || key.Item2.Length == 0)
                {
                    continue;
                }

                if (!services.TryGetValue(key, out var versions))
                {
                    services[key] = versions = new(StringComparer.Ordinal);
                }

                string version = sample.Label(versionLabel);
                if (!versions.TryGetValue(version, out double?[]? figures))
                {
                    versions[version] = figures = new double?[Enum.GetValues<FigureKind>().Length];
                }

                figures[(int)query.Kind] = double.IsFinite(sample.Value) ? sample.Value : null;
            }
        }

        var destination = byReporter.GetValueOrDefault(PromReporter.Destination) ?? new(ServiceKeyComparer.Instance);
        var source = byReporter.GetValueOrDefault(PromReporter.Source) ?? new(ServiceKeyComparer.Instance);
        var result = ImmutableArray.CreateBuilder<ServiceFigures>();
        foreach (var key in destination.Keys.Union(source.Keys).Order(ServiceKeyComparer.Instance))
        {
            var versions = destination.TryGetValue(key, out var measured) && HasRequests(measured) ? measured : source.GetValueOrDefault(key) ?? measured!;
            result.Add(new ServiceFigures(key.Namespace, key.Service, [.. versions.Select(static v => new VersionFigures(
                v.Key,
                RequestsPerSecond: v.Value[(int)FigureKind.Requests] ?? 0,
                ServerErrorsPerSecond: v.Value[(int)FigureKind.ServerErrors] ?? 0,
                ClientErrorsPerSecond: v.Value[(int)FigureKind.ClientErrors] ?? 0,
                LatencyP50Ms: v.Value[(int)FigureKind.LatencyP50],
                LatencyP90Ms: v.Value[(int)FigureKind.LatencyP90],
                LatencyP99Ms: v.Value[(int)FigureKind.LatencyP99]))]));
        }

        return result.ToImmutable();
    }

    /// <summary>One service's per-version series from the matrices answering <see cref="PromQl.Series"/>, on <paramref name="range"/>'s time steps.</summary>
    /// <param name="answers">Each query with the series Prometheus answered it with.</param>
    /// <param name="range">The range the queries asked for: the points are at its start, then every resolution up to its end.</param>
    /// <param name="versionLabel">The label the queries grouped versions by.</param>
    /// <param name="source">Which source measured it.</param>
    public static TelemetrySeries CombineSeries(
        IEnumerable<(SeriesQuery Query, ImmutableArray<PromSeries> Series)> answers, TelemetryRange range, string versionLabel, TelemetrySourceKind source)
    {
        ArgumentNullException.ThrowIfNull(answers);
        ArgumentNullException.ThrowIfNull(range);
        ArgumentException.ThrowIfNullOrEmpty(versionLabel);

        ImmutableArray<DateTimeOffset> times = Steps(range);
        var index = new Dictionary<long, int>();
        for (int i = 0; i < times.Length; i++)
        {
            index[times[i].ToUnixTimeSeconds()] = i;
        }

        var list = answers.ToList();
        PromReporter reporter = list.Any(a => a.Query.Reporter == PromReporter.Destination && a.Query.Kind == FigureKind.Requests && a.Series.Length > 0)
            ? PromReporter.Destination
            : PromReporter.Source;

        var versions = new SortedDictionary<string, (double[] Requests, double[] Errors)>(StringComparer.Ordinal);
        foreach ((SeriesQuery query, ImmutableArray<PromSeries> series) in list.Where(a => a.Query.Reporter == reporter))
        {
            foreach (PromSeries one in series)
            {
                string version = one.Label(versionLabel);
                if (!versions.TryGetValue(version, out var values))
                {
                    versions[version] = values = (new double[times.Length], new double[times.Length]);
                }

                double[] target = query.Kind == FigureKind.Requests ? values.Requests : values.Errors;
                foreach ((DateTimeOffset at, double value) in one.Points)
                {
                    if (index.TryGetValue((long)Math.Round(at.ToUnixTimeMilliseconds() / 1000.0), out int i) && double.IsFinite(value))
                    {
                        target[i] = value;
                    }
                }
            }
        }

        return new TelemetrySeries(source, times, [.. versions.Select(static v => new VersionSeries(
            v.Key,
            [.. v.Value.Requests],
            [.. v.Value.Requests.Select((rps, i) => rps > 0 ? Math.Clamp(v.Value.Errors[i] / rps, 0, 1) : double.NaN)]))]);
    }

    /// <summary>The times a range query answers at: start, start + resolution, … up to end (whole seconds, as Prometheus steps).</summary>
    public static ImmutableArray<DateTimeOffset> Steps(TelemetryRange range)
    {
        ArgumentNullException.ThrowIfNull(range);
        long start = range.Start.ToUnixTimeSeconds();
        long end = range.End.ToUnixTimeSeconds();
        long step = Math.Max(1, (long)range.Resolution.TotalSeconds);
        var times = ImmutableArray.CreateBuilder<DateTimeOffset>();
        for (long t = start; t <= end; t += step)
        {
            times.Add(DateTimeOffset.FromUnixTimeSeconds(t));
        }

        return times.ToImmutable();
    }

    private static bool HasRequests(SortedDictionary<string, double?[]> versions) =>
        versions.Values.Any(static v => v[(int)FigureKind.Requests] is not null);

    private sealed class ServiceKeyComparer : IComparer<(string Namespace, string Service)>
    {
        public static readonly ServiceKeyComparer Instance = new();

        public int Compare((string Namespace, string Service) x, (string Namespace, string Service) y)
        {
            int byNamespace = string.CompareOrdinal(x.Namespace, y.Namespace);
            return byNamespace != 0 ? byNamespace : string.CompareOrdinal(x.Service, y.Service);
        }
    }
}
