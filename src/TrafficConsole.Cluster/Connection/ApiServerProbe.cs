using System.Globalization;

using k8s;
using k8s.Autorest;

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace TrafficConsole.Cluster.Connection;

/// <summary>Timing of the <see cref="ApiServerProbe"/>; bound from <c>Cluster:ApiServerProbe</c>.</summary>
public sealed class ApiServerProbeOptions
{
    public const string SectionName = "Cluster:ApiServerProbe";

    /// <summary>How long the API server has to answer <c>GET /version</c> before it counts as not answering.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long an answer is reused, so a flood of readiness probes costs the API server one request per period.</summary>
    public TimeSpan CacheDuration { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>What the last probe of the API server found.</summary>
public abstract record ApiServerStatus
{
    private ApiServerStatus(DateTimeOffset at) => At = at;

    /// <summary>When the probe finished.</summary>
    public DateTimeOffset At { get; }

    /// <summary>The API server answered.</summary>
    public sealed record Answering(DateTimeOffset When) : ApiServerStatus(When);

    /// <summary>The API server did not answer in time, could not be reached, or answered with a server error.</summary>
    /// <param name="Reason">Why, naming the server, for readiness and 503 answers.</param>
    /// <param name="When">When the probe finished.</param>
    public sealed record NotAnswering(string Reason, DateTimeOffset When) : ApiServerStatus(When);
}

/// <summary>
/// Asks the API server <c>GET /version</c> with a short timeout. The shared cache cannot tell a frozen API server from a
/// quiet one (its watches simply stay silent), so readiness, writes and token reviews ask this instead. Answers are kept
/// for <see cref="ApiServerProbeOptions.CacheDuration"/> and concurrent callers share one request.
/// </summary>
public sealed partial class ApiServerProbe
{
    private readonly ClusterConnection _connection;
    private readonly IOptions<ApiServerProbeOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<ApiServerProbe> _logger;
    private readonly Lock _gate = new();
    private ApiServerStatus? _last;
    private Task<ApiServerStatus>? _running;

    /// <summary>A probe over a client someone else made, of the server at <paramref name="serverUrl"/>.</summary>
    public ApiServerProbe(IKubernetes client, string serverUrl, IOptions<ApiServerProbeOptions> options, TimeProvider time, ILogger<ApiServerProbe> logger)
        : this(ClusterConnection.Over(client, serverUrl: serverUrl), options, time, logger)
    {
    }

    /// <summary>A probe of the process's connection (the composition root's).</summary>
    public ApiServerProbe(ClusterConnection connection, IOptions<ApiServerProbeOptions> options, TimeProvider time, ILogger<ApiServerProbe> logger)
    {
        _connection = connection ?? throw new ArgumentNullException(nameof(connection));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    /// <summary>The API server's address, as messages name it.</summary>
    public string ServerUrl => _connection.ServerUrl;

    /// <summary>The last answer, however old (null before the first probe).</summary>
    public ApiServerStatus? Last => Volatile.Read(ref _last);

    /// <summary>The API server's status: the last answer while it is fresh, else a new probe (shared by concurrent callers).</summary>
    public Task<ApiServerStatus> CheckAsync(CancellationToken cancellationToken = default)
    {
        Task<ApiServerStatus> running;
        lock (_gate)
        {
            if (_last is { } last && _time.GetUtcNow() - last.At < _options.Value.CacheDuration)
            {
                return Task.FromResult(last);
            }

            running = _running ??= ProbeAsync();
        }

        return running.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Null while the API server answers; otherwise why not. Asks again only when the last answer was "not answering", so
    /// the common path costs no request and a recovered server is noticed at once.
    /// </summary>
    public async Task<string?> NotAnsweringAsync(CancellationToken cancellationToken = default)
    {
        if (Last is not ApiServerStatus.NotAnswering)
        {
            return null;
        }

        return await CheckAsync(cancellationToken).ConfigureAwait(false) is ApiServerStatus.NotAnswering down ? down.Reason : null;
    }

    private async Task<ApiServerStatus> ProbeAsync()
    {
        // Never under the caller's token: one caller going away must not fail the probe for the others.
        await Task.Yield();
        TimeSpan timeout = _options.Value.Timeout;
        ApiServerStatus status;
        using (CancellationTokenSource deadline = new(timeout, _time))
        {
            try
            {
                await _connection.Client.Version.GetCodeAsync(deadline.Token).ConfigureAwait(false);
                status = new ApiServerStatus.Answering(_time.GetUtcNow());
            }
            catch (OperationCanceledException)
            {
                status = Down($"did not answer within {timeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s");
            }
            catch (HttpOperationException ex) when ((int)ex.Response.StatusCode >= 500)
            {
                status = Down($"answered {(int)ex.Response.StatusCode} {ex.Response.StatusCode}");
            }
            catch (HttpOperationException)
            {
                // 401/403/404 on /version: it answers, which is all readiness asks.
                status = new ApiServerStatus.Answering(_time.GetUtcNow());
            }
            catch (HttpRequestException ex)
            {
                status = Down($"cannot be reached ({ex.HttpRequestError})");
            }
        }

        ApiServerStatus? previous;
        lock (_gate)
        {
            previous = _last;
            _last = status;
            _running = null;
        }

        if (status is ApiServerStatus.NotAnswering down && previous is not ApiServerStatus.NotAnswering)
        {
            LogNotAnswering(ServerUrl, down.Reason);
        }
        else if (status is ApiServerStatus.Answering && previous is ApiServerStatus.NotAnswering)
        {
            LogAnsweringAgain(ServerUrl);
        }

        return status;
    }

    private ApiServerStatus.NotAnswering Down(string what) =>
        new($"The Kubernetes API server at {ServerUrl} {what}.", _time.GetUtcNow());

    [LoggerMessage(Level = LogLevel.Warning, Message = "The Kubernetes API server at {ServerUrl} does not answer: {Reason}")]
    private partial void LogNotAnswering(string serverUrl, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "The Kubernetes API server at {ServerUrl} answers again")]
    private partial void LogAnsweringAgain(string serverUrl);
}

/// <summary>Refuses probe timings that would make readiness useless.</summary>
public sealed class ApiServerProbeOptionsValidator : IValidateOptions<ApiServerProbeOptions>
{
    public ValidateOptionsResult Validate(string? name, ApiServerProbeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        List<string> failures = [];
        if (options.Timeout <= TimeSpan.Zero || options.Timeout > TimeSpan.FromMinutes(1))
        {
            failures.Add($"{ApiServerProbeOptions.SectionName}:Timeout '{options.Timeout}' must be more than 0 and at most 1 minute.");
        }

        if (options.CacheDuration < TimeSpan.Zero || options.CacheDuration > TimeSpan.FromMinutes(1))
        {
            failures.Add($"{ApiServerProbeOptions.SectionName}:CacheDuration '{options.CacheDuration}' must be between 0 and 1 minute.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
