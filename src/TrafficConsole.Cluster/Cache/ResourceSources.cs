using k8s;
using k8s.Models;

using TrafficConsole.Cluster.Resources;
using TrafficConsole.Mesh.History;

namespace TrafficConsole.Cluster.Cache;

/// <summary>Builds the list/watch sources of every kind the cache follows.</summary>
internal static class ResourceSources
{
    /// <summary>
    /// The sources of every kind: across all namespaces when <paramref name="namespaces"/> is empty, else one source per
    /// kind and listed namespace (what per-namespace Roles allow). Namespaces themselves are always listed cluster-wide.
    /// </summary>
    public static IReadOnlyList<IResourceSource> Create(IKubernetes client, MeshResourceClients custom, int pageSize, IReadOnlyList<string>? namespaces = null)
    {
        int? limit = pageSize > 0 ? pageSize : null;
        Func<CancellationToken, Task> probe = async ct =>
        {
            using k8s.Autorest.HttpOperationResponse<VersionInfo> response = await client.Version.GetCodeWithHttpMessagesAsync(cancellationToken: ct);
        };
        var sources = new List<IResourceSource>
        {
            new ResourceSource<V1Namespace>(
                MeshResourceKind.Namespace,
                "namespaces",
                async (next, ct) =>
                {
                    V1NamespaceList list = await client.CoreV1.ListNamespaceAsync(continueParameter: next, limit: limit, cancellationToken: ct);
                    return (Fill(list.Items, "v1", "Namespace"), list.Metadata?.ResourceVersion, list.Metadata?.ContinueProperty);
                },
                (rv, timeout, onError, ct) => client.CoreV1.WatchListNamespaceAsync(
                    allowWatchBookmarks: true, resourceVersion: rv, timeoutSeconds: timeout, onError: onError, cancellationToken: ct),
                probe),
        };

        IReadOnlyList<string?> scopes = namespaces is { Count: > 0 } ? [.. namespaces] : [null];
        foreach (string? ns in scopes)
        {
            sources.AddRange(NamespacedKinds(client, custom, limit, probe, ns));
        }

        return sources;
    }

    // Every kind but namespaces, in one namespace (null: all namespaces).
    private static IEnumerable<IResourceSource> NamespacedKinds(IKubernetes client, MeshResourceClients custom, int? limit, Func<CancellationToken, Task> probe, string? ns)
    {
        yield return new ResourceSource<V1Service>(
            MeshResourceKind.Service,
            "services",
            async (next, ct) =>
            {
                V1ServiceList list = ns is null
                    ? await client.CoreV1.ListServiceForAllNamespacesAsync(continueParameter: next, limit: limit, cancellationToken: ct)
                    : await client.CoreV1.ListNamespacedServiceAsync(ns, continueParameter: next, limit: limit, cancellationToken: ct);
                return (Fill(list.Items, "v1", "Service"), list.Metadata?.ResourceVersion, list.Metadata?.ContinueProperty);
            },
            (rv, timeout, onError, ct) => ns is null
                ? client.CoreV1.WatchListServiceForAllNamespacesAsync(allowWatchBookmarks: true, resourceVersion: rv, timeoutSeconds: timeout, onError: onError, cancellationToken: ct)
                : client.CoreV1.WatchListNamespacedServiceAsync(ns, allowWatchBookmarks: true, resourceVersion: rv, timeoutSeconds: timeout, onError: onError, cancellationToken: ct),
            probe)
        {
            Namespace = ns,
        };
        yield return new ResourceSource<V1Deployment>(
            MeshResourceKind.Deployment,
            "deployments",
            async (next, ct) =>
            {
                V1DeploymentList list = ns is null
                    ? await client.AppsV1.ListDeploymentForAllNamespacesAsync(continueParameter: next, limit: limit, cancellationToken: ct)
                    : await client.AppsV1.ListNamespacedDeploymentAsync(ns, continueParameter: next, limit: limit, cancellationToken: ct);
                return (Fill(list.Items, "apps/v1", "Deployment"), list.Metadata?.ResourceVersion, list.Metadata?.ContinueProperty);
            },
            (rv, timeout, onError, ct) => ns is null
                ? client.AppsV1.WatchListDeploymentForAllNamespacesAsync(allowWatchBookmarks: true, resourceVersion: rv, timeoutSeconds: timeout, onError: onError, cancellationToken: ct)
                : client.AppsV1.WatchListNamespacedDeploymentAsync(ns, allowWatchBookmarks: true, resourceVersion: rv, timeoutSeconds: timeout, onError: onError, cancellationToken: ct),
            probe)
        {
            Namespace = ns,
        };

        // The rollout history: only the console's revision ConfigMaps, never anyone's data. Without the right to
        // list them the console still works, and the history says why it is empty.
        yield return new ResourceSource<V1ConfigMap>(
            MeshResourceKind.Revision,
            "configmaps",
            async (next, ct) =>
            {
                V1ConfigMapList list = ns is null
                    ? await client.CoreV1.ListConfigMapForAllNamespacesAsync(continueParameter: next, labelSelector: RevisionCodec.LabelSelector, limit: limit, cancellationToken: ct)
                    : await client.CoreV1.ListNamespacedConfigMapAsync(ns, continueParameter: next, labelSelector: RevisionCodec.LabelSelector, limit: limit, cancellationToken: ct);
                return (Fill(list.Items, "v1", "ConfigMap"), list.Metadata?.ResourceVersion, list.Metadata?.ContinueProperty);
            },
            (rv, timeout, onError, ct) => ns is null
                ? client.CoreV1.WatchListConfigMapForAllNamespacesAsync(
                    allowWatchBookmarks: true, labelSelector: RevisionCodec.LabelSelector, resourceVersion: rv, timeoutSeconds: timeout, onError: onError, cancellationToken: ct)
                : client.CoreV1.WatchListNamespacedConfigMapAsync(
                    ns, allowWatchBookmarks: true, labelSelector: RevisionCodec.LabelSelector, resourceVersion: rv, timeoutSeconds: timeout, onError: onError, cancellationToken: ct),
            probe)
        {
            Namespace = ns,
            MayBeForbidden = true,
        };

        if (custom.VirtualServices is { } virtualServices)
        {
            yield return FromCustom(MeshResourceKind.VirtualService, virtualServices, probe, ns);
        }

        if (custom.DestinationRules is { } destinationRules)
        {
            yield return FromCustom(MeshResourceKind.DestinationRule, destinationRules, probe, ns);
        }

        if (custom.HttpRoutes is { } httpRoutes)
        {
            yield return FromCustom(MeshResourceKind.HttpRoute, httpRoutes, probe, ns);
        }

        if (custom.Gateways is { } gateways)
        {
            // Istio's base chart installs the gateways CRD with the others, but a trimmed install may lack it:
            // then the kind is simply empty, and the console works without it.
            yield return FromCustom(MeshResourceKind.Gateway, gateways, probe, ns, optional: true);
        }
    }

    private static ResourceSource<T> FromCustom<T>(MeshResourceKind kind, MeshResourceClient<T> client, Func<CancellationToken, Task> probe, string? ns, bool optional = false)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        new(
            kind,
            client.Type.Plural,
            (next, ct) => client.ListPageAsync(ns, null, next, ct),
            (rv, timeout, onError, ct) => client.WatchAsync(ns, rv, timeout, onError, ct),
            probe)
        {
            Namespace = ns,
            IsOptional = optional,
        };

    private static List<T> Fill<T>(IList<T>? items, string apiVersion, string kind)
        where T : IKubernetesObject
    {
        var result = new List<T>(items?.Count ?? 0);
        foreach (T item in items ?? [])
        {
            item.ApiVersion ??= apiVersion;
            item.Kind ??= kind;
            result.Add(item);
        }

        return result;
    }
}
