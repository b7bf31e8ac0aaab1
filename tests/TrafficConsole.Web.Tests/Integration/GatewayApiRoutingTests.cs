using System.Text.Json;

using k8s;

using TrafficConsole.Mesh.Routing;
using TrafficConsole.Web.Model;
using TrafficConsole.Web.Services;
using TrafficConsole.Web.Tests.Infrastructure;

namespace TrafficConsole.Web.Tests.Integration;

/// <summary>A service routed by a Gateway API HTTPRoute, put in with kubectl, is edited through the rule editor's service layer.</summary>
public sealed class GatewayApiRoutingTests(ConsoleHostFixture fixture) : IClassFixture<ConsoleHostFixture>
{
    private ConsoleTestHost Host => fixture.Host;

    private ITrafficService Traffic => Host.Traffic;

    [Fact]
    public async Task The_rule_editor_reads_previews_and_applies_an_HTTPRoute_and_never_creates_a_VirtualService()
    {
        KubectlRunner.Result kubectl = await Host.KubectlApplyAsync("""
            apiVersion: v1
            kind: Service
            metadata: { name: reviews-v1, namespace: bookinfo }
            spec: { ports: [{ port: 9080, name: http }], selector: { app: reviews, version: v1 } }
            ---
            apiVersion: v1
            kind: Service
            metadata: { name: reviews-v2, namespace: bookinfo }
            spec: { ports: [{ port: 9080, name: http }], selector: { app: reviews, version: v2 } }
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: { name: reviews, namespace: bookinfo }
            spec:
              parentRefs: [{ group: "", kind: Service, name: reviews, port: 9080 }]
              rules:
              - matches: [{ headers: [{ name: end-user, value: jason }] }]
                backendRefs: [{ name: reviews-v2, port: 9080 }]
              - backendRefs:
                - { name: reviews-v1, port: 9080, weight: 90 }
                - { name: reviews-v2, port: 9080, weight: 10 }
            """);
        Assert.True(kubectl.ExitCode == 0, kubectl.Stderr);
        await WaitAsync(() => Traffic.GetRouting("bookinfo", "reviews") is { ReadOnlyReason: null } r && r.Intent.Rules.Length == 1);

        ServiceRouting routing = Traffic.GetRouting("bookinfo", "reviews")!;
        Assert.Equal(new MatchCondition(MatchField.Header, MatchOperator.Exact, "jason", "end-user"), routing.Intent.Rules[0].Matches.Single().Conditions.Single());
        Assert.Equal(TrafficSplit.Of(("v1", 90), ("v2", 10)), routing.Intent.DefaultRoute!.Destinations with { Mirror = null });

        RoutingIntent draft = routing.Intent with { DefaultRoute = routing.Intent.DefaultRoute with { Destinations = TrafficSplit.Of(("v1", 30), ("v2", 70)) } };
        RoutingPreview preview = Traffic.PreviewRouting("bookinfo", "reviews", draft);
        Assert.True(preview.CanApply, string.Join("; ", preview.Validation.Select(static m => m.Message)));
        Assert.Contains("kind: HTTPRoute", preview.HttpRouteYaml, StringComparison.Ordinal);
        Assert.Contains(preview.HttpRouteDiff, static l => l.Kind == DiffLineKind.Added && l.Text.Contains("weight: 70", StringComparison.Ordinal));
        Assert.Empty(preview.VirtualServiceYaml);

        ChangeOutcome outcome = await Traffic.ApplyRoutingAsync("bookinfo", "reviews", draft, routing.Revision, new ChangeContext("dana@example.com"));

        Assert.IsType<ChangeOutcome.Applied>(outcome);
        JsonElement route = await Host.Kubernetes.CustomObjects.GetNamespacedCustomObjectAsync<JsonElement>("gateway.networking.k8s.io", "v1", "bookinfo", "httproutes", "reviews");
        JsonElement rules = route.GetProperty("spec").GetProperty("rules");
        Assert.Equal(2, rules.GetArrayLength());
        Assert.Equal("jason", rules[0].GetProperty("matches")[0].GetProperty("headers")[0].GetProperty("value").GetString());
        Assert.Equal([30, 70], rules[1].GetProperty("backendRefs").EnumerateArray().Select(static b => b.GetProperty("weight").GetInt32()));
        Assert.Null(await IstioObjects.VirtualServiceAsync(Host.Kubernetes, "bookinfo", "reviews"));

        // The draft was read at the old revision: applying it again is a conflict, not an overwrite.
        Assert.IsType<ChangeOutcome.Conflict>(await Traffic.ApplyRoutingAsync("bookinfo", "reviews", draft, routing.Revision, new ChangeContext("erin@example.com")));
    }

    private static async Task WaitAsync(Func<bool> condition)
    {
        for (int i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(50);
        }

        Assert.True(condition(), "The cache did not show the change in time.");
    }
}
