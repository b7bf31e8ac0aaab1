using System.Net;
using System.Text.Json;

using Microsoft.Extensions.DependencyInjection;

using TrafficConsole.Cluster.Cache;
using TrafficConsole.Mesh.History;
using TrafficConsole.Web.Model;
using TrafficConsole.Web.Services;

namespace TrafficConsole.Web.Tests.Integration;

/// <summary>
/// Who is credited with a change, end to end over the sandbox: console writes through REST, kubectl patches right after
/// them, and kubectl posing as the console. Every place that names the author (history, audit, the service header and
/// the stale-draft banner, the services list, the overview, REST) must agree.
/// </summary>
public sealed class AuthorshipTests
{
    private const string Ns = "bookinfo";
    private const string ConsoleUser = "anonymous@127.0.0.1";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private static ConsoleTestHostOptions Options(bool history = true)
    {
        var options = new ConsoleTestHostOptions();
        options.Settings["History:SettleDelay"] = "00:00:00.300";
        options.Settings["History:MaxRevisionsPerService"] = "100";
        options.Settings["History:Enabled"] = history ? "true" : "false";
        return options;
    }

    private static MeshSnapshot Snapshot(ConsoleTestHost host) => host.Services.GetRequiredService<IMeshCache>().Current;

    private static async Task UntilAsync(Func<bool> condition, string because)
    {
        DateTime deadline = DateTime.UtcNow + Wait;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting until {because}.");
            await Task.Delay(25);
        }
    }

    private static string WeightsPatch(int v1, int v2, string? changedBy = null) =>
        "{" + (changedBy is null ? string.Empty : $"\"metadata\":{{\"annotations\":{{\"trafficconsole.io/changed-by\":\"{changedBy}\"}}}},")
        + $"\"spec\":{{\"http\":[{{\"route\":[{{\"destination\":{{\"host\":\"reviews\",\"subset\":\"v1\"}},\"weight\":{v1}}},"
        + $"{{\"destination\":{{\"host\":\"reviews\",\"subset\":\"v2\"}},\"weight\":{v2}}}]}}]}}}}";

    private static async Task<string> PutAsync(HttpClient client, int v1)
    {
        (HttpResponseMessage response, JsonElement body) = await HttpJson.PutAsync(client, $"api/v1/namespaces/{Ns}/services/reviews/traffic",
            $$"""{ "weights": { "v1": {{v1}}, "v2": {{100 - v1}}, "v3": 0 } }""");
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        Assert.Equal(v1, HttpJson.Weights(body)["v1"]);
        return body.GetProperty("revision").GetString()!;
    }

    private static async Task PatchAsync(ConsoleTestHost host, int v1, params string[] extra)
    {
        KubectlRunner.Result patched = await host.KubectlAsync(
            ["patch", "virtualservice.networking.istio.io", "reviews", "-n", Ns, "--type=merge", .. extra, "-p", WeightsPatch(v1, 100 - v1, extra.Length > 0 ? "alice" : null)]);
        Assert.True(patched.ExitCode == 0, patched.ToString());
    }

    // The revision the history holds for the routing as it is now, once it shows v1 at the given weight.
    private static async Task<RoutingRevision> RecordedAsync(ConsoleTestHost host, int v1, string because)
    {
        RoutingRevision? found = null;
        await UntilAsync(() =>
        {
            MeshSnapshot snapshot = Snapshot(host);
            found = snapshot.GetServiceView(Ns, "reviews") is { } view && view.Routing.EffectiveSplit.WeightOf("v1") == v1
                ? snapshot.FindRevision(Ns, "reviews", RoutingRevision.IdOf(Ns, "reviews", view.Routing.Revision))
                : null;
            return found is not null;
        }, because);
        return found!;
    }

    private static void AssertCreditedTo(string manager, ConsoleTestHost host, RoutingRevision revision, int round)
    {
        string external = $"{manager} (external)";
        ITrafficService traffic = host.Traffic;
        Assert.Equal((RevisionSource.External, manager, external), (revision.Source, revision.Manager, revision.Actor));

        AuditEntry audit = Assert.Single(traffic.GetAudit(Ns, new AuditQuery()), a => a.RevisionId == revision.Id);
        Assert.Equal((RevisionOrigin.External, manager, external), (audit.Origin, audit.Manager, audit.Actor));

        // The service header and the stale-draft banner both show the summary's author.
        ServiceSummary header = traffic.GetService(Ns, "reviews")!.Summary;
        Assert.True((external, RevisionOrigin.External) == (header.LastChangedBy, header.LastOrigin), $"round {round}: header says {header.LastChangedBy} ({header.LastOrigin})");
        ServiceSummary row = Assert.Single(traffic.ListServices(Ns), static s => s.Name == "reviews");
        Assert.Equal((external, RevisionOrigin.External), (row.LastChangedBy, row.LastOrigin));
        RolloutSummary rollout = Assert.Single(traffic.ListRollouts(Ns), static r => r.Service == "reviews");
        Assert.Equal((external, RevisionOrigin.External), (rollout.LastChangedBy, rollout.LastOrigin));
    }

    [Fact]
    public async Task A_kubectl_patch_right_after_each_console_apply_is_credited_to_kubectl_in_history_audit_header_list_and_overview()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync(Options());
        using HttpClient client = host.CreateClient();

        for (int round = 0; round < 10; round++)
        {
            int mine = 11 + round;
            int theirs = 51 + round;
            string consoleRevision = await PutAsync(client, mine);
            await PatchAsync(host, theirs);

            RoutingRevision patched = await RecordedAsync(host, theirs, $"round {round}: the patch is recorded");
            AssertCreditedTo("kubectl-patch", host, patched, round);
            RoutingRevision applied = Snapshot(host).FindRevision(Ns, "reviews", RoutingRevision.IdOf(Ns, "reviews", consoleRevision))!;
            Assert.Equal((RevisionSource.Console, ConsoleUser, mine), (applied.Source, applied.Actor, applied.Split.WeightOf("v1")));

            (HttpResponseMessage response, JsonElement services) = await HttpJson.GetAsync(client, $"api/v1/namespaces/{Ns}/services");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            JsonElement reviews = services.EnumerateArray().Single(static s => s.GetProperty("name").GetString() == "reviews");
            Assert.Equal("kubectl-patch (external)", reviews.GetProperty("lastChangedBy").GetString());
            Assert.Equal("External", reviews.GetProperty("lastOrigin").GetString());

            // Every other round starts from no routing, so the console's apply creates it (the race seen on creation).
            if (round % 2 == 0)
            {
                Assert.Equal(0, (await host.KubectlAsync("delete", "virtualservice.networking.istio.io,destinationrule.networking.istio.io", "reviews", "-n", Ns)).ExitCode);
                await UntilAsync(() => Snapshot(host).GetServiceView(Ns, "reviews") is { VirtualServices.IsEmpty: true, DestinationRules.IsEmpty: true }, "the routing is gone");
            }
        }
    }

    [Fact]
    public async Task Kubectl_posing_as_the_console_with_its_field_manager_and_a_changed_by_annotation_is_external()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync(Options());
        using HttpClient client = host.CreateClient();
        await PutAsync(client, 30);

        await PatchAsync(host, 7, "--field-manager=trafficconsole");

        RoutingRevision forged = await RecordedAsync(host, 7, "the forged change is recorded");
        AssertCreditedTo("trafficconsole", host, forged, 0);
        Assert.DoesNotContain("alice", host.Traffic.GetService(Ns, "reviews")!.Summary.LastChangedBy, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_the_history_off_the_header_names_the_kubectl_manager_not_the_annotation_left_by_the_console()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync(Options(history: false));
        using HttpClient client = host.CreateClient();
        await PutAsync(client, 30);
        ServiceSummary mine = host.Traffic.GetService(Ns, "reviews")!.Summary;
        Assert.Equal((ConsoleUser, RevisionOrigin.Console), (mine.LastChangedBy, mine.LastOrigin));

        await PatchAsync(host, 45);
        await UntilAsync(() => Snapshot(host).GetServiceView(Ns, "reviews")!.Routing.EffectiveSplit.WeightOf("v1") == 45, "the cache shows the patch");

        ServiceSummary header = host.Traffic.GetService(Ns, "reviews")!.Summary;
        Assert.Equal(("kubectl-patch (external)", RevisionOrigin.External), (header.LastChangedBy, header.LastOrigin));
        Assert.Empty(Snapshot(host).GetRevisions(Ns, "reviews"));
    }
}
