using TrafficConsole.Cli.Tests.Infrastructure;

using static TrafficConsole.Cli.Tests.Infrastructure.Cli;

namespace TrafficConsole.Cli.Tests.Tool;

/// <summary>The built tool run as a process (<c>dotnet TrafficConsole.Cli.dll</c>): real exit codes, real streams, relative paths.</summary>
public class ProcessTests
{
    [Fact]
    public async Task Simulate_prints_the_route_on_stdout_and_exits_0()
    {
        CliRun run = await RunProcessAsync(["simulate", "bookinfo/virtual-service-reviews-jason-v2-v3.yaml", "bookinfo/destination-rule-all.yaml", "--host", "reviews", "--header", "end-user=jason", "--path", "/"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Empty(run.Stderr);
        Assert.Contains("VirtualService default/reviews (bookinfo/virtual-service-reviews-jason-v2-v3.yaml:2)", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("100%  reviews, version v2 (subset v2)", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_request_without_a_route_exits_3()
    {
        CliRun run = await RunProcessAsync(["simulate", "bookinfo/bookinfo-gateway.yaml", "--host", "bookinfo.example.com", "--gateway", "bookinfo-gateway", "--path", "/admin"]);

        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.Contains("404 Not Found", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stdin_is_read_for_a_dash()
    {
        string yaml = File.ReadAllText(Sample("bookinfo/virtual-service-reviews-v2-v3.yaml"));

        CliRun run = await RunProcessAsync(["simulate", "-", "--host", "reviews", "-o", "json"], yaml);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("<stdin>", run.Json.GetProperty("virtualService").GetProperty("source").GetString());
        Assert.Equal(2, run.Json.GetProperty("destinations").GetArrayLength());
    }

    [Fact]
    public async Task A_syntax_error_exits_2_with_the_location_on_stderr_and_no_stack_trace()
    {
        CliRun run = await RunProcessAsync(["validate", "broken/syntax-error.yaml"]);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Empty(run.Stdout);
        Assert.StartsWith("broken/syntax-error.yaml:21:6: error: YAML syntax error: ", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_usage_error_exits_2()
    {
        CliRun run = await RunProcessAsync(["simulate", "bookinfo/virtual-service-all-v1.yaml"]);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("--host", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rollback_run_from_a_script_takes_the_server_from_the_environment_and_without_yes_changes_nothing()
    {
        await using StubConsole stub = await Recorded.StartReviewsAsync();
        var environment = new Dictionary<string, string> { ["TRAFFICCONSOLE_SERVER"] = stub.Url.ToString() };

        CliRun refused = await ProcessRunner.RunAsync("dotnet", [ToolDll, "rollback", "-n", "bookinfo", "reviews", "--to-stable"], AppContext.BaseDirectory, environment, stdin: "y\n", timeoutSeconds: 60);
        CliRun confirmed = await ProcessRunner.RunAsync("dotnet", [ToolDll, "rollback", "-n", "bookinfo", "reviews", "--to-stable", "--yes"], AppContext.BaseDirectory, environment, timeoutSeconds: 60);

        // Standard input is a pipe, not a person: the "y" in it is not a confirmation.
        Assert.True(refused.ExitCode == 2, refused.ToString());
        Assert.Contains("pass --yes to confirm", refused.Stderr, StringComparison.Ordinal);
        Assert.True(confirmed.ExitCode == 0, confirmed.ToString());
        Assert.StartsWith("Sent all traffic of bookinfo/reviews to its stable version v1.", confirmed.Stdout, StringComparison.Ordinal);
        Assert.Equal(1, stub.Count("POST", "/api/v1/namespaces/bookinfo/services/reviews/rollback"));
    }
}
