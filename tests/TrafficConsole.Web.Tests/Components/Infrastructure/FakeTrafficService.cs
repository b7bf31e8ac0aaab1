using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

using TrafficConsole.Web.Model;
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
    private int _revision = 100;

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

    public Task<ChangeOutcome> ApplyAsync(string namespaceName, string service, TrafficDraft draft, string? expectedRevision, string actor, CancellationToken cancellationToken = default)
    {
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

    public Task<ChangeOutcome> DeleteRoutingAsync(string namespaceName, string service, string? expectedRevision, string actor, CancellationToken cancellationToken = default)
    {
        Deletes.Add((service, expectedRevision));
        ServiceDetail detail = GetService(namespaceName, service) ?? throw new InvalidOperationException($"no service {service}");
        ServiceDetail updated = TestServices.WithRouting(detail, RoutingKind.None, [], "none", actor, null);
        Change(updated);
        return Task.FromResult<ChangeOutcome>(new ChangeOutcome.Applied("none"));
    }

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
}
