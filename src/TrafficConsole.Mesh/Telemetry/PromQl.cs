using System.Collections.Immutable;
using System.Globalization;
using System.Text;

namespace TrafficConsole.Mesh.Telemetry;

/// <summary>Which proxy reported a request: the destination's sidecar, or the caller's (Kiali's fallback for a destination without one).</summary>
public enum PromReporter
{
    Destination,
    Source,
}

/// <summary>What a figure query measures, per (namespace, service, version).</summary>
public enum FigureKind
{
    Requests,
    ServerErrors,
    ClientErrors,
    LatencyP50,
    LatencyP90,
    LatencyP99,
}

/// <summary>One PromQL query of a reading: what it measures, as which reporter saw it, and its text.</summary>
public sealed record FigureQuery(FigureKind Kind, PromReporter Reporter, string Expression);

/// <summary>One PromQL range query of a service's chart: requests/s or failed requests/s per version, as which reporter saw it.</summary>
public sealed record SeriesQuery(FigureKind Kind, PromReporter Reporter, string Expression);

/// <summary>
/// Every PromQL query the console sends, over Istio's standard metrics <c>istio_requests_total</c> and
/// <c>istio_request_duration_milliseconds_bucket</c>. Figures are grouped by namespace, service and version
/// (<see cref="VersionLabel"/>, <c>destination_version</c> unless a mesh uses e.g. <c>destination_canonical_revision</c>).
/// A failed request is what Kiali's default health counts as one: HTTP 5xx, no response at all (response code 0),
/// or a gRPC status other than OK.
/// </summary>
public sealed class PromQl
{
    public const string DefaultVersionLabel = "destination_version";
    public const string RequestsMetric = "istio_requests_total";
    public const string DurationBucketsMetric = "istio_request_duration_milliseconds_bucket";
    public const string NamespaceLabel = "destination_service_namespace";
    public const string ServiceLabel = "destination_service_name";

    /// <param name="versionLabel">The label that names a destination's version; a valid Prometheus label name.</param>
    public PromQl(string versionLabel = DefaultVersionLabel)
    {
        if (!IsLabelName(versionLabel))
        {
            throw new ArgumentException($"'{versionLabel}' is not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*).", nameof(versionLabel));
        }

        VersionLabel = versionLabel;
    }

    /// <summary>The label that tells versions apart.</summary>
    public string VersionLabel { get; }

    private string GroupBy => $"{NamespaceLabel}, {ServiceLabel}, {VersionLabel}";

    /// <summary>Whether <paramref name="name"/> is a Prometheus label name.</summary>
    public static bool IsLabelName(string? name) =>
        !string.IsNullOrEmpty(name)
        && (char.IsAsciiLetter(name[0]) || name[0] == '_')
        && name.All(static c => char.IsAsciiLetterOrDigit(c) || c == '_');

    /// <summary><paramref name="value"/> as a PromQL string literal: double-quoted, with backslash, quote and control characters escaped.</summary>
    public static string Quote(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var text = new StringBuilder(value.Length + 2).Append('"');
        foreach (char c in value)
        {
            _ = c switch
            {
                '\\' => text.Append(@"\\"),
                '"' => text.Append("\\\""),
                '\n' => text.Append(@"\n"),
                '\r' => text.Append(@"\r"),
                '\t' => text.Append(@"\t"),
                _ when char.IsControl(c) => text.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"),
                _ => text.Append(c),
            };
        }

        return text.Append('"').ToString();
    }

    /// <summary>The twelve queries of one reading: every figure, as the destination and as the source reported it.</summary>
    /// <param name="namespaceName">One namespace, or every namespace when null.</param>
    /// <param name="window">The range each rate is taken over.</param>
    public ImmutableArray<FigureQuery> Figures(string? namespaceName, TelemetryWindow window)
    {
        ArgumentNullException.ThrowIfNull(window);
        var queries = ImmutableArray.CreateBuilder<FigureQuery>(12);
        foreach (PromReporter reporter in new[] { PromReporter.Destination, PromReporter.Source })
        {
            foreach (FigureKind kind in Enum.GetValues<FigureKind>())
            {
                queries.Add(new FigureQuery(kind, reporter, Figure(kind, namespaceName, null, window, reporter)));
            }
        }

        return queries.MoveToImmutable();
    }

    /// <summary>The four range queries of one service's chart: requests/s and failed requests/s per version, destination and source.</summary>
    public ImmutableArray<SeriesQuery> Series(string namespaceName, string service, TelemetryWindow window)
    {
        ArgumentNullException.ThrowIfNull(namespaceName);
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(window);
        return
        [
            new(FigureKind.Requests, PromReporter.Destination, Requests(namespaceName, service, window, PromReporter.Destination)),
            new(FigureKind.ServerErrors, PromReporter.Destination, ServerErrors(namespaceName, service, window, PromReporter.Destination)),
            new(FigureKind.Requests, PromReporter.Source, Requests(namespaceName, service, window, PromReporter.Source)),
            new(FigureKind.ServerErrors, PromReporter.Source, ServerErrors(namespaceName, service, window, PromReporter.Source)),
        ];
    }

    /// <summary>The query of one figure.</summary>
    public string Figure(FigureKind kind, string? namespaceName, string? service, TelemetryWindow window, PromReporter reporter) => kind switch
    {
        FigureKind.Requests => Requests(namespaceName, service, window, reporter),
        FigureKind.ServerErrors => ServerErrors(namespaceName, service, window, reporter),
        FigureKind.ClientErrors => ClientErrors(namespaceName, service, window, reporter),
        FigureKind.LatencyP50 => Latency(0.5, namespaceName, service, window, reporter),
        FigureKind.LatencyP90 => Latency(0.9, namespaceName, service, window, reporter),
        FigureKind.LatencyP99 => Latency(0.99, namespaceName, service, window, reporter),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>Requests/s per version.</summary>
    public string Requests(string? namespaceName, string? service, TelemetryWindow window, PromReporter reporter) =>
        SumRate(RequestsMetric, Selector(namespaceName, service, reporter), window);

    /// <summary>Failed requests/s per version: HTTP 5xx or no response, and gRPC whose status is not OK (0) or that got no response.</summary>
    public string ServerErrors(string? namespaceName, string? service, TelemetryWindow window, PromReporter reporter)
    {
        ArgumentNullException.ThrowIfNull(window);
        string scope = Selector(namespaceName, service, reporter);

        // Disjoint where it matters, and `or` keeps one copy of a series two arms both select.
        string http = $"rate({RequestsMetric}{{{scope},request_protocol!=\"grpc\",response_code=~\"0|5..\"}}[{window.Text}])";
        string grpcStatus = $"rate({RequestsMetric}{{{scope},request_protocol=\"grpc\",grpc_response_status!~\"0|\"}}[{window.Text}])";
        string grpcNoResponse = $"rate({RequestsMetric}{{{scope},request_protocol=\"grpc\",response_code=\"0\"}}[{window.Text}])";
        return $"sum by ({GroupBy}) ({http} or {grpcStatus} or {grpcNoResponse})";
    }

    /// <summary>HTTP 4xx/s per version.</summary>
    public string ClientErrors(string? namespaceName, string? service, TelemetryWindow window, PromReporter reporter) =>
        SumRate(RequestsMetric, Selector(namespaceName, service, reporter) + ",request_protocol!=\"grpc\",response_code=~\"4..\"", window);

    /// <summary>The <paramref name="quantile"/> of request durations in milliseconds per version, from Istio's histogram.</summary>
    public string Latency(double quantile, string? namespaceName, string? service, TelemetryWindow window, PromReporter reporter)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(quantile);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quantile, 1);
        ArgumentNullException.ThrowIfNull(window);
        string q = quantile.ToString("0.0##", CultureInfo.InvariantCulture);
        return $"histogram_quantile({q}, sum by (le, {GroupBy}) (rate({DurationBucketsMetric}{{{Selector(namespaceName, service, reporter)}}}[{window.Text}])))";
    }

    private string SumRate(string metric, string selector, TelemetryWindow window)
    {
        ArgumentNullException.ThrowIfNull(window);
        return $"sum by ({GroupBy}) (rate({metric}{{{selector}}}[{window.Text}]))";
    }

    private static string Selector(string? namespaceName, string? service, PromReporter reporter)
    {
        var selector = new StringBuilder("reporter=").Append(reporter == PromReporter.Destination ? "\"destination\"" : "\"source\"");
        if (namespaceName is not null)
        {
            selector.Append(',').Append(NamespaceLabel).Append('=').Append(Quote(namespaceName));
        }

        if (service is not null)
        {
            selector.Append(',').Append(ServiceLabel).Append('=').Append(Quote(service));
        }

        return selector.ToString();
    }
}
