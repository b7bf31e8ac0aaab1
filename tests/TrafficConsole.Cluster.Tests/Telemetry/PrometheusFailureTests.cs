using System.Text;

using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

using TrafficConsole.Cluster.Telemetry;
using TrafficConsole.Cluster.Tests.Infrastructure;
using TrafficConsole.Mesh.Telemetry;

namespace TrafficConsole.Cluster.Tests.Telemetry;

/// <summary>Every way Prometheus can fail the console, over real HTTP: each is one line for people, never an exception; credentials arrive.</summary>
public sealed class PrometheusFailureTests : IAsyncLifetime
{
    private FakePrometheusApi _api = null!;
    private readonly string _scratch = Directory.CreateTempSubdirectory("trafficconsole-prom-auth-").FullName;

    public async Task InitializeAsync() => _api = await FakePrometheusApi.StartAsync();

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        Directory.Delete(_scratch, recursive: true);
    }

    private static PrometheusTelemetrySource Source(string url, Action<PrometheusOptions>? configure = null)
    {
        var options = new TelemetryOptions { Prometheus = { Url = url, QueryTimeout = TimeSpan.FromSeconds(5) } };
        configure?.Invoke(options.Prometheus);
        Assert.Empty(TelemetryOptionsValidator.Check(options));
        return new PrometheusTelemetrySource(Options.Create(options), TimeProvider.System, NullLogger<PrometheusTelemetrySource>.Instance);
    }

    private static async Task<string> UnavailableAsync(PrometheusTelemetrySource source)
    {
        var result = await source.ReadAsync("bookinfo", TelemetryWindow.FiveMinutes, CancellationToken.None);
        string reason = Assert.IsType<TelemetryResult<TelemetryReading>.Unavailable>(result).Reason;
        Assert.DoesNotContain('\n', reason);
        return reason;
    }

    private static Func<HttpContext, Task> Answer(int status, string body, string contentType = "application/json") => async context =>
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        await context.Response.WriteAsync(body);
    };

    [Fact]
    public async Task Nothing_listening_is_not_reachable()
    {
        string url = $"http://127.0.0.1:{PrometheusServer.FreePort()}";
        using var source = Source(url);

        Assert.StartsWith($"Prometheus at {url} is not reachable: the connection failed", await UnavailableAsync(source), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_that_hangs_past_the_timeout_did_not_answer()
    {
        _api.Respond = static context => Task.Delay(Timeout.Infinite, context.RequestAborted);
        using var source = Source(_api.Url.ToString(), o => o.QueryTimeout = TimeSpan.FromMilliseconds(400));

        var started = DateTime.UtcNow;
        string reason = await UnavailableAsync(source);

        Assert.Equal($"Prometheus at {_api.Url.ToString().TrimEnd('/')} did not answer within 0.4 s.", reason);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5));
        Assert.Equal("400ms", _api.Requests.First().Form["timeout"]);
    }

    [Theory]
    [InlineData(401, "Unauthorized")]
    [InlineData(403, "Forbidden")]
    public async Task Refused_credentials_say_so(int status, string phrase)
    {
        _api.Respond = Answer(status, "no");
        using var source = Source(_api.Url.ToString());

        Assert.EndsWith($"refused the console's credentials ({status} {phrase}).", await UnavailableAsync(source), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(400, "bad_data", "invalid parameter \\\"query\\\": 1:1: parse error")]
    [InlineData(422, "execution", "query processing would load too many samples into memory")]
    [InlineData(503, "unavailable", "Service Unavailable")]
    [InlineData(500, "internal", "cannot allocate memory")]
    public async Task Prometheus_errors_carry_its_own_text(int status, string type, string error)
    {
        _api.Respond = Answer(status, $$"""{"status":"error","errorType":"{{type}}","error":"{{error}}"}""");
        using var source = Source(_api.Url.ToString());

        string reason = await UnavailableAsync(source);

        Assert.Contains($"answered {status}: {type}: {error.Replace("\\\"", "\"", StringComparison.Ordinal)}", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_proxy_error_page_keeps_its_first_line()
    {
        _api.Respond = Answer(502, "upstream connect error\nreset reason: connection failure", "text/plain");
        using var source = Source(_api.Url.ToString());

        Assert.EndsWith("answered 502 Bad Gateway: upstream connect error", await UnavailableAsync(source), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},\"value\":[1,\"x\"]}]}}", "\"x\" is not a sample value")]
    [InlineData("<html>hello</html>", "not JSON")]
    [InlineData("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[]}}", "was not answered with a vector")]
    public async Task A_malformed_answer_cannot_be_read(string body, string why)
    {
        _api.Respond = Answer(200, body);
        using var source = Source(_api.Url.ToString());

        string reason = await UnavailableAsync(source);

        Assert.StartsWith($"Prometheus at {_api.Url.ToString().TrimEnd('/')} sent an answer the console cannot read:", reason, StringComparison.Ordinal);
        Assert.Contains(why, reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_answer_over_the_cap_is_refused(bool announced)
    {
        string huge = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[" + string.Join(",", Enumerable.Repeat("{\"metric\":{},\"value\":[1,\"1\"]}", 2000)) + "]}}";
        _api.Respond = async context =>
        {
            byte[] bytes = Encoding.UTF8.GetBytes(huge);
            if (announced)
            {
                context.Response.ContentLength = bytes.Length;
            }

            await context.Response.Body.WriteAsync(bytes);
        };
        using var source = Source(_api.Url.ToString(), o => o.MaxAnswerBytes = 4096);

        Assert.Contains("answered with more than 4 KiB for one query", await UnavailableAsync(source), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_queries_arrive_as_forms_with_time_and_timeout_under_the_url_path()
    {
        using var source = Source(_api.Url + "prometheus/");

        var result = await source.ReadAsync("bookinfo", TelemetryWindow.FiveMinutes, CancellationToken.None);

        Assert.Empty(Assert.IsType<TelemetryResult<TelemetryReading>.Ok>(result).Value.Services);
        Assert.Equal(12, _api.Requests.Count);
        Assert.All(_api.Requests, r => Assert.Equal(("POST", "/prometheus/api/v1/query", "5000ms"), (r.Method, r.Path, r.Form["timeout"])));
        Assert.Equal(new PromQl().Figures("bookinfo", TelemetryWindow.FiveMinutes).Select(q => q.Expression).Order(), _api.Requests.Select(r => r.Form["query"]).Order());
        Assert.Single(_api.Requests.Select(r => r.Form["time"]).Distinct());
    }

    [Fact]
    public async Task A_bearer_token_file_is_sent_and_read_again_when_rotated()
    {
        string tokenFile = Path.Combine(_scratch, "token");
        await File.WriteAllTextAsync(tokenFile, "first-token\n");
        _api.Respond = Answer(200, """{"status":"success","data":{"resultType":"vector","result":[]}}""");
        using var source = Source(_api.Url.ToString(), o =>
        {
            o.BearerTokenFile = tokenFile;
            o.Headers["X-Scope-OrgID"] = "tenant-a";
        });

        Assert.IsType<TelemetryResult<TelemetryReading>.Ok>(await source.ReadAsync(null, TelemetryWindow.OneMinute, CancellationToken.None));
        Assert.All(_api.Requests, r => Assert.Equal(("Bearer first-token", "tenant-a"), (r.Headers["Authorization"], r.Headers["X-Scope-OrgID"])));

        // The kubelet swaps a projected token in place; the next query carries the new one.
        await File.WriteAllTextAsync(tokenFile, "second-token-rotated");
        File.SetLastWriteTimeUtc(tokenFile, DateTime.UtcNow.AddSeconds(5));
        _api.Requests.Clear();
        Assert.IsType<TelemetryResult<TelemetryReading>.Ok>(await source.ReadAsync(null, TelemetryWindow.OneMinute, CancellationToken.None));
        Assert.All(_api.Requests, r => Assert.Equal("Bearer second-token-rotated", r.Headers["Authorization"]));

        // A token file that went away is a reason, not a crash.
        File.Delete(tokenFile);
        Assert.Contains("cannot read its credentials", await UnavailableAsync(source), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Basic_auth_from_a_password_file_is_sent()
    {
        string passwordFile = Path.Combine(_scratch, "password");
        await File.WriteAllTextAsync(passwordFile, "s3cret:with-colon");
        using var source = Source(_api.Url.ToString(), o =>
        {
            o.Username = "console";
            o.PasswordFile = passwordFile;
        });

        Assert.IsType<TelemetryResult<TelemetryReading>.Ok>(await source.ReadAsync(null, TelemetryWindow.OneMinute, CancellationToken.None));

        string expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("console:s3cret:with-colon"));
        Assert.All(_api.Requests, r => Assert.Equal(expected, r.Headers["Authorization"]));
    }

    [Fact]
    public async Task A_caller_that_gives_up_cancels_rather_than_reading_unavailable()
    {
        _api.Respond = static context => Task.Delay(Timeout.Infinite, context.RequestAborted);
        using var source = Source(_api.Url.ToString());
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => source.ReadAsync(null, TelemetryWindow.OneMinute, cancel.Token));
    }
}
