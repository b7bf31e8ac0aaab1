using System.Collections.Frozen;
using System.Text.Json.Nodes;
using TrafficConsole.Sandbox.Api;

namespace TrafficConsole.Sandbox.Storage;

/// <summary>The kind of change a watch event reports.</summary>
public enum WatchEventKind
{
    Added,
    Modified,
    Deleted,
}

/// <summary>
/// One committed change, rendered once per served version so that fanning it out to many watchers
/// costs a channel write each and no serialization.
/// </summary>
public sealed class StoreEvent
{
    internal StoreEvent(WatchEventKind kind, ResourceType type, JsonObject obj, IReadOnlyDictionary<string, string>? oldLabels)
    {
        Kind = kind;
        Type = type;
        ResourceVersion = Json.ResourceVersion(obj) ?? 0;
        Namespace = Json.Namespace(obj) ?? "";
        Name = Json.Name(obj) ?? "";
        Labels = Json.Labels(obj);
        OldLabels = oldLabels;
        var rendered = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var version in type.Versions)
        {
            var copy = Json.Clone(obj);
            copy["apiVersion"] = type.ApiVersion(version);
            copy["kind"] = type.Kind;
            rendered[version] = Json.ToBytes(copy);
        }

        ObjectJson = rendered.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private StoreEvent(StoreEvent source, WatchEventKind kind)
    {
        Kind = kind;
        Type = source.Type;
        ResourceVersion = source.ResourceVersion;
        Namespace = source.Namespace;
        Name = source.Name;
        Labels = source.Labels;
        ObjectJson = source.ObjectJson;
    }

    /// <summary>The same rendered object reported as ADDED (the initial events of a watch).</summary>
    public StoreEvent AsAdded() => Kind == WatchEventKind.Added && OldLabels is null ? this : new StoreEvent(this, WatchEventKind.Added);

    public WatchEventKind Kind { get; }

    public ResourceType Type { get; }

    public long ResourceVersion { get; }

    public string Namespace { get; }

    public string Name { get; }

    public IReadOnlyDictionary<string, string> Labels { get; }

    /// <summary>Labels before a modification, so label-filtered watchers can see objects enter and leave.</summary>
    public IReadOnlyDictionary<string, string>? OldLabels { get; }

    /// <summary>The object as JSON, keyed by API version (v1, v1beta1...).</summary>
    public FrozenDictionary<string, byte[]> ObjectJson { get; }

    public string TypeName => Kind switch
    {
        WatchEventKind.Added => "ADDED",
        WatchEventKind.Modified => "MODIFIED",
        _ => "DELETED",
    };
}
