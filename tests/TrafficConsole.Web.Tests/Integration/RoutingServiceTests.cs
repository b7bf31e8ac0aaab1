using System.Collections.Immutable;
using System.Text.Json;

using Serilog.Events;

using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Simulation;
using TrafficConsole.Web.Model;
using TrafficConsole.Web.Services;
using TrafficConsole.Web.Tests.Infrastructure;

namespace TrafficConsole.Web.Tests.Integration;

/// <summary>The request-routing service layer over the real host and sandbox: read, apply, conflicts, simulate, YAML mode.</summary>
public sealed class RoutingServiceTests(ConsoleHostFixture fixture) : IClassFixture<ConsoleHostFixture>
{
    private const string Actor = "carol@example.com";

    private ConsoleTestHost Host => fixture.Host;

    private ITrafficService Traffic => Host.Traffic;

    private static RoutingIntent GmailToV3(RoutingIntent start) => start with
    {
        Rules =
        [
            new RouteRule
            {
                Name = "gmail",
                Matches = [new RequestMatch { Conditions = [new MatchCondition(MatchField.Header, MatchOperator.Regex, @".*@gmail\.com$", "end-user")] }],
                Destinations = TrafficSplit.Of(("v3", 100)),
            },
        ],
        DefaultRoute = new RouteRule { Destinations = TrafficSplit.Of(("v1", 10), ("v2", 90)) },
    };

    private static SimulatedRequest User(string email) => new()
    {
        Headers = System.Collections.Immutable.ImmutableDictionary<string, string>.Empty.WithComparers(StringComparer.OrdinalIgnoreCase).Add("end-user", email),
    };

    [Fact]
    public void Routing_written_by_someone_else_is_read_rule_by_rule()
    {
        ServiceRouting routing = Traffic.GetRouting("shop", "cart")!;

        Assert.Null(routing.ReadOnlyReason);
        RouteRule testers = Assert.Single(routing.Intent.Rules);
        Assert.Equal("testers", testers.Name);
        Assert.Equal(new MatchCondition(MatchField.Header, MatchOperator.Exact, "testers", "x-user-group"), testers.Matches.Single().Conditions.Single());
        Assert.Equal("v1", Assert.Single(routing.Intent.DefaultRoute!.Destinations.Weights).Version);
        Assert.Contains("kind: VirtualService", routing.VirtualServiceYaml, StringComparison.Ordinal);
        Assert.Null(Traffic.GetRouting("shop", "nope"));
    }

    [Fact]
    public async Task The_gmail_rule_is_previewed_applied_logged_and_simulated_against_the_cluster()
    {
        ServiceRouting before = Traffic.GetRouting("bookinfo", "reviews")!;
        RoutingIntent draft = GmailToV3(before.Intent);

        RoutingPreview preview = Traffic.PreviewRouting("bookinfo", "reviews", draft);
        Assert.True(preview.CanApply, string.Join("; ", preview.Validation.Select(static m => m.Message)));
        Assert.Contains(preview.VirtualServiceDiff, l => l.Kind == DiffLineKind.Added && l.Text.Contains(@"regex: .*@gmail\.com$", StringComparison.Ordinal));

        // Simulating the draft needs no write.
        SimulationResult onDraft = Traffic.Simulate("bookinfo", "reviews", draft, User("jason@gmail.com")).Result!;
        Assert.Equal(0, onDraft.RuleIndex);
        Assert.Null(await IstioObjects.VirtualServiceAsync(Host.Kubernetes, "bookinfo", "reviews"));

        ChangeOutcome outcome = await Traffic.ApplyRoutingAsync("bookinfo", "reviews", draft, before.Revision, new ChangeContext(Actor));

        ChangeOutcome.Applied applied = Assert.IsType<ChangeOutcome.Applied>(outcome);
        JsonElement vs = (await IstioObjects.VirtualServiceAsync(Host.Kubernetes, "bookinfo", "reviews"))!.Value;
        JsonElement http = vs.GetProperty("spec").GetProperty("http");
        Assert.Equal("gmail", http[0].GetProperty("name").GetString());
        Assert.Equal(@".*@gmail\.com$", http[0].GetProperty("match")[0].GetProperty("headers").GetProperty("end-user").GetProperty("regex").GetString());
        Assert.Equal(Actor, IstioObjects.Annotation(vs, "trafficconsole.io/changed-by"));
        LogEvent log = Assert.Single(Host.Log.Events, e => e.Properties.ContainsKey("RoutingAfter") && e.Properties["Service"].ToString() == "\"reviews\"");
        Assert.Equal(applied.Revision, ((ScalarValue)log.Properties["Revision"]).Value);

        ServiceRouting after = Traffic.GetRouting("bookinfo", "reviews")!;
        Assert.Equal(applied.Revision, after.Revision);
        Assert.Equal("gmail", after.Intent.Rules.Single().Name);

        SimulationResult gmail = Traffic.Simulate("bookinfo", "reviews", null, User("jason@gmail.com")).Result!;
        Assert.Equal("v3", Assert.Single(gmail.Destinations).Version);
        Assert.Equal(1.0, gmail.Destinations[0].Probability, 3);
        SimulationResult other = Traffic.Simulate("bookinfo", "reviews", null, User("bob@example.com")).Result!;
        Assert.Equal(1, other.RuleIndex);
        Assert.Equal(0.1, other.Destinations.Single(d => d.Version == "v1").Probability, 3);
        Assert.Equal(0.9, other.Destinations.Single(d => d.Version == "v2").Probability, 3);

        // A second apply based on the old revision is refused: someone (here: we) changed it since.
        ChangeOutcome stale = await Traffic.ApplyRoutingAsync("bookinfo", "reviews", before.Intent, before.Revision, new ChangeContext(Actor));
        ChangeOutcome.Conflict conflict = Assert.IsType<ChangeOutcome.Conflict>(stale);
        Assert.Equal(applied.Revision, conflict.Current!.Summary.Routing.Revision);
        Assert.Equal("gmail", (await IstioObjects.VirtualServiceAsync(Host.Kubernetes, "bookinfo", "reviews"))!.Value
            .GetProperty("spec").GetProperty("http")[0].GetProperty("name").GetString());
    }

    [Fact]
    public async Task A_kubectl_change_after_the_draft_was_read_makes_apply_a_conflict_and_nothing_is_written()
    {
        ServiceRouting before = Traffic.GetRouting("shop", "recommendation")!;
        KubectlRunner.Result kubectl = await Host.KubectlApplyAsync("""
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: recommendation, namespace: shop }
            spec:
              hosts: [recommendation]
              http:
              - route:
                - destination: { host: recommendation }
            """);
        Assert.True(kubectl.ExitCode == 0, kubectl.Stderr);
        await WaitAsync(() => Traffic.GetRouting("shop", "recommendation")!.Revision != before.Revision);

        RoutingIntent draft = before.Intent with { DefaultRoute = new RouteRule { Destinations = TrafficSplit.Of(("v2", 100)) } };
        ChangeOutcome outcome = await Traffic.ApplyRoutingAsync("shop", "recommendation", draft, before.Revision, new ChangeContext(Actor));

        ChangeOutcome.Conflict conflict = Assert.IsType<ChangeOutcome.Conflict>(outcome);
        Assert.Contains(before.Revision, conflict.Message, StringComparison.Ordinal);
        JsonElement vs = (await IstioObjects.VirtualServiceAsync(Host.Kubernetes, "shop", "recommendation"))!.Value;
        Assert.False(vs.GetProperty("spec").GetProperty("http")[0].GetProperty("route")[0].GetProperty("destination").TryGetProperty("subset", out _));
        Assert.Null(await IstioObjects.DestinationRuleAsync(Host.Kubernetes, "shop", "recommendation"));
    }

    [Fact]
    public async Task An_invalid_draft_is_refused_with_the_field_named_and_nothing_is_written()
    {
        ServiceRouting before = Traffic.GetRouting("shop", "payment")!;
        RoutingIntent draft = before.Intent with
        {
            Rules = [new RouteRule
            {
                Matches = [new RequestMatch { Conditions = [new MatchCondition(MatchField.Header, MatchOperator.Regex, "(a)\\1", "end-user")] }],
                Destinations = TrafficSplit.Of(("v2", 100)),
            }],
        };

        ImmutableMessages messages = new(Traffic.ValidateRouting("shop", "payment", draft));
        ChangeOutcome outcome = await Traffic.ApplyRoutingAsync("shop", "payment", draft, before.Revision, new ChangeContext(Actor));

        Assert.Contains(messages.Errors, m => m.Path == "rules[0].matches[0].conditions[0].value");
        ChangeOutcome.Invalid invalid = Assert.IsType<ChangeOutcome.Invalid>(outcome);
        Assert.Contains(invalid.Messages, m => m.Path == "rules[0].matches[0].conditions[0].value" && m.Severity == MessageSeverity.Error);
        Assert.Null(await IstioObjects.VirtualServiceAsync(Host.Kubernetes, "shop", "payment"));
        Assert.Null(Traffic.Simulate("shop", "payment", draft, new SimulatedRequest()).Result);
    }

    [Fact]
    public async Task Yaml_mode_checks_as_you_type_applies_the_text_and_refuses_a_stale_resourceVersion()
    {
        ServiceRouting before = Traffic.GetRouting("shop", "catalog")!;
        string vsYaml = before.VirtualServiceYaml!;

        ImmutableMessages broken = new(Traffic.ValidateYaml("shop", "catalog", new YamlDraft("spec: [unclosed", string.Empty)));
        Assert.Contains(broken.Errors, m => m.Code == YamlModeCodes.Invalid && m.Path == YamlModeCodes.VirtualServicePath);
        ImmutableMessages renamed = new(Traffic.ValidateYaml("shop", "catalog", new YamlDraft(vsYaml.Replace("name: catalog\n", "name: catalog-2\n", StringComparison.Ordinal), string.Empty)));
        Assert.Contains(renamed.Errors, m => m.Code == YamlModeCodes.WrongTarget);
        Assert.Empty(new ImmutableMessages(Traffic.ValidateYaml("shop", "catalog", new YamlDraft(vsYaml, string.Empty))).Errors);

        // weight 90/10 -> 70/30, typed as text.
        string edited = vsYaml.Replace("weight: 90", "weight: 70", StringComparison.Ordinal).Replace("weight: 10", "weight: 30", StringComparison.Ordinal);
        RoutingPreview preview = Traffic.PreviewYaml("shop", "catalog", new YamlDraft(edited, string.Empty));
        Assert.True(preview.CanApply, string.Join("; ", preview.Validation.Select(static m => m.Message)));
        Assert.Contains(preview.VirtualServiceDiff, l => l.Kind == DiffLineKind.Added && l.Text.Contains("weight: 70", StringComparison.Ordinal));

        ChangeOutcome outcome = await Traffic.ApplyYamlAsync("shop", "catalog", new YamlDraft(edited, string.Empty), before.Revision, new ChangeContext(Actor));

        Assert.IsType<ChangeOutcome.Applied>(outcome);
        Dictionary<string, int> weights = IstioObjects.CatchAllWeights((await IstioObjects.VirtualServiceAsync(Host.Kubernetes, "shop", "catalog"))!.Value);
        Assert.Equal(70, weights["v1"]);
        Assert.Equal(30, weights["v2"]);

        // The same text again still carries the old resourceVersion: someone (we) changed it since.
        ValidationMessage stale = Assert.Single(Traffic.ValidateYaml("shop", "catalog", new YamlDraft(vsYaml, string.Empty)), m => m.Code == YamlModeCodes.Conflict);
        Assert.Equal($"{YamlModeCodes.VirtualServicePath}.metadata.resourceVersion", stale.Path);
        ChangeOutcome again = await Traffic.ApplyYamlAsync("shop", "catalog", new YamlDraft(vsYaml, string.Empty), null, new ChangeContext(Actor));
        Assert.IsType<ChangeOutcome.Conflict>(again);
        Assert.Equal(70, IstioObjects.CatchAllWeights((await IstioObjects.VirtualServiceAsync(Host.Kubernetes, "shop", "catalog"))!.Value)["v1"]);
    }

    // The catalog's catch-all split as typed YAML, based on the cluster's state now (other tests change the weights).
    private static string CatalogYaml(int v1, int v2, string weightField = "weight") =>
        $$"""
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: catalog
              namespace: shop
              labels: { team: catalog }
            spec:
              hosts: [catalog.shop.svc.cluster.local]
              http:
              - route:
                - destination: { host: catalog.shop.svc.cluster.local, subset: v1 }
                  {{weightField}}: {{v1}}
                - destination: { host: catalog.shop.svc.cluster.local, subset: v2 }
                  weight: {{v2}}
            """;

    [Fact]
    public async Task Yaml_mode_refuses_a_field_the_crd_does_not_declare_and_writes_nothing()
    {
        ServiceRouting before = Traffic.GetRouting("shop", "catalog")!;
        var draft = new YamlDraft(CatalogYaml(30, 70, weightField: "wieght"), string.Empty);

        ValidationMessage unknown = Assert.Single(Traffic.ValidateYaml("shop", "catalog", draft), m => m.Code == "TC6021");
        Assert.Equal(MessageSeverity.Error, unknown.Severity);
        Assert.Equal($"{YamlModeCodes.VirtualServicePath}.spec.http[0].route[0].wieght", unknown.Path);
        Assert.Contains("Did you mean \"weight\"?", unknown.Message, StringComparison.Ordinal);
        Assert.False(Traffic.PreviewYaml("shop", "catalog", draft).CanApply);

        ChangeOutcome outcome = await Traffic.ApplyYamlAsync("shop", "catalog", draft, before.Revision, new ChangeContext(Actor));

        Assert.Contains(Assert.IsType<ChangeOutcome.Invalid>(outcome).Messages, m => m.Code == "TC6021");
        Assert.Equal(before.Revision, Traffic.GetRouting("shop", "catalog")!.Revision);
    }

    [Fact]
    public void Yaml_that_moves_traffic_unseen_says_how_with_the_bars_before_and_after()
    {
        ServiceSummary catalog = Traffic.ListServices("shop").Single(static s => s.Name == "catalog");
        Assert.True(catalog.Routing.Effective.Single(static w => w.Version == "v2").Percent > 0, "the catalog's canary v2 has traffic (seed 90/10; the YAML test sets 70/30)");

        // Weights of 100 and 10 are shares of 110: Istio sends 91% and 9%, not what the numbers say at a glance.
        RoutingPreview relative = Traffic.PreviewYaml("shop", "catalog", new YamlDraft(CatalogYaml(100, 10), string.Empty));
        Assert.True(relative.CanApply, string.Join("; ", relative.Validation.Select(static m => m.Message)));
        Assert.Contains(relative.TrafficWarnings, w => w.Contains("add up to 110", StringComparison.Ordinal));
        Assert.Equal([91, 9], relative.WeightsAfter.Where(static w => w.Version is "v1" or "v2").Select(static w => w.Percent));
        Assert.Equal(catalog.Routing.Effective.Select(static w => w.Percent), relative.WeightsBefore.Select(static w => w.Percent));

        // All to v1: every other version that had traffic loses it, and the warning names it.
        RoutingPreview allToV1 = Traffic.PreviewYaml("shop", "catalog", new YamlDraft(CatalogYaml(100, 0), string.Empty));
        Assert.Contains(allToV1.TrafficWarnings, w => w.StartsWith("v2 loses all its traffic", StringComparison.Ordinal));

        Assert.DoesNotContain(allToV1.TrafficWarnings, w => w.Contains("add up to", StringComparison.Ordinal));

        // The split as the sliders would write it moves nothing unseen.
        Assert.Empty(Traffic.PreviewYaml("shop", "catalog", new YamlDraft(CatalogYaml(60, 40), string.Empty)).TrafficWarnings);
    }

    public static TheoryData<string> HostileYaml => ["alias-bomb", "deep-lists", "deep-objects"];

    [Theory]
    [MemberData(nameof(HostileYaml))]
    public async Task Yaml_mode_refuses_a_bomb_or_deep_nesting_naming_the_limit_at_once_and_writes_nothing(string shape)
    {
        ServiceRouting before = Traffic.GetRouting("shop", "catalog")!;
        string text = shape switch
        {
            "alias-bomb" => HostileInput.VirtualServiceAliasBomb("catalog", "shop"),
            "deep-lists" => HostileInput.NestedLists(),
            _ => HostileInput.NestedObjects(),
        };
        string limit = shape == "alias-bomb" ? "alias limit exceeded" : "nesting limit exceeded";
        ImmutableArray<ValidationMessage> messages = [];

        // What a viewer's keystrokes cost the console: the page validates the text on every change.
        (long bytes, TimeSpan elapsed) = HostileInput.Measure(() => messages = Traffic.ValidateYaml("shop", "catalog", new YamlDraft(text, text)));
        ChangeOutcome outcome = await Traffic.ApplyYamlAsync("shop", "catalog", new YamlDraft(text, string.Empty), before.Revision, new ChangeContext(Actor));

        Assert.Contains(messages, m => m.Code == YamlModeCodes.Invalid && m.Path == YamlModeCodes.VirtualServicePath && m.Message.Contains(limit, StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Path == YamlModeCodes.DestinationRulePath && m.Message.Contains(limit, StringComparison.Ordinal));
        Assert.True(bytes < 50L * 1024 * 1024, $"Validating the {shape} allocated {bytes:N0} bytes.");
        Assert.True(elapsed < TimeSpan.FromSeconds(10), $"Validating the {shape} took {elapsed}.");
        Assert.Contains(Assert.IsType<ChangeOutcome.Invalid>(outcome).Messages, m => m.Message.Contains(limit, StringComparison.Ordinal));
        Assert.Equal(before.Revision, Traffic.GetRouting("shop", "catalog")!.Revision);
    }

    [Fact]
    public async Task Gateways_come_from_the_cluster_and_a_missing_one_is_an_error_at_its_field_that_apply_refuses()
    {
        ServiceRouting routing = Traffic.GetRouting("bookinfo", "productpage")!;
        Assert.True(routing.GatewaysKnown);
        string gateway = Assert.Single(routing.Gateways, g => g.StartsWith("bookinfo/", StringComparison.Ordinal));

        RoutingIntent attached = routing.Intent with { Gateways = [gateway] };
        RoutingIntent missing = routing.Intent with { Gateways = ["istio-system/nope"] };

        Assert.DoesNotContain(Traffic.ValidateRouting("bookinfo", "productpage", attached), m => m.Path.StartsWith("gateways", StringComparison.Ordinal));
        ValidationMessage error = Assert.Single(Traffic.ValidateRouting("bookinfo", "productpage", missing), m => m.Path == "gateways[0]");
        Assert.Equal(("TC5007", MessageSeverity.Error), (error.Code, error.Severity));
        ChangeOutcome outcome = await Traffic.ApplyRoutingAsync("bookinfo", "productpage", missing, routing.Revision, new ChangeContext(Actor));
        Assert.Contains(Assert.IsType<ChangeOutcome.Invalid>(outcome).Messages, m => m.Code == "TC5007");
        Assert.Null(await IstioObjects.VirtualServiceAsync(Host.Kubernetes, "bookinfo", "productpage"));
    }

    private static async Task WaitAsync(Func<bool> condition)
    {
        for (int i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(50);
        }

        Assert.True(condition(), "The cache did not show the change in time.");
    }

    private sealed record ImmutableMessages(System.Collections.Immutable.ImmutableArray<ValidationMessage> All)
    {
        public IEnumerable<ValidationMessage> Errors => All.Where(static m => m.Severity == MessageSeverity.Error);
    }
}
