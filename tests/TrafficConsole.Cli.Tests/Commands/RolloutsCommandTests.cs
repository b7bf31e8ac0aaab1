using System.Text.Json;

using TrafficConsole.Cli.Tests.Infrastructure;

using static TrafficConsole.Cli.Tests.Infrastructure.Cli;

namespace TrafficConsole.Cli.Tests.Commands;

/// <summary><c>trafficconsole rollouts</c> against a stub console that answers with recorded documents.</summary>
public sealed class RolloutsCommandTests : IAsyncLifetime
{
    private StubConsole _stub = null!;

    public async Task InitializeAsync() => _stub = await Recorded.StartReviewsAsync();

    public async Task DisposeAsync() => await _stub.DisposeAsync();

    [Fact]
    public async Task The_overview_is_a_table_with_split_stable_and_why_time_in_flight_last_change_and_validation()
    {
        CliRun run = await RunAsync(["rollouts", "--server", _stub.Url.ToString()], clock: Recorded.Clock());

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Empty(run.Stderr);
        string[] lines = run.Stdout.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n');
        Assert.Equal(4, lines.Length);
        Assert.Equal(["NAMESPACE", "SERVICE", "SPLIT", "STABLE", "IN", "FLIGHT", "LAST", "CHANGE", "VALIDATION"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches(@"^bookinfo +reviews +v1 30 / v2 70 / v3 0 +v1 \(first seen at 100% on 2026-11-30\) +2h 5m +alice@example\.com, 12m ago +ok$", lines[1]);
        Assert.Matches(@"^shop +cart +v1 90 / v2 10 \(rules\) \+ mirror v2 5% +v1 \(marked by bob@example\.com 2h 0m ago\) +- +kubectl-client-side-apply \(external\), 2d 0h ago +warning \(2\)$", lines[2]);
        Assert.Equal("2 rollouts in flight in 2 namespaces.", lines[3]);

        // Columns line up: each column starts where its header does.
        Assert.Equal(lines[0].IndexOf("SPLIT", StringComparison.Ordinal), lines[1].IndexOf("v1 30", StringComparison.Ordinal));
        Assert.Equal(lines[0].IndexOf("VALIDATION", StringComparison.Ordinal), lines[2].IndexOf("warning", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_namespace_is_asked_for_with_the_query_and_an_empty_answer_says_so()
    {
        _stub.Answer("GET", "/api/v1/rollouts?namespace=shop", 200, """{ "items": [] }""");

        CliRun run = await RunAsync("rollouts", "--server", _stub.Url.ToString(), "-n", "shop");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal($"No rollouts in flight in namespace shop: no service's traffic is split or rule-routed.{Environment.NewLine}", run.Stdout);
        Assert.Equal("/api/v1/rollouts?namespace=shop", Assert.Single(_stub.Requests).PathAndQuery);
    }

    [Fact]
    public async Task Json_output_is_a_versioned_document_with_the_consoles_rows()
    {
        CliRun run = await RunAsync("rollouts", "--server", _stub.Url.ToString(), "-o", "json");

        Assert.True(run.ExitCode == 0, run.ToString());
        JsonElement json = run.Json;
        Assert.Equal("trafficconsole/rollouts/v1", json.GetProperty("schema").GetString());
        Assert.Equal(_stub.Url.ToString(), json.GetProperty("server").GetString());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("namespace").ValueKind);
        JsonElement[] items = [.. json.GetProperty("items").EnumerateArray()];
        Assert.Equal(2, items.Length);
        JsonElement reviews = items[0];
        Assert.Equal(("bookinfo", "reviews", "Split"), (reviews.GetProperty("namespace").GetString(), reviews.GetProperty("service").GetString(), reviews.GetProperty("kind").GetString()));
        Assert.Equal(70, reviews.GetProperty("weights").GetProperty("v2").GetInt32());
        Assert.Equal(("v1", "FirstSeen"), (reviews.GetProperty("stable").GetProperty("version").GetString(), reviews.GetProperty("stable").GetProperty("reason").GetString()));
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 17, 55, 0, TimeSpan.Zero), reviews.GetProperty("inFlightSince").GetDateTimeOffset());
        Assert.Equal("alice@example.com", reviews.GetProperty("lastChangedBy").GetString());
        Assert.Equal(JsonValueKind.Null, reviews.GetProperty("mirror").ValueKind);
        Assert.Equal(5, items[1].GetProperty("mirror").GetProperty("percent").GetDouble());
        Assert.Equal(("warning", 2), (items[1].GetProperty("validation").GetString(), items[1].GetProperty("validationCount").GetInt32()));
    }

    [Fact]
    public async Task The_server_may_come_from_TRAFFICCONSOLE_SERVER()
    {
        CliRun run = await RunAsync(["rollouts"], environment: new Dictionary<string, string> { ["TRAFFICCONSOLE_SERVER"] = _stub.Url.ToString() });

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("bookinfo  ", run.Stdout, StringComparison.Ordinal);
        Assert.Equal(1, _stub.Count("GET", "/api/v1/rollouts"));
    }

    [Fact]
    public async Task Without_a_server_it_says_how_to_name_one_and_exits_2()
    {
        CliRun run = await RunAsync("rollouts");

        Assert.Equal(2, run.ExitCode);
        Assert.Empty(run.Stdout);
        Assert.Equal($"trafficconsole: error: no console to talk to: pass --server <url> or set TRAFFICCONSOLE_SERVER.{Environment.NewLine}", run.Stderr);
    }

    [Theory]
    [InlineData("localhost:5000")]
    [InlineData("ftp://console.example.com")]
    [InlineData("console")]
    public async Task A_server_that_is_not_an_http_url_is_refused_at_the_option(string server)
    {
        CliRun run = await RunAsync("rollouts", "--server", server);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"trafficconsole: error: --server '{server}' is not the http:// or https:// URL of a console (e.g. http://localhost:5000).{Environment.NewLine}", run.Stderr);
    }

    [Fact]
    public async Task A_console_under_a_path_base_is_asked_under_it()
    {
        CliRun run = await RunAsync("rollouts", "--server", new Uri(_stub.Url, "traffic").ToString());

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("/traffic/api/v1/rollouts", Assert.Single(_stub.Requests).PathAndQuery);
    }
}
