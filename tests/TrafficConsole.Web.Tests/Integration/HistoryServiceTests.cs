using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;

using k8s;
using k8s.Models;

using Microsoft.Extensions.DependencyInjection;

using TrafficConsole.Cluster.Cache;
using TrafficConsole.Mesh.History;
using TrafficConsole.Mesh.Resources;
using TrafficConsole.Web.Model;
using TrafficConsole.Web.Services;

using RevisionAction = TrafficConsole.Web.Model.RevisionAction;

namespace TrafficConsole.Web.Tests.Integration;

/// <summary>The rollout history end to end: console writes, kubectl, rollback and several console replicas on one sandbox.</summary>
public sealed class HistoryServiceTests
{
    private const string Ns = "bookinfo";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private static ConsoleTestHostOptions Options(Action<ConsoleTestHostOptions>? configure = null)
    {
        var options = new ConsoleTestHostOptions();
        options.Settings["History:SettleDelay"] = "00:00:00.300";
        options.Settings["History:MaxRevisionsPerService"] = "100";
        configure?.Invoke(options);
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

    private static async Task<IList<V1ConfigMap>> RevisionConfigMapsAsync(ConsoleTestHost host) =>
        (await host.Kubernetes.CoreV1.ListNamespacedConfigMapAsync(Ns, labelSelector: RevisionCodec.LabelSelector)).Items;

    private static JsonNode Spec(object resource) => JsonNode.Parse(MeshJson.Serialize(resource))!["spec"]!;

    [Fact]
    public async Task Ten_clients_applying_at_once_each_applied_change_has_exactly_one_revision_and_the_rest_got_conflicts()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync(Options());
        ITrafficService traffic = host.Traffic;
        ConcurrentBag<(string Revision, int V1)> applied = [];
        ConcurrentBag<ChangeOutcome> refused = [];

        await Task.WhenAll(Enumerable.Range(0, 10).Select(client => Task.Run(async () =>
        {
            for (int attempt = 0; attempt < 3; attempt++)
            {
                int v1 = 1 + (client * 3) + attempt;
                string revision = traffic.GetService(Ns, "reviews")!.Summary.Routing.Revision;
                TrafficDraft draft = new([new WeightShare("v1", v1), new WeightShare("v2", 100 - v1), new WeightShare("v3", 0)], null);
                ChangeOutcome outcome = await traffic.ApplyAsync(Ns, "reviews", draft, revision, new ChangeContext($"client-{client}") { Reason = $"attempt {attempt}" });
                if (outcome is ChangeOutcome.Applied ok)
                {
                    applied.Add((ok.Revision, v1));
                }
                else
                {
                    refused.Add(outcome);
                }
            }
        })));

        Assert.NotEmpty(applied);
        Assert.All(refused, static o => Assert.IsType<ChangeOutcome.Conflict>(o));
        Assert.Equal(30, applied.Count + refused.Count);

        await UntilAsync(() => applied.All(a => Snapshot(host).FindRevision(Ns, "reviews", RoutingRevision.IdOf(Ns, "reviews", a.Revision)) is not null), "every applied change is in the history");
        MeshSnapshot snapshot = Snapshot(host);
        foreach ((string revision, int v1) in applied)
        {
            RoutingRevision recorded = Assert.Single(snapshot.GetRevisions(Ns, "reviews"), r => r.Key == revision);
            Assert.Equal(v1, recorded.Split.WeightOf("v1"));
            Assert.Equal(RevisionSource.Console, recorded.Source);
            VirtualService written = Assert.Single(recorded.Snapshot.VirtualServices);
            Assert.Equal(v1, written.Spec!.Http![0].Route!.Single(d => d.Destination!.Subset == "v1").Weight);
        }

        Assert.Equal(applied.Count, (await RevisionConfigMapsAsync(host)).Count(c => c.Metadata.Labels[RevisionCodec.ServiceLabel] == "reviews"));

        // The cluster holds what the current revision recorded, and exactly one revision says it is current.
        ServiceHistory history = traffic.GetHistory(Ns, "reviews")!;
        RevisionSummary current = Assert.Single(history.Revisions, static r => r.IsCurrent);
        RoutingRevision currentRevision = snapshot.FindRevision(Ns, "reviews", current.Id)!;
        JsonElement vs = (await IstioObjects.VirtualServiceAsync(host.Kubernetes, Ns, "reviews"))!.Value;
        Assert.Equal(currentRevision.Split.WeightOf("v1"), IstioObjects.CatchAllWeights(vs)["v1"]);
        Assert.True(JsonNode.DeepEquals(Spec(currentRevision.Snapshot.VirtualServices[0]), JsonNode.Parse(vs.GetProperty("spec").GetRawText())));
    }

    [Fact]
    public async Task Rollback_restores_the_exact_snapshot_including_deleting_a_DestinationRule_it_lacked()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync(Options());
        ITrafficService traffic = host.Traffic;
        KubectlRunner.Result kubectl = await host.KubectlApplyAsync("""
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: reviews
              namespace: bookinfo
            spec:
              hosts: [reviews]
              http:
              - route:
                - destination: {host: reviews}
                timeout: 7s
            """);
        Assert.True(kubectl.ExitCode == 0, kubectl.ToString());
        await UntilAsync(() => traffic.GetHistory(Ns, "reviews")!.Revisions.Any(static r => r.Origin == RevisionOrigin.External && r.IsCurrent), "the kubectl change is recorded");
        RevisionSummary external = traffic.GetHistory(Ns, "reviews")!.Revisions[0];
        Assert.Equal("kubectl-client-side-apply", external.Manager);
        RoutingRevision target = Snapshot(host).FindRevision(Ns, "reviews", external.Id)!;

        string revision = traffic.GetService(Ns, "reviews")!.Summary.Routing.Revision;
        TrafficDraft split = new([new WeightShare("v1", 30), new WeightShare("v2", 70), new WeightShare("v3", 0)], null);
        ChangeOutcome apply = await traffic.ApplyAsync(Ns, "reviews", split, revision, new ChangeContext("alice") { Reason = "canary" });
        ChangeOutcome.Applied afterApply = Assert.IsType<ChangeOutcome.Applied>(apply);
        Assert.NotNull(await IstioObjects.DestinationRuleAsync(host.Kubernetes, Ns, "reviews"));

        RollbackPreview preview = traffic.PreviewRollback(Ns, "reviews", RollbackTarget.Revision(external.Id));
        Assert.True(preview.Preview.CanApply, string.Join("; ", preview.Preview.Validation.Select(static m => m.Message)));
        ChangeOutcome rollback = await traffic.RollbackAsync(Ns, "reviews", RollbackTarget.Revision(external.Id), afterApply.Revision, new ChangeContext("bob") { Reason = "bad canary" });

        Assert.IsType<ChangeOutcome.Applied>(rollback);
        JsonElement vs = (await IstioObjects.VirtualServiceAsync(host.Kubernetes, Ns, "reviews"))!.Value;
        Assert.True(JsonNode.DeepEquals(Spec(target.Snapshot.VirtualServices[0]), JsonNode.Parse(vs.GetProperty("spec").GetRawText())), vs.GetProperty("spec").GetRawText());
        Assert.Null(await IstioObjects.DestinationRuleAsync(host.Kubernetes, Ns, "reviews"));

        ServiceHistory history = traffic.GetHistory(Ns, "reviews")!;
        RevisionSummary newest = history.Revisions[0];
        Assert.Equal((RevisionAction.Rollback, "bob", "bad canary", true), (newest.Action, newest.Actor, newest.Reason, newest.IsCurrent));
        Assert.Equal(afterApply.Revision, Snapshot(host).FindRevision(Ns, "reviews", newest.Replaces!)!.Key);

        // Rolling back again from a stale revision is a conflict and writes nothing.
        ChangeOutcome stale = await traffic.RollbackAsync(Ns, "reviews", RollbackTarget.Revision(history.Revisions[1].Id), afterApply.Revision, new ChangeContext("bob"));
        Assert.IsType<ChangeOutcome.Conflict>(stale);
    }

    [Fact]
    public async Task Two_console_hosts_on_one_sandbox_record_each_change_once()
    {
        await using ConsoleTestHost first = await ConsoleTestHost.StartAsync(Options());
        await using ConsoleTestHost second = await ConsoleTestHost.StartAsync(Options(o =>
        {
            o.Settings["Cluster:ServerUrl"] = first.SandboxUrl.ToString();
            o.Settings["Cluster:Token"] = first.AdminToken;
        }));

        ChangeOutcome.Applied a = Assert.IsType<ChangeOutcome.Applied>(await first.Traffic.ApplyAsync(Ns, "reviews",
            new TrafficDraft([new WeightShare("v1", 80), new WeightShare("v2", 20), new WeightShare("v3", 0)], null), null, new ChangeContext("alice")));
        await UntilAsync(() => second.Traffic.GetService(Ns, "reviews")!.Summary.Routing.Revision == a.Revision, "the second host sees the first change");
        ChangeOutcome.Applied b = Assert.IsType<ChangeOutcome.Applied>(await second.Traffic.ApplyAsync(Ns, "reviews",
            new TrafficDraft([new WeightShare("v1", 50), new WeightShare("v2", 50), new WeightShare("v3", 0)], null), a.Revision, new ChangeContext("bob")));

        foreach (ConsoleTestHost host in new[] { first, second })
        {
            await UntilAsync(() => host.Traffic.GetHistory(Ns, "reviews")!.Revisions.Length == 2 && host.Traffic.GetHistory(Ns, "reviews")!.Revisions[0].IsCurrent, "both changes are in each host's history");
        }

        IList<V1ConfigMap> stored = await RevisionConfigMapsAsync(first);
        Assert.Equal(2, stored.Count(c => c.Metadata.Labels[RevisionCodec.ServiceLabel] == "reviews"));
        ServiceHistory history = first.Traffic.GetHistory(Ns, "reviews")!;
        Assert.Equal(["bob", "alice"], history.Revisions.Select(static r => r.Actor));
        Assert.Equal(history.Revisions.Select(static r => r.Id), second.Traffic.GetHistory(Ns, "reviews")!.Revisions.Select(static r => r.Id));
        Assert.Equal(b.Revision, Snapshot(first).FindRevision(Ns, "reviews", history.Revisions[0].Id)!.Key);
    }

    [Fact]
    public async Task All_traffic_to_stable_uses_the_version_that_held_100_before_the_rollout()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync(Options());
        ITrafficService traffic = host.Traffic;
        await traffic.ApplyAsync(Ns, "reviews", new TrafficDraft([new WeightShare("v1", 0), new WeightShare("v2", 100), new WeightShare("v3", 0)], null), null, new ChangeContext("alice"));
        await traffic.ApplyAsync(Ns, "reviews", new TrafficDraft([new WeightShare("v1", 0), new WeightShare("v2", 60), new WeightShare("v3", 40)], null), null, new ChangeContext("alice"));

        RolloutSummary rollout = Assert.Single(traffic.ListRollouts(Ns), static r => r.Service == "reviews");
        Assert.Equal(("v2", StableReason.FirstSeen), (rollout.Stable.Version, rollout.Stable.Reason));
        Assert.NotNull(rollout.InFlightSince);
        Assert.Contains(traffic.ListRollouts(null), static r => r.Namespace == Ns && r.Service == "reviews");
        NamespaceRollbackPlan plan = traffic.PlanNamespaceRollback(Ns);
        NamespaceRollbackItem item = Assert.Single(plan.Items, static i => i.Service == "reviews");
        Assert.Null(item.Blocked);

        NamespaceRollbackResult result = await traffic.RollbackNamespaceAsync(plan, new ChangeContext("oncall") { Reason = "incident 42" });

        Assert.IsType<ChangeOutcome.Applied>(Assert.Single(result.Outcomes, static o => o.Service == "reviews").Outcome);
        JsonElement vs = (await IstioObjects.VirtualServiceAsync(host.Kubernetes, Ns, "reviews"))!.Value;
        Assert.Equal(100, IstioObjects.CatchAllWeights(vs)["v2"]);
        Assert.DoesNotContain(traffic.ListRollouts(Ns), static r => r.Service == "reviews");
        AuditEntry newest = traffic.GetAudit(Ns, new AuditQuery(Actor: "ONCALL"))[0];
        Assert.Equal((RevisionAction.ToStable, "incident 42"), (newest.Action, newest.Reason));
        Assert.Equal(3, traffic.GetAudit(Ns, new AuditQuery(Service: "review")).Count);
        Assert.Empty(traffic.GetAudit(Ns, new AuditQuery(From: DateTimeOffset.UtcNow.AddHours(1))));
    }

    // Issue 12, "stable drifts": after a moment at 100% on v2, v2 became "stable", the service left the overview and
    // "All traffic to stable" sent everything to the canary. Failed before the fix (stable was v2, reviews not listed).
    [Fact]
    public async Task The_stable_drift_walk_a_moment_at_100_on_the_canary_never_makes_it_stable_and_to_stable_goes_back_to_v1()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync(Options());
        ITrafficService traffic = host.Traffic;
        async Task ApplyAsync(int v1, int v2) => Assert.IsType<ChangeOutcome.Applied>(await traffic.ApplyAsync(Ns, "reviews",
            new TrafficDraft([new WeightShare("v1", v1), new WeightShare("v2", v2), new WeightShare("v3", 0)], null), null, new ChangeContext("alice")));

        await ApplyAsync(100, 0); // the console first sees reviews with v1 at 100%
        await ApplyAsync(30, 70);
        await ApplyAsync(0, 100); // the accident
        await UntilAsync(() => traffic.GetHistory(Ns, "reviews")!.Revisions.Length == 3, "three revisions are recorded");

        // v2 holds everything but nobody promoted it: v1 is still stable, so the emergency button is offered and the service stays listed.
        StableVersionInfo stable = traffic.GetHistory(Ns, "reviews")!.Stable;
        Assert.Equal(("v1", StableReason.FirstSeen), (stable.Version, stable.Reason));
        Assert.StartsWith("first seen at 100% on ", stable.Explanation, StringComparison.Ordinal);
        RolloutSummary listed = Assert.Single(traffic.ListRollouts(Ns), static r => r.Service == "reviews");
        Assert.Equal("v1", listed.Stable.Version);
        Assert.NotNull(listed.InFlightSince);
        Assert.True(traffic.PreviewRollback(Ns, "reviews", RollbackTarget.Stable).Preview.CanApply);

        await ApplyAsync(30, 70);
        ChangeOutcome outcome = await traffic.RollbackAsync(Ns, "reviews", RollbackTarget.Stable, null, new ChangeContext("oncall") { Reason = "v2 5xx" });

        Assert.IsType<ChangeOutcome.Applied>(outcome);
        JsonElement vs = (await IstioObjects.VirtualServiceAsync(host.Kubernetes, Ns, "reviews"))!.Value;
        Dictionary<string, int> weights = IstioObjects.CatchAllWeights(vs);
        Assert.Equal((100, 0), (weights["v1"], weights.GetValueOrDefault("v2")));
        Assert.DoesNotContain(traffic.ListRollouts(Ns), static r => r.Service == "reviews");
    }

    [Fact]
    public async Task A_reason_longer_than_the_limit_is_refused_naming_the_field_and_writes_nothing()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync(Options());
        ChangeOutcome outcome = await host.Traffic.ApplyAsync(Ns, "reviews",
            new TrafficDraft([new WeightShare("v1", 50), new WeightShare("v2", 50), new WeightShare("v3", 0)], null), null,
            new ChangeContext("alice") { Reason = new string('x', ChangeContext.MaxReasonLength + 1) });

        ValidationMessage message = Assert.Single(Assert.IsType<ChangeOutcome.Invalid>(outcome).Messages);
        Assert.Equal("reason", message.Path);
        Assert.Null(await IstioObjects.VirtualServiceAsync(host.Kubernetes, Ns, "reviews"));
    }
}
