using System.Text.Json;

using TrafficConsole.Cli.Tests.Infrastructure;

using static TrafficConsole.Cli.Tests.Infrastructure.Cli;

namespace TrafficConsole.Cli.Tests.Commands;

/// <summary><c>trafficconsole promote</c> against a stub console: what it sends, when it refuses, and what it says.</summary>
public sealed class PromoteCommandTests : IAsyncLifetime
{
    private const string PromotePath = "/api/v1/namespaces/bookinfo/services/reviews/promote";

    private StubConsole _stub = null!;

    public async Task InitializeAsync() => _stub = await Recorded.StartReviewsAsync();

    public async Task DisposeAsync() => await _stub.DisposeAsync();

    private string[] Promote(params string[] args) => ["promote", "--server", _stub.Url.ToString(), "-n", "bookinfo", "reviews", .. args];

    [Fact]
    public async Task With_yes_it_posts_the_version_the_revision_it_was_decided_on_and_the_reason_and_says_what_changed()
    {
        CliRun run = await RunAsync(Promote("v2", "--reason", "v2 held up", "--yes"));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Empty(run.Stderr);
        JsonElement body = JsonDocument.Parse(_stub.Requests.Single(static r => r.Method == "POST").Body).RootElement;
        Assert.Equal(("v2", "vs:41,dr:12", "v2 held up"), (body.GetProperty("version").GetString(), body.GetProperty("revision").GetString(), body.GetProperty("reason").GetString()));
        Assert.Equal(
            string.Join(Environment.NewLine,
                "Promoted v2 of bookinfo/reviews: it is the stable version now.",
                "  was:   v1 30 / v2 70 / v3 0   (revision vs:41,dr:12)",
                "  now:   v1 0 / v2 100 / v3 0   (revision vs:42,dr:12)",
                string.Empty),
            run.Stdout);
    }

    [Fact]
    public async Task Without_yes_and_without_a_terminal_it_shows_the_plan_refuses_with_2_and_writes_nothing()
    {
        CliRun run = await RunAsync(Promote("v2"));

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith(
            string.Join("\n",
                "Promote v2 of bookinfo/reviews: all traffic to it, and it marked stable.",
                "  now:     v1 30 / v2 70 / v3 0   (revision vs:41,dr:12)",
                "  after:   v1 0 / v2 100 / v3 0"),
            run.Stderr.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Equal(0, _stub.Count("POST", PromotePath));
    }

    [Fact]
    public async Task An_unknown_version_or_a_changed_service_is_refused_before_anything_is_written()
    {
        CliRun unknown = await RunAsync(Promote("v9", "--yes"));
        CliRun stale = await RunAsync(Promote("v2", "--revision", "vs:40,dr:12", "--yes"));

        Assert.Equal((1, 1), (unknown.ExitCode, stale.ExitCode));
        Assert.Equal($"trafficconsole: error: bookinfo/reviews has no version 'v9' (it has v1, v2, v3); nothing was written.{Environment.NewLine}", unknown.Stderr);
        Assert.StartsWith("trafficconsole: error: bookinfo/reviews changed since revision vs:40,dr:12", stale.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, _stub.Count("POST", PromotePath));
    }

    [Fact]
    public async Task Json_output_is_a_versioned_document_with_before_and_after()
    {
        CliRun run = await RunAsync(Promote("v2", "--yes", "-o", "json"));

        Assert.True(run.ExitCode == 0, run.ToString());
        JsonElement json = run.Json;
        Assert.Equal(("trafficconsole/promote/v1", "v2", true), (json.GetProperty("schema").GetString(), json.GetProperty("version").GetString(), json.GetProperty("changed").GetBoolean()));
        Assert.Equal(100, json.GetProperty("after").GetProperty("weights").GetProperty("v2").GetInt32());
        Assert.Equal(70, json.GetProperty("before").GetProperty("weights").GetProperty("v2").GetInt32());
    }
}
