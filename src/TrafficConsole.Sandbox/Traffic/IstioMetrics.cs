using System.Globalization;
using System.Text;

namespace TrafficConsole.Sandbox.Traffic;

/// <summary>Which proxy reports a request: the caller's sidecar (<c>source</c>) or the callee's (<c>destination</c>).</summary>
internal enum Reporter
{
    Source,
    Destination,
}

/// <summary>The labels Istio's proxies put on a request for its caller.</summary>
internal sealed record SourceLabels(string Workload, string Namespace, string App);

/// <summary>The labels Istio's proxies put on a request for the service and workload that answer it.</summary>
internal sealed record DestinationLabels(
    string ServiceFqdn,
    string ServiceName,
    string ServiceNamespace,
    string Workload,
    string WorkloadNamespace,
    string App,
    string Version,
    string CanonicalService,
    string CanonicalRevision)
{
    /// <summary>What Istio reports when no workload was reached (no route, no healthy upstream): the service, the rest unknown.</summary>
    public static DestinationLabels Unknown(string serviceFqdn, string serviceName, string serviceNamespace) =>
        new(serviceFqdn, serviceName, serviceNamespace, "unknown", "unknown", "unknown", "unknown", "unknown", "unknown");
}

/// <summary>One counter series: every label of <c>istio_requests_total</c>.</summary>
internal readonly record struct SeriesKey(Reporter Reporter, SourceLabels Source, DestinationLabels Destination, int ResponseCode, string ResponseFlags);

/// <summary>Istio's default buckets for <c>istio_request_duration_milliseconds</c>, and Prometheus's quantile over them.</summary>
internal static class DurationBuckets
{
    /// <summary>The finite upper bounds in milliseconds; a last, implicit bucket is +Inf.</summary>
    public static readonly double[] UpperBounds =
        [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000];

    /// <summary>Buckets including +Inf.</summary>
    public static int Count => UpperBounds.Length + 1;

    /// <summary>The bucket a duration falls in (the first whose upper bound is at least the duration).</summary>
    public static int IndexOf(double milliseconds)
    {
        for (var i = 0; i < UpperBounds.Length; i++)
        {
            if (milliseconds <= UpperBounds[i])
            {
                return i;
            }
        }

        return UpperBounds.Length;
    }

    /// <summary>
    /// PromQL's <c>histogram_quantile</c> over per-bucket counts (not cumulative; the last is +Inf): linear
    /// interpolation inside the bucket the rank falls in, the highest finite bound when it falls in +Inf, null without observations.
    /// </summary>
    public static double? Quantile(double q, IReadOnlyList<long> perBucket)
    {
        var cumulative = new double[perBucket.Count];
        double running = 0;
        for (var i = 0; i < perBucket.Count; i++)
        {
            running += perBucket[i];
            cumulative[i] = running;
        }

        var observations = running;
        if (observations <= 0)
        {
            return null;
        }

        var rank = q * observations;
        var b = 0;
        while (b < cumulative.Length - 1 && cumulative[b] < rank)
        {
            b++;
        }

        if (b == cumulative.Length - 1)
        {
            return UpperBounds[^1];
        }

        double bucketStart = 0;
        var bucketEnd = UpperBounds[b];
        var count = cumulative[b];
        if (b > 0)
        {
            bucketStart = UpperBounds[b - 1];
            count -= cumulative[b - 1];
            rank -= cumulative[b - 1];
        }

        return bucketStart + ((bucketEnd - bucketStart) * (rank / count));
    }
}

/// <summary>
/// The counters a sidecar's <c>/stats/prometheus</c> shows, for every label set seen so far: memory grows with the
/// number of label sets, never with the number of requests.
/// </summary>
internal sealed class IstioMetrics
{
    private readonly Dictionary<SeriesKey, Series> _series = [];

    public int SeriesCount => _series.Count;

    public void Record(SeriesKey key, double milliseconds)
    {
        if (!_series.TryGetValue(key, out var series))
        {
            series = new Series(Labels(key));
            _series[key] = series;
        }

        series.Count++;
        series.Sum += milliseconds;
        series.Buckets[DurationBuckets.IndexOf(milliseconds)]++;
    }

    /// <summary>The text exposition format 0.0.4, series in a stable order.</summary>
    public void Write(StringBuilder text)
    {
        var ordered = _series.Values.OrderBy(s => s.Labels, StringComparer.Ordinal).ToList();
        text.Append("# HELP istio_requests_total requests_total\n# TYPE istio_requests_total counter\n");
        foreach (var s in ordered)
        {
            text.Append("istio_requests_total{").Append(s.Labels).Append("} ").Append(Number(s.Count)).Append('\n');
        }

        text.Append("# HELP istio_request_duration_milliseconds request_duration_milliseconds\n# TYPE istio_request_duration_milliseconds histogram\n");
        foreach (var s in ordered)
        {
            long cumulative = 0;
            for (var i = 0; i < DurationBuckets.Count; i++)
            {
                cumulative += s.Buckets[i];
                var le = i < DurationBuckets.UpperBounds.Length
                    ? DurationBuckets.UpperBounds[i].ToString("0.###", CultureInfo.InvariantCulture)
                    : "+Inf";
                text.Append("istio_request_duration_milliseconds_bucket{").Append(s.Labels).Append(",le=\"").Append(le).Append("\"} ")
                    .Append(Number(cumulative)).Append('\n');
            }

            text.Append("istio_request_duration_milliseconds_sum{").Append(s.Labels).Append("} ")
                .Append(s.Sum.ToString("0.###", CultureInfo.InvariantCulture)).Append('\n');
            text.Append("istio_request_duration_milliseconds_count{").Append(s.Labels).Append("} ").Append(Number(s.Count)).Append('\n');
        }
    }

    /// <summary>A label value escaped as the text format asks: backslash, double quote and line feed.</summary>
    public static string Escape(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string Labels(SeriesKey key)
    {
        var d = key.Destination;
        (string Name, string Value)[] labels =
        [
            ("reporter", key.Reporter == Reporter.Source ? "source" : "destination"),
            ("source_workload", key.Source.Workload),
            ("source_workload_namespace", key.Source.Namespace),
            ("source_app", key.Source.App),
            ("destination_service", d.ServiceFqdn),
            ("destination_service_name", d.ServiceName),
            ("destination_service_namespace", d.ServiceNamespace),
            ("destination_workload", d.Workload),
            ("destination_workload_namespace", d.WorkloadNamespace),
            ("destination_app", d.App),
            ("destination_version", d.Version),
            ("destination_canonical_service", d.CanonicalService),
            ("destination_canonical_revision", d.CanonicalRevision),
            ("request_protocol", "http"),
            ("response_code", key.ResponseCode.ToString(CultureInfo.InvariantCulture)),
            ("grpc_response_status", ""),
            ("response_flags", key.ResponseFlags),
        ];
        return string.Join(',', labels.Select(l => $"{l.Name}=\"{Escape(l.Value)}\""));
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private sealed class Series(string labels)
    {
        public string Labels { get; } = labels;

        public long Count { get; set; }

        public double Sum { get; set; }

        public long[] Buckets { get; } = new long[DurationBuckets.Count];
    }
}
