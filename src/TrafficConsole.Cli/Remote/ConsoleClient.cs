using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

using TrafficConsole.Cli.Output;

namespace TrafficConsole.Cli.Remote;

/// <summary>Why a request to the console did not give the document asked for: the exit code, and one line for people.</summary>
/// <param name="ExitCode"><see cref="ExitCodes.Refused"/> when the console answered no, <see cref="ExitCodes.Unreachable"/> when it could not be used.</param>
/// <param name="Message">One line without the <c>trafficconsole: error: </c> prefix; never the token.</param>
/// <param name="Status">The HTTP status, when there was an answer.</param>
/// <param name="Problem">The console's problem document, when it sent one.</param>
internal sealed record ApiFailure(int ExitCode, string Message, HttpStatusCode? Status = null, Problem? Problem = null);

/// <summary>The document a request to the console answered with, or why there is none.</summary>
/// <typeparam name="T">The document.</typeparam>
internal sealed class ApiResult<T>
    where T : class
{
    private ApiResult(T? value, ApiFailure? failure)
    {
        Value = value;
        Failure = failure;
    }

    public T? Value { get; }

    public ApiFailure? Failure { get; }

    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Failure))]
    public bool Succeeded => Value is not null;

    public static ApiResult<T> Ok(T value) => new(value, null);

    public static ApiResult<T> Failed(ApiFailure failure) => new(null, failure);
}

/// <summary>The JSON of the console's REST API: camelCase, enums as their names (kept as strings here), required fields enforced.</summary>
internal static class ApiJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            // A field the console must send and did not, or a null where a value must be, is a wrong document, not a crash later.
            RespectNullableAnnotations = true,
            RespectRequiredConstructorParameters = true,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}

/// <summary>
/// The console's REST API over HTTP: <c>GET /api/v1/rollouts</c>, <c>GET .../revisions</c> and <c>POST .../rollback</c>.
/// Every outcome is a result: HTTP answers the console refuses with become <see cref="ExitCodes.Refused"/> failures with the
/// console's own words; no connection, a timeout or an answer that is not the console's JSON become
/// <see cref="ExitCodes.Unreachable"/> failures naming the URL. Redirects are not followed, so the token never goes elsewhere.
/// </summary>
internal sealed class ConsoleClient : IDisposable
{
    private const long MaxAnswerBytes = 64L * 1024 * 1024;

    private readonly HttpClient _http;
    private readonly ServerConnection _connection;

    public ConsoleClient(ServerConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _connection = connection;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            ConnectTimeout = connection.Timeout < TimeSpan.FromSeconds(10) ? connection.Timeout : TimeSpan.FromSeconds(10),
            AutomaticDecompression = DecompressionMethods.All,
            UseCookies = false,
        };
        _http = new HttpClient(handler, disposeHandler: true)
        {
            Timeout = connection.Timeout,
            MaxResponseContentBufferSize = MaxAnswerBytes,
        };
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("trafficconsole", ToolVersion));
        if (connection.Token is { } token)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    /// <summary>The tool's version, as the User-Agent tells the console.</summary>
    public static string ToolVersion { get; } =
        typeof(ConsoleClient).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    /// <summary><c>GET /api/v1/rollouts[?namespace=]</c>: every service whose traffic is split or rule-routed.</summary>
    public Task<ApiResult<RolloutListDocument>> GetRolloutsAsync(string? ns, CancellationToken cancellationToken) =>
        SendAsync<RolloutListDocument>(HttpMethod.Get, ns is null ? "api/v1/rollouts" : $"api/v1/rollouts?namespace={Uri.EscapeDataString(ns)}", null, cancellationToken);

    /// <summary><c>GET /api/v1/namespaces/{ns}/services/{svc}/traffic</c>: the service's traffic in the cluster now, with its revision.</summary>
    public Task<ApiResult<TrafficDocument>> GetTrafficAsync(string ns, string service, CancellationToken cancellationToken) =>
        SendAsync<TrafficDocument>(HttpMethod.Get, $"{ServicePath(ns, service)}/traffic", null, cancellationToken);

    /// <summary><c>GET /api/v1/namespaces/{ns}/services/{svc}/telemetry?window=</c>: what the service's traffic does, per version.</summary>
    public Task<ApiResult<TelemetryDocument>> GetTelemetryAsync(string ns, string service, string window, CancellationToken cancellationToken) =>
        SendAsync<TelemetryDocument>(HttpMethod.Get, $"{ServicePath(ns, service)}/telemetry?window={Uri.EscapeDataString(window)}", null, cancellationToken);

    /// <summary><c>GET /api/v1/namespaces/{ns}/services/{svc}/revisions</c>: the service's history, newest first.</summary>
    public Task<ApiResult<RevisionListDocument>> GetRevisionsAsync(string ns, string service, CancellationToken cancellationToken) =>
        SendAsync<RevisionListDocument>(HttpMethod.Get, $"{ServicePath(ns, service)}/revisions", null, cancellationToken);

    /// <summary><c>POST /api/v1/namespaces/{ns}/services/{svc}/rollback</c>.</summary>
    public Task<ApiResult<RollbackDocument>> RollbackAsync(string ns, string service, RollbackRequest request, CancellationToken cancellationToken) =>
        SendAsync<RollbackDocument>(HttpMethod.Post, $"{ServicePath(ns, service)}/rollback", Json(request), cancellationToken);

    public Task<ApiResult<RollbackDocument>> PromoteAsync(string ns, string service, PromoteRequest request, CancellationToken cancellationToken) =>
        SendAsync<RollbackDocument>(HttpMethod.Post, $"{ServicePath(ns, service)}/promote", Json(request), cancellationToken);

    /// <summary>A JSON body with its Content-Length (JsonContent would stream it chunked, which some proxies refuse).</summary>
    private static ByteArrayContent Json<T>(T body)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, ApiJson.Options));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return content;
    }

    public void Dispose() => _http.Dispose();

    private static string ServicePath(string ns, string service) =>
        $"api/v1/namespaces/{Uri.EscapeDataString(ns)}/services/{Uri.EscapeDataString(service)}";

    private async Task<ApiResult<T>> SendAsync<T>(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
        where T : class
    {
        var url = new Uri(_connection.BaseUrl, path);
        string what = $"{method.Method} {url}";
        using var request = new HttpRequestMessage(method, url) { Content = content };
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            return ApiResult<T>.Failed(Unreachable($"cannot reach the console at {_connection.BaseUrl}: {Describe(ex)}"));
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return ApiResult<T>.Failed(Unreachable(string.Create(CultureInfo.InvariantCulture, $"the console at {_connection.BaseUrl} did not answer {what} within {_connection.Timeout.TotalSeconds:0} s (--timeout).")));
        }

        using (response)
        {
            string? mediaType = response.Content.Headers.ContentType?.MediaType;
            bool json = mediaType is not null && (mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
            if (response.IsSuccessStatusCode)
            {
                if (!json)
                {
                    return ApiResult<T>.Failed(Unreachable($"{what} answered {Status(response)} with {mediaType ?? "no content type"}, not JSON: is {_connection.BaseUrl} a TrafficConsole?"));
                }

                try
                {
                    T? value = await response.Content.ReadFromJsonAsync<T>(ApiJson.Options, cancellationToken).ConfigureAwait(false);
                    return value is null
                        ? ApiResult<T>.Failed(Unreachable($"{what} answered {Status(response)} with null instead of a document."))
                        : ApiResult<T>.Ok(value);
                }
                catch (JsonException ex)
                {
                    return ApiResult<T>.Failed(Unreachable($"the answer of {what} is not the document this trafficconsole {ToolVersion} reads ({ex.Message}); is {_connection.BaseUrl} a TrafficConsole of a matching version?"));
                }
            }

            Problem? problem = json ? await ReadProblemAsync(response, cancellationToken).ConfigureAwait(false) : null;
            return ApiResult<T>.Failed(Refusal(response, problem, what));
        }
    }

    private ApiFailure Refusal(HttpResponseMessage response, Problem? problem, string what)
    {
        HttpStatusCode status = response.StatusCode;
        string said = Said(problem);
        ApiFailure Refused(string message) => new(ExitCodes.Refused, message, status, problem);
        ApiFailure CannotUse(string message) => new(ExitCodes.Unreachable, message, status, problem);
        return (int)status switch
        {
            401 => Refused(_connection.Token is null
                ? $"the console at {_connection.BaseUrl} requires sign-in ({Status(response)}){Colon(said, Challenge(response))}: pass --token-file <path> or set {ServerOptions.TokenVariable}."
                : $"the console at {_connection.BaseUrl} did not accept the token ({Status(response)}){Colon(said, Challenge(response))}."),
            403 => Refused($"forbidden ({Status(response)}): {(said.Length > 0 ? said : "the console refused the request to the signed-in user.")}"),
            // The console says what it did not find ("Service 'x' does not exist in namespace 'y'."); a bare 404, or
            // ASP.NET Core's generic "Not Found" problem for a route it lacks, means the server has no such API.
            404 when problem?.Detail is { Length: > 0 } detail => Refused(detail.Trim()),
            404 => CannotUse($"{what} answered {Status(response)}: {_connection.BaseUrl} has no such API; is it a TrafficConsole recent enough for this trafficconsole {ToolVersion}?"),
            409 => Refused((TitleAndDetail(problem) is { Length: > 0 } both ? both : "the service changed meanwhile; nothing was written.")
                + (problem?.Current is { } current ? $" Now: {TextReport.Weights(current.Weights)} (revision {current.Revision})." : string.Empty)),
            400 or 422 => Refused(Sentence(problem?.Title ?? $"the console refused {what} ({Status(response)})") + Fields(problem)),
            >= 300 and < 400 => CannotUse($"{what} answered {Status(response)}{(response.Headers.Location is { } location ? $" to {new Uri(response.RequestMessage?.RequestUri ?? _connection.BaseUrl, location)}" : string.Empty)}; pass the console's own address as --server."),
            >= 500 => CannotUse($"the console at {_connection.BaseUrl} could not answer {what} ({Status(response)}){Colon(said, null)}."),
            _ => CannotUse($"{what} answered {Status(response)}, which trafficconsole does not expect{Colon(said, null)}."),
        };
    }

    private static async Task<Problem?> ReadProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync<Problem>(ApiJson.Options, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            // An error page that only claims to be JSON: the status line still says what happened.
            return null;
        }
    }

    /// <summary>What the console said about the failure: its detail, else its title.</summary>
    private static string Said(Problem? problem) =>
        problem?.Detail is { Length: > 0 } detail ? detail.Trim()
        : problem?.Title is { Length: > 0 } title ? title.Trim()
        : string.Empty;

    /// <summary>"Title. Detail." for a conflict, where the title says nothing was written and the detail what changed.</summary>
    private static string TitleAndDetail(Problem? problem) =>
        string.Join(" ", new[] { problem?.Title, problem?.Detail }.Where(static t => !string.IsNullOrWhiteSpace(t)).Select(static t => Sentence(t!.Trim())));

    private static string Fields(Problem? problem)
    {
        if (problem?.Errors is not { Count: > 0 } errors)
        {
            return problem?.Detail is { Length: > 0 } detail ? " " + Sentence(detail.Trim()) : string.Empty;
        }

        return " " + string.Join("; ", errors.OrderBy(static e => e.Key, StringComparer.Ordinal).Select(static e => $"{e.Key}: {string.Join(" ", e.Value)}").Select(static s => s.TrimEnd('.'))) + ".";
    }

    /// <summary>The error description of a <c>WWW-Authenticate: Bearer error_description="..."</c> challenge, if any.</summary>
    private static string? Challenge(HttpResponseMessage response)
    {
        foreach (AuthenticationHeaderValue challenge in response.Headers.WwwAuthenticate)
        {
            string? parameter = challenge.Parameter;
            int at = parameter?.IndexOf("error_description=\"", StringComparison.OrdinalIgnoreCase) ?? -1;
            if (parameter is not null && at >= 0)
            {
                int start = at + "error_description=\"".Length;
                int end = parameter.IndexOf('"', start);
                return end > start ? parameter[start..end] : null;
            }
        }

        return null;
    }

    private static string Colon(string said, string? orElse) =>
        said.Length > 0 ? ": " + said.TrimEnd('.') : orElse is { Length: > 0 } other ? ": " + other.TrimEnd('.') : string.Empty;

    private static string Sentence(string text) => text.EndsWith('.') ? text : text + ".";

    private static string Status(HttpResponseMessage response) =>
        string.Create(CultureInfo.InvariantCulture, $"{(int)response.StatusCode} {response.ReasonPhrase ?? response.StatusCode.ToString()}");

    private static string Describe(HttpRequestException ex)
    {
        string message = ex.Message.TrimEnd('.');
        return ex.InnerException is { } inner && !message.Contains(inner.Message, StringComparison.Ordinal)
            ? $"{message} ({inner.Message.TrimEnd('.')})."
            : message + ".";
    }

    private static ApiFailure Unreachable(string message) => new(ExitCodes.Unreachable, message);
}
