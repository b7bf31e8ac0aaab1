using System.Net;
using System.Text.Json;

using TrafficConsole.Cli.Remote;
using TrafficConsole.Cli.Tests.Infrastructure;
using TrafficConsole.Cli.Tests.Remote;

using static TrafficConsole.Cli.Tests.Infrastructure.Cli;

namespace TrafficConsole.Cli.Tests.EndToEnd;

/// <summary>
/// The console verbs against the real console host (ConsoleApp.Build, as Program.cs runs it) on 127.0.0.1:0 with its
/// embedded sandbox cluster: weights are changed through the REST API as a script would, then <c>rollouts</c>,
/// <c>history</c> and <c>rollback</c> run through <see cref="CliApp"/>, and the cluster's VirtualService is checked.
/// Each test starts its own console, so each starts from the Bookinfo seed.
/// </summary>
public sealed class ConsoleEndToEndTests : IAsyncLifetime
{
    private const string Actor = "oncall@example.com";
    private const string Reviews = "api/v1/namespaces/bookinfo/services/reviews";
    private static readonly TimeSpan HistoryWait = TimeSpan.FromSeconds(30);

    private ConsoleTestHost _host = null!;
    private HttpClient _api = null!;

    public async Task InitializeAsync()
    {
        var options = new ConsoleTestHostOptions { EmbeddedSandbox = true };
        options.Settings["Console:DefaultActor"] = Actor;
        _host = await ConsoleTestHost.StartAsync(options);
        _api = _host.CreateClient();
    }

    public async Task DisposeAsync()
    {
        _api.Dispose();
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task History_lists_each_change_with_who_and_the_weights_and_marks_the_current_one()
    {
        await SetWeightsAsync(30, 70, 0);
        await SetWeightsAsync(50, 50, 0);
        RevisionListDocument history = await HistoryWithAsync(static h => h.Revisions.Any(static r => r.Current && r.Weights.GetValueOrDefault("v1") == 50));
        RevisionDocument thirty = history.Revisions.First(static r => r.Weights.GetValueOrDefault("v1") == 30);
        RevisionDocument fifty = history.Revisions.Single(static r => r.Current);

        CliRun text = await CliAsync("history", "-n", "bookinfo", "reviews");
        CliRun json = await CliAsync("history", "-n", "bookinfo", "reviews", "-o", "json");

        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Empty(text.Stderr);
        string[] lines = text.Stdout.ReplaceLineEndings("\n").Split('\n');
        Assert.Matches($@"^\* {fifty.Id} .* {Actor} +console +apply +v1 50 / v2 50 / v3 0", lines.Single(l => l.Contains(fifty.Id, StringComparison.Ordinal)));
        Assert.Matches($@"^  {thirty.Id} .* {Actor} +console +apply +v1 30 / v2 70 / v3 0", lines.Single(l => l.Contains(thirty.Id, StringComparison.Ordinal)));
        Assert.Contains($"routing revision now: {history.Revision}.", lines[0], StringComparison.Ordinal);
        Assert.True(lines.IndexOf(lines.Single(l => l.Contains(fifty.Id, StringComparison.Ordinal))) < lines.IndexOf(lines.Single(l => l.Contains(thirty.Id, StringComparison.Ordinal))), "newest first");

        Assert.True(json.ExitCode == 0, json.ToString());
        Assert.Equal("trafficconsole/history/v1", json.Json.GetProperty("schema").GetString());
        Assert.Equal(history.Revisions.Select(static r => r.Id), json.Json.GetProperty("revisions").EnumerateArray().Select(static r => r.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task Rollouts_lists_the_services_in_flight_with_their_split_and_last_change()
    {
        await SetWeightsAsync(30, 70, 0);
        await HistoryWithAsync(static h => h.Revisions.Any(static r => r.Current));

        CliRun all = await CliAsync("rollouts");
        CliRun bookinfo = await CliAsync("rollouts", "-n", "bookinfo", "-o", "json");

        Assert.True(all.ExitCode == 0, all.ToString());
        Assert.Empty(all.Stderr);
        Assert.Matches($@"(?m)^bookinfo +reviews +v1 30 / v2 70 / v3 0 +\S+ \((oldest version|first seen at 100% on [\d-]+)\) +\S.* {Actor}, [\dsmhd ]+ ago +\w+", all.Stdout);
        Assert.Matches(@"(?m)^shop +catalog +v1 90 / v2 10 ", all.Stdout);
        Assert.DoesNotContain("(external) (external)", all.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^\d+ rollouts in flight in \d+ namespaces\.$", all.Stdout);

        Assert.True(bookinfo.ExitCode == 0, bookinfo.ToString());
        JsonElement[] items = [.. bookinfo.Json.GetProperty("items").EnumerateArray()];
        Assert.All(items, static i => Assert.Equal("bookinfo", i.GetProperty("namespace").GetString()));
        JsonElement reviews = items.Single(static i => i.GetProperty("service").GetString() == "reviews");
        Assert.Equal(70, reviews.GetProperty("weights").GetProperty("v2").GetInt32());
        Assert.Equal(Actor, reviews.GetProperty("lastChangedBy").GetString());
    }

    [Fact]
    public async Task Rollback_to_a_revision_restores_its_weights_in_the_cluster_and_is_recorded_with_the_reason()
    {
        await SetWeightsAsync(30, 70, 0);
        await SetWeightsAsync(50, 50, 0);
        RevisionListDocument history = await HistoryWithAsync(static h => h.Revisions.Any(static r => r.Current && r.Weights.GetValueOrDefault("v1") == 50));
        string thirty = history.Revisions.First(static r => r.Weights.GetValueOrDefault("v1") == 30).Id;

        CliRun run = await CliAsync("rollback", "-n", "bookinfo", "reviews", "--to-revision", thirty[..6], "--reason", "v2 answers 5xx", "--yes");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.StartsWith($"Rolled back bookinfo/reviews to revision {thirty}.", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("  was:   v1 50 / v2 50 / v3 0", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("  now:   v1 30 / v2 70 / v3 0", run.Stdout, StringComparison.Ordinal);
        await AssertClusterWeightsAsync(30, 70, 0);

        RevisionListDocument after = await HistoryWithAsync(static h => h.Revisions.Any(static r => r.Current && r.Action == "Rollback"));
        RevisionDocument rollback = after.Revisions.Single(static r => r.Current);
        Assert.Equal((Actor, "v2 answers 5xx", 30), (rollback.Actor, rollback.Reason, rollback.Weights["v1"]));
    }

    [Fact]
    public async Task Rollback_to_stable_sends_all_traffic_to_the_stable_version_the_plan_named()
    {
        await SetWeightsAsync(30, 70, 0);
        RevisionListDocument history = await HistoryWithAsync(static h => h.Revisions.Any(static r => r.Current));
        string stable = history.Stable.Version ?? throw new InvalidOperationException($"reviews has no stable version: {history.Stable.Explanation}");

        CliRun refused = await CliAsync("rollback", "-n", "bookinfo", "reviews", "--to-stable");
        Assert.True(refused.ExitCode == 2, refused.ToString());
        Assert.Contains($"Send all traffic of bookinfo/reviews to its stable version {stable}.", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains($"  stable:  {stable}: {history.Stable.Explanation}", refused.Stderr, StringComparison.Ordinal);
        await AssertClusterWeightsAsync(30, 70, 0);

        CliRun run = await CliAsync("rollback", "-n", "bookinfo", "reviews", "--to-stable", "--yes", "-o", "json");

        Assert.True(run.ExitCode == 0, run.ToString());
        Dictionary<string, int> weights = await ClusterWeightsAsync();
        Assert.Equal(100, weights[stable]);
        Assert.All(weights.Where(w => w.Key != stable), static w => Assert.Equal(0, w.Value));
        Assert.True(run.Json.GetProperty("changed").GetBoolean());
        Assert.True(run.Json.GetProperty("target").GetProperty("toStable").GetBoolean());
        Assert.Equal(100, run.Json.GetProperty("after").GetProperty("weights").GetProperty(stable).GetInt32());

        CliRun again = await CliAsync("rollback", "-n", "bookinfo", "reviews", "--to-stable", "--yes");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("nothing to do", again.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task At_a_terminal_only_yes_rolls_back()
    {
        await SetWeightsAsync(30, 70, 0);
        await SetWeightsAsync(50, 50, 0);
        RevisionListDocument history = await HistoryWithAsync(static h => h.Revisions.Any(static r => r.Current && r.Weights.GetValueOrDefault("v1") == 50));
        string thirty = history.Revisions.First(static r => r.Weights.GetValueOrDefault("v1") == 30).Id;
        string[] args = ["rollback", "-n", "bookinfo", "reviews", "--to-revision", thirty, "--server", _host.BaseUrl.ToString()];

        CliRun no = await RunAsync(args, stdin: "n\n", interactive: true);
        Assert.True(no.ExitCode == 1, no.ToString());
        Assert.Contains("  now:     v1 50 / v2 50 / v3 0", no.Stderr, StringComparison.Ordinal);
        Assert.Contains("  after:   v1 30 / v2 70 / v3 0", no.Stderr, StringComparison.Ordinal);
        await AssertClusterWeightsAsync(50, 50, 0);

        CliRun yes = await RunAsync(args, stdin: "y\n", interactive: true);
        Assert.True(yes.ExitCode == 0, yes.ToString());
        await AssertClusterWeightsAsync(30, 70, 0);
    }

    [Fact]
    public async Task A_rollback_decided_on_an_older_revision_is_refused_and_the_newer_change_stays()
    {
        string decidedOn = await SetWeightsAsync(30, 70, 0);
        await SetWeightsAsync(50, 50, 0);
        RevisionListDocument history = await HistoryWithAsync(static h => h.Revisions.Any(static r => r.Current && r.Weights.GetValueOrDefault("v1") == 50));
        string first = history.Revisions[^1].Id;

        CliRun run = await CliAsync("rollback", "-n", "bookinfo", "reviews", "--to-revision", first, "--revision", decidedOn, "--yes");

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.StartsWith($"trafficconsole: error: bookinfo/reviews changed since revision {decidedOn}: it is at revision {history.Revision} now, with v1 50 / v2 50 / v3 0; nothing was written.", run.Stderr, StringComparison.Ordinal);
        await AssertClusterWeightsAsync(50, 50, 0);
    }

    [Fact]
    public async Task An_unknown_service_or_revision_exits_1_and_changes_nothing()
    {
        await SetWeightsAsync(30, 70, 0);
        await HistoryWithAsync(static h => h.Revisions.Any(static r => r.Current));

        CliRun service = await CliAsync("history", "-n", "bookinfo", "no-such-service");
        CliRun revision = await CliAsync("rollback", "-n", "bookinfo", "reviews", "--to-revision", "ffffffffff", "--yes");

        Assert.True(service.ExitCode == 1, service.ToString());
        Assert.StartsWith("trafficconsole: error: ", service.Stderr, StringComparison.Ordinal);
        Assert.Contains("no-such-service", service.Stderr, StringComparison.Ordinal);
        Assert.True(revision.ExitCode == 1, revision.ToString());
        Assert.StartsWith("trafficconsole: error: revision 'ffffffffff' is not in the history of bookinfo/reviews", revision.Stderr, StringComparison.Ordinal);
        await AssertClusterWeightsAsync(30, 70, 0);
    }

    [Fact]
    public async Task A_rollback_the_console_refuses_exits_1_with_its_field_message_and_changes_nothing()
    {
        await SetWeightsAsync(30, 70, 0);
        await HistoryWithAsync(static h => h.Revisions.Any(static r => r.Current));

        CliRun run = await CliAsync("rollback", "-n", "bookinfo", "reviews", "--to-stable", "--reason", new string('x', 501), "--yes");

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Empty(run.Stdout);
        Assert.Equal($"trafficconsole: error: The rollback was refused; nothing was written. reason: The reason is 501 characters long; at most 500 are kept.{Environment.NewLine}", run.Stderr);
        await AssertClusterWeightsAsync(30, 70, 0);
    }

    /// <summary>
    /// The drift check on real answers: every document the CLI reads, as this console writes it, read with unknown
    /// fields refused and required ones enforced. A field the console adds, renames or drops fails here.
    /// </summary>
    [Fact]
    public async Task The_consoles_answers_are_read_by_the_CLI_documents_field_for_field()
    {
        string before = await SetWeightsAsync(30, 70, 0);
        await SetWeightsAsync(50, 50, 0);
        RevisionListDocument history = Strict<RevisionListDocument>(await GetTextAsync($"{Reviews}/revisions", HttpStatusCode.OK));
        history = history.Revisions.Any(static r => r.Weights.GetValueOrDefault("v1") == 30) ? history : await HistoryWithAsync(static h => h.Revisions.Any(static r => r.Weights.GetValueOrDefault("v1") == 30));
        RolloutListDocument rollouts = Strict<RolloutListDocument>(await GetTextAsync("api/v1/rollouts", HttpStatusCode.OK));
        TrafficDocument traffic = Strict<TrafficDocument>(await GetTextAsync($"{Reviews}/traffic", HttpStatusCode.OK));

        string thirty = history.Revisions.First(static r => r.Weights.GetValueOrDefault("v1") == 30).Id;
        (HttpStatusCode conflictStatus, string conflictText) = await PostAsync($"{Reviews}/rollback", new RollbackRequest(ToRevision: thirty, Revision: before));
        (HttpStatusCode rollbackStatus, string rollbackText) = await PostAsync($"{Reviews}/rollback", new RollbackRequest(ToRevision: thirty, Revision: traffic.Revision, Reason: "contract"));

        Assert.Contains(rollouts.Items, static r => r.Namespace == "bookinfo" && r.Service == "reviews");
        Assert.Equal(history.Revision, traffic.Revision);
        Assert.True(conflictStatus == HttpStatusCode.Conflict, conflictText);
        Problem conflict = JsonSerializer.Deserialize<Problem>(conflictText, ApiJson.Options)!;
        TrafficDocument current = Strict<TrafficDocument>(JsonDocument.Parse(conflictText).RootElement.GetProperty("current").GetRawText());
        Assert.Equal(traffic.Revision, current.Revision);
        Assert.Equal(traffic.Weights, current.Weights);
        Assert.False(string.IsNullOrWhiteSpace(conflict.Title), conflictText);
        Assert.True(rollbackStatus == HttpStatusCode.OK, rollbackText);
        RollbackDocument rolledBack = Strict<RollbackDocument>(rollbackText);
        Assert.Equal(30, rolledBack.Traffic.Weights["v1"]);
    }

    [Fact]
    public async Task Status_shows_each_versions_weight_beside_its_observed_share_and_health_and_exits_1_while_one_fails()
    {
        await SetWeightsAsync(30, 70, 0);
        KubectlRunner.Result annotated = await _host.KubectlAsync("annotate", "deploy", "reviews-v2", "-n", "bookinfo", "sandbox.trafficconsole.io/error-rate=0.5", "--overwrite");
        Assert.True(annotated.ExitCode == 0, annotated.ToString());

        // The embedded sandbox's simulated traffic, read in process; v2 fails half its requests from now on.
        CliRun json = await CliAsync("status", "-n", "bookinfo", "reviews", "-w", "1m", "-o", "json");
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            // Until the failures dominate the window (its first requests may all have succeeded).
            while (json.ExitCode != 1 || json.Json.GetProperty("telemetry").GetProperty("versions").GetProperty("v2").GetProperty("successRate").GetDouble() >= 0.8)
            {
                await Task.Delay(500, timeout.Token);
                json = await CliAsync("status", "-n", "bookinfo", "reviews", "-w", "1m", "-o", "json");
            }
        }

        Assert.Equal("trafficconsole/status/v1", json.Json.GetProperty("schema").GetString());
        JsonElement v2 = json.Json.GetProperty("telemetry").GetProperty("versions").GetProperty("v2");
        Assert.Equal(("sandbox", "1m"), (json.Json.GetProperty("telemetry").GetProperty("source").GetString(), json.Json.GetProperty("telemetry").GetProperty("window").GetString()));
        Assert.Equal(("Failure", 0.7), (v2.GetProperty("health").GetString(), v2.GetProperty("configuredShare").GetDouble()));

        CliRun text = await CliAsync("status", "-n", "bookinfo", "reviews", "-w", "1m");
        Assert.True(text.ExitCode == 1, text.ToString());
        Assert.StartsWith("bookinfo/reviews: v1 30 / v2 70 / v3 0", text.Stdout, StringComparison.Ordinal);
        Assert.Contains("Observed over the last 1m from synthetic traffic (sandbox)", text.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^v1 +30% +\d+(\.\d)?% +[+-]?\d+ +[\d.]+ +100% +[\d.]+ ms +[\d.]+ ms +[\d.]+ ms +Healthy *$", text.Stdout);
        Assert.Matches(@"(?m)^v2 +70% +\d+(\.\d)?% +[+-]?\d+ +[\d.]+ +\d+(\.\d+)?% .* +Failure *$", text.Stdout);
        // v3's weight is 0; the window may still hold what it served before the change.
        Assert.Matches(@"(?m)^v3 +0% +\d+(\.\d)?% +[+-]?\d+ ", text.Stdout);

        // The console's answer, read with unknown fields refused.
        TelemetryDocument telemetry = Strict<TelemetryDocument>(await GetTextAsync($"{Reviews}/telemetry?window=1m", HttpStatusCode.OK));
        Assert.Equal(["v1", "v2", "v3"], telemetry.Versions.Keys);

        CliRun badWindow = await CliAsync("status", "-n", "bookinfo", "reviews", "-w", "2m");
        Assert.Equal(2, badWindow.ExitCode);
        Assert.Contains("'2m'", badWindow.Stderr, StringComparison.Ordinal);
    }

    private Task<CliRun> CliAsync(params string[] args) => RunAsync([.. args, "--server", _host.BaseUrl.ToString()]);

    /// <summary>Sets reviews' weights through the REST API, as a script would; returns the new routing revision.</summary>
    private async Task<string> SetWeightsAsync(int v1, int v2, int v3)
    {
        (HttpResponseMessage response, JsonElement body) = await HttpJson.PutAsync(_api, $"{Reviews}/traffic", $$"""{ "weights": { "v1": {{v1}}, "v2": {{v2}}, "v3": {{v3}} } }""");
        using (response)
        {
            Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        }

        return body.GetProperty("revision").GetString()!;
    }

    /// <summary>The reviews history once it satisfies <paramref name="condition"/> (revisions are recorded as the cache sees them).</summary>
    private async Task<RevisionListDocument> HistoryWithAsync(Func<RevisionListDocument, bool> condition)
    {
        using var timeout = new CancellationTokenSource(HistoryWait);
        string last = "no answer";
        try
        {
            while (true)
            {
                string text = await GetTextAsync($"{Reviews}/revisions", HttpStatusCode.OK);
                RevisionListDocument history = JsonSerializer.Deserialize<RevisionListDocument>(text, ApiJson.Options)!;
                if (condition(history))
                {
                    return history;
                }

                last = text;
                await Task.Delay(100, timeout.Token);
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The history of bookinfo/reviews did not get there within {HistoryWait.TotalSeconds} s; last: {last}");
        }
    }

    private async Task<string> GetTextAsync(string path, HttpStatusCode expected)
    {
        using HttpResponseMessage response = await _api.GetAsync(new Uri(path, UriKind.Relative));
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"GET {path}: {(int)response.StatusCode} {text}");
        return text;
    }

    private async Task<(HttpStatusCode Status, string Text)> PostAsync(string path, RollbackRequest body)
    {
        using var content = new StringContent(JsonSerializer.Serialize(body, ApiJson.Options), System.Text.Encoding.UTF8, "application/json");
        using HttpResponseMessage response = await _api.PostAsync(new Uri(path, UriKind.Relative), content);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Asserts reviews' VirtualService routes with these weights (a version at 0 may be left out, as Istio reads it the same).</summary>
    private async Task AssertClusterWeightsAsync(int v1, int v2, int v3)
    {
        Dictionary<string, int> expected = new Dictionary<string, int> { ["v1"] = v1, ["v2"] = v2, ["v3"] = v3 }.Where(static w => w.Value != 0).ToDictionary(StringComparer.Ordinal);
        Dictionary<string, int> actual = (await ClusterWeightsAsync()).Where(static w => w.Value != 0).ToDictionary(StringComparer.Ordinal);
        Assert.Equal(expected, actual);
    }

    /// <summary>Reviews' catch-all weights as the VirtualService in the cluster has them.</summary>
    private async Task<Dictionary<string, int>> ClusterWeightsAsync()
    {
        JsonElement vs = await IstioObjects.VirtualServiceAsync(_host.Kubernetes, "bookinfo", "reviews") ?? throw new InvalidOperationException("bookinfo has no VirtualService reviews.");
        return IstioObjects.CatchAllWeights(vs);
    }

    private static T Strict<T>(string json) => JsonSerializer.Deserialize<T>(json, ContractTests.Strict)!;
}
