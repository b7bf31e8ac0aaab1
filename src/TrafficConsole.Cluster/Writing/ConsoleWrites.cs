using System.Globalization;

namespace TrafficConsole.Cluster.Writing;

/// <summary>
/// The resourceVersions this process's own writes produced, per resource, with the user each was written for. It is
/// what proves a change is the console's: a field manager name or a <c>changed-by</c> annotation is something any
/// client can send. Bounded: the newest <see cref="VersionsPerResource"/> versions of the <see cref="MaxResources"/>
/// resources written most recently.
/// </summary>
public sealed class ConsoleWrites
{
    /// <summary>Versions remembered per resource (a write is recorded in the history right after it; only the last few matter).</summary>
    public const int VersionsPerResource = 16;

    /// <summary>Resources remembered; the one written longest ago is forgotten first.</summary>
    public const int MaxResources = 4096;

    private readonly Lock _lock = new();
    private readonly Dictionary<ResourceKey, LinkedListNode<Written>> _byResource = [];
    private readonly LinkedList<Written> _byAge = new();

    /// <summary>Remembers that <paramref name="write"/> (not a delete) was made by this process for <paramref name="actor"/>.</summary>
    public void Add(ResourceWrite write, string actor)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(actor);
        if (write.Action == ResourceWrite.Deleted || string.IsNullOrEmpty(write.ResourceVersion))
        {
            return;
        }

        var key = new ResourceKey(write.Kind, write.Namespace, write.Name);
        lock (_lock)
        {
            if (_byResource.TryGetValue(key, out LinkedListNode<Written>? node))
            {
                _byAge.Remove(node);
            }
            else
            {
                node = new LinkedListNode<Written>(new Written(key));
                _byResource[key] = node;
            }

            _byAge.AddLast(node);
            List<(string Version, string Actor)> versions = node.Value.Versions;
            versions.RemoveAll(v => string.Equals(v.Version, write.ResourceVersion, StringComparison.Ordinal));
            versions.Add((write.ResourceVersion, actor));
            if (versions.Count > VersionsPerResource)
            {
                versions.RemoveRange(0, versions.Count - VersionsPerResource);
            }

            while (_byResource.Count > MaxResources && _byAge.First is { } oldest)
            {
                _byAge.RemoveFirst();
                _byResource.Remove(oldest.Value.Key);
            }
        }
    }

    /// <summary>The user a write of this process made <paramref name="resourceVersion"/> of the resource for; null when this process did not write it.</summary>
    public string? ActorOf(string kind, string @namespace, string name, string? resourceVersion)
    {
        if (string.IsNullOrEmpty(resourceVersion))
        {
            return null;
        }

        lock (_lock)
        {
            if (!_byResource.TryGetValue(new ResourceKey(kind, @namespace, name), out LinkedListNode<Written>? node))
            {
                return null;
            }

            foreach ((string version, string actor) in node.Value.Versions)
            {
                if (string.Equals(version, resourceVersion, StringComparison.Ordinal))
                {
                    return actor;
                }
            }

            return null;
        }
    }

    /// <summary>How many resources are remembered (for tests of the bound).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _byResource.Count;
            }
        }
    }

    /// <summary>resourceVersions are opaque, but etcd's (and the sandbox's) are integers: orders two, newest last.</summary>
    public static int CompareVersions(string? x, string? y) =>
        ulong.TryParse(x, NumberStyles.None, CultureInfo.InvariantCulture, out ulong a) && ulong.TryParse(y, NumberStyles.None, CultureInfo.InvariantCulture, out ulong b)
            ? a.CompareTo(b)
            : string.CompareOrdinal(x, y);

    private readonly record struct ResourceKey(string Kind, string Namespace, string Name);

    private sealed record Written(ResourceKey Key)
    {
        public List<(string Version, string Actor)> Versions { get; } = [];
    }
}
