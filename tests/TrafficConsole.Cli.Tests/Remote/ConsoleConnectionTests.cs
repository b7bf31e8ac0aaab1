using Microsoft.AspNetCore.Http;

using TrafficConsole.Cli.Tests.Infrastructure;

using static TrafficConsole.Cli.Tests.Infrastructure.Cli;

namespace TrafficConsole.Cli.Tests.Remote;

/// <summary>
/// How the remote verbs talk to a console: the bearer token (sent, never shown), and every way a request can fail
/// turned into one line naming the URL with the documented exit code, never a stack trace.
/// </summary>
public sealed class ConsoleConnectionTests : IAsyncLifetime
{
    private const string Token = "tc-secret-7f3a9c2e5b1d";

    private StubConsole _stub = null!;
    private string _tokenFile = null!;

    public async Task InitializeAsync()
    {
        _stub = await Recorded.StartReviewsAsync();
        _tokenFile = Path.Combine(Path.GetTempPath(), $"tc-token-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(_tokenFile, Token + "\n");
    }

    public async Task DisposeAsync()
    {
        await _stub.DisposeAsync();
        File.Delete(_tokenFile);
    }

    private string Server => _stub.Url.ToString();

    [Fact]
    public async Task The_token_from_a_file_is_sent_as_a_bearer_token()
    {
        CliRun run = await RunAsync("rollouts", "--server", Server, "--token-file", _tokenFile);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal($"Bearer {Token}", Assert.Single(_stub.Requests).Authorization);
        AssertNoToken(run);
    }

    [Fact]
    public async Task The_token_may_come_from_TRAFFICCONSOLE_TOKEN_and_the_file_wins_over_it()
    {
        var environment = new Dictionary<string, string> { ["TRAFFICCONSOLE_TOKEN"] = "from-the-environment" };

        CliRun fromEnvironment = await RunAsync(["rollouts", "--server", Server], environment: environment);
        CliRun fromFile = await RunAsync(["rollouts", "--server", Server, "--token-file", _tokenFile], environment: environment);

        Assert.True(fromEnvironment.ExitCode == 0 && fromFile.ExitCode == 0, fromEnvironment + "\n" + fromFile);
        Assert.Equal(["Bearer from-the-environment", $"Bearer {Token}"], _stub.Requests.Select(static r => r.Authorization));
    }

    [Fact]
    public async Task Without_a_token_no_Authorization_header_is_sent()
    {
        CliRun run = await RunAsync("rollouts", "--server", Server);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Null(Assert.Single(_stub.Requests).Authorization);
    }

    [Fact]
    public async Task The_help_says_the_token_is_never_printed()
    {
        CliRun run = await RunAsync("rollback", "--help");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("--token-file", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("TRAFFICCONSOLE_TOKEN", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("never printed or logged", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_401_without_a_token_says_how_to_pass_one()
    {
        _stub.Handle("GET", "/api/v1/rollouts", static context =>
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Bearer";
            return Task.CompletedTask;
        });

        CliRun run = await RunAsync("rollouts", "--server", Server);

        Assert.Equal(1, run.ExitCode);
        Assert.Empty(run.Stdout);
        Assert.Equal($"trafficconsole: error: the console at {Server} requires sign-in (401 Unauthorized): pass --token-file <path> or set TRAFFICCONSOLE_TOKEN.{Environment.NewLine}", run.Stderr);
    }

    [Fact]
    public async Task A_401_with_a_token_gives_the_challenge_reason_and_never_the_token()
    {
        _stub.Handle("GET", "/api/v1/rollouts", static context =>
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\", error_description=\"The token expired at 2026-12-01T19:00:00Z\"";
            return Task.CompletedTask;
        });

        CliRun run = await RunAsync("rollouts", "--server", Server, "--token-file", _tokenFile);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal($"trafficconsole: error: the console at {Server} did not accept the token (401 Unauthorized): The token expired at 2026-12-01T19:00:00Z.{Environment.NewLine}", run.Stderr);
        AssertNoToken(run);
    }

    [Fact]
    public async Task A_403_exits_1_with_the_consoles_reason()
    {
        _stub.Problem("GET", "/api/v1/rollouts", 403, """{ "title": "Forbidden", "status": 403, "detail": "alice@example.com may not list virtualservices in namespace shop." }""");

        CliRun run = await RunAsync("rollouts", "--server", Server, "--token-file", _tokenFile);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal($"trafficconsole: error: forbidden (403 Forbidden): alice@example.com may not list virtualservices in namespace shop.{Environment.NewLine}", run.Stderr);
        AssertNoToken(run);
    }

    [Fact]
    public async Task Connection_refused_exits_2_naming_the_url()
    {
        StubConsole stopped = _stub;
        Uri url = stopped.Url;
        _stub = await StubConsole.StartAsync();
        await stopped.DisposeAsync();

        CliRun run = await RunAsync("rollouts", "--server", url.ToString());

        Assert.Equal(2, run.ExitCode);
        Assert.Empty(run.Stdout);
        Assert.StartsWith($"trafficconsole: error: cannot reach the console at {url}: Connection refused", run.Stderr, StringComparison.Ordinal);
        AssertOneLine(run);
    }

    [Fact]
    public async Task No_answer_within_the_timeout_exits_2_naming_the_url_and_the_option()
    {
        _stub.Hang("GET", "/api/v1/rollouts");

        CliRun run = await RunAsync("rollouts", "--server", Server, "--timeout", "1");

        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"trafficconsole: error: the console at {Server} did not answer GET {Server}api/v1/rollouts within 1 s (--timeout).{Environment.NewLine}", run.Stderr);
    }

    [Fact]
    public async Task An_answer_that_is_not_JSON_exits_2_and_asks_whether_the_url_is_a_console()
    {
        _stub.Answer("GET", "/api/v1/rollouts", 200, "<html><body>Welcome to nginx!</body></html>", "text/html");

        CliRun run = await RunAsync("rollouts", "--server", Server);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"trafficconsole: error: GET {Server}api/v1/rollouts answered 200 OK with text/html, not JSON: is {Server} a TrafficConsole?{Environment.NewLine}", run.Stderr);
    }

    [Fact]
    public async Task JSON_of_another_shape_exits_2_naming_what_is_missing()
    {
        _stub.Answer("GET", "/api/v1/rollouts", 200, """{ "items": [ { "namespace": "bookinfo", "service": "reviews" } ] }""");

        CliRun run = await RunAsync("rollouts", "--server", Server);

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith($"trafficconsole: error: the answer of GET {Server}api/v1/rollouts is not the document this trafficconsole", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("kind", run.Stderr, StringComparison.Ordinal);
        AssertOneLine(run);
    }

    [Fact]
    public async Task A_console_that_cannot_reach_its_cluster_exits_2_with_its_reason()
    {
        _stub.Problem("GET", "/api/v1/rollouts", 503, Recorded.Read("problem-unavailable.json"));

        CliRun run = await RunAsync("rollouts", "--server", Server);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"trafficconsole: error: the console at {Server} could not answer GET {Server}api/v1/rollouts (503 Service Unavailable): The Kubernetes API server is not reachable yet: Connection refused (10.96.0.1:443).{Environment.NewLine}", run.Stderr);
    }

    [Fact]
    public async Task A_404_without_a_problem_is_a_server_without_the_api_and_exits_2()
    {
        CliRun run = await RunAsync("history", "--server", Server, "-n", "bookinfo", "details");

        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"trafficconsole: error: GET {Server}api/v1/namespaces/bookinfo/services/details/revisions answered 404 Not Found: {Server} has no such API; is it a TrafficConsole recent enough for this trafficconsole 0.1.0?{Environment.NewLine}", run.Stderr);
    }

    [Fact]
    public async Task A_generic_not_found_problem_is_a_console_without_the_api_and_exits_2()
    {
        // What ASP.NET Core's problem details middleware answers for a route the app does not map.
        _stub.Problem("GET", "/api/v1/rollouts", 404, """{ "type": "https://tools.ietf.org/html/rfc9110#section-15.5.5", "title": "Not Found", "status": 404, "traceId": "00-1-2-00" }""");

        CliRun run = await RunAsync("rollouts", "--server", Server);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"trafficconsole: error: GET {Server}api/v1/rollouts answered 404 Not Found: {Server} has no such API; is it a TrafficConsole recent enough for this trafficconsole 0.1.0?{Environment.NewLine}", run.Stderr);
    }

    [Fact]
    public async Task A_redirect_is_not_followed_so_the_token_stays_with_the_console_named()
    {
        await using StubConsole elsewhere = await StubConsole.StartAsync();
        _stub.Handle("GET", "/api/v1/rollouts", context =>
        {
            context.Response.StatusCode = StatusCodes.Status302Found;
            context.Response.Headers.Location = new Uri(elsewhere.Url, "api/v1/rollouts").ToString();
            return Task.CompletedTask;
        });

        CliRun run = await RunAsync("rollouts", "--server", Server, "--token-file", _tokenFile);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"trafficconsole: error: GET {Server}api/v1/rollouts answered 302 Found to {elsewhere.Url}api/v1/rollouts; pass the console's own address as --server.{Environment.NewLine}", run.Stderr);
        Assert.Empty(elsewhere.Requests);
        AssertNoToken(run);
    }

    [Fact]
    public async Task A_missing_or_empty_token_file_exits_2_before_any_request()
    {
        string missing = Path.Combine(Path.GetTempPath(), $"no-token-{Guid.NewGuid():N}");
        string empty = Path.Combine(Path.GetTempPath(), $"empty-token-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(empty, "\n");
        try
        {
            CliRun none = await RunAsync("rollouts", "--server", Server, "--token-file", missing);
            CliRun blank = await RunAsync("rollouts", "--server", Server, "--token-file", empty);

            Assert.Equal((2, 2), (none.ExitCode, blank.ExitCode));
            Assert.Equal($"trafficconsole: error: cannot read '{missing}': no such file.{Environment.NewLine}", none.Stderr);
            Assert.Equal($"trafficconsole: error: --token-file '{empty}' is empty: it must hold the bearer token.{Environment.NewLine}", blank.Stderr);
            Assert.Empty(_stub.Requests);
        }
        finally
        {
            File.Delete(empty);
        }
    }

    [Fact]
    public async Task A_token_with_a_line_break_inside_is_refused_without_echoing_it()
    {
        var environment = new Dictionary<string, string> { ["TRAFFICCONSOLE_TOKEN"] = "first-half\nsecond-half" };

        CliRun run = await RunAsync(["rollouts", "--server", Server], environment: environment);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"trafficconsole: error: TRAFFICCONSOLE_TOKEN does not hold a bearer token: it has spaces, line breaks or non-ASCII characters inside.{Environment.NewLine}", run.Stderr);
        Assert.DoesNotContain("half", run.Stderr, StringComparison.Ordinal);
        Assert.Empty(_stub.Requests);
    }

    [Fact]
    public async Task A_token_sent_over_plain_http_to_another_host_is_warned_about()
    {
        // Nothing listens on this name: the point is the warning before the request.
        CliRun run = await RunAsync("rollouts", "--server", "http://console.invalid:1", "--token-file", _tokenFile, "--timeout", "2");

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("trafficconsole: warning: the token is sent over plain http to console.invalid, where anyone on the network can read it; use https.", run.Stderr, StringComparison.Ordinal);
        AssertNoToken(run);
    }

    private static void AssertNoToken(CliRun run)
    {
        Assert.DoesNotContain(Token, run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, run.Stderr, StringComparison.Ordinal);
    }

    private static void AssertOneLine(CliRun run)
    {
        Assert.Single(run.Stderr.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n'));
        Assert.DoesNotContain("   at ", run.Stderr, StringComparison.Ordinal);
    }
}
