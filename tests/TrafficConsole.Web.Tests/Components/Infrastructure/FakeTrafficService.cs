using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Services;
using TrafficConsole.Mesh.Simulation;
using TrafficConsole.Mesh.Telemetry;
using TrafficConsole.Mesh.Validation;
using TrafficConsole.Web.Model;
using RoutingKind = TrafficConsole.Web.Model.RoutingKind;
using TrafficConsole.Web.Services;

namespace TrafficConsole.Web.Tests.Components.Infrastructure;

/// <summary>
/// An in-memory <see cref="ITrafficService"/> for component tests: services can be changed "by someone
/// else" (<see cref="Change"/>), writes are recorded, and the next write's outcome can be scripted.
/// </summary>
public sealed partial class FakeTrafficService : ITrafficService
{
    private readonly ConcurrentDictionary<(string Namespace, string Name), ServiceDetail> _services = new();
    private readonly List<Channel<TrafficUpdate>> _subscribers = [];
    private long _version;
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<(string Namespace, string Name), ServiceRouting> _routings = new();
    private int _revision = 100;

    /// <summary>Every ApplyRoutingAsync call, in order.</summary>
    public List<(string Service, RoutingIntent Intent, string? Revision, string Actor)> RoutingApplies { get; } = [];

    /// <summary>Every ApplyYamlAsync call, in order.</summary>
    public List<(string Service, YamlDraft Draft, string? Revision)> YamlApplies { get; } = [];

    /// <summary>Every Simulate call: the draft (null: the cluster) and the request.</summary>
    public List<(RoutingIntent? Draft, SimulatedRequest Request)> Simulations { get; } = [];

    /// <summary>When set, the next ApplyRoutingAsync or ApplyYamlAsync returns this instead of writing.</summary>
    public Func<ServiceDetail, ChangeOutcome>? NextRoutingOutcome { get; set; }

    public ClusterInfo Cluster { get; set; } = new("sandbox", "http://127.0.0.1:6443", IsSandbox: true, KubeconfigPath: "/tmp/trafficconsole/kubeconfig");

    public ConnectionHealth Health { get; set; } = new(ConnectionState.Connected, null, DateTimeOffset.UtcNow);

    public IReadOnlyList<string> Namespaces => [.. _services.Keys.Select(static k => k.Namespace).Distinct().Order(StringComparer.Ordinal)];

    /// <summary>
    /// Every routing write as the sliders see it, in order: the split of the intent's default route as a draft over every
    /// version of the service (a version the route leaves out at 0, as the projection shows it).
    /// </summary>
    public IReadOnlyList<(string Service, TrafficDraft Draft, string? Revision, string Actor)> Applies =>
        [.. RoutingApplies.Select(a => (a.Service, DraftOf(a.Intent, VersionsOf(a.Service)), a.Revision, a.Actor))];

    private ImmutableArray<string> VersionsOf(string service) =>
        _services.Values.FirstOrDefault(s => s.Summary.Name == service) is { } detail ? [.. detail.Summary.Versions.Select(static v => v.Name)] : [];

    /// <summary>Extra validation every PreviewRouting reports (as the real planner's findings would).</summary>
    public ImmutableArray<ValidationMessage> PreviewNotes { get; set; } = [];

    /// <summary>Every DeleteRoutingAsync call, in order.</summary>
    public List<(string Service, string? Revision)> Deletes { get; } = [];

    /// <summary>Number of live subscriptions still open (to check that pages unsubscribe).</summary>
    public int ActiveSubscriptions
    {
        get
        {
            lock (_gate)
            {
                return _subscribers.Count;
            }
        }
    }

    /// <summary>Adds or replaces a service without telling subscribers.</summary>
    public void Put(ServiceDetail detail)
    {
        ArgumentNullException.ThrowIfNull(detail);
        _services[(detail.Summary.Namespace, detail.Summary.Name)] = detail;
    }

    /// <summary>Replaces a service as if someone else changed it, and tells subscribers.</summary>
    public void Change(ServiceDetail detail)
    {
        Put(detail);
        Publish(new TrafficUpdate([ToEvent(detail)], null));
    }

    /// <summary>Reports a connection change to subscribers.</summary>
    public void SetHealth(ConnectionHealth health)
    {
        Health = health;
        Publish(new TrafficUpdate([], health));
    }

    public string NextRevision() => $"rv-{Interlocked.Increment(ref _revision)}";

    public IReadOnlyList<ServiceSummary> ListServices(string namespaceName) =>
        [.. _services.Values.Where(s => s.Summary.Namespace == namespaceName).Select(static s => s.Summary).OrderBy(static s => s.Name, StringComparer.Ordinal)];

    public ServiceDetail? GetService(string namespaceName, string service) =>
        _services.TryGetValue((namespaceName, service), out ServiceDetail? detail) ? detail : null;

    public RoutingPreview Preview(string namespaceName, string service, TrafficDraft draft)
    {
        ArgumentNullException.ThrowIfNull(draft);
        ServiceDetail detail = GetService(namespaceName, service) ?? throw new InvalidOperationException($"no service {service}");
        string vs = TestServices.RenderVirtualService(detail.Summary.Name, detail.Host, draft.Weights);
        string? before = detail.VirtualServiceYaml;
        ImmutableArray<DiffLine> diff = Diff(before ?? string.Empty, vs);
        string dr = detail.DestinationRuleYaml ?? $"kind: DestinationRule\nmetadata:\n  name: {service}\n";
        bool sums = draft.Weights.Sum(static w => w.Percent) == 100;
        ImmutableArray<ValidationMessage> validation = sums
            ? [new ValidationMessage("TC1201", MessageSeverity.Info, "spec.http[0]", "A version gets no traffic.")]
            : [new ValidationMessage("TC1001", MessageSeverity.Error, "spec.http[0].route", "Weights must add up to 100.")];
        return new RoutingPreview(vs, dr, diff, Diff(detail.DestinationRuleYaml ?? string.Empty, dr), validation, sums);
    }

    // The split-only write the REST API still uses: the default route of the routing read now, as the sliders write it.
    public Task<ChangeOutcome> ApplyAsync(string namespaceName, string service, TrafficDraft draft, string? expectedRevision, ChangeContext change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(draft);
        RoutingIntent intent = (GetRouting(namespaceName, service) ?? throw new InvalidOperationException($"no service {service}")).Intent;
        return ApplyRoutingAsync(namespaceName, service, intent.WithDefaultSplit(draft.ToSplit()), expectedRevision, change, cancellationToken);
    }

    private static TrafficDraft DraftOf(RoutingIntent intent, ImmutableArray<string> versions) => intent.DefaultRoute?.Destinations is { } split
        ? new TrafficDraft(
            [.. split.Weights.Select(static w => new WeightShare(w.Version, w.Weight)), .. versions.Where(v => !split.Contains(v)).Select(static v => new WeightShare(v, 0))],
            split.Mirror is { } m ? new MirrorShare(m.Version, m.Percent) : null)
        : new TrafficDraft([], null);

    public Task<ChangeOutcome> DeleteRoutingAsync(string namespaceName, string service, string? expectedRevision, ChangeContext change, CancellationToken cancellationToken = default)
    {
        string actor = change.Actor;
        Deletes.Add((service, expectedRevision));
        Contexts.Add(change);
        ServiceDetail detail = GetService(namespaceName, service) ?? throw new InvalidOperationException($"no service {service}");
        ServiceDetail updated = TestServices.WithRouting(detail, RoutingKind.None, [], "none", actor, null);
        Record(updated, change, RevisionAction.Delete);
        Change(updated);
        return Task.FromResult<ChangeOutcome>(new ChangeOutcome.Applied("none"));
    }

    /// <summary>Sets the routing the editor reads for a service (as if the cluster had it), without telling subscribers.</summary>
    public void PutRouting(string namespaceName, string service, ServiceRouting routing) => _routings[(namespaceName, service)] = routing;

    /// <summary>Replaces the routing as if someone else changed it: new revision, subscribers told.</summary>
    public void ChangeRouting(string namespaceName, string service, RoutingIntent intent, string actor)
    {
        ServiceDetail detail = GetService(namespaceName, service) ?? throw new InvalidOperationException($"no service {service}");
        string revision = NextRevision();
        _routings[(namespaceName, service)] = (GetRouting(namespaceName, service) ?? throw new InvalidOperationException("no routing")) with { Intent = intent, Revision = revision };
        Change(TestServices.WithRouting(detail, RoutingKind.Rules, detail.Summary.Routing.Effective, revision, actor, null));
    }

    public ServiceRouting? GetRouting(string namespaceName, string service)
    {
        if (GetService(namespaceName, service) is not { } detail)
        {
            return null;
        }

        if (_routings.TryGetValue((namespaceName, service), out ServiceRouting? routing) && routing.Revision == detail.Summary.Routing.Revision)
        {
            return routing;
        }

        // The domain's reading of the service as the fake holds it (no VirtualService: the split replicas imply).
        // A routing the cluster marks read-only is read-only for the intent too (the real reader refuses what it cannot edit).
        RoutingIntentReading reading = RoutingIntentReader.Read(ViewOf(detail));
        string? problem = reading.Problem ?? (detail.Summary.Routing.Kind == RoutingKind.ReadOnly ? detail.Summary.Routing.ReadOnlyReason : null);
        return new ServiceRouting(reading.Intent ?? new RoutingIntent(), detail.Summary.Routing.Revision, problem, [], GatewaysKnown: false,
            detail.VirtualServiceYaml, detail.DestinationRuleYaml);
    }

    public ImmutableArray<ValidationMessage> ValidateRouting(string namespaceName, string service, RoutingIntent intent) =>
        [.. RoutingIntentValidator.Validate(ViewOf(Detail(namespaceName, service)), intent).Select(ToMessage)];

    public RoutingPreview PreviewRouting(string namespaceName, string service, RoutingIntent intent)
    {
        RoutingPlan plan = RoutingIntentPlanner.PlanApply(ViewOf(Detail(namespaceName, service)), intent, IstioApi.V1);
        if (plan.IsRefused)
        {
            return new RoutingPreview(string.Empty, string.Empty, [], [], [.. plan.Issues.Select(ToMessage)], CanApply: false);
        }

        // Diffs against what the cluster holds, as the real preview shows them.
        ServiceDetail detail = Detail(namespaceName, service);
        string vs = plan.VirtualService is { } v ? Mesh.Yaml.ResourceYaml.Serialize(v) : string.Empty;
        string dr = plan.DestinationRule is { } d ? Mesh.Yaml.ResourceYaml.Serialize(d) : string.Empty;
        return new RoutingPreview(vs, dr, Diff(detail.VirtualServiceYaml ?? string.Empty, vs), Diff(detail.DestinationRuleYaml ?? string.Empty, dr),
            [.. plan.Issues.Select(ToMessage), .. PreviewNotes], plan.HasChanges);
    }

    public Task<ChangeOutcome> ApplyRoutingAsync(string namespaceName, string service, RoutingIntent intent, string? expectedRevision, ChangeContext change, CancellationToken cancellationToken = default)
    {
        string actor = change.Actor;
        RoutingApplies.Add((service, intent, expectedRevision, actor));
        Contexts.Add(change);
        ServiceDetail detail = Detail(namespaceName, service);
        if (NextRoutingOutcome is { } scripted)
        {
            NextRoutingOutcome = null;
            return Task.FromResult(scripted(detail));
        }

        ImmutableArray<ValidationMessage> errors = [.. ValidateRouting(namespaceName, service, intent).Where(static m => m.Severity == MessageSeverity.Error)];
        if (!errors.IsEmpty)
        {
            return Task.FromResult<ChangeOutcome>(new ChangeOutcome.Invalid(errors));
        }

        ServiceRouting before = GetRouting(namespaceName, service)!;
        string revision = NextRevision();
        _routings[(namespaceName, service)] = before with { Intent = intent, Revision = revision };
        TrafficDraft split = DraftOf(intent, [.. detail.Summary.Versions.Select(static v => v.Name)]);
        ServiceDetail updated = TestServices.WithRouting(detail, intent.Rules.IsEmpty ? RoutingKind.Split : RoutingKind.Rules, split.Weights, revision, actor, split.Mirror);
        Record(updated, change, RevisionAction.Apply);
        Change(updated);
        return Task.FromResult<ChangeOutcome>(new ChangeOutcome.Applied(revision));
    }

    public RouteSimulation Simulate(string namespaceName, string service, RoutingIntent? draft, SimulatedRequest request)
    {
        Simulations.Add((draft, request));
        ServiceDetail detail = Detail(namespaceName, service);
        RoutingIntent intent = draft ?? GetRouting(namespaceName, service)!.Intent;
        RoutingPlan plan = RoutingIntentPlanner.PlanApply(ViewOf(detail), intent, IstioApi.V1);
        if (plan.IsRefused || plan.VirtualService is null)
        {
            return new RouteSimulation(null, [.. plan.Issues.Select(ToMessage)]);
        }

        return new RouteSimulation(RouteSimulator.Simulate(plan.VirtualService, request with { Authority = request.Authority ?? detail.Host },
            RouteSimulator.SubsetVersions(plan.DestinationRule)), []);
    }

    public ImmutableArray<ValidationMessage> ValidateYaml(string namespaceName, string service, YamlDraft draft)
    {
        ArgumentNullException.ThrowIfNull(draft);
        var messages = new List<ValidationMessage>();
        if (!string.IsNullOrWhiteSpace(draft.VirtualServiceYaml)
            && Mesh.Yaml.ResourceYaml.TryDeserialize<VirtualService>(draft.VirtualServiceYaml) is { Succeeded: false } vs)
        {
            messages.Add(new ValidationMessage("TC0002", MessageSeverity.Error, "yaml.virtualService", $"The VirtualService is not valid YAML: {vs.Error}"));
        }

        if (!string.IsNullOrWhiteSpace(draft.DestinationRuleYaml)
            && Mesh.Yaml.ResourceYaml.TryDeserialize<DestinationRule>(draft.DestinationRuleYaml) is { Succeeded: false } dr)
        {
            messages.Add(new ValidationMessage("TC0002", MessageSeverity.Error, "yaml.destinationRule", $"The DestinationRule is not valid YAML: {dr.Error}"));
        }

        return [.. messages];
    }

    public RoutingPreview PreviewYaml(string namespaceName, string service, YamlDraft draft)
    {
        ImmutableArray<ValidationMessage> messages = ValidateYaml(namespaceName, service, draft);
        ServiceDetail detail = Detail(namespaceName, service);
        return new RoutingPreview(draft.VirtualServiceYaml, draft.DestinationRuleYaml, Diff(detail.VirtualServiceYaml ?? string.Empty, draft.VirtualServiceYaml),
            Diff(detail.DestinationRuleYaml ?? string.Empty, draft.DestinationRuleYaml), messages, messages.IsEmpty);
    }

    public Task<ChangeOutcome> ApplyYamlAsync(string namespaceName, string service, YamlDraft draft, string? expectedRevision, ChangeContext change, CancellationToken cancellationToken = default)
    {
        string actor = change.Actor;
        YamlApplies.Add((service, draft, expectedRevision));
        Contexts.Add(change);
        ServiceDetail detail = Detail(namespaceName, service);
        if (NextRoutingOutcome is { } scripted)
        {
            NextRoutingOutcome = null;
            return Task.FromResult(scripted(detail));
        }

        ImmutableArray<ValidationMessage> messages = ValidateYaml(namespaceName, service, draft);
        if (!messages.IsEmpty)
        {
            return Task.FromResult<ChangeOutcome>(new ChangeOutcome.Invalid(messages));
        }

        ServiceDetail updated = TestServices.WithRouting(detail, RoutingKind.Rules, detail.Summary.Routing.Effective, NextRevision(), actor, null)
            with { VirtualServiceYaml = draft.VirtualServiceYaml, DestinationRuleYaml = draft.DestinationRuleYaml };
        Change(updated);
        return Task.FromResult<ChangeOutcome>(new ChangeOutcome.Applied(updated.Summary.Routing.Revision));
    }

    private ServiceDetail Detail(string namespaceName, string service) =>
        GetService(namespaceName, service) ?? throw new InvalidOperationException($"no service {service}");

    /// <summary>The telemetry monitor the fake's traffic reads go through; null: telemetry not configured.</summary>
    public FakeTelemetryMonitor? Monitor
    {
        get => _monitor;
        set
        {
            _monitor = value;
            _telemetry = null;
        }
    }

    /// <summary>Health thresholds per service (Kiali's defaults unless a test sets others).</summary>
    public IHealthThresholdSource Thresholds { get; set; } = new DefaultHealthThresholds();

    private FakeTelemetryMonitor? _monitor;
    private TrafficTelemetry? _telemetry;

    // The real composition over the fake monitor and the fake's services, as the real service layer does over the cache.
    private TrafficTelemetry TelemetryLayer => _telemetry ??= new TrafficTelemetry(_monitor, Thresholds, TimeProvider.System);

    public TelemetryStatus Telemetry => TelemetryLayer.Status;

    public Task<ServiceTrafficReadout> ReadTrafficAsync(string namespaceName, string service, TelemetryWindow window, CancellationToken cancellationToken = default) =>
        TelemetryLayer.ReadAsync(namespaceName, service, window, RoutedViewOf, cancellationToken);

    public Task<NamespaceTrafficReadout> ReadNamespaceTrafficAsync(string? namespaceName, TelemetryWindow window, CancellationToken cancellationToken = default) =>
        TelemetryLayer.ReadNamespaceAsync(namespaceName, window, RoutedViewOf, cancellationToken);

    public IAsyncEnumerable<NamespaceTrafficReadout> WatchTrafficAsync(string? namespaceName, TelemetryWindow window, CancellationToken cancellationToken) =>
        TelemetryLayer.WatchAsync(namespaceName, window, RoutedViewOf, ct => WatchAsync(namespaceName, ct), cancellationToken);

    public Task<TrafficSeriesReadout> ReadTrafficSeriesAsync(string namespaceName, string service, TimeSpan? span = null, CancellationToken cancellationToken = default) =>
        TelemetryLayer.ReadSeriesAsync(namespaceName, service, span, cancellationToken);

    private ServiceView? RoutedViewOf(string namespaceName, string service) =>
        GetService(namespaceName, service) is { } detail ? RoutedViewOf(detail) : null;

    /// <summary>
    /// The Mesh view of a fake service with its weights as real routing (a VirtualService and DestinationRule planned from
    /// them), so configured shares come from the same RoutingState the cluster's views have.
    /// </summary>
    public static ServiceView RoutedViewOf(ServiceDetail detail)
    {
        ArgumentNullException.ThrowIfNull(detail);
        ServiceView plain = ViewOf(detail);
        if (detail.Summary.Routing.Kind != RoutingKind.Split || detail.Summary.Routing.Effective.IsDefaultOrEmpty)
        {
            return plain;
        }

        RoutingPlan plan = RoutingIntentPlanner.PlanSplit(plain, TrafficSplit.Of([.. detail.Summary.Routing.Effective.Select(static w => (w.Version, w.Percent))]), IstioApi.V1);
        return ServiceViewBuilder.Build(plain.Service, WorkloadsOf(detail), plan.VirtualService is { } vs ? [vs] : [], plan.DestinationRule is { } dr ? [dr] : []);
    }

    /// <summary>The Mesh view of a fake service: its versions as Deployments labelled app/version, no routing resources.</summary>
    public static ServiceView ViewOf(ServiceDetail detail)
    {
        ArgumentNullException.ThrowIfNull(detail);
        string app = detail.Summary.Versions.FirstOrDefault()?.Labels.GetValueOrDefault("app") ?? detail.Summary.Name;
        var kube = new KubeService
        {
            Namespace = detail.Summary.Namespace,
            Name = detail.Summary.Name,
            Selector = ImmutableDictionary<string, string>.Empty.Add("app", app),
        };
        return ServiceViewBuilder.Build(kube, WorkloadsOf(detail), [], []);
    }

    private static IEnumerable<Workload> WorkloadsOf(ServiceDetail detail)
    {
        string app = detail.Summary.Versions.FirstOrDefault()?.Labels.GetValueOrDefault("app") ?? detail.Summary.Name;
        return detail.Summary.Versions.Select(v => new Workload
        {
            Namespace = detail.Summary.Namespace,
            Name = v.Workloads.FirstOrDefault() ?? $"{app}-{v.Name}",
            PodLabels = v.Labels,
            DesiredReplicas = v.DesiredReplicas,
            ReadyReplicas = v.ReadyReplicas,
        });
    }

    private static ValidationMessage ToMessage(ValidationIssue issue) => new(
        issue.Code,
        issue.Severity switch { Severity.Error => MessageSeverity.Error, Severity.Warning => MessageSeverity.Warning, _ => MessageSeverity.Info },
        issue.Path,
        issue.Message);

    public IReadOnlyList<string> DescribeDelete(string namespaceName, string service) =>
        GetService(namespaceName, service)?.RoutingResources.ToList() ?? [];

    /// <summary>Grows with every published change.</summary>
    public long Version => Interlocked.Read(ref _version);

    public IAsyncEnumerable<TrafficUpdate> WatchAsync(string? namespaceName, CancellationToken cancellationToken) =>
        WatchAsync(namespaceName, Version, cancellationToken);

    public async IAsyncEnumerable<TrafficUpdate> WatchAsync(string? namespaceName, long sinceVersion, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateUnbounded<TrafficUpdate>();
        lock (_gate)
        {
            // As the real service: anything published after the caller's reads and before this subscription is a resync.
            if (Interlocked.Read(ref _version) > sinceVersion)
            {
                channel.Writer.TryWrite(new TrafficUpdate([], Health, Resync: true));
            }

            _subscribers.Add(channel);
        }

        try
        {
            await foreach (TrafficUpdate update in channel.Reader.ReadAllAsync(cancellationToken))
            {
                ServiceChangedEvent[] mine = [.. update.Services.Where(s => namespaceName is null || s.Namespace == namespaceName)];
                if (mine.Length > 0 || update.Health is not null || update.Resync)
                {
                    yield return update with { Services = mine };
                }
            }
        }
        finally
        {
            lock (_gate)
            {
                _subscribers.Remove(channel);
            }
        }
    }

    private void Publish(TrafficUpdate update)
    {
        lock (_gate)
        {
            Interlocked.Increment(ref _version);
            foreach (Channel<TrafficUpdate> subscriber in _subscribers)
            {
                subscriber.Writer.TryWrite(update);
            }
        }
    }

    private static ServiceChangedEvent ToEvent(ServiceDetail detail) =>
        new(detail.Summary.Namespace, detail.Summary.Name, detail.Summary.Routing.Revision, detail.Summary.Routing.Effective, detail.Summary.Routing.Kind);

    // A naive line diff: good enough to show added/removed lines in a test.
    private static ImmutableArray<DiffLine> Diff(string before, string after)
    {
        string[] oldLines = before.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string[] newLines = after.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var result = new List<DiffLine>();
        result.AddRange(oldLines.Where(l => !newLines.Contains(l)).Select(static l => new DiffLine(DiffLineKind.Removed, l)));
        result.AddRange(newLines.Select(l => new DiffLine(oldLines.Contains(l) ? DiffLineKind.Unchanged : DiffLineKind.Added, l)));
        return [.. result];
    }

    // ---------- history, rollback, overview, audit: in memory, with the semantics the real service layer promises ----------

    private readonly ConcurrentDictionary<(string Namespace, string Name), List<(RevisionSummary Summary, string Yaml)>> _history = new();
    private readonly ConcurrentDictionary<(string Namespace, string Name), StableVersionInfo> _stable = new();

    /// <summary>The ChangeContext of every write (apply, delete, rollback, mark stable), in order.</summary>
    public List<ChangeContext> Contexts { get; } = [];

    /// <summary>Every RollbackAsync call: service, target and expected revision, in order.</summary>
    public List<(string Service, RollbackTarget Target, string? Revision)> Rollbacks { get; } = [];

    /// <summary>Every MarkStableAsync call: service, version and expected revision.</summary>
    public List<(string Service, string Version, string? Revision)> StableMarks { get; } = [];

    /// <summary>Every PromoteAsync call: service, version, expected revision and reason.</summary>
    public List<(string Service, string Version, string? Revision, string? Reason)> Promotions { get; } = [];

    /// <summary>Every ListRollouts call's namespace (null: all), to check that the overview queries once per batch, not per row.</summary>
    public List<string?> RolloutQueries { get; } = [];

    /// <summary>Every GetAudit call's query.</summary>
    public List<AuditQuery> AuditQueries { get; } = [];

    /// <summary>Every namespace plan that was run.</summary>
    public List<NamespaceRollbackPlan> NamespaceRollbacks { get; } = [];

    /// <summary>Services whose history cannot be read, with the reason GetHistory reports.</summary>
    public Dictionary<string, string> HistoryProblems { get; } = [];

    /// <summary>When set, the next RollbackAsync returns this instead of writing.</summary>
    public Func<ServiceDetail, ChangeOutcome>? NextRollbackOutcome { get; set; }

    /// <summary>Sets the stable version of a service (how it was chosen and why).</summary>
    public void SetStable(string namespaceName, string service, StableVersionInfo stable) => _stable[(namespaceName, service)] = stable;

    /// <summary>Records a revision as the service's current one (as the recorder would after a change); returns its id.</summary>
    public string AddRevision(
        string namespaceName,
        string service,
        ImmutableArray<WeightShare> weights,
        string actor,
        DateTimeOffset at,
        string? reason = null,
        RevisionOrigin origin = RevisionOrigin.Console,
        string? manager = null,
        RevisionAction action = RevisionAction.Apply)
    {
        ServiceDetail detail = Detail(namespaceName, service);
        ServiceDetail updated = TestServices.WithRouting(detail, RoutingKind.Split, weights, NextRevision(), actor, null)
            with { VirtualServiceYaml = TestServices.RenderVirtualService(service, detail.Host, weights) };
        updated = updated with { Summary = updated.Summary with { LastChangedAt = at } };
        Put(updated);
        return Append(updated, actor, origin, manager, reason, action, at);
    }

    private void Record(ServiceDetail updated, ChangeContext change, RevisionAction action) =>
        Append(updated, change.Actor, RevisionOrigin.Console, null, change.Reason, action, DateTimeOffset.UtcNow);

    private string Append(ServiceDetail updated, string actor, RevisionOrigin origin, string? manager, string? reason, RevisionAction action, DateTimeOffset at)
    {
        List<(RevisionSummary Summary, string Yaml)> list = _history.GetOrAdd((updated.Summary.Namespace, updated.Summary.Name), static _ => []);
        lock (list)
        {
            string? replaces = list.Count == 0 ? null : list[0].Summary.Id;
            for (int i = 0; i < list.Count; i++)
            {
                list[i] = (list[i].Summary with { IsCurrent = false }, list[i].Yaml);
            }

            string id = $"r{list.Count + 1}-{updated.Summary.Routing.Revision}";
            var summary = new RevisionSummary(id, at, actor, origin, manager, reason, action, replaces, updated.Summary.Routing.Kind,
                updated.Summary.Routing.Effective, IsCurrent: true);
            list.Insert(0, (summary, updated.VirtualServiceYaml ?? TestServices.RenderVirtualService(updated.Summary.Name, updated.Host, updated.Summary.Routing.Effective)));
            return id;
        }
    }

    private StableVersionInfo StableOf(ServiceDetail detail) =>
        _stable.TryGetValue((detail.Summary.Namespace, detail.Summary.Name), out StableVersionInfo? stable)
            ? stable
            : detail.Summary.Versions.IsDefaultOrEmpty
                ? new StableVersionInfo(null, StableReason.Unknown, "The service has no version to call stable.")
                : new StableVersionInfo(detail.Summary.Versions[0].Name, StableReason.Oldest, $"{detail.Summary.Versions[0].Name} is the oldest version.");

    private ImmutableArray<(RevisionSummary Summary, string Yaml)> Revisions(string namespaceName, string service)
    {
        if (!_history.TryGetValue((namespaceName, service), out List<(RevisionSummary Summary, string Yaml)>? list))
        {
            return [];
        }

        lock (list)
        {
            return [.. list];
        }
    }

    public ServiceHistory? GetHistory(string namespaceName, string service)
    {
        if (GetService(namespaceName, service) is not { } detail)
        {
            return null;
        }

        return new ServiceHistory(namespaceName, service, detail.Summary.Routing.Revision, StableOf(detail),
            [.. Revisions(namespaceName, service).Select(static r => r.Summary)], Cap: 50, HistoryProblems.GetValueOrDefault(service));
    }

    public RevisionComparison? CompareRevisions(string namespaceName, string service, string fromId, string toId)
    {
        ImmutableArray<(RevisionSummary Summary, string Yaml)> revisions = Revisions(namespaceName, service);
        (RevisionSummary Summary, string Yaml)? from = revisions.Cast<(RevisionSummary Summary, string Yaml)?>().FirstOrDefault(r => r!.Value.Summary.Id == fromId);
        (RevisionSummary Summary, string Yaml)? to = revisions.Cast<(RevisionSummary Summary, string Yaml)?>().FirstOrDefault(r => r!.Value.Summary.Id == toId);
        if (from is null || to is null)
        {
            return null;
        }

        DiffPlex.DiffBuilder.Model.SideBySideDiffModel model =
            DiffPlex.DiffBuilder.SideBySideDiffBuilder.Diff(from.Value.Yaml.TrimEnd('\n'), to.Value.Yaml.TrimEnd('\n'), ignoreWhiteSpace: false);
        ImmutableArray<SideBySideLine> lines = [.. model.OldText.Lines.Zip(model.NewText.Lines, static (left, right) => new SideBySideLine(
            left.Position, left.Text ?? string.Empty, KindOf(left.Type, DiffLineKind.Removed),
            right.Position, right.Text ?? string.Empty, KindOf(right.Type, DiffLineKind.Added)))];
        return new RevisionComparison(from.Value.Summary, to.Value.Summary, from.Value.Yaml, to.Value.Yaml, lines);

        static DiffLineKind KindOf(DiffPlex.DiffBuilder.Model.ChangeType type, DiffLineKind changed) => type switch
        {
            DiffPlex.DiffBuilder.Model.ChangeType.Unchanged => DiffLineKind.Unchanged,
            DiffPlex.DiffBuilder.Model.ChangeType.Imaginary => DiffLineKind.Absent,
            DiffPlex.DiffBuilder.Model.ChangeType.Modified => DiffLineKind.Modified,
            _ => changed,
        };
    }

    public RollbackPreview PreviewRollback(string namespaceName, string service, RollbackTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        ServiceDetail detail = Detail(namespaceName, service);
        if (target.ToStable)
        {
            StableVersionInfo stable = StableOf(detail);
            ImmutableArray<WeightShare> after = [.. detail.Summary.Versions.Select(v => new WeightShare(v.Name, v.Name == stable.Version ? 100 : 0))];
            RoutingPreview preview = stable.Version is null
                ? new RoutingPreview(string.Empty, string.Empty, [], [], [new ValidationMessage("TC0100", MessageSeverity.Error, string.Empty, stable.Explanation)], CanApply: false)
                : Preview(namespaceName, service, new TrafficDraft(after, null));
            return new RollbackPreview(target, $"All traffic to {stable.Version ?? "(none)"}", after, stable, preview);
        }

        RevisionSummary revision = Revisions(namespaceName, service).Select(static r => r.Summary).FirstOrDefault(r => r.Id == target.ToRevision)
            ?? throw new InvalidOperationException($"no revision {target.ToRevision}");
        return new RollbackPreview(target, $"Back to revision {revision.Id} by {revision.Actor}", revision.Weights, null,
            Preview(namespaceName, service, new TrafficDraft(revision.Weights, null)));
    }

    public Task<ChangeOutcome> RollbackAsync(string namespaceName, string service, RollbackTarget target, string? expectedRevision, ChangeContext change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        Rollbacks.Add((service, target, expectedRevision));
        Contexts.Add(change);
        ServiceDetail detail = Detail(namespaceName, service);
        if (NextRollbackOutcome is { } scripted)
        {
            NextRollbackOutcome = null;
            return Task.FromResult(scripted(detail));
        }

        if (expectedRevision is not null && expectedRevision != detail.Summary.Routing.Revision)
        {
            return Task.FromResult<ChangeOutcome>(new ChangeOutcome.Conflict(detail, $"{service} was changed by {detail.Summary.LastChangedBy ?? "someone else"}."));
        }

        RollbackPreview preview = PreviewRollback(namespaceName, service, target);
        if (!preview.Preview.CanApply)
        {
            return Task.FromResult<ChangeOutcome>(new ChangeOutcome.Invalid(preview.Preview.Validation));
        }

        ServiceDetail updated = TestServices.WithRouting(detail, RoutingKind.Split, preview.WeightsAfter, NextRevision(), change.Actor, null);
        Record(updated, change, target.ToStable ? RevisionAction.ToStable : RevisionAction.Rollback);
        Change(updated);
        return Task.FromResult<ChangeOutcome>(new ChangeOutcome.Applied(updated.Summary.Routing.Revision));
    }

    public Task<ChangeOutcome> MarkStableAsync(string namespaceName, string service, string version, string? expectedRevision, ChangeContext change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        StableMarks.Add((service, version, expectedRevision));
        Contexts.Add(change);
        ServiceDetail detail = Detail(namespaceName, service);
        _stable[(namespaceName, service)] = new StableVersionInfo(version, StableReason.Marked, $"marked by {change.Actor}", change.Actor, DateTimeOffset.UtcNow);
        ServiceDetail updated = detail with { Summary = detail.Summary with { Routing = detail.Summary.Routing with { Revision = NextRevision() } } };
        Record(updated, change, RevisionAction.MarkStable);
        Change(updated);
        return Task.FromResult<ChangeOutcome>(new ChangeOutcome.Applied(updated.Summary.Routing.Revision));
    }

    public PromotePreview PreviewPromote(string namespaceName, string service, string version)
    {
        ServiceDetail detail = Detail(namespaceName, service);
        ImmutableArray<WeightShare> after = [.. detail.Summary.Versions.Select(v => new WeightShare(v.Name, v.Name == version ? 100 : 0))];
        return new PromotePreview(version, $"All traffic to {version}, and {version} marked stable", after, Preview(namespaceName, service, new TrafficDraft(after, null)));
    }

    public Task<ChangeOutcome> PromoteAsync(string namespaceName, string service, string version, string? expectedRevision, ChangeContext change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        Promotions.Add((service, version, expectedRevision, change.Reason));
        Contexts.Add(change);
        ServiceDetail detail = Detail(namespaceName, service);
        if (expectedRevision is not null && expectedRevision != detail.Summary.Routing.Revision)
        {
            return Task.FromResult<ChangeOutcome>(new ChangeOutcome.Conflict(detail, $"{service} was changed by {detail.Summary.LastChangedBy ?? "someone else"}."));
        }

        PromotePreview preview = PreviewPromote(namespaceName, service, version);
        _stable[(namespaceName, service)] = new StableVersionInfo(version, StableReason.Promoted, $"promoted by {change.Actor}", change.Actor, DateTimeOffset.UtcNow);
        ServiceDetail updated = TestServices.WithRouting(detail, RoutingKind.Split, preview.WeightsAfter, NextRevision(), change.Actor, null);
        Record(updated, change, RevisionAction.Promote);
        Change(updated);
        return Task.FromResult<ChangeOutcome>(new ChangeOutcome.Applied(updated.Summary.Routing.Revision));
    }

    public IReadOnlyList<RolloutSummary> ListRollouts(string? namespaceName)
    {
        RolloutQueries.Add(namespaceName);
        return [.. _services.Values
            .Where(s => (namespaceName is null || s.Summary.Namespace == namespaceName) && s.Summary.Routing.Kind is RoutingKind.Split or RoutingKind.Rules)
            .OrderBy(static s => s.Summary.Namespace, StringComparer.Ordinal).ThenBy(static s => s.Summary.Name, StringComparer.Ordinal)
            .Select(RolloutOf)];
    }

    private RolloutSummary RolloutOf(ServiceDetail detail)
    {
        ServiceSummary s = detail.Summary;
        ImmutableArray<RevisionSummary> revisions = [.. Revisions(s.Namespace, s.Name).Select(static r => r.Summary)];
        MessageSeverity? worst = s.Validation.IsDefaultOrEmpty ? null : s.Validation.Max(static m => m.Severity);
        return new RolloutSummary(s.Namespace, s.Name, s.Routing.Kind, s.Routing.Effective, s.Routing.Mirror, StableOf(detail),
            revisions.IsEmpty ? s.LastChangedAt : revisions[^1].At, s.LastChangedAt, s.LastChangedBy,
            revisions.IsEmpty ? null : revisions[0].Origin, worst, s.Validation.IsDefault ? 0 : s.Validation.Length, s.Routing.Revision);
    }

    public NamespaceRollbackPlan PlanNamespaceRollback(string namespaceName) =>
        new(namespaceName, [.. _services.Values
            .Where(s => s.Summary.Namespace == namespaceName && s.Summary.Routing.Kind is RoutingKind.Split or RoutingKind.Rules or RoutingKind.ReadOnly)
            .OrderBy(static s => s.Summary.Name, StringComparer.Ordinal)
            .Select(s =>
            {
                StableVersionInfo stable = StableOf(s);
                string? blocked = s.Summary.Routing.Kind == RoutingKind.ReadOnly ? $"Read-only routing: {s.Summary.Routing.ReadOnlyReason}"
                    : stable.Version is null ? "No stable version." : null;
                return new NamespaceRollbackItem(s.Summary.Name, s.Summary.Routing.Revision, s.Summary.Routing.Effective, stable, blocked);
            })]);

    public async Task<NamespaceRollbackResult> RollbackNamespaceAsync(NamespaceRollbackPlan plan, ChangeContext change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        NamespaceRollbacks.Add(plan);
        var outcomes = ImmutableArray.CreateBuilder<ServiceOutcome>();
        foreach (NamespaceRollbackItem item in plan.Items.Where(static i => i.Blocked is null))
        {
            outcomes.Add(new ServiceOutcome(item.Service, await RollbackAsync(plan.Namespace, item.Service, RollbackTarget.Stable, item.Revision, change, cancellationToken)));
        }

        return new NamespaceRollbackResult(plan.Namespace, outcomes.ToImmutable());
    }

    public IReadOnlyList<AuditEntry> GetAudit(string namespaceName, AuditQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        AuditQueries.Add(query);
        return [.. _history
            .Where(h => h.Key.Namespace == namespaceName)
            .SelectMany(h => Revisions(h.Key.Namespace, h.Key.Name).Select(r => (Service: h.Key.Name, r.Summary)))
            .Where(e => query.Actor is null || e.Summary.Actor.Contains(query.Actor, StringComparison.OrdinalIgnoreCase))
            .Where(e => query.Service is null || e.Service.Contains(query.Service, StringComparison.OrdinalIgnoreCase))
            .Where(e => (query.From is null || e.Summary.At >= query.From) && (query.To is null || e.Summary.At <= query.To))
            .OrderByDescending(static e => e.Summary.At)
            .Select(e => new AuditEntry(e.Summary.At, namespaceName, e.Service, e.Summary.Actor, e.Summary.Origin, e.Summary.Manager,
                e.Summary.Action, e.Summary.Reason, e.Summary.Weights, e.Summary.Id))];
    }
}
