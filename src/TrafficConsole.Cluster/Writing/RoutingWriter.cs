using System.Collections.Immutable;
using System.Globalization;
using System.Net;

using k8s;
using k8s.Autorest;
using k8s.Models;

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

using TrafficConsole.Cluster.Cache;
using TrafficConsole.Cluster.Connection;
using TrafficConsole.Cluster.Diagnostics;
using TrafficConsole.Cluster.Identity;
using TrafficConsole.Cluster.Resources;
using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Services;

namespace TrafficConsole.Cluster.Writing;

/// <summary>
/// Writes routing plans with optimistic concurrency (the resourceVersions the user started from), returns
/// the outcome as a <see cref="WriteResult"/>, and returns only once the shared cache shows the write.
/// </summary>
public sealed partial class RoutingWriter : IRoutingWriter
{
    // What ServerVersionAsync and CachedVersion say for a resource that does not exist.
    private const string Absent = "(absent)";

    /// <summary>Annotation on the VirtualService: who made the last change through TrafficConsole.</summary>
    public const string ChangedByAnnotation = "trafficconsole.io/changed-by";

    /// <summary>Annotation on the VirtualService: when (UTC, ISO 8601).</summary>
    public const string ChangedAtAnnotation = "trafficconsole.io/changed-at";

    private readonly ClusterConnection _connection;
    private readonly IMeshCache _cache;
    private readonly RoutingWriterOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly IUserClients? _users;

    /// <summary>A writer over a client someone else made and disposes.</summary>
    public RoutingWriter(
        IKubernetes client, IMeshCache cache, IOptions<RoutingWriterOptions>? options = null, ILogger<RoutingWriter>? logger = null, TimeProvider? time = null,
        IUserClients? users = null, ConsoleWrites? writes = null)
        : this(ClusterConnection.Over(client ?? throw new ArgumentNullException(nameof(client))), cache, options, logger, time, users, writes)
    {
    }

    /// <summary>A writer over the process's connection (the composition root's); <paramref name="writes"/> is shared with the <see cref="History.RevisionRecorder"/>.</summary>
    public RoutingWriter(
        ClusterConnection connection, IMeshCache cache, IOptions<RoutingWriterOptions>? options = null, ILogger<RoutingWriter>? logger = null, TimeProvider? time = null,
        IUserClients? users = null, ConsoleWrites? writes = null)
    {
        _connection = connection ?? throw new ArgumentNullException(nameof(connection));
        _users = users;
        Writes = writes ?? new ConsoleWrites();
        _cache = cache ?? throw new ArgumentNullException(nameof(cache));
        _options = options?.Value ?? new RoutingWriterOptions();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The resourceVersions this writer produced: the history credits the console only with these.</summary>
    public ConsoleWrites Writes { get; }

    /// <summary>Writes the plan's VirtualService and DestinationRule for <paramref name="actor"/>, on the console's own credentials.</summary>
    public Task<WriteResult> ApplyAsync(RoutingPlan plan, string actor, CancellationToken cancellationToken = default) =>
        ApplyAsync(plan, actor, identity: null, cancellationToken);

    /// <summary>Writes the plan as <paramref name="identity"/> (null: the console's own credentials), so the cluster's RBAC decides.</summary>
    public async Task<WriteResult> ApplyAsync(RoutingPlan plan, string actor, ClusterIdentity? identity, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentException.ThrowIfNullOrWhiteSpace(actor);
        ServiceRef? service = ServiceOf(plan);
        string ns = service?.Namespace ?? plan.VirtualService?.Namespace ?? plan.DestinationRule?.Namespace ?? string.Empty;
        string serviceName = service?.Name ?? plan.VirtualService?.Name ?? string.Empty;

        if (plan.IsRefused)
        {
            return Reject(actor, ns, serviceName, new WriteResult.Invalid(CausesOf(plan.Issues))
            {
                Message = plan.RefusalReason ?? "The plan was refused.",
            });
        }

        // The cache is the freshest cheap view: if it already shows someone else's change, stop before writing.
        ServiceView? before = service is { } svc && _cache.IsSynced ? _cache.Current.GetServiceView(svc.Namespace, svc.Name) : null;
        if (before is not null && !string.Equals(before.Routing.Revision, plan.ExpectedRevision, StringComparison.Ordinal))
        {
            return Reject(actor, ns, serviceName, new WriteResult.Conflict(before, ConflictMessage(serviceName, plan.ExpectedRevision, before.Routing.Revision)));
        }

        if (!plan.HasChanges)
        {
            ServiceView? unchanged = service is { } s ? _cache.Current.GetServiceView(s.Namespace, s.Name) : null;
            return new WriteResult.Applied(unchanged?.Routing.Revision ?? plan.ExpectedRevision) { View = unchanged };
        }

        // Adding subsets: the DestinationRule first, so the VirtualService never names a subset that does not exist.
        // Removing subsets: the VirtualService first, so it stops using them before they go.
        bool destinationRuleFirst = !RemovesSubsets(plan);
        using IKubernetes? own = ClientOf(identity);
        IKubernetes api = own ?? _connection.Client;
        var steps = new List<(ResourceRef? Target, Func<CancellationToken, Task<ResourceWrite?>> Run)>();
        (ResourceRef?, Func<CancellationToken, Task<ResourceWrite?>>) writeVs = (RefOf(plan.VirtualService, VirtualService.KindName, VirtualService.Plural), ct => WriteVirtualServiceAsync(api, plan, actor, ct));
        (ResourceRef?, Func<CancellationToken, Task<ResourceWrite?>>) writeDr = (RefOf(plan.DestinationRule, DestinationRule.KindName, DestinationRule.Plural), ct => WriteDestinationRuleAsync(api, plan, ct));
        steps.AddRange(destinationRuleFirst ? [writeDr, writeVs] : [writeVs, writeDr]);
        steps.Add((RefOf(plan.HttpRoute, HttpRoute.KindName, HttpRoute.Plural), ct => WriteHttpRouteAsync(api, plan, actor, ct)));

        // Resources the restored revision lacks go last, each only if still at the version the plan read.
        foreach (ResourceRef reference in (plan.Deletes.IsDefault ? [] : plan.Deletes)
            .OrderBy(static r => r.Kind == VirtualService.KindName ? 0 : 1).ThenBy(static r => r.Name, StringComparer.Ordinal))
        {
            steps.Add((reference, async ct =>
            {
                try
                {
                    await DeleteOneAsync(api, reference, ct);
                }
                catch (HttpOperationException ex) when (ex.Response?.StatusCode == HttpStatusCode.NotFound)
                {
                    // Already gone: that is what the plan asked for.
                }

                return new ResourceWrite(reference.Kind, reference.Namespace, reference.Name, ResourceWrite.Deleted, null);
            }));
        }

        ImmutableArray<ResourceWrite>.Builder written = ImmutableArray.CreateBuilder<ResourceWrite>();
        foreach ((ResourceRef? target, Func<CancellationToken, Task<ResourceWrite?>> run) in steps)
        {
            try
            {
                if (await run(cancellationToken) is { } write)
                {
                    // Remembered before the watch can deliver it, so nobody sees this version unattributed.
                    Writes.Add(write, actor);
                    written.Add(write);
                }
            }
            catch (Exception ex) when (IsApiFailure(ex, cancellationToken))
            {
                WriteResult failure = await MapFailureAsync(ex, service, plan.ExpectedRevision, api, target, cancellationToken);
                return Reject(actor, ns, serviceName, failure with { Written = written.ToImmutable() });
            }
        }

        DateTimeOffset appliedAt = _time.GetUtcNow();
        ImmutableArray<ResourceWrite> done = written.ToImmutable();
        bool caughtUp = await _cache.WaitUntilAsync(snapshot => Shows(snapshot, done), _options.CacheWaitTimeout, cancellationToken);
        ResourceWrite? vsWrite = done.FirstOrDefault(static w => w.Kind == VirtualService.KindName);
        ResourceWrite? drWrite = done.FirstOrDefault(static w => w.Kind == DestinationRule.KindName);
        if (!caughtUp)
        {
            foreach (ResourceWrite write in done)
            {
                ClusterLog.CacheLagging(_logger, write.Kind, write.Namespace, write.Name, write.ResourceVersion, _options.CacheWaitTimeout);
            }
        }

        if (done.FirstOrDefault(static w => w.Kind == HttpRoute.KindName) is { } hrWrite)
        {
            ClusterLog.HttpRouteApplied(_logger, actor, ns, serviceName, hrWrite.Name, hrWrite.ResourceVersion);
        }
        else
        {
            ClusterLog.RoutingApplied(_logger, actor, ns, serviceName, vsWrite?.Name, vsWrite?.ResourceVersion, drWrite?.Name, drWrite?.ResourceVersion);
        }
        ServiceView? view = service is { } v ? _cache.Current.GetServiceView(v.Namespace, v.Name) : null;
        string revision = caughtUp && view is not null ? view.Routing.Revision : string.Join(",", done.Select(static w => $"{RevisionPrefix(w.Kind)}:{w.ResourceVersion}"));
        ServiceView? after = ResultingView(before, done);
        return new WriteResult.Applied(revision) { View = view, CacheCaughtUp = caughtUp, Written = done, ResultingRevision = after?.Routing.Revision, ResultingView = after, AppliedAt = appliedAt };
    }

    /// <summary>Deletes the plan's resources (of <see cref="DeletePlan.Namespace"/>/<see cref="DeletePlan.ServiceName"/>).</summary>
    public Task<WriteResult> DeleteAsync(DeletePlan plan, string actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return DeleteAsync(plan, actor, plan.Namespace, plan.ServiceName, cancellationToken);
    }

    /// <summary>Deletes the plan's resources, each only if it is still at the version the user saw.</summary>
    public Task<WriteResult> DeleteAsync(DeletePlan plan, string actor, string namespaceName, string service, CancellationToken cancellationToken = default) =>
        DeleteAsync(plan, actor, namespaceName, service, identity: null, cancellationToken);

    /// <summary>Deletes the plan's resources as <paramref name="identity"/> (null: the console's own credentials).</summary>
    public async Task<WriteResult> DeleteAsync(DeletePlan plan, string actor, string namespaceName, string service, ClusterIdentity? identity, CancellationToken cancellationToken = default)
    {
        string @namespace = namespaceName;
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentException.ThrowIfNullOrWhiteSpace(actor);
        ArgumentException.ThrowIfNullOrWhiteSpace(namespaceName);
        ArgumentException.ThrowIfNullOrWhiteSpace(service);
        var target = new ServiceRef(@namespace, service);

        if (_cache.IsSynced
            && _cache.Current.GetServiceView(@namespace, service) is { } now
            && !string.Equals(now.Routing.Revision, plan.ExpectedRevision, StringComparison.Ordinal))
        {
            return Reject(actor, @namespace, service, new WriteResult.Conflict(now, ConflictMessage(service, plan.ExpectedRevision, now.Routing.Revision)));
        }

        // VirtualServices first: they stop naming subsets before the DestinationRules that define them go.
        IEnumerable<ResourceRef> ordered = plan.Delete
            .OrderBy(static r => r.Kind == VirtualService.KindName ? 0 : 1)
            .ThenBy(static r => r.Name, StringComparer.Ordinal);
        ImmutableArray<ResourceWrite>.Builder written = ImmutableArray.CreateBuilder<ResourceWrite>();
        using IKubernetes? own = ClientOf(identity);
        IKubernetes api = own ?? _connection.Client;
        foreach (ResourceRef reference in ordered)
        {
            try
            {
                await DeleteOneAsync(api, reference, cancellationToken);
                written.Add(new ResourceWrite(reference.Kind, reference.Namespace, reference.Name, ResourceWrite.Deleted, null));
            }
            catch (HttpOperationException ex) when (ex.Response?.StatusCode == HttpStatusCode.NotFound)
            {
                // Already gone: that is what the user asked for.
            }
            catch (Exception ex) when (IsApiFailure(ex, cancellationToken))
            {
                WriteResult failure = await MapFailureAsync(ex, target, plan.ExpectedRevision, api, reference, cancellationToken);
                return Reject(actor, @namespace, service, failure with { Written = written.ToImmutable() });
            }
        }

        ImmutableArray<ResourceWrite> done = written.ToImmutable();
        bool caughtUp = await _cache.WaitUntilAsync(
            snapshot => plan.Delete.All(r => r.Kind == VirtualService.KindName
                ? snapshot.FindVirtualService(r.Namespace, r.Name) is null
                : snapshot.FindDestinationRule(r.Namespace, r.Name) is null),
            _options.CacheWaitTimeout,
            cancellationToken);
        ClusterLog.RoutingDeleted(_logger, actor, @namespace, service);
        ServiceView? view = _cache.Current.GetServiceView(@namespace, service);
        return new WriteResult.Applied(view?.Routing.Revision ?? RoutingState.NoRevision) { View = view, CacheCaughtUp = caughtUp, Written = done };
    }

    /// <summary>
    /// The service as the plan's writes left it: its resources as the plan read them, with the written objects in place
    /// and the deleted ones gone (so its revision is the key <see cref="RoutingFacts.RevisionOf"/> makes).
    /// </summary>
    private ServiceView? ResultingView(ServiceView? before, ImmutableArray<ResourceWrite> done) =>
        before is null ? null : ViewAfter(before, done, _cache.Current.In(before.Namespace).Services.Values);

    /// <summary>The service as <paramref name="writes"/> left it: <paramref name="before"/>'s resources with the written objects in place, the deleted gone.</summary>
    public static ServiceView ViewAfter(ServiceView before, IEnumerable<ResourceWrite> writes, IEnumerable<KubeService> services)
    {
        (ImmutableArray<VirtualService> vss, ImmutableArray<DestinationRule> drs, ImmutableArray<HttpRoute> hrs) = After(before, writes);
        return ServiceViewBuilder.Build(before.Service, before.Versions.SelectMany(static v => v.Workloads), vss, drs, hrs, services);
    }

    /// <summary>The routing resources of <paramref name="before"/> with <paramref name="writes"/> applied over them.</summary>
    public static (ImmutableArray<VirtualService> VirtualServices, ImmutableArray<DestinationRule> DestinationRules, ImmutableArray<HttpRoute> HttpRoutes) After(
        ServiceView before, IEnumerable<ResourceWrite> writes)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(writes);
        List<VirtualService> vss = [.. before.VirtualServices];
        List<DestinationRule> drs = [.. before.DestinationRules];
        List<HttpRoute> hrs = [.. before.HttpRoutes];
        foreach (ResourceWrite write in writes)
        {
            switch (write.Kind)
            {
                case VirtualService.KindName:
                    Put(vss, write);
                    break;
                case DestinationRule.KindName:
                    Put(drs, write);
                    break;
                case HttpRoute.KindName:
                    Put(hrs, write);
                    break;
            }
        }

        return ([.. vss], [.. drs], [.. hrs]);
    }

    private static void Put<T>(List<T> resources, ResourceWrite write)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        resources.RemoveAll(r => string.Equals(r.Metadata?.Name, write.Name, StringComparison.Ordinal)
            && string.Equals(r.Metadata?.NamespaceProperty, write.Namespace, StringComparison.Ordinal));
        if (write.Action != ResourceWrite.Deleted && write.Result is T written)
        {
            resources.Add(written);
        }
    }

    private async Task<ResourceWrite?> WriteVirtualServiceAsync(IKubernetes api, RoutingPlan plan, string actor, CancellationToken cancellationToken)
    {
        if (plan.VirtualService is not { } desired || plan.VirtualServiceAction == ResourceAction.Unchanged)
        {
            return null;
        }

        VirtualService body = MeshJson.DeepClone(desired);
        Annotate(body.Metadata ??= new V1ObjectMeta(), actor);
        MeshResourceClient<VirtualService> client = ClientFor<VirtualService>(api, body.ApiVersion, VirtualService.Plural, VirtualService.KindName);
        VirtualService result = await WriteAsync(client, body, plan.VirtualServiceAction, cancellationToken);
        return new ResourceWrite(VirtualService.KindName, result.Namespace, result.Name, ActionName(plan.VirtualServiceAction), result.ResourceVersion) { Result = result };
    }

    private async Task<ResourceWrite?> WriteDestinationRuleAsync(IKubernetes api, RoutingPlan plan, CancellationToken cancellationToken)
    {
        if (plan.DestinationRule is not { } desired || plan.DestinationRuleAction == ResourceAction.Unchanged)
        {
            return null;
        }

        DestinationRule body = MeshJson.DeepClone(desired);
        MeshResourceClient<DestinationRule> client = ClientFor<DestinationRule>(api, body.ApiVersion, DestinationRule.Plural, DestinationRule.KindName);
        DestinationRule result = await WriteAsync(client, body, plan.DestinationRuleAction, cancellationToken);
        return new ResourceWrite(DestinationRule.KindName, result.Namespace, result.Name, ActionName(plan.DestinationRuleAction), result.ResourceVersion) { Result = result };
    }

    private async Task<ResourceWrite?> WriteHttpRouteAsync(IKubernetes api, RoutingPlan plan, string actor, CancellationToken cancellationToken)
    {
        if (plan.HttpRoute is not { } desired || plan.HttpRouteAction == ResourceAction.Unchanged)
        {
            return null;
        }

        HttpRoute body = MeshJson.DeepClone(desired);
        Annotate(body.Metadata ??= new V1ObjectMeta(), actor);
        MeshResourceClient<HttpRoute> client = ClientFor<HttpRoute>(api, body.ApiVersion, HttpRoute.Plural, HttpRoute.KindName);
        HttpRoute result = await WriteAsync(client, body, plan.HttpRouteAction, cancellationToken);
        return new ResourceWrite(HttpRoute.KindName, result.Namespace, result.Name, ActionName(plan.HttpRouteAction), result.ResourceVersion) { Result = result };
    }

    /// <summary>Records who changed the routing and when, on the resource that holds the routes.</summary>
    private void Annotate(V1ObjectMeta metadata, string actor)
    {
        metadata.Annotations ??= new Dictionary<string, string>();
        metadata.Annotations[ChangedByAnnotation] = actor;
        metadata.Annotations[ChangedAtAnnotation] = _time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
    }

    private static string RevisionPrefix(string kind) => kind switch
    {
        VirtualService.KindName => "vs",
        HttpRoute.KindName => "hr",
        _ => "dr",
    };

    private static Task<T> WriteAsync<T>(MeshResourceClient<T> client, T body, ResourceAction action, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        if (action == ResourceAction.Create)
        {
            // A create carries no resourceVersion; if someone created it meanwhile the server answers 409.
            body.Metadata.ResourceVersion = null;
            return client.CreateAsync(body, cancellationToken);
        }

        if (string.IsNullOrEmpty(body.Metadata.ResourceVersion))
        {
            // An unconditional replace would overwrite whatever is there: refuse instead.
            throw new InvalidOperationException($"{body.Kind} {body.Metadata.NamespaceProperty}/{body.Metadata.Name} has no resourceVersion to update from.");
        }

        return client.ReplaceAsync(body, cancellationToken);
    }

    private Task DeleteOneAsync(IKubernetes api, ResourceRef reference, CancellationToken cancellationToken)
    {
        if (reference.Kind == VirtualService.KindName)
        {
            return ClientFor<VirtualService>(api, reference.ApiVersion, reference.Plural, reference.Kind)
                .DeleteAsync(reference.Namespace, reference.Name, reference.ResourceVersion, cancellationToken);
        }

        return ClientFor<DestinationRule>(api, reference.ApiVersion, reference.Plural, reference.Kind)
            .DeleteAsync(reference.Namespace, reference.Name, reference.ResourceVersion, cancellationToken);
    }

    private MeshResourceClient<T> ClientFor<T>(IKubernetes api, string apiVersion, string plural, string kind)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        // Address the object at its own apiVersion; fall back to what the cluster serves.
        int slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        bool gatewayApi = kind == HttpRoute.KindName;
        string group = slash > 0 ? apiVersion[..slash] : gatewayApi ? IstioApi.GatewayApiGroup : IstioApi.NetworkingGroup;
        string? version = slash > 0 ? apiVersion[(slash + 1)..] : null;
        version ??= gatewayApi ? "v1" : _cache.Current.Apis.IstioNetworkingVersion ?? "v1";
        return new MeshResourceClient<T>(api, new CustomResourceType(group, version, plural, kind));
    }

    // A client of the user's own for this write; null means the shared client (the console's credentials).
    private IKubernetes? ClientOf(ClusterIdentity? identity)
    {
        if (identity is null)
        {
            return null;
        }

        return _users is null
            ? throw new InvalidOperationException("This writer was made without user clients, so it cannot write as " + identity.User + ".")
            : _users.ClientFor(identity);
    }

    private static ResourceRef? RefOf<T>(T? item, string kind, string plural)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        item is null ? null : new ResourceRef(item.ApiVersion ?? string.Empty, kind, plural, item.Metadata?.NamespaceProperty ?? string.Empty, item.Metadata?.Name ?? string.Empty, item.Metadata?.ResourceVersion, ManagedByTrafficConsole: true);
}
