using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Services;
using TrafficConsole.Mesh.Simulation;
using TrafficConsole.Mesh.Validation;
using TrafficConsole.Web.Model;
using RoutingKind = TrafficConsole.Web.Model.RoutingKind;
using TrafficConsole.Web.Services;

namespace TrafficConsole.Web.Tests.Components.Infrastructure;

/// <summary>
/// An in-memory <see cref="ITrafficService"/> for component tests: services can be changed "by someone
/// else" (<see cref="Change"/>), writes are recorded, and the next write's outcome can be scripted.
/// </summary>
public sealed class FakeTrafficService : ITrafficService
{
    private readonly ConcurrentDictionary<(string Namespace, string Name), ServiceDetail> _services = new();
    private readonly List<Channel<TrafficUpdate>> _subscribers = [];
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

    /// <summary>Every ApplyAsync call, in order.</summary>
    public List<(string Service, TrafficDraft Draft, string? Revision, string Actor)> Applies { get; } = [];

    /// <summary>Every DeleteRoutingAsync call, in order.</summary>
    public List<(string Service, string? Revision)> Deletes { get; } = [];

    /// <summary>When set, the next ApplyAsync returns this instead of writing.</summary>
    public Func<ServiceDetail, ChangeOutcome>? NextApplyOutcome { get; set; }

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

    public Task<ChangeOutcome> ApplyAsync(string namespaceName, string service, TrafficDraft draft, string? expectedRevision, ChangeContext change, CancellationToken cancellationToken = default)
    {
        string actor = change.Actor;
        ArgumentNullException.ThrowIfNull(draft);
        Applies.Add((service, draft, expectedRevision, actor));
        ServiceDetail detail = GetService(namespaceName, service) ?? throw new InvalidOperationException($"no service {service}");
        if (NextApplyOutcome is { } scripted)
        {
            NextApplyOutcome = null;
            return Task.FromResult(scripted(detail));
        }

        ServiceDetail updated = TestServices.WithRouting(detail, RoutingKind.Split, draft.Weights, NextRevision(), actor, draft.Mirror);
        Change(updated);
        return Task.FromResult<ChangeOutcome>(new ChangeOutcome.Applied(updated.Summary.Routing.Revision));
    }

    public Task<ChangeOutcome> DeleteRoutingAsync(string namespaceName, string service, string? expectedRevision, ChangeContext change, CancellationToken cancellationToken = default)
    {
        string actor = change.Actor;
        Deletes.Add((service, expectedRevision));
        ServiceDetail detail = GetService(namespaceName, service) ?? throw new InvalidOperationException($"no service {service}");
        ServiceDetail updated = TestServices.WithRouting(detail, RoutingKind.None, [], "none", actor, null);
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
        RoutingIntentReading reading = RoutingIntentReader.Read(ViewOf(detail));
        return new ServiceRouting(reading.Intent ?? new RoutingIntent(), detail.Summary.Routing.Revision, reading.Problem, [], GatewaysKnown: false,
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

        string vs = plan.VirtualService is { } v ? Mesh.Yaml.ResourceYaml.Serialize(v) : string.Empty;
        string dr = plan.DestinationRule is { } d ? Mesh.Yaml.ResourceYaml.Serialize(d) : string.Empty;
        return new RoutingPreview(vs, dr, Diff(string.Empty, vs), Diff(string.Empty, dr), [.. plan.Issues.Select(ToMessage)], plan.HasChanges);
    }

    public Task<ChangeOutcome> ApplyRoutingAsync(string namespaceName, string service, RoutingIntent intent, string? expectedRevision, ChangeContext change, CancellationToken cancellationToken = default)
    {
        string actor = change.Actor;
        RoutingApplies.Add((service, intent, expectedRevision, actor));
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
        ImmutableArray<WeightShare> effective = intent.DefaultRoute is { } route ? [.. route.Destinations.Weights.Select(static w => new WeightShare(w.Version, w.Weight))] : [];
        Change(TestServices.WithRouting(detail, intent.Rules.IsEmpty ? RoutingKind.Split : RoutingKind.Rules, effective, revision, actor, null));
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
        IEnumerable<Workload> workloads = detail.Summary.Versions.Select(v => new Workload
        {
            Namespace = detail.Summary.Namespace,
            Name = v.Workloads.FirstOrDefault() ?? $"{app}-{v.Name}",
            PodLabels = v.Labels,
            DesiredReplicas = v.DesiredReplicas,
            ReadyReplicas = v.ReadyReplicas,
        });
        return ServiceViewBuilder.Build(kube, workloads, [], []);
    }

    private static ValidationMessage ToMessage(ValidationIssue issue) => new(
        issue.Code,
        issue.Severity switch { Severity.Error => MessageSeverity.Error, Severity.Warning => MessageSeverity.Warning, _ => MessageSeverity.Info },
        issue.Path,
        issue.Message);

    public IReadOnlyList<string> DescribeDelete(string namespaceName, string service) =>
        GetService(namespaceName, service)?.RoutingResources.ToList() ?? [];

    public async IAsyncEnumerable<TrafficUpdate> WatchAsync(string? namespaceName, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateUnbounded<TrafficUpdate>();
        lock (_gate)
        {
            _subscribers.Add(channel);
        }

        try
        {
            await foreach (TrafficUpdate update in channel.Reader.ReadAllAsync(cancellationToken))
            {
                ServiceChangedEvent[] mine = [.. update.Services.Where(s => namespaceName is null || s.Namespace == namespaceName)];
                if (mine.Length > 0 || update.Health is not null)
                {
                    yield return new TrafficUpdate(mine, update.Health);
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

    // CONTRACT STUB: the history UI branch gives these fakes real behaviour for its bUnit tests.
    public ServiceHistory? GetHistory(string namespaceName, string service) => throw new NotImplementedException();

    public RevisionComparison? CompareRevisions(string namespaceName, string service, string fromId, string toId) => throw new NotImplementedException();

    public RollbackPreview PreviewRollback(string namespaceName, string service, RollbackTarget target) => throw new NotImplementedException();

    public Task<ChangeOutcome> RollbackAsync(string namespaceName, string service, RollbackTarget target, string? expectedRevision, ChangeContext change, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    public Task<ChangeOutcome> MarkStableAsync(string namespaceName, string service, string version, string? expectedRevision, ChangeContext change, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    public IReadOnlyList<RolloutSummary> ListRollouts(string? namespaceName) => throw new NotImplementedException();

    public NamespaceRollbackPlan PlanNamespaceRollback(string namespaceName) => throw new NotImplementedException();

    public Task<NamespaceRollbackResult> RollbackNamespaceAsync(NamespaceRollbackPlan plan, ChangeContext change, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    public IReadOnlyList<AuditEntry> GetAudit(string namespaceName, AuditQuery query) => throw new NotImplementedException();
}
