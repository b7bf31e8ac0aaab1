using System.Text.Json;

using TrafficConsole.Cli.Tests.Infrastructure;

using static TrafficConsole.Cli.Tests.Infrastructure.Cli;

namespace TrafficConsole.Cli.Tests.Commands;

/// <summary><c>trafficconsole rollback</c> against a stub console: what it sends, when it refuses, and what it says.</summary>
public sealed class RollbackCommandTests : IAsyncLifetime
{
    private const string RollbackPath = "/api/v1/namespaces/bookinfo/services/reviews/rollback";

    private StubConsole _stub = null!;

    public async Task InitializeAsync() => _stub = await Recorded.StartReviewsAsync();

    public async Task DisposeAsync() => await _stub.DisposeAsync();

    private string[] Rollback(params string[] args) => ["rollback", "--server", _stub.Url.ToString(), "-n", "bookinfo", "reviews", .. args];

    private JsonElement PostedBody() => JsonDocument.Parse(_stub.Requests.Single(static r => r.Method == "POST").Body).RootElement;

    [Fact]
    public async Task To_a_revision_with_yes_posts_the_id_and_the_revision_it_was_decided_on_and_says_what_changed()
    {
        CliRun run = await RunAsync(Rollback("--to-revision", "5b7d0a01c6", "--reason", "v2 errors", "--yes"));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Empty(run.Stderr);
        JsonElement body = PostedBody();
        Assert.Equal("5b7d0a01c6", body.GetProperty("toRevision").GetString());
        Assert.Equal("vs:41,dr:12", body.GetProperty("revision").GetString());
        Assert.Equal("v2 errors", body.GetProperty("reason").GetString());
        Assert.False(body.TryGetProperty("toStable", out _));
        Assert.Equal(
            string.Join(Environment.NewLine,
                "Rolled back bookinfo/reviews to revision 5b7d0a01c6.",
                "  was:   v1 30 / v2 70 / v3 0   (revision vs:41,dr:12)",
                "  now:   v1 90 / v2 10 / v3 0   (revision vs:42,dr:12)",
                "  done:  Restored revision 5b7d0a01c6 of bookinfo/reviews (v1 90 / v2 10 / v3 0).",
                string.Empty),
            run.Stdout);
    }

    [Fact]
    public async Task A_unique_prefix_of_an_id_is_sent_as_the_full_id_and_an_ambiguous_one_is_refused()
    {
        CliRun unique = await RunAsync(Rollback("--to-revision", "5b7d0", "--yes"));
        Assert.True(unique.ExitCode == 0, unique.ToString());
        Assert.Equal("5b7d0a01c6", PostedBody().GetProperty("toRevision").GetString());

        CliRun ambiguous = await RunAsync(Rollback("--to-revision", "5b7d", "--yes"));
        Assert.Equal(1, ambiguous.ExitCode);
        Assert.Equal($"trafficconsole: error: revision '5b7d' is ambiguous in the history of bookinfo/reviews: it starts 5b7d9e2f41, 5b7d0a01c6; give more of the id.{Environment.NewLine}", ambiguous.Stderr);
        Assert.Equal(1, _stub.Count("POST", RollbackPath));
    }

    [Fact]
    public async Task An_unknown_revision_is_refused_before_anything_is_written()
    {
        CliRun run = await RunAsync(Rollback("--to-revision", "deadbeef", "--yes"));

        Assert.Equal(1, run.ExitCode);
        Assert.Empty(run.Stdout);
        Assert.Equal($"trafficconsole: error: revision 'deadbeef' is not in the history of bookinfo/reviews (the console keeps its last 50 revisions); 'trafficconsole history -n bookinfo reviews' lists their ids.{Environment.NewLine}", run.Stderr);
        Assert.Equal(0, _stub.Count("POST", RollbackPath));
    }

    [Fact]
    public async Task Without_yes_and_without_a_terminal_it_shows_the_plan_refuses_with_2_and_writes_nothing()
    {
        CliRun run = await RunAsync(Rollback("--to-revision", "5b7d0a01c6"), clock: Recorded.Clock());

        Assert.Equal(2, run.ExitCode);
        Assert.Empty(run.Stdout);
        Assert.Equal(
            string.Join(Environment.NewLine,
                "Roll back bookinfo/reviews to revision 5b7d0a01c6: apply by alice@example.com at 2026-12-01 17:55:00Z (2h 5m ago), \"start canary\".",
                "  now:     v1 30 / v2 70 / v3 0   (revision vs:41,dr:12)",
                "  after:   v1 90 / v2 10 / v3 0",
                "  stable:  v1: first seen at 100% on 2026-11-30 09:00 UTC",
                "trafficconsole: error: rollback changes the cluster and this is not an interactive terminal: pass --yes to confirm.",
                string.Empty),
            run.Stderr);
        Assert.Equal(0, _stub.Count("POST", RollbackPath));
    }

    [Theory]
    [InlineData("y\n", true)]
    [InlineData("YES\n", true)]
    [InlineData("n\n", false)]
    [InlineData("\n", false)]
    [InlineData("", false)]
    public async Task At_a_terminal_it_asks_and_only_yes_rolls_back(string answer, bool rolledBack)
    {
        CliRun run = await RunAsync(Rollback("--to-stable"), stdin: answer, interactive: true);

        Assert.Contains("Send all traffic of bookinfo/reviews to its stable version v1.", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("  after:   v1 100 / v2 0 / v3 0", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("Roll back? [y/N] ", run.Stderr, StringComparison.Ordinal);
        Assert.Equal(rolledBack ? 1 : 0, _stub.Count("POST", RollbackPath));
        if (rolledBack)
        {
            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.StartsWith($"Sent all traffic of bookinfo/reviews to its stable version v1.{Environment.NewLine}  was:   v1 30 / v2 70 / v3 0", run.Stdout, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(1, run.ExitCode);
            Assert.Empty(run.Stdout);
            Assert.EndsWith($"Not rolled back; nothing was changed.{Environment.NewLine}", run.Stderr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task To_stable_posts_toStable_with_the_revision_and_no_revision_id()
    {
        CliRun run = await RunAsync(Rollback("--to-stable", "-y"));

        Assert.True(run.ExitCode == 0, run.ToString());
        JsonElement body = PostedBody();
        Assert.True(body.GetProperty("toStable").GetBoolean());
        Assert.Equal("vs:41,dr:12", body.GetProperty("revision").GetString());
        Assert.False(body.TryGetProperty("toRevision", out _));
        Assert.False(body.TryGetProperty("reason", out _));
    }

    [Fact]
    public async Task To_stable_without_a_stable_version_is_refused_with_the_consoles_explanation()
    {
        string history = Recorded.Read("revisions-reviews.json").Replace(
            """{ "version": "v1", "reason": "FirstSeen", "explanation": "first seen at 100% on 2026-11-30 09:00 UTC", "by": null, "at": "2026-11-30T09:00:00Z" }""",
            """{ "version": null, "reason": "Unknown", "explanation": "reviews has no versions." }""",
            StringComparison.Ordinal);
        _stub.Answer("GET", "/api/v1/namespaces/bookinfo/services/reviews/revisions", 200, history);

        CliRun run = await RunAsync(Rollback("--to-stable", "--yes"));

        Assert.Equal(1, run.ExitCode);
        Assert.Equal($"trafficconsole: error: bookinfo/reviews has no stable version to send all traffic to: reviews has no versions.{Environment.NewLine}", run.Stderr);
        Assert.Equal(0, _stub.Count("POST", RollbackPath));
    }

    [Fact]
    public async Task To_the_current_revision_or_to_stable_when_already_there_does_nothing_and_exits_0()
    {
        CliRun current = await RunAsync(Rollback("--to-revision", "9c1e5f7a3b", "--yes"));
        Assert.True(current.ExitCode == 0, current.ToString());
        Assert.Equal($"bookinfo/reviews is at revision 9c1e5f7a3b already; nothing to do.{Environment.NewLine}", current.Stdout);

        _stub.Answer("GET", "/api/v1/namespaces/bookinfo/services/reviews/traffic", 200, """{ "revision": "vs:44,dr:12", "weights": { "v1": 100, "v2": 0, "v3": 0 }, "mirror": null, "kind": "Split" }""");
        CliRun stable = await RunAsync(Rollback("--to-stable", "--yes", "-o", "json"));
        Assert.True(stable.ExitCode == 0, stable.ToString());
        Assert.False(stable.Json.GetProperty("changed").GetBoolean());
        Assert.Equal("vs:44,dr:12", stable.Json.GetProperty("after").GetProperty("revision").GetString());

        Assert.Equal(0, _stub.Count("POST", RollbackPath));
    }

    [Fact]
    public async Task A_conflict_exits_1_with_the_current_weights_and_says_nothing_was_written()
    {
        _stub.Problem("POST", RollbackPath, 409, Recorded.Read("problem-conflict.json"));

        CliRun run = await RunAsync(Rollback("--to-revision", "5b7d0a01c6", "--yes"));

        Assert.Equal(1, run.ExitCode);
        Assert.Empty(run.Stdout);
        Assert.Equal(
            "trafficconsole: error: bookinfo/reviews was changed by someone else since the plan was made. The service changed since the revision the change was based on; nothing was written. bookinfo/reviews is at revision vs:43,dr:12, not vs:41,dr:12. Now: v1 50 / v2 50 / v3 0 (revision vs:43,dr:12). Look at 'trafficconsole history -n bookinfo reviews' and run the rollback again if it is still wanted."
                + Environment.NewLine,
            run.Stderr);
    }

    [Fact]
    public async Task A_stale_expected_revision_is_refused_before_the_post()
    {
        CliRun run = await RunAsync(Rollback("--to-revision", "5b7d0a01c6", "--revision", "vs:40,dr:12", "--yes"));

        Assert.Equal(1, run.ExitCode);
        Assert.Equal(
            $"trafficconsole: error: bookinfo/reviews changed since revision vs:40,dr:12: it is at revision vs:41,dr:12 now, with v1 30 / v2 70 / v3 0; nothing was written. Look at 'trafficconsole history -n bookinfo reviews' and run the rollback again if it is still wanted.{Environment.NewLine}",
            run.Stderr);
        Assert.Equal(0, _stub.Count("POST", RollbackPath));
    }

    [Fact]
    public async Task An_expected_revision_that_holds_is_the_one_sent()
    {
        CliRun run = await RunAsync(Rollback("--to-revision", "5b7d0a01c6", "--revision", "vs:41,dr:12", "--yes"));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("vs:41,dr:12", PostedBody().GetProperty("revision").GetString());
    }

    [Fact]
    public async Task A_refused_request_exits_1_naming_each_field()
    {
        _stub.Problem("POST", RollbackPath, 422, Recorded.Read("problem-validation.json"));

        CliRun run = await RunAsync(Rollback("--to-stable", "--reason", new string('x', 612), "--yes"));

        Assert.Equal(1, run.ExitCode);
        Assert.Equal($"trafficconsole: error: The rollback was refused; nothing was written. reason: The reason has 612 characters; at most 500 are kept.{Environment.NewLine}", run.Stderr);
    }

    [Fact]
    public async Task An_unknown_service_exits_1_with_the_consoles_words_and_nothing_is_posted()
    {
        CliRun run = await RunAsync("rollback", "--server", _stub.Url.ToString(), "-n", "bookinfo", "ratingz", "--to-stable", "--yes");

        Assert.Equal(1, run.ExitCode);
        Assert.Equal($"trafficconsole: error: Service 'ratingz' does not exist in namespace 'bookinfo'.{Environment.NewLine}", run.Stderr);
        Assert.Equal(0, _stub.Count("POST", "/api/v1/"));
    }

    [Theory]
    [InlineData("--to-stable", "--to-revision", "5b7d0a01c6")]
    [InlineData]
    public async Task Exactly_one_target_is_required(params string[] targets)
    {
        CliRun run = await RunAsync(Rollback([.. targets, "--yes"]));

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith(targets.Length == 0 ? "trafficconsole: error: Say what to roll back to: --to-revision <id>" : "trafficconsole: error: Give either --to-revision or --to-stable, not both.", run.Stderr, StringComparison.Ordinal);
        Assert.Empty(_stub.Requests);
    }

    [Fact]
    public async Task Json_output_is_a_versioned_document_with_before_after_and_the_target()
    {
        CliRun run = await RunAsync(Rollback("--to-revision", "5b7d0a01c6", "--yes", "--output", "json"));

        Assert.True(run.ExitCode == 0, run.ToString());
        JsonElement json = run.Json;
        Assert.Equal("trafficconsole/rollback/v1", json.GetProperty("schema").GetString());
        Assert.Equal(("bookinfo", "reviews", true), (json.GetProperty("namespace").GetString(), json.GetProperty("service").GetString(), json.GetProperty("changed").GetBoolean()));
        Assert.Equal("5b7d0a01c6", json.GetProperty("target").GetProperty("toRevision").GetString());
        Assert.False(json.GetProperty("target").GetProperty("toStable").GetBoolean());
        Assert.Equal(("vs:41,dr:12", 70), (json.GetProperty("before").GetProperty("revision").GetString(), json.GetProperty("before").GetProperty("weights").GetProperty("v2").GetInt32()));
        Assert.Equal(("vs:42,dr:12", 90), (json.GetProperty("after").GetProperty("revision").GetString(), json.GetProperty("after").GetProperty("weights").GetProperty("v1").GetInt32()));
        Assert.Equal("v1", json.GetProperty("stable").GetProperty("version").GetString());
        Assert.StartsWith("Restored revision 5b7d0a01c6", json.GetProperty("description").GetString(), StringComparison.Ordinal);
    }
}
