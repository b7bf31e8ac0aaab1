using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;

using k8s;
using k8s.Autorest;
using k8s.Models;

using Microsoft.Extensions.Logging;

using TrafficConsole.Cluster.Cache;
using TrafficConsole.Cluster.Diagnostics;
using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Services;
using TrafficConsole.Mesh.Validation;

namespace TrafficConsole.Cluster.Writing;

/// <summary>How a failed write becomes a result: conflicts with the current state, refusals with the API server's causes.</summary>
public sealed partial class RoutingWriter
{
    private async Task<WriteResult> MapFailureAsync(Exception error, ServiceRef? service, string expectedRevision, IKubernetes api, ResourceRef? conflicted, CancellationToken cancellationToken)
    {
        if (error is HttpOperationException { Response: { } response } http)
        {
            V1Status? status = ReadStatus(response.Content);
            string message = status?.Message is { Length: > 0 } m ? m : $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
            switch ((int)response.StatusCode)
            {
                case 409:
                    {
                        ServiceView? current = await RefreshedViewAsync(service, expectedRevision, api, conflicted, cancellationToken);
                        return new WriteResult.Conflict(current, $"Someone else changed the routing of {service?.Name ?? "this service"} since you started ({message}). Review the current state and apply again.");
                    }

                case 422:
                case 400:
                    return new WriteResult.Invalid(CausesOf(status, message)) { Message = $"The API server rejected the change: {message}" };
                case 401:
                    return new WriteResult.Forbidden($"The API server did not accept the credentials: {message}");
                case 403:
                    return new WriteResult.Forbidden($"Not allowed: {message}");
                case 404:
                    return new WriteResult.NotFound($"Not found: {message}");
                default:
                    return new WriteResult.Unavailable($"The API server failed: {message}");
            }
        }

        if (error is InvalidOperationException { Message: var invalid } && error.Message.Contains("resourceVersion", StringComparison.Ordinal))
        {
            return new WriteResult.Invalid([new InvalidCause("metadata.resourceVersion", invalid)]) { Message = "The plan is incomplete." };
        }

        return new WriteResult.Unavailable($"The API server could not be reached: {MeshCache.Describe(error)}");
    }

    private async Task<ServiceView?> RefreshedViewAsync(ServiceRef? service, string expectedRevision, IKubernetes api, ResourceRef? conflicted, CancellationToken cancellationToken)
    {
        if (service is not { } s)
        {
            return null;
        }

        // The cache may not have seen the other writer's change yet; give it a moment so the user sees it. A changed
        // revision is not enough: this write's own earlier steps (a DestinationRule created first) change it too.
        // So ask the server what the conflicting resource is now, and wait until the cache shows exactly that.
        string? now = conflicted is { } c ? await ServerVersionAsync(api, c, cancellationToken) : null;
        await _cache.WaitUntilAsync(
            snapshot => snapshot.GetServiceView(s.Namespace, s.Name) is { } view
                && !string.Equals(view.Routing.Revision, expectedRevision, StringComparison.Ordinal)
                && (now is null || string.Equals(CachedVersion(snapshot, conflicted!), now, StringComparison.Ordinal)),
            _options.ConflictRefreshTimeout,
            cancellationToken);
        return _cache.Current.GetServiceView(s.Namespace, s.Name);
    }

    // The resource's resourceVersion on the server, Absent when it is gone, null when the server would not say.
    private async Task<string?> ServerVersionAsync(IKubernetes api, ResourceRef target, CancellationToken cancellationToken)
    {
        try
        {
            IKubernetesObject<V1ObjectMeta>? found = target.Kind switch
            {
                VirtualService.KindName => await ClientFor<VirtualService>(api, target.ApiVersion, target.Plural, target.Kind).GetAsync(target.Namespace, target.Name, cancellationToken),
                DestinationRule.KindName => await ClientFor<DestinationRule>(api, target.ApiVersion, target.Plural, target.Kind).GetAsync(target.Namespace, target.Name, cancellationToken),
                HttpRoute.KindName => await ClientFor<HttpRoute>(api, target.ApiVersion, target.Plural, target.Kind).GetAsync(target.Namespace, target.Name, cancellationToken),
                _ => null,
            };
            return found?.Metadata?.ResourceVersion ?? Absent;
        }
        catch (Exception ex) when (IsApiFailure(ex, cancellationToken))
        {
            return null;
        }
    }

    private static string CachedVersion(MeshSnapshot snapshot, ResourceRef target) => target.Kind switch
    {
        VirtualService.KindName => snapshot.FindVirtualService(target.Namespace, target.Name)?.ResourceVersion,
        DestinationRule.KindName => snapshot.FindDestinationRule(target.Namespace, target.Name)?.ResourceVersion,
        HttpRoute.KindName => snapshot.FindHttpRoute(target.Namespace, target.Name)?.ResourceVersion,
        _ => null,
    } ?? Absent;

    private WriteResult Reject(string actor, string @namespace, string service, WriteResult result)
    {
        if (_logger.IsEnabled(LogLevel.Information))
        {
            string outcome = result.GetType().Name;
            string message = result.Describe();
            ClusterLog.RoutingRejected(_logger, actor, @namespace, service, outcome, message);
        }

        return result;
    }

    private static bool Shows(MeshSnapshot snapshot, ImmutableArray<ResourceWrite> writes) =>
        writes.All(w => w.Action == ResourceWrite.Deleted
            ? (w.Kind == VirtualService.KindName ? snapshot.FindVirtualService(w.Namespace, w.Name) is null : snapshot.FindDestinationRule(w.Namespace, w.Name) is null)
            : IsAtLeast(
            w.Kind switch
            {
                VirtualService.KindName => snapshot.FindVirtualService(w.Namespace, w.Name)?.ResourceVersion,
                HttpRoute.KindName => snapshot.FindHttpRoute(w.Namespace, w.Name)?.ResourceVersion,
                _ => snapshot.FindDestinationRule(w.Namespace, w.Name)?.ResourceVersion,
            },
            w.ResourceVersion));

    /// <summary>True when the cache holds the written version or (numerically) a later one.</summary>
    private static bool IsAtLeast(string? cached, string? written)
    {
        if (cached is null || written is null)
        {
            return cached is not null && written is null;
        }

        if (string.Equals(cached, written, StringComparison.Ordinal))
        {
            return true;
        }

        // resourceVersions are opaque, but etcd's (and the sandbox's) are integers: a higher one is newer.
        return ulong.TryParse(cached, NumberStyles.None, CultureInfo.InvariantCulture, out ulong c)
            && ulong.TryParse(written, NumberStyles.None, CultureInfo.InvariantCulture, out ulong w)
            && c > w;
    }

    private static bool RemovesSubsets(RoutingPlan plan)
    {
        if (plan.CurrentDestinationRule?.Spec?.Subsets is not { Count: > 0 } before || plan.DestinationRuleAction == ResourceAction.Unchanged)
        {
            return false;
        }

        HashSet<string> after = [.. (plan.DestinationRule?.Spec?.Subsets ?? []).Select(static s => s.Name ?? string.Empty)];
        bool removes = before.Any(s => !after.Contains(s.Name ?? string.Empty));
        bool adds = after.Any(n => !before.Any(s => string.Equals(s.Name, n, StringComparison.Ordinal)));

        // When a plan both adds and removes subsets, adding safely wins: the DestinationRule goes first.
        return removes && !adds;
    }

    private static ServiceRef? ServiceOf(RoutingPlan plan)
    {
        if (plan.Namespace.Length > 0 && plan.ServiceName.Length > 0)
        {
            return new ServiceRef(plan.Namespace, plan.ServiceName);
        }

        if (plan.VirtualService is { } vs)
        {
            foreach (string host in vs.Spec?.Hosts ?? [])
            {
                if (AffectedServices.ToService(host, vs.Namespace) is { } service)
                {
                    return service;
                }
            }
        }

        return plan.DestinationRule is { } dr ? AffectedServices.ToService(dr.Spec?.Host, dr.Namespace) : null;
    }

    private static string ConflictMessage(string service, string expected, string current) =>
        $"The routing of {service} changed since you started (you started from revision {expected}, it is now {current}). Review the current state and apply again.";

    private static string ActionName(ResourceAction action) => action == ResourceAction.Create ? "created" : "replaced";

    private static ImmutableArray<InvalidCause> CausesOf(ImmutableArray<ValidationIssue> issues) =>
        [.. (issues.IsDefault ? [] : issues)
            .Where(static i => i.Severity == Severity.Error)
            .Select(static i => new InvalidCause(string.IsNullOrEmpty(i.Path) ? null : i.Path, i.Message, i.Code))];

    private static ImmutableArray<InvalidCause> CausesOf(V1Status? status, string fallback)
    {
        IList<V1StatusCause> causes = status?.Details?.Causes ?? [];
        return causes.Count == 0
            ? [new InvalidCause(null, fallback, status?.Reason)]
            : [.. causes.Select(static c => new InvalidCause(string.IsNullOrEmpty(c.Field) ? null : c.Field, c.Message ?? c.Reason ?? "invalid", c.Reason))];
    }

    private static V1Status? ReadStatus(string? content)
    {
        if (string.IsNullOrWhiteSpace(content))
        {
            return null;
        }

        try
        {
            return KubernetesJson.Deserialize<V1Status>(content);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static bool IsApiFailure(Exception error, CancellationToken cancellationToken) =>
        error is not OperationCanceledException || !cancellationToken.IsCancellationRequested;
}
