using System.Text.Json.Nodes;
using TrafficConsole.Sandbox.Api;

namespace TrafficConsole.Sandbox.Storage;

/// <summary>A staged, not yet durable object write or delete inside a <see cref="StoreTransaction"/>.</summary>
internal sealed record StagedOp(ResourceType Type, string Namespace, string Name, JsonObject Object, bool Deleted);

/// <summary>
/// The writes of one request (and what controllers do in response), seen by later reads of the same
/// transaction, committed together or not at all. Each write takes the next resourceVersion.
/// </summary>
internal sealed class StoreTransaction
{
    private readonly SandboxStore _store;
    private readonly Dictionary<(ResourceType, string, string), JsonObject?> _staged = [];

    public StoreTransaction(SandboxStore store, long resourceVersion)
    {
        _store = store;
        ResourceVersion = resourceVersion;
    }

    /// <summary>The last resourceVersion handed out, including this transaction's writes.</summary>
    public long ResourceVersion { get; private set; }

    /// <summary>Answer as if written, store nothing (dryRun=All).</summary>
    public bool DryRun { get; set; }

    public List<StagedOp> Ops { get; } = [];

    /// <summary>Work to start once the transaction is durable (never for dry runs or failures).</summary>
    public List<Action> AfterCommit { get; } = [];

    /// <summary>The current object (a copy, safe to change) or null.</summary>
    public JsonObject? Get(ResourceType type, string ns, string name)
    {
        if (_staged.TryGetValue((type, ns, name), out var staged))
        {
            return staged is null ? null : Json.Clone(staged);
        }

        var stored = _store.GetUnlocked(type, ns, name);
        return stored is null ? null : Json.Clone(stored);
    }

    public bool Exists(ResourceType type, string ns, string name) =>
        _staged.TryGetValue((type, ns, name), out var staged) ? staged is not null : _store.GetUnlocked(type, ns, name) is not null;

    /// <summary>Copies of the current objects of a kind in a namespace (or all namespaces).</summary>
    public List<JsonObject> List(ResourceType type, string? ns)
    {
        var result = new SortedDictionary<(string, string), JsonObject>();
        foreach (var obj in _store.ListUnlocked(type, ns))
        {
            result[(Json.Namespace(obj) ?? "", Json.Name(obj) ?? "")] = obj;
        }

        foreach (var ((t, sns, sname), obj) in _staged)
        {
            if (t != type || (ns is not null && sns != ns))
            {
                continue;
            }

            if (obj is null)
            {
                result.Remove((sns, sname));
            }
            else
            {
                result[(sns, sname)] = obj;
            }
        }

        return [.. result.Values.Select(Json.Clone)];
    }

    /// <summary>etcd's default request limit (1.5 MiB, <c>--max-request-bytes</c>): no larger object can be stored.</summary>
    public const int MaxObjectBytes = 1536 * 1024;

    /// <summary>Stores <paramref name="obj"/> with the next resourceVersion and returns a copy of what was stored.</summary>
    public JsonObject Put(ResourceType type, JsonObject obj)
    {
        var ns = type.Namespaced ? Json.Namespace(obj) ?? "" : "";
        var name = Json.Name(obj) ?? throw new InvalidOperationException("object without a name");
        var stored = Json.Clone(obj);
        stored["apiVersion"] = type.ApiVersion(type.StorageVersion);
        stored["kind"] = type.Kind;
        Json.Metadata(stored)["resourceVersion"] = Json.Rv(++ResourceVersion);
        if (Json.ToBytes(stored).Length > MaxObjectBytes)
        {
            // etcd's answer, which kube-apiserver passes on; a 4xx here (kubernetes/kubernetes#112152 asks the same of
            // the real one), since the request, not the server, is at fault. Thrown before anything is staged.
            throw ApiException.RequestEntityTooLarge("etcdserver: request is too large");
        }

        _staged[(type, ns, name)] = stored;
        Ops.Add(new StagedOp(type, ns, name, stored, Deleted: false));
        return Json.Clone(stored);
    }

    /// <summary>Deletes an object; its DELETED event carries the deletion's resourceVersion.</summary>
    public JsonObject Delete(ResourceType type, string ns, string name)
    {
        var last = Get(type, ns, name) ?? throw ApiException.NotFound(type, name);
        Json.Metadata(last)["resourceVersion"] = Json.Rv(++ResourceVersion);
        _staged[(type, ns, name)] = null;
        Ops.Add(new StagedOp(type, ns, name, last, Deleted: true));
        return Json.Clone(last);
    }
}
