using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text.Json;
using k8s;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Events;
using TrafficConsole.Web.Model;
using TrafficConsole.Web.Services;

namespace TrafficConsole.Web.Tests.Integration;

/// <summary>The service layer as pages use it: preview, apply, live changes, the actor and the audit log.</summary>
public sealed class TrafficServiceTests(TrafficServiceTests.ActorHostFixture fixture) : IClassFixture<TrafficServiceTests.ActorHostFixture>
{
    private const string Actor = "alice@example.com";

    private ConsoleTestHost Host => fixture.Host;

    private ITrafficService Traffic => Host.Traffic;

    [Fact]
    public async Task A_change_is_logged_once_with_actor_service_weights_and_revision_and_recorded_on_the_resource()
    {
        using HttpClient client = Host.CreateClient();

        (HttpResponseMessage response, JsonElement body) = await HttpJson.PutAsync(client, "api/v1/namespaces/bookinfo/services/reviews/traffic",
            """{ "weights": { "v1": 80, "v2": 20, "v3": 0 } }""");

        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        LogEvent change = Assert.Single(Host.Log.Events, e => e.Properties.ContainsKey("WeightsAfter") && Scalar(e, "Service") == "reviews");
        Assert.Equal(Actor, Scalar(change, "Actor"));
        Assert.Equal("bookinfo", Scalar(change, "Namespace"));
        Assert.Equal("none (by replicas)", Scalar(change, "WeightsBefore"));
        Assert.Equal("v1=80, v2=20, v3=0", Scalar(change, "WeightsAfter"));
        Assert.Equal(body.GetProperty("revision").GetString(), Scalar(change, "Revision"));

        JsonElement vs = (await IstioObjects.VirtualServiceAsync(Host.Kubernetes, "bookinfo", "reviews"))!.Value;
        Assert.Equal(Actor, IstioObjects.Annotation(vs, "trafficconsole.io/changed-by"));
        ServiceSummary summary = Traffic.GetService("bookinfo", "reviews")!.Summary;
        Assert.Equal(Actor, summary.LastChangedBy);
        Assert.NotNull(summary.LastChangedAt);
        Assert.True(summary.Routing.ManagedByTrafficConsole);
    }

    [Fact]
    public async Task Tokens_and_authorization_headers_never_reach_the_log()
    {
        using HttpClient client = Host.CreateClient();
        using HttpRequestMessage request = new(HttpMethod.Get, new Uri("api/v1/namespaces/shop/services?access_token=query-s3cr3t", UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "header-s3cr3t");
        using HttpResponseMessage response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using HubConnection hub = new HubConnectionBuilder()
            .WithUrl(new Uri(Host.BaseUrl, "hubs/traffic"), o => o.AccessTokenProvider = static () => Task.FromResult<string?>("hub-s3cr3t"))
            .Build();
        await hub.StartAsync();
        await hub.InvokeAsync<JsonElement>("JoinNamespace", "shop");

        // The request log event is written as the response completes, which may be just after the client has it.
        string log = Host.Log.RenderAll();
        for (int i = 0; i < 100 && !log.Contains("/api/v1/namespaces/shop/services", StringComparison.Ordinal); i++)
        {
            await Task.Delay(50);
            log = Host.Log.RenderAll();
        }

        Assert.Contains("/api/v1/namespaces/shop/services", log, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", log, StringComparison.Ordinal);
        Assert.DoesNotContain(Host.AdminToken, log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Preview_shows_yaml_and_diff_and_writes_nothing()
    {
        TrafficDraft draft = new([new WeightShare("v1", 60), new WeightShare("v2", 40)], null);

        RoutingPreview preview = Traffic.Preview("shop", "search", draft);
        RoutingPreview invalid = Traffic.Preview("shop", "search", new TrafficDraft([new WeightShare("v1", 60), new WeightShare("v2", 60)], null));

        Assert.True(preview.CanApply);
        Assert.Contains("weight: 60", preview.VirtualServiceYaml, StringComparison.Ordinal);
        Assert.Contains("kind: DestinationRule", preview.DestinationRuleYaml, StringComparison.Ordinal);
        Assert.Contains(preview.VirtualServiceDiff, l => l.Kind == DiffLineKind.Added && l.Text.Contains("weight: 40", StringComparison.Ordinal));
        Assert.False(invalid.CanApply);
        Assert.Contains(invalid.Validation, m => m.Code == "TC1002" && m.Severity == MessageSeverity.Error);
        await Task.Delay(200);
        Assert.Null(await IstioObjects.VirtualServiceAsync(Host.Kubernetes, "shop", "search"));
        Assert.Equal(RoutingKind.None, Traffic.GetService("shop", "search")!.Summary.Routing.Kind);
    }

    [Fact]
    public async Task Apply_with_a_stale_revision_is_a_conflict_carrying_the_current_service()
    {
        ServiceDetail before = Traffic.GetService("shop", "catalog")!;
        string? versionBefore = IstioObjects.ResourceVersion((await IstioObjects.VirtualServiceAsync(Host.Kubernetes, "shop", "catalog"))!.Value);

        ChangeOutcome outcome = await Traffic.ApplyAsync("shop", "catalog",
            new TrafficDraft([new WeightShare("v1", 50), new WeightShare("v2", 50), new WeightShare("v3", 0)], null), "vs:0,dr:0", new ChangeContext(Actor));

        ChangeOutcome.Conflict conflict = Assert.IsType<ChangeOutcome.Conflict>(outcome);
        Assert.Equal(before.Summary.Routing.Revision, conflict.Current!.Summary.Routing.Revision);
        Assert.Contains(new WeightShare("v1", 90), conflict.Current.Summary.Routing.Effective);
        Assert.Equal(versionBefore, IstioObjects.ResourceVersion((await IstioObjects.VirtualServiceAsync(Host.Kubernetes, "shop", "catalog"))!.Value));
        Assert.Equal(["VirtualService shop/catalog", "DestinationRule shop/catalog"], Traffic.DescribeDelete("shop", "catalog"));
    }

    [Fact]
    public async Task Watch_delivers_changes_of_its_namespace_whoever_made_them()
    {
        using CancellationTokenSource cts = new(TimeSpan.FromSeconds(20));
        List<ServiceChangedEvent> seen = [];
        TaskCompletionSource<ServiceChangedEvent> ratings = new(TaskCreationOptions.RunContinuationsAsynchronously);
        Task watching = Task.Run(async () =>
        {
            await foreach (TrafficUpdate update in Traffic.WatchAsync("bookinfo", cts.Token))
            {
                lock (seen)
                {
                    seen.AddRange(update.Services);
                }

                if (update.Services.FirstOrDefault(s => s.Service == "ratings" && s.Kind == RoutingKind.Split) is { } found)
                {
                    ratings.TrySetResult(found);
                }
            }
        }, cts.Token);
        await Task.Delay(200);

        ChangeOutcome shop = await Traffic.ApplyAsync("shop", "inventory", new TrafficDraft([new WeightShare("v1", 100)], null), null, new ChangeContext(Actor));
        ChangeOutcome outcome = await Traffic.ApplyAsync("bookinfo", "ratings", new TrafficDraft([new WeightShare("v1", 100)], null), null, new ChangeContext(Actor));

        Assert.IsType<ChangeOutcome.Applied>(shop);
        ChangeOutcome.Applied applied = Assert.IsType<ChangeOutcome.Applied>(outcome);
        ServiceChangedEvent change = await ratings.Task.WaitAsync(cts.Token);
        Assert.Equal(applied.Revision, change.Revision);
        Assert.Equal(new[] { new WeightShare("v1", 100) }, change.Weights.ToArray());
        lock (seen)
        {
            Assert.All(seen, e => Assert.Equal("bookinfo", e.Namespace));
        }

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => watching);
    }

    [Fact]
    public async Task A_change_between_a_pages_reads_and_its_watch_comes_first_and_a_quiet_start_has_none()
    {
        using CancellationTokenSource cts = new(TimeSpan.FromSeconds(20));
        long read = Traffic.Version;
        ServiceDetail before = Traffic.GetService("bookinfo", "details")!;

        // Someone changes details after the page read it and before it watches.
        ChangeOutcome.Applied applied = Assert.IsType<ChangeOutcome.Applied>(
            await Traffic.ApplyAsync("bookinfo", "details", new TrafficDraft([new WeightShare("v1", 100)], null), null, new ChangeContext(Actor)));
        Assert.NotEqual(before.Summary.Routing.Revision, applied.Revision);

        await using IAsyncEnumerator<TrafficUpdate> late = Traffic.WatchAsync("bookinfo", read, cts.Token).GetAsyncEnumerator(cts.Token);
        Assert.True(await late.MoveNextAsync());
        Assert.False(late.Current.Resync);
        Assert.Contains(late.Current.Services, s => s is { Service: "details", Kind: RoutingKind.Split } && s.Revision == applied.Revision);
        Assert.All(late.Current.Services, s => Assert.Equal("bookinfo", s.Namespace));
        Assert.Equal(ConnectionState.Connected, late.Current.Health?.State);

        // Read and watched with nothing in between: the first update is the next change, and only that. (Wait for the
        // history to record the change above first, so its ConfigMap does not land in between.)
        while (Traffic.GetHistory("bookinfo", "details")?.Revisions.Any(r => r.IsCurrent && r.Weights is [{ Version: "v1", Percent: 100 }]) != true)
        {
            await Task.Delay(50, cts.Token);
        }

        long now = Traffic.Version;
        await using IAsyncEnumerator<TrafficUpdate> quiet = Traffic.WatchAsync("bookinfo", now, cts.Token).GetAsyncEnumerator(cts.Token);
        ValueTask<bool> next = quiet.MoveNextAsync();
        Assert.IsType<ChangeOutcome.Applied>(await Traffic.DeleteRoutingAsync("bookinfo", "details", applied.Revision, new ChangeContext(Actor)));
        Assert.True(await next);
        Assert.False(quiet.Current.Resync);
        Assert.All(quiet.Current.Services, s => Assert.Equal("details", s.Service));
    }

    [Fact]
    public async Task A_namespace_created_between_the_shells_read_and_its_watch_is_announced_first()
    {
        using CancellationTokenSource cts = new(TimeSpan.FromSeconds(20));
        long read = Traffic.Version;
        await Host.Kubernetes.CoreV1.CreateNamespaceAsync(new k8s.Models.V1Namespace { Metadata = new k8s.Models.V1ObjectMeta { Name = "arrived-late" } }, cancellationToken: cts.Token);
        while (!Traffic.Namespaces.Contains("arrived-late"))
        {
            await Task.Delay(20, cts.Token);
        }

        await using IAsyncEnumerator<TrafficUpdate> shell = Traffic.WatchAsync(null, read, cts.Token).GetAsyncEnumerator(cts.Token);

        Assert.True(await shell.MoveNextAsync());
        Assert.False(shell.Current.Resync);
        Assert.Equal(ConnectionState.Connected, shell.Current.Health?.State);
    }

    [Fact]
    public async Task A_watch_from_further_back_than_the_console_remembers_starts_with_a_resync()
    {
        ConsoleTestHostOptions options = new();
        options.Settings["Cluster:Cache:RecentChangesKept"] = "0";
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync(options);
        using CancellationTokenSource cts = new(TimeSpan.FromSeconds(20));
        long read = host.Traffic.Version;
        Assert.IsType<ChangeOutcome.Applied>(
            await host.Traffic.ApplyAsync("bookinfo", "details", new TrafficDraft([new WeightShare("v1", 100)], null), null, new ChangeContext(Actor)));

        await using IAsyncEnumerator<TrafficUpdate> late = host.Traffic.WatchAsync("bookinfo", read, cts.Token).GetAsyncEnumerator(cts.Token);
        Assert.True(await late.MoveNextAsync());

        Assert.True(late.Current.Resync);
        Assert.Empty(late.Current.Services);
        Assert.Equal(ConnectionState.Connected, late.Current.Health?.State);
    }

    [Fact]
    public void The_actor_is_the_signed_in_name_else_the_configured_default_else_anonymous_at_the_address()
    {
        IActorAccessor configured = Host.Services.GetRequiredService<IActorAccessor>();
        ClaimsPrincipal signedIn = new(new ClaimsIdentity([new Claim(ClaimTypes.Name, "bob")], "test"));

        Assert.Equal("bob", configured.GetActor(signedIn, IPAddress.Loopback));
        Assert.Equal(Actor, configured.GetActor(new ClaimsPrincipal(new ClaimsIdentity()), IPAddress.Loopback));
    }

    [Fact]
    public async Task Without_a_default_actor_changes_are_recorded_as_anonymous_at_the_client_address()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        IActorAccessor actors = host.Services.GetRequiredService<IActorAccessor>();

        Assert.Equal("anonymous@10.1.2.3", actors.GetActor(null, IPAddress.Parse("10.1.2.3").MapToIPv6()));
        Assert.Equal("anonymous", actors.GetActor(null, null));
    }

    private static string? Scalar(LogEvent e, string name) =>
        e.Properties.TryGetValue(name, out LogEventPropertyValue? value) && value is ScalarValue { Value: var v } ? v?.ToString() : null;

    /// <summary>A host whose <c>Console:DefaultActor</c> is set, so changes carry a known actor.</summary>
    public sealed class ActorHostFixture : IAsyncLifetime
    {
        private ConsoleTestHost? _host;

        public ConsoleTestHost Host => _host!;

        public async Task InitializeAsync()
        {
            ConsoleTestHostOptions options = new();
            options.Settings["Console:DefaultActor"] = Actor;
            _host = await ConsoleTestHost.StartAsync(options);
        }

        public async Task DisposeAsync()
        {
            if (_host is not null)
            {
                await _host.DisposeAsync();
            }
        }
    }
}
