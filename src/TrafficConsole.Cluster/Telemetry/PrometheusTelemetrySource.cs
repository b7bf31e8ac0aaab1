using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

using TrafficConsole.Mesh.Telemetry;

namespace TrafficConsole.Cluster.Telemetry;

/// <summary>
/// Reads telemetry from a Prometheus server over its HTTP API (<c>/api/v1/query</c>, <c>/api/v1/query_range</c>, POSTed
/// as forms so long queries never hit URL limits), with <see cref="PromQl"/>'s queries over Istio's metrics. Every
/// failure is a <see cref="TelemetryResult{T}.Unavailable"/> whose reason names the server and says what went wrong in
/// one line; secrets (token, password) are sent, never logged.
/// </summary>
public sealed partial class PrometheusTelemetrySource : ITelemetrySource, IDisposable
{
    private readonly PrometheusOptions _options;
    private readonly PromQl _queries;
    private readonly HttpClient _http;
    private readonly Uri _base;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SecretFile? _tokenFile;
    private readonly SecretFile? _passwordFile;
    private long _queriesSent;
    private int _failing;

    public PrometheusTelemetrySource(IOptions<TelemetryOptions> options, TimeProvider time, ILogger<PrometheusTelemetrySource> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        TelemetryOptions telemetry = options.Value;
        _options = telemetry.Prometheus;
        if (string.IsNullOrWhiteSpace(_options.Url) || !Uri.TryCreate(_options.Url, UriKind.Absolute, out Uri? url))
        {
            throw new InvalidOperationException($"{TelemetryOptions.SectionName}:Prometheus:Url is not set to an absolute URL.");
        }

        _base = new Uri(url.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/");
        DisplayUrl = _base.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped).TrimEnd('/');
        _queries = new PromQl(telemetry.VersionLabel);
        _time = time;
        _logger = logger;
        _tokenFile = string.IsNullOrEmpty(_options.BearerTokenFile) ? null : new SecretFile(_options.BearerTokenFile, time);
        _passwordFile = string.IsNullOrEmpty(_options.PasswordFile) ? null : new SecretFile(_options.PasswordFile, time);
        _http = new HttpClient(CreateHandler(_options), disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <inheritdoc />
    public TelemetrySourceKind Kind => TelemetrySourceKind.Prometheus;

    /// <summary>The server as messages name it (no credentials, no query).</summary>
    public string DisplayUrl { get; }

    /// <summary>HTTP queries sent to Prometheus since start (a reading is twelve, a chart four).</summary>
    public long QueriesSent => Interlocked.Read(ref _queriesSent);

    /// <inheritdoc />
    public async Task<TelemetryResult<TelemetryReading>> ReadAsync(string? namespaceName, TelemetryWindow window, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(window);
        DateTimeOffset at = DateTimeOffset.FromUnixTimeMilliseconds(_time.GetUtcNow().ToUnixTimeMilliseconds());
        ImmutableArray<FigureQuery> queries = _queries.Figures(namespaceName, window);
        string time = Seconds(at);
        Outcome[] outcomes = await Task.WhenAll(queries.Select(q => QueryAsync("api/v1/query", [new("query", q.Expression), new("time", time)], cancellationToken))).ConfigureAwait(false);

        var answers = new List<(FigureQuery, ImmutableArray<PromSample>)>(queries.Length);
        for (int i = 0; i < queries.Length; i++)
        {
            switch (outcomes[i])
            {
                case { Failure: { } failure }:
                    return Failed<TelemetryReading>(failure);
                case { Answer: PrometheusAnswer.Vector vector }:
                    answers.Add((queries[i], vector.Samples));
                    break;
                default:
                    return Failed<TelemetryReading>(Unreadable("an instant query was not answered with a vector"));
            }
        }

        Recovered();
        return new TelemetryResult<TelemetryReading>.Ok(new TelemetryReading(Kind, window, at, PrometheusFigures.Combine(answers, _queries.VersionLabel)));
    }

    /// <inheritdoc />
    public async Task<TelemetryResult<TelemetrySeries>> ReadSeriesAsync(
        string namespaceName, string service, TelemetryRange range, TelemetryWindow window, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(range);
        ArgumentNullException.ThrowIfNull(window);
        ImmutableArray<SeriesQuery> queries = _queries.Series(namespaceName, service, window);
        KeyValuePair<string, string>[] span =
        [
            new("start", range.Start.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)),
            new("end", range.End.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)),
            new("step", Math.Max(1, (long)range.Resolution.TotalSeconds).ToString(CultureInfo.InvariantCulture)),
        ];
        Outcome[] outcomes = await Task.WhenAll(queries.Select(q => QueryAsync("api/v1/query_range", [new("query", q.Expression), .. span], cancellationToken))).ConfigureAwait(false);

        var answers = new List<(SeriesQuery, ImmutableArray<PromSeries>)>(queries.Length);
        for (int i = 0; i < queries.Length; i++)
        {
            switch (outcomes[i])
            {
                case { Failure: { } failure }:
                    return Failed<TelemetrySeries>(failure);
                case { Answer: PrometheusAnswer.Matrix matrix }:
                    answers.Add((queries[i], matrix.Series));
                    break;
                default:
                    return Failed<TelemetrySeries>(Unreadable("a range query was not answered with a matrix"));
            }
        }

        Recovered();
        return new TelemetryResult<TelemetrySeries>.Ok(PrometheusFigures.CombineSeries(answers, range, _queries.VersionLabel, Kind));
    }

    public void Dispose() => _http.Dispose();

    private async Task<Outcome> QueryAsync(string path, KeyValuePair<string, string>[] form, CancellationToken cancellationToken)
    {
        TimeSpan timeout = _options.QueryTimeout;
        using var deadline = new CancellationTokenSource(timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_base, path))
        {
            Content = new FormUrlEncodedContent([.. form, new("timeout", Duration(timeout))]),
        };

        try
        {
            request.Headers.Authorization = Authorization();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new Outcome(null, $"The console cannot read its credentials for Prometheus at {DisplayUrl}: {ex.Message}");
        }

        foreach ((string name, string value) in _options.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        Interlocked.Increment(ref _queriesSent);
        long started = Stopwatch.GetTimestamp();
        try
        {
            using HttpResponseMessage response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            int code = (int)response.StatusCode;
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                return new Outcome(null, $"Prometheus at {DisplayUrl} refused the console's credentials ({code} {response.ReasonPhrase}).");
            }

            byte[]? body = await ReadCappedAsync(response.Content, linked.Token).ConfigureAwait(false);
            if (body is null)
            {
                return new Outcome(null, $"Prometheus at {DisplayUrl} answered with more than {Size(_options.MaxAnswerBytes)} for one query; ask about one namespace, or raise Telemetry:Prometheus:MaxAnswerBytes.");
            }

            PrometheusAnswer answer = PrometheusAnswer.Parse(body);
            double elapsedMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            LogAnswered(path, code, elapsedMs);
            if (answer is PrometheusAnswer.Failed failed)
            {
                return new Outcome(null, $"Prometheus at {DisplayUrl} answered {code}: {OneLine(failed.ToString())}");
            }

            if (!response.IsSuccessStatusCode)
            {
                return new Outcome(null, $"Prometheus at {DisplayUrl} answered {code} {response.ReasonPhrase}: {OneLine(Encoding.UTF8.GetString(body))}");
            }

            if (answer is PrometheusAnswer.Malformed malformed)
            {
                return new Outcome(null, Unreadable(malformed.Reason));
            }

            foreach (string warning in Warnings(answer))
            {
                LogWarning(DisplayUrl, warning);
            }

            return new Outcome(answer, null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new Outcome(null, $"Prometheus at {DisplayUrl} did not answer within {timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s.");
        }
        catch (HttpRequestException ex)
        {
            string what = ex.HttpRequestError switch
            {
                HttpRequestError.NameResolutionError => "its name does not resolve",
                HttpRequestError.ConnectionError => "the connection failed",
                HttpRequestError.SecureConnectionError => "its TLS certificate or handshake was refused",
                HttpRequestError.ResponseEnded => "it closed the connection mid-answer",
                _ => ex.HttpRequestError.ToString(),
            };
            return new Outcome(null, $"Prometheus at {DisplayUrl} is not reachable: {what} ({OneLine(ex.InnerException?.Message ?? ex.Message)}).");
        }
    }

    private AuthenticationHeaderValue? Authorization()
    {
        if (_tokenFile is not null)
        {
            return new AuthenticationHeaderValue("Bearer", _tokenFile.Read());
        }

        if (!string.IsNullOrEmpty(_options.Username))
        {
            string password = _passwordFile?.Read() ?? _options.Password ?? string.Empty;
            return new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{_options.Username}:{password}")));
        }

        return null;
    }

    /// <summary>The body, or null when it is larger than the cap (announced or read).</summary>
    private async Task<byte[]?> ReadCappedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        long max = _options.MaxAnswerBytes;
        if (content.Headers.ContentLength > max)
        {
            return null;
        }

        Stream stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            byte[] chunk = new byte[81920];
            int read;
            while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > max)
                {
                    return null;
                }

                buffer.Write(chunk, 0, read);
            }

            return buffer.ToArray();
        }
    }

    private TelemetryResult<T> Failed<T>(string reason)
    {
        if (Interlocked.Exchange(ref _failing, 1) == 0)
        {
            LogUnavailable(DisplayUrl, reason);
        }

        return new TelemetryResult<T>.Unavailable(reason);
    }

    private void Recovered()
    {
        if (Interlocked.Exchange(ref _failing, 0) == 1)
        {
            LogAnswersAgain(DisplayUrl);
        }
    }

    private string Unreadable(string reason) => $"Prometheus at {DisplayUrl} sent an answer the console cannot read: {OneLine(reason)}.";

    private static ImmutableArray<string> Warnings(PrometheusAnswer answer) => answer switch
    {
        PrometheusAnswer.Vector v => v.Warnings,
        PrometheusAnswer.Matrix m => m.Warnings,
        PrometheusAnswer.Scalar s => s.Warnings,
        _ => [],
    };

    private static SocketsHttpHandler CreateHandler(PrometheusOptions options)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = options.QueryTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            AutomaticDecompression = DecompressionMethods.GZip,
        };

        if (options.InsecureSkipVerify)
        {
#pragma warning disable CA5359 // Asked for explicitly (Telemetry:Prometheus:InsecureSkipVerify), for test clusters.
            handler.SslOptions.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
#pragma warning restore CA5359
        }
        else if (!string.IsNullOrEmpty(options.CaFile))
        {
            var authorities = new X509Certificate2Collection();
            authorities.ImportFromPemFile(options.CaFile);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
                {
                    return false;
                }

                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(new X509Certificate2(certificate));
            };
        }

        return handler;
    }

    private static string Seconds(DateTimeOffset at) =>
        (at.ToUnixTimeMilliseconds() / 1000.0).ToString("0.###", CultureInfo.InvariantCulture);

    private static string Duration(TimeSpan timeout) =>
        Math.Max(1, (long)Math.Ceiling(timeout.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture) + "ms";

    private static string Size(long bytes) => bytes >= 1024 * 1024
        ? $"{(bytes / (1024.0 * 1024)).ToString("0.#", CultureInfo.InvariantCulture)} MiB"
        : $"{(bytes / 1024.0).ToString("0.#", CultureInfo.InvariantCulture)} KiB";

    /// <summary>The first line of <paramref name="text"/>, at most 300 characters, control characters dropped.</summary>
    private static string OneLine(string text)
    {
        string line = text.Trim().Split('\n', 2)[0].Trim();
        line = new string([.. line.Where(static c => !char.IsControl(c))]);
        return line.Length > 300 ? line[..300] + "…" : line.Length == 0 ? "(empty answer)" : line;
    }

    [LoggerMessage(EventId = 1400, Level = LogLevel.Warning, Message = "Telemetry from Prometheus at {PrometheusUrl} is unavailable: {Reason}")]
    private partial void LogUnavailable(string prometheusUrl, string reason);

    [LoggerMessage(EventId = 1401, Level = LogLevel.Information, Message = "Prometheus at {PrometheusUrl} answers again")]
    private partial void LogAnswersAgain(string prometheusUrl);

    [LoggerMessage(EventId = 1402, Level = LogLevel.Information, Message = "Prometheus at {PrometheusUrl} warned: {Warning}")]
    private partial void LogWarning(string prometheusUrl, string warning);

    [LoggerMessage(EventId = 1403, Level = LogLevel.Debug, Message = "Prometheus {Endpoint} answered {StatusCode} in {ElapsedMs} ms")]
    private partial void LogAnswered(string endpoint, int statusCode, double elapsedMs);

    private readonly record struct Outcome(PrometheusAnswer? Answer, string? Failure);
}
