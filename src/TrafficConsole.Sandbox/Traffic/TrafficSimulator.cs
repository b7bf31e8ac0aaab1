using System.Collections.Immutable;
using System.Text;
using Microsoft.Extensions.Logging;
using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Simulation;
using TrafficConsole.Mesh.Telemetry;
using TrafficConsole.Mesh.Validation;
using TrafficConsole.Sandbox.Storage;

namespace TrafficConsole.Sandbox.Traffic;

/// <summary>A person whose requests the simulated clients send, with the headers routing rules match on.</summary>
/// <param name="EndUser">The <c>end-user</c> header (Bookinfo's sign-in name).</param>
/// <param name="Email">The <c>email</c> header.</param>
/// <param name="Cookie">The <c>cookie</c> header.</param>
/// <param name="Group">The <c>x-user-group</c> header, or null when the user sends none.</param>
public sealed record SimulatedUser(string EndUser, string Email, string Cookie, string? Group = null)
{
    /// <summary>The headers of a request this user sends.</summary>
    public ImmutableDictionary<string, string> Headers()
    {
        var headers = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.OrdinalIgnoreCase);
        headers["end-user"] = EndUser;
        headers["email"] = Email;
        headers["cookie"] = Cookie;
        headers["user-agent"] = "sandbox-traffic/1.0";
        if (Group is not null)
        {
            headers["x-user-group"] = Group;
        }

        return headers.ToImmutable();
    }
}

/// <summary>One simulated request as its caller saw it (for tests): who sent it, which version answered, with what.</summary>
/// <param name="Namespace">The namespace of the service called.</param>
/// <param name="Service">The service called.</param>
/// <param name="User">Who sent it.</param>
/// <param name="Version">The version it was routed to, or null when it reached none (no route, no healthy upstream).</param>
/// <param name="ResponseCode">The status the caller got.</param>
/// <param name="ResponseFlags">Envoy's response flags: <c>-</c>, <c>FI</c> (fault abort), <c>UT</c> (timeout), <c>NR</c>, <c>NC</c>, <c>UH</c>.</param>
internal sealed record ServedRequest(string Namespace, string Service, SimulatedUser User, string? Version, int ResponseCode, string ResponseFlags);

/// <summary>
/// Traffic in the sandbox, as Istio's proxies would report it. Every second, clients in each namespace labelled for
/// injection (<c>istio-injection=enabled</c> or <c>istio.io/rev</c>) send <see cref="RequestsPerSecond"/> requests to
/// each service there that has workloads, as a small population of users (<see cref="Users"/>). Requests are routed
/// with Istio's rules (Mesh's <see cref="RouteSimulator"/>: first match wins, weighted destinations, mirror, faults,
/// timeouts) over the store's VirtualServices and DestinationRules, or, without a VirtualService, spread over the
/// ready replicas. The version reached answers as its Deployment's annotations say (<see cref="ErrorRateAnnotation"/>,
/// <see cref="LatencyAnnotation"/>). The counters are served as a sidecar's <c>/stats/prometheus</c> and read in process
/// (<see cref="Read"/>, <see cref="ReadSeries"/>) exactly as PromQL's rate and histogram_quantile would read them.
/// Deterministic for a seed and the same changes at the same simulated seconds; driven by a <see cref="TimeProvider"/>
/// timer once a second (a test's fake clock drives it by advancing).
/// </summary>
public sealed partial class TrafficSimulator : IDisposable
{
    /// <summary>A Deployment annotation: the share of requests (0 to 1) its pods answer with 503.</summary>
    public const string ErrorRateAnnotation = "sandbox.trafficconsole.io/error-rate";

    /// <summary>A Deployment annotation: the mean time in milliseconds its pods take to answer (durations spread around it).</summary>
    public const string LatencyAnnotation = "sandbox.trafficconsole.io/latency-ms";

    private const double LatencySpread = 0.35;
    private const int MaxSeriesPoints = 11_000;

    private static readonly Comparer<(string Namespace, string Service)> ByName = Comparer<(string Namespace, string Service)>.Create(
        static (a, b) => string.CompareOrdinal(a.Namespace, b.Namespace) is var byNamespace and not 0 ? byNamespace : string.CompareOrdinal(a.Service, b.Service));

    private readonly Lock _gate = new();
    private readonly SandboxStore _store;
    private readonly TimeProvider _time;
    private readonly Random _random;
    private readonly ILogger _logger;
    private readonly IstioMetrics _metrics = new();
    private readonly Dictionary<VersionKey, VersionHistory> _history = [];
    private readonly Dictionary<string, double> _owed = new(StringComparer.Ordinal);
    private readonly ITimer? _timer;
    private MeshTopology? _topology;
    private long _next;
    private bool _disposed;

    internal TrafficSimulator(SandboxStore store, double requestsPerSecond, int seed, TimeProvider time, ILogger logger, bool startTimer = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(requestsPerSecond);
        _store = store;
        _time = time;
        _logger = logger;
        _random = new Random(seed);
        RequestsPerSecond = requestsPerSecond;
        _next = SecondOf(time.GetUtcNow());
        if (startTimer)
        {
            _timer = time.CreateTimer(_ => OnTimer(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>The simulated users, each request sent as one of them at random.</summary>
    public static ImmutableArray<SimulatedUser> Users { get; } =
    [
        new("jason", "jason@bookinfo.example", "session=3f9a; theme=dark"),
        new("alice", "alice@gmail.com", "session=81c2; canary=always"),
        new("bob", "bob@example.com", "session=0d44"),
        new("carol", "carol@gmail.com", "session=77e1; theme=light"),
        new("dave", "dave@corp.example", "session=5b90", "testers"),
        new("erin", "erin@example.org", "session=c3a8"),
        new("frank", "frank@gmail.com", "session=19f0"),
        new("grace", "grace@example.com", "session=e6d5; canary=always", "testers"),
        new("heidi", "heidi@example.net", "session=a2b7"),
        new("ivan", "ivan@corp.example", "session=4c11"),
    ];

    /// <summary>Requests per second each service gets.</summary>
    public double RequestsPerSecond { get; }

    /// <summary>Label sets exposed so far (what memory grows with).</summary>
    public int SeriesCount
    {
        get
        {
            lock (_gate)
            {
                return _metrics.SeriesCount;
            }
        }
    }

    /// <summary>Sees every request a client sent (tests).</summary>
    internal Action<ServedRequest>? Observer { get; set; }

    /// <summary>Sends the requests of every whole second up to now that has not been simulated yet.</summary>
    internal void Tick()
    {
        lock (_gate)
        {
            CatchUp();
        }
    }

    /// <summary>The sidecar stats page: <c>istio_requests_total</c> and <c>istio_request_duration_milliseconds</c> in the text format 0.0.4.</summary>
    public string ScrapeText()
    {
        var text = new StringBuilder();
        lock (_gate)
        {
            CatchUp();
            _metrics.Write(text);
        }

        return text.ToString();
    }

    /// <summary>
    /// Per-version figures of every service in <paramref name="namespaceName"/> (all when null) over the window ending now,
    /// as Prometheus computes them from the counters: increase over the window / its seconds, reporter destination (the
    /// source's figures for a version the destination reported nothing for in the window), 5xx server and 4xx client
    /// errors, percentiles by histogram_quantile.
    /// </summary>
    public TelemetryReading Read(string? namespaceName, TelemetryWindow window)
    {
        ArgumentNullException.ThrowIfNull(window);
        lock (_gate)
        {
            CatchUp();
            var to = _next;
            var from = to - (long)window.Duration.TotalSeconds;
            var seconds = window.Duration.TotalSeconds;
            ImmutableArray<ServiceFigures> services =
            [
                .. VersionsByService(namespaceName, null).Select(service => new ServiceFigures(service.Key.Namespace, service.Key.Service,
                [
                    .. service.Value.Select(version =>
                    {
                        var totals = Figures(service.Key.Namespace, service.Key.Service, version, from, to, withBuckets: true);
                        return new VersionFigures(
                            version,
                            totals.Requests / seconds,
                            totals.ServerErrors / seconds,
                            totals.ClientErrors / seconds,
                            DurationBuckets.Quantile(0.5, totals.Buckets),
                            DurationBuckets.Quantile(0.9, totals.Buckets),
                            DurationBuckets.Quantile(0.99, totals.Buckets));
                    }),
                ])),
            ];
            return new TelemetryReading(TelemetrySourceKind.Sandbox, window, DateTimeOffset.FromUnixTimeSeconds(to), services);
        }
    }

    /// <summary>
    /// One service's per-version requests/s and error rate at each point of <paramref name="range"/>, each a rate over
    /// <paramref name="window"/> ending at the point (as a Prometheus range query of <c>rate(...[window])</c>).
    /// </summary>
    public TelemetrySeries ReadSeries(string namespaceName, string service, TelemetryRange range, TelemetryWindow window)
    {
        ArgumentNullException.ThrowIfNull(range);
        ArgumentNullException.ThrowIfNull(window);
        if (range.Resolution <= TimeSpan.Zero || range.End < range.Start)
        {
            throw new ArgumentException("A range needs a positive resolution and an end after its start.", nameof(range));
        }

        var count = (int)Math.Min(MaxSeriesPoints, Math.Floor((range.End - range.Start) / range.Resolution) + 1);
        ImmutableArray<DateTimeOffset> times = [.. Enumerable.Range(0, count).Select(i => range.Start + (range.Resolution * i))];
        var windowSeconds = (long)window.Duration.TotalSeconds;
        lock (_gate)
        {
            CatchUp();
            var versions = VersionsByService(namespaceName, service).SelectMany(s => s.Value).ToList();

            // Nothing older than the history, nothing after now: running totals over that span answer every point.
            var ends = times.Select(t => Math.Min(SecondOf(t), _next)).ToArray();
            var lo = Math.Max(ends.Min() - windowSeconds, _next - VersionHistory.Seconds);
            var hi = Math.Max(lo, ends.Max());
            long Between(long[] prefix, long from, long to) =>
                prefix[Math.Clamp(to - lo, 0, hi - lo)] - prefix[Math.Clamp(from - lo, 0, hi - lo)];
            ImmutableArray<VersionSeries> series =
            [
                .. versions.Select(version =>
                {
                    var empty = (Requests: new long[hi - lo + 1], ServerErrors: new long[hi - lo + 1]);
                    var destination = _history.GetValueOrDefault(new VersionKey(namespaceName, service, version, Reporter.Destination))?.Prefix(lo, hi) ?? empty;
                    var source = _history.GetValueOrDefault(new VersionKey(namespaceName, service, version, Reporter.Source))?.Prefix(lo, hi) ?? empty;
                    var rates = new double[count];
                    var errors = new double[count];
                    for (var i = 0; i < count; i++)
                    {
                        // The destination's figures, or the source's when the destination reported nothing in the window.
                        var from = ends[i] - windowSeconds;
                        var reported = Between(destination.Requests, from, ends[i]) > 0 ? destination : source;
                        var requests = Between(reported.Requests, from, ends[i]);
                        rates[i] = requests / (double)windowSeconds;
                        errors[i] = requests > 0 ? Between(reported.ServerErrors, from, ends[i]) / (double)requests : double.NaN;
                    }

                    return new VersionSeries(version, [.. rates], [.. errors]);
                }),
            ];
            return new TelemetrySeries(TelemetrySourceKind.Sandbox, times, series);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
        }

        _timer?.Dispose();
    }

    private void OnTimer()
    {
        try
        {
            lock (_gate)
            {
                if (!_disposed)
                {
                    CatchUp();
                }
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A timer callback that throws would end the process; a simulator bug must not take the sandbox down.
            LogTickFailed(ex);
        }
    }

    private void CatchUp()
    {
        var now = SecondOf(_time.GetUtcNow());
        if (now <= _next)
        {
            return;
        }

        // Asleep for longer than the history holds: what happened before it would be forgotten anyway.
        _next = Math.Max(_next, now - VersionHistory.Seconds);
        if (_topology is null || _topology.ResourceVersion != _store.ResourceVersion)
        {
            _topology = MeshTopology.Read(_store);
        }

        for (; _next < now; _next++)
        {
            foreach (var node in _topology.Services)
            {
                if (!node.Injected || node.Endpoints.IsEmpty)
                {
                    continue;
                }

                var key = node.Service.Host;
                var owed = _owed.GetValueOrDefault(key) + RequestsPerSecond;
                var requests = (int)Math.Floor(owed);
                _owed[key] = owed - requests;
                for (var i = 0; i < requests; i++)
                {
                    Send(_topology, node, Users[_random.Next(Users.Length)], _next);
                }
            }
        }
    }

    private void Send(MeshTopology topology, ServiceNode node, SimulatedUser user, long second)
    {
        var source = node.Client;
        if (node.Route is not { } vs)
        {
            // No VirtualService: the sidecar balances over every ready endpoint, so versions share by ready replicas.
            Respond(second, node, user, source, Pick(node.Endpoints), node.Unknown, delayMs: 0, timeoutMs: null);
            return;
        }

        var request = new SimulatedRequest
        {
            Path = "/",
            Authority = node.Service.Name,
            Headers = user.Headers(),
            SourceLabels = ImmutableDictionary<string, string>.Empty.Add("app", source.App),
            SourceNamespace = source.Namespace,
            Port = node.Service.Ports.FirstOrDefault()?.Port,
        };
        var result = RouteSimulator.Simulate(vs, request);
        if (!result.Matched || result.RuleIndex is not int index || vs.Spec?.Http?[index] is not { } rule)
        {
            Fail(second, node, user, source, node.Unknown, 404, "NR", 0);
            return;
        }

        if (result.Destinations.IsEmpty)
        {
            // A redirect or a direct response: the caller's proxy answers, no workload is reached.
            var status = rule.DirectResponse is { } direct && direct.TryGetProperty("status", out var s) && s.TryGetInt32(out var code) ? code
                : rule.Redirect is not null ? 301 : 404;
            Fail(second, node, user, source, node.Unknown, status, "-", 0);
            return;
        }

        var share = PickShare(result.Destinations);
        var (target, endpoints) = Resolve(topology, share, vs.Namespace);

        // Envoy's fault filter runs before the router: delay, then abort (never mirrored).
        double delayMs = 0;
        if (rule.Fault?.Delay is { } delay && _random.NextDouble() * 100 < FaultPercent(delay.Percentage, delay.Extra))
        {
            delayMs = FieldRules.ParseDuration(delay.FixedDelay)?.TotalMilliseconds ?? 0;
        }

        var endpoint = endpoints is null ? null : Pick(endpoints);
        var labels = endpoint?.Labels ?? target?.Unknown ?? DestinationLabels.Unknown(share.Host, share.Host, vs.Namespace);
        if (rule.Fault?.Abort is { HttpStatus: int abortStatus } abort && _random.NextDouble() * 100 < FaultPercent(abort.Percentage, abort.Extra))
        {
            // The caller's proxy answers with the fault: only the source reports it, for the destination the route chose.
            Fail(second, node, user, source, labels, abortStatus, "FI", delayMs);
            return;
        }

        if (result.Mirror is { } mirror && _random.NextDouble() < mirror.Probability)
        {
            var (_, mirrorEndpoints) = Resolve(topology, mirror, vs.Namespace);
            if (mirrorEndpoints is not null && Pick(mirrorEndpoints) is { } shadow)
            {
                // The copy is served and counted by the mirror's workload; its answer is dropped.
                var (shadowCode, shadowMs) = Answer(shadow);
                Record(second, Reporter.Destination, source, shadow.Labels, shadowCode, "-", shadowMs);
            }
        }

        if (target is null || endpoints is null)
        {
            // A host the mesh does not know, or a subset no DestinationRule defines: no cluster to send to.
            Fail(second, node, user, source, labels, 503, "NC", delayMs);
            return;
        }

        var timeout = FieldRules.ParseDuration(rule.Timeout) is { } t && t > TimeSpan.Zero ? t.TotalMilliseconds : (double?)null;
        Respond(second, node, user, source, endpoint, labels, delayMs, timeout);
    }

    private void Respond(long second, ServiceNode node, SimulatedUser user, SourceLabels source, Endpoint? endpoint,
        DestinationLabels unknown, double delayMs, double? timeoutMs)
    {
        if (endpoint is null)
        {
            Fail(second, node, user, source, unknown, 503, "UH", delayMs);
            return;
        }

        var (code, latency) = Answer(endpoint);
        if (timeoutMs is { } timeout && delayMs + latency > timeout)
        {
            // The caller's proxy gives up at the route timeout; the callee, cut off, records the same 504.
            Record(second, Reporter.Source, source, endpoint.Labels, 504, "UT", timeout);
            if (delayMs < timeout)
            {
                Record(second, Reporter.Destination, source, endpoint.Labels, 504, "UT", timeout - delayMs);
            }

            Observer?.Invoke(new ServedRequest(node.Service.Namespace, node.Service.Name, user, endpoint.Labels.Version, 504, "UT"));
            return;
        }

        Record(second, Reporter.Source, source, endpoint.Labels, code, "-", delayMs + latency);
        Record(second, Reporter.Destination, source, endpoint.Labels, code, "-", latency);
        Observer?.Invoke(new ServedRequest(node.Service.Namespace, node.Service.Name, user, endpoint.Labels.Version, code, "-"));
    }

    /// <summary>A request the caller's proxy answered itself: reported by the source only.</summary>
    private void Fail(long second, ServiceNode node, SimulatedUser user, SourceLabels source, DestinationLabels labels, int code, string flags, double ms)
    {
        Record(second, Reporter.Source, source, labels, code, flags, ms);
        var version = labels.Workload == "unknown" ? null : labels.Version;
        Observer?.Invoke(new ServedRequest(node.Service.Namespace, node.Service.Name, user, version, code, flags));
    }

    private (int Code, double Milliseconds) Answer(Endpoint endpoint)
    {
        // Log-normal around the mean: mostly near it, a tail of slow ones.
        var mu = Math.Log(endpoint.LatencyMs) - (LatencySpread * LatencySpread / 2);
        var u1 = 1 - _random.NextDouble();
        var u2 = _random.NextDouble();
        var z = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
        var latency = Math.Max(0.1, Math.Exp(mu + (LatencySpread * z)));
        var code = _random.NextDouble() < endpoint.ErrorRate ? 503 : 200;
        return (code, latency);
    }

    private void Record(long second, Reporter reporter, SourceLabels source, DestinationLabels destination, int code, string flags, double ms)
    {
        _metrics.Record(new SeriesKey(reporter, source, destination, code, flags), ms);
        var key = new VersionKey(destination.ServiceNamespace, destination.ServiceName, destination.Version, reporter);
        if (!_history.TryGetValue(key, out var history))
        {
            history = new VersionHistory();
            _history[key] = history;
        }

        history.Add(second, code, ms);
    }

    /// <summary>The service a destination host names and the endpoints its subset selects (null when it selects no defined subset).</summary>
    private static (ServiceNode? Target, IEnumerable<Endpoint>? Endpoints) Resolve(MeshTopology topology, DestinationShare share, string vsNamespace)
    {
        if (!topology.ByHost.TryGetValue(Mesh.Services.HostNames.Resolve(share.Host, vsNamespace), out var target))
        {
            return (null, null);
        }

        return (target, MeshTopology.Subset(target, share.Subset));
    }

    private DestinationShare PickShare(ImmutableArray<DestinationShare> shares)
    {
        var roll = _random.NextDouble();
        foreach (var share in shares)
        {
            roll -= share.Probability;
            if (roll < 0)
            {
                return share;
            }
        }

        return shares[^1];
    }

    /// <summary>An endpoint with probability proportional to its ready pods (Envoy's round robin over them), or null when none is ready.</summary>
    private Endpoint? Pick(IEnumerable<Endpoint> endpoints)
    {
        var ready = endpoints.Where(e => e.Ready > 0).ToList();
        var total = ready.Sum(e => e.Ready);
        if (total == 0)
        {
            return null;
        }

        var roll = _random.Next(total);
        foreach (var endpoint in ready)
        {
            roll -= endpoint.Ready;
            if (roll < 0)
            {
                return endpoint;
            }
        }

        return ready[^1];
    }

    // percentage.value, else the deprecated integer percent, else 0: what Istio hands to Envoy.
    private static double FaultPercent(Percent? percentage, IDictionary<string, System.Text.Json.JsonElement>? extra) =>
        percentage?.Value is double value ? value
        : extra is not null && extra.TryGetValue("percent", out var legacy) && legacy.ValueKind == System.Text.Json.JsonValueKind.Number ? legacy.GetDouble()
        : 0;

    /// <summary>The versions with counters, per service, in a namespace (or all) and optionally one service.</summary>
    private SortedDictionary<(string Namespace, string Service), SortedSet<string>> VersionsByService(string? namespaceName, string? service)
    {
        var result = new SortedDictionary<(string Namespace, string Service), SortedSet<string>>(ByName);
        foreach (var key in _history.Keys)
        {
            if ((namespaceName is null || key.Namespace == namespaceName) && (service is null || key.Service == service))
            {
                if (!result.TryGetValue((key.Namespace, key.Service), out var versions))
                {
                    versions = new SortedSet<string>(StringComparer.Ordinal);
                    result[(key.Namespace, key.Service)] = versions;
                }

                versions.Add(key.Version);
            }
        }

        return result;
    }

    /// <summary>The destination's figures, or the source's when the destination reported nothing in the span.</summary>
    private Totals Figures(string namespaceName, string service, string version, long from, long to, bool withBuckets)
    {
        var destination = _history.GetValueOrDefault(new VersionKey(namespaceName, service, version, Reporter.Destination))?.Sum(from, to, withBuckets);
        if (destination is { Requests: > 0 })
        {
            return destination;
        }

        return _history.GetValueOrDefault(new VersionKey(namespaceName, service, version, Reporter.Source))?.Sum(from, to, withBuckets)
            ?? destination
            ?? new Totals();
    }

    private static long SecondOf(DateTimeOffset time) => time.ToUnixTimeMilliseconds() / 1000;

    [LoggerMessage(Level = LogLevel.Error, Message = "The sandbox traffic simulator failed to simulate a second")]
    private partial void LogTickFailed(Exception exception);
}
