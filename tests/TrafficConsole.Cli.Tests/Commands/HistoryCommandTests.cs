using System.Text.Json;

using TrafficConsole.Cli.Tests.Infrastructure;

using static TrafficConsole.Cli.Tests.Infrastructure.Cli;

namespace TrafficConsole.Cli.Tests.Commands;

/// <summary><c>trafficconsole history</c> against a stub console that answers with recorded documents.</summary>
public sealed class HistoryCommandTests : IAsyncLifetime
{
    private StubConsole _stub = null!;

    public async Task InitializeAsync() => _stub = await Recorded.StartReviewsAsync();

    public async Task DisposeAsync() => await _stub.DisposeAsync();

    [Fact]
    public async Task Revisions_are_listed_newest_first_with_ids_who_when_why_and_the_current_one_marked()
    {
        CliRun run = await RunAsync(["history", "--server", _stub.Url.ToString(), "-n", "bookinfo", "reviews"], clock: Recorded.Clock());

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Empty(run.Stderr);
        string[] lines = run.Stdout.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n');
        Assert.Equal(
            "bookinfo/reviews: 4 revisions, newest first (the console keeps the last 50); routing revision now: vs:41,dr:12.",
            lines[0]);
        Assert.Equal("Stable version v1: first seen at 100% on 2026-11-30 09:00 UTC", lines[1]);
        Assert.Equal(["ID", "WHEN", "WHO", "ORIGIN", "ACTION", "WEIGHTS", "REASON"], lines[2].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches(@"^\* 9c1e5f7a3b +2026-12-01 19:48:00Z \(12m ago\) +alice@example\.com +console +apply +v1 30 / v2 70 / v3 0 +canary step 2$", lines[3]);
        Assert.Matches(@"^  5b7d9e2f41 +2026-12-01 18:30:00Z \(1h 30m ago\) +kubectl-client-side-apply +external +external +v1 50 / v2 50 / v3 0$", lines[4]);
        Assert.Matches(@"^  5b7d0a01c6 .* start canary$", lines[5]);
        Assert.Matches(@"^  1a2b3c4d5e +2026-12-01 12:00:00Z \(8h 0m ago\) +anonymous@10\.0\.0\.7 +console +apply +v1 100 / v2 0 / v3 0$", lines[6]);
        Assert.Equal("* the revision the cluster holds now. Restore one with: trafficconsole rollback -n bookinfo reviews --to-revision <ID>", lines[7]);
    }

    [Fact]
    public async Task Json_output_is_a_versioned_document_with_every_revision()
    {
        CliRun run = await RunAsync("history", "--server", _stub.Url.ToString(), "-n", "bookinfo", "reviews", "-o", "json");

        Assert.True(run.ExitCode == 0, run.ToString());
        JsonElement json = run.Json;
        Assert.Equal("trafficconsole/history/v1", json.GetProperty("schema").GetString());
        Assert.Equal(("bookinfo", "reviews", "vs:41,dr:12", 50), (json.GetProperty("namespace").GetString(), json.GetProperty("service").GetString(), json.GetProperty("revision").GetString(), json.GetProperty("cap").GetInt32()));
        JsonElement[] revisions = [.. json.GetProperty("revisions").EnumerateArray()];
        Assert.Equal(["9c1e5f7a3b", "5b7d9e2f41", "5b7d0a01c6", "1a2b3c4d5e"], revisions.Select(static r => r.GetProperty("id").GetString()));
        Assert.True(revisions[0].GetProperty("current").GetBoolean());
        Assert.Equal(("External", "kubectl-client-side-apply", "External"), (revisions[1].GetProperty("origin").GetString(), revisions[1].GetProperty("manager").GetString(), revisions[1].GetProperty("action").GetString()));
        Assert.Equal(JsonValueKind.Null, revisions[3].GetProperty("replaces").ValueKind);
    }

    [Fact]
    public async Task An_unknown_service_exits_1_with_the_consoles_words()
    {
        CliRun run = await RunAsync("history", "--server", _stub.Url.ToString(), "-n", "bookinfo", "ratingz");

        Assert.Equal(1, run.ExitCode);
        Assert.Empty(run.Stdout);
        Assert.Equal($"trafficconsole: error: Service 'ratingz' does not exist in namespace 'bookinfo'.{Environment.NewLine}", run.Stderr);
    }

    [Fact]
    public async Task The_namespace_is_required()
    {
        CliRun run = await RunAsync("history", "--server", _stub.Url.ToString(), "reviews");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--namespace", run.Stderr, StringComparison.Ordinal);
        Assert.Empty(_stub.Requests);
    }

    [Fact]
    public async Task Names_are_escaped_in_the_path()
    {
        CliRun run = await RunAsync("history", "--server", _stub.Url.ToString(), "-n", "book info", "a/b");

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("/api/v1/namespaces/book%20info/services/a%2Fb/revisions", Assert.Single(_stub.Requests).PathAndQuery);
    }
}
