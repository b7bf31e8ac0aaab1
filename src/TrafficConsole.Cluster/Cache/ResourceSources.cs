using k8s;
using k8s.Models;

using TrafficConsole.Cluster.Resources;
using TrafficConsole.Mesh.History;

namespace TrafficConsole.Cluster.Cache;

/// <summary>Builds the list/watch sources of every kind the cache follows.</summary>
internal static class ResourceSources
{
    public static IReadOnlyList<IResourceSource> Create(IKubernetes client, MeshResourceClients custom, int pageSize)
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
            new ResourceSource<V1Service>(
                MeshResourceKind.Service,
                "services",
                async (next, ct) =>
                {
                    V1ServiceList list = await client.CoreV1.ListServiceForAllNamespacesAsync(continueParameter: next, limit: limit, cancellationToken: ct);
                    return (Fill(list.Items, "v1", "Service"), list.Metadata?.ResourceVersion, list.Metadata?.ContinueProperty);
                },
                (rv, timeout, onError, ct) => client.CoreV1.WatchListServiceForAllNamespacesAsync(
                    allowWatchBookmarks: true, resourceVersion: rv, timeoutSeconds: timeout, onError: onError, cancellationToken: ct),
                probe),
            new ResourceSource<V1Deployment>(
                MeshResourceKind.Deployment,
                "deployments",
                async (next, ct) =>
                {
                    V1DeploymentList list = await client.AppsV1.ListDeploymentForAllNamespacesAsync(continueParameter: next, limit: limit, cancellationToken: ct);
                    return (Fill(list.Items, "apps/v1", "Deployment"), list.Metadata?.ResourceVersion, list.Metadata?.ContinueProperty);
                },
                (rv, timeout, onError, ct) => client.AppsV1.WatchListDeploymentForAllNamespacesAsync(
                    allowWatchBookmarks: true, resourceVersion: rv, timeoutSeconds: timeout, onError: onError, cancellationToken: ct),
                probe),
        };

        // The rollout history: only the console's revision ConfigMaps, never anyone's data. Without the right to
        // list them the console still works, and the history says why it is empty.
        sources.Add(new ResourceSource<V1ConfigMap>(
            MeshResourceKind.Revision,
            "configmaps",
            async (next, ct) =>
            {
                V1ConfigMapList list = await client.CoreV1.ListConfigMapForAllNamespacesAsync(
                    continueParameter: next, labelSelector: RevisionCodec.LabelSelector, limit: limit, cancellationToken: ct);
                return (Fill(list.Items, "v1", "ConfigMap"), list.Metadata?.ResourceVersion, list.Metadata?.ContinueProperty);
            },
            (rv, timeout, onError, ct) => client.CoreV1.WatchListConfigMapForAllNamespacesAsync(
                allowWatchBookmarks: true, labelSelector: RevisionCodec.LabelSelector, resourceVersion: rv, timeoutSeconds: timeout, onError: onError, cancellationToken: ct),
            probe)
        {
            MayBeForbidden = true,
        });

        if (custom.VirtualServices is { } virtualServices)
        {
            sources.Add(FromCustom(MeshResourceKind.VirtualService, virtualServices, probe));
        }

        if (custom.DestinationRules is { } destinationRules)
        {
            sources.Add(FromCustom(MeshResourceKind.DestinationRule, destinationRules, probe));
        }

        if (custom.HttpRoutes is { } httpRoutes)
        {
            sources.Add(FromCustom(MeshResourceKind.HttpRoute, httpRoutes, probe));
        }

        if (custom.Gateways is { } gateways)
        {
            // Istio's base chart installs the gateways CRD with the others, but a trimmed install may lack it:
            // then the kind is simply empty, and the console works without it.
            sources.Add(FromCustom(MeshResourceKind.Gateway, gateways, probe, optional: true));
        }

        return sources;
    }

    private static ResourceSource<T> FromCustom<T>(MeshResourceKind kind, MeshResourceClient<T> client, Func<CancellationToken, Task> probe, bool optional = false)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        new(
            kind,
            client.Type.Plural,
            (next, ct) => client.ListPageAsync(null, null, next, ct),
            client.WatchAsync,
            probe)
        {
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
