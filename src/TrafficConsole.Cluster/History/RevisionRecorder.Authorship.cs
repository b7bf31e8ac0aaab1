using System.Collections.Immutable;

using k8s;
using k8s.Models;

using TrafficConsole.Cluster.Cache;
using TrafficConsole.Cluster.Writing;
using TrafficConsole.Mesh.History;
using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Services;

namespace TrafficConsole.Cluster.History;

/// <summary>Who made the current state: the recorded revision it matches, else the managedFields manager of its newest change.</summary>
public sealed partial class RevisionRecorder
{
    /// <summary>
    /// The recorded revision of the service's current routing: the one of its routing revision key, else the last
    /// revision when the routing says exactly what that one recorded. The cache knows a resource's content revision from
    /// the changes it watched; one that started after Istio wrote a status (a restart, another replica) sees a newer
    /// resourceVersion for the same routing, which is no new change.
    /// </summary>
    /// <param name="view">The service as the cache shows it.</param>
    /// <param name="snapshot">The snapshot <paramref name="view"/> comes from (its revisions).</param>
    public static RoutingRevision? RecordedRevisionOf(ServiceView view, MeshSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(snapshot);
        string key = view.Routing.Revision;
        if (key == RoutingState.NoRevision)
        {
            return null;
        }

        if (snapshot.FindRevision(view.Namespace, view.Name, RoutingRevision.IdOf(view.Namespace, view.Name, key)) is { } recorded)
        {
            return recorded;
        }

        ImmutableArray<RoutingRevision> history = snapshot.GetRevisions(view.Namespace, view.Name);
        return !history.IsDefaultOrEmpty && history[^1] is { IsDeletion: false } last
            && TokenCounts(last.Key).OrderBy(static c => c.Key, StringComparer.Ordinal).SequenceEqual(TokenCounts(key).OrderBy(static c => c.Key, StringComparer.Ordinal))
            && RevisionSnapshot.Of(view).ContentEquals(last.Snapshot)
                ? last
                : null;
    }

    /// <summary>
    /// Who made the service's current routing. The console only when every routing resource is at a resourceVersion a
    /// console write produced: one this process wrote (<see cref="ConsoleWrites"/>), or one a console revision recorded
    /// right after its write (other replicas, earlier runs). Anything else is external, named after the managedFields
    /// manager of the newest change among the resources the console did not write, whatever that manager calls itself
    /// and whatever annotations the resource carries.
    /// </summary>
    public RevisionAuthor AuthorOf(ServiceView view, ImmutableArray<RoutingRevision> history)
    {
        ArgumentNullException.ThrowIfNull(view);
        string key = view.Routing.Revision;
        if (key == RoutingState.NoRevision)
        {
            return new RevisionAuthor(UnknownActor, RevisionSource.External, null, RevisionAction.Delete, null);
        }

        history = history.IsDefault ? [] : history;
        Dictionary<string, string> consoleTokens = new(StringComparer.Ordinal);
        foreach (RoutingRevision revision in history.Where(static r => r.Source == RevisionSource.Console))
        {
            foreach (string token in revision.Key.Split(','))
            {
                consoleTokens[token] = revision.Actor;
            }
        }

        List<IKubernetesObject<V1ObjectMeta>> resources = RoutingResourcesOf(view);
        List<IKubernetesObject<V1ObjectMeta>> foreign = [];
        (string Version, string Actor)? newestOwn = null;
        foreach (IKubernetesObject<V1ObjectMeta> resource in resources)
        {
            // Istio's status writes leave the content revision where the last real change put it.
            string? version = ResourceContent.RevisionOf(resource);
            string kind = KindOf(resource);
            string? actor = _writes.ActorOf(kind, resource.Metadata?.NamespaceProperty ?? string.Empty, resource.Metadata?.Name ?? string.Empty, version)
                ?? (consoleTokens.TryGetValue($"{TokenPrefix(kind)}:{version}", out string? recorded) ? recorded : null);
            if (actor is null)
            {
                foreign.Add(resource);
            }
            else if (newestOwn is not { } own || ConsoleWrites.CompareVersions(version, own.Version) > 0)
            {
                newestOwn = (version!, actor);
            }
        }

        (V1ManagedFieldsEntry Entry, IKubernetesObject<V1ObjectMeta> Resource)? latest = LatestEntry(foreign.Count > 0 ? foreign : resources);
        DateTimeOffset? at = latest is { } l ? TimeOf(l.Entry) : null;

        // A resource gone since the last revision is a change nobody here made, even if what is left is all the console's.
        bool shrank = history.LastOrDefault() is { IsDeletion: false } last && TokenCounts(last.Key).Any(c => TokenCounts(key).GetValueOrDefault(c.Key) < c.Value);
        if (foreign.Count == 0 && !shrank && newestOwn is { } mine)
        {
            return new RevisionAuthor(mine.Actor, RevisionSource.Console, null, RevisionAction.Apply, at);
        }

        return latest is { } found
            ? new RevisionAuthor($"{found.Entry.Manager} (external)", RevisionSource.External, found.Entry.Manager, RevisionAction.External, at)
            : new RevisionAuthor(UnknownActor, RevisionSource.External, null, RevisionAction.External, null);
    }

    private static List<IKubernetesObject<V1ObjectMeta>> RoutingResourcesOf(ServiceView view) =>
    [
        .. view.VirtualServices.Cast<IKubernetesObject<V1ObjectMeta>>(),
        .. view.DestinationRules,
        .. view.HttpRoutes.Where(r => RoutingFacts.AttachesTo(r, view.Service)),
    ];

    /// <summary>
    /// The managedFields entry written last among <paramref name="resources"/>, status writes left out. Times have whole seconds; on a tie a
    /// manager other than the console wins, since the console's own writes are known by resourceVersion anyway.
    /// </summary>
    private static (V1ManagedFieldsEntry Entry, IKubernetesObject<V1ObjectMeta> Resource)? LatestEntry(IEnumerable<IKubernetesObject<V1ObjectMeta>> resources)
    {
        (V1ManagedFieldsEntry Entry, IKubernetesObject<V1ObjectMeta> Resource)? latest = null;
        foreach (IKubernetesObject<V1ObjectMeta> resource in resources)
        {
            foreach (V1ManagedFieldsEntry entry in resource.Metadata?.ManagedFields ?? [])
            {
                // A status write (Istio's pilot-discovery reporting Reconciled) changed no routing: it names no author.
                if (!string.IsNullOrEmpty(entry.Manager) && !ResourceContent.IsStatusEntry(entry) && (latest is not { } best || IsLater(entry, best.Entry)))
                {
                    latest = (entry, resource);
                }
            }
        }

        return latest;
    }

    private static bool IsLater(V1ManagedFieldsEntry entry, V1ManagedFieldsEntry than)
    {
        int byTime = Nullable.Compare(entry.Time, than.Time);
        if (byTime != 0)
        {
            return byTime > 0;
        }

        bool console = string.Equals(entry.Manager, ConsoleManager, StringComparison.Ordinal);
        bool thanConsole = string.Equals(than.Manager, ConsoleManager, StringComparison.Ordinal);
        return console == thanConsole || thanConsole;
    }

    private static DateTimeOffset? TimeOf(V1ManagedFieldsEntry entry) =>
        entry.Time is { } time ? new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)) : null;

    // Listed objects may carry no kind of their own: the type says it.
    private static string KindOf(IKubernetesObject<V1ObjectMeta> resource) => resource switch
    {
        VirtualService => VirtualService.KindName,
        HttpRoute => HttpRoute.KindName,
        _ => DestinationRule.KindName,
    };

    private static string TokenPrefix(string kind) => kind switch
    {
        VirtualService.KindName => "vs",
        HttpRoute.KindName => "hr",
        _ => "dr",
    };

    private static Dictionary<string, int> TokenCounts(string key) =>
        key.Split(',').Select(static t => t.Split(':')[0]).GroupBy(static p => p, StringComparer.Ordinal).ToDictionary(static g => g.Key, static g => g.Count(), StringComparer.Ordinal);
}
