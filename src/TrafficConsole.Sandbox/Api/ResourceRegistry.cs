using System.Text.Json.Nodes;
using TrafficConsole.Sandbox.Patching;
using TrafficConsole.Sandbox.Storage;

namespace TrafficConsole.Sandbox.Api;

/// <summary>Per-request write settings from the query string.</summary>
internal sealed record WriteOptions(bool DryRun, string FieldManager, bool Force = false);

/// <summary>The patch formats the API server understands.</summary>
internal enum PatchKind
{
    Merge,
    Json,
    Strategic,
    Apply,
}

/// <summary>
/// What the API server's generic registry does around storage: defaults, system metadata (uid,
/// creationTimestamp, generation, resourceVersion), validation, optimistic concurrency, subresources,
/// patches, cascading deletes, and the built-in controllers the sandbox stands in for. This file holds the
/// verbs; the work inside a store transaction is in ResourceRegistry.Writes, .Deletes and .Checks, the served
/// views in .Views, and the built-in kinds' defaults in <see cref="Defaults"/>.
/// </summary>
internal sealed partial class ResourceRegistry(SandboxStore store, TimeProvider time, TimeSpan namespaceFinalizeDelay = default,
    CancellationToken stopping = default)
{
    public SandboxStore Store { get; } = store;

    /// <summary>Finishes deleting namespaces left Terminating by a previous run.</summary>
    public void ResumeNamespaceFinalizers()
    {
        foreach (var ns in Store.List(ResourceCatalog.Namespaces))
        {
            if (Json.Metadata(ns)["deletionTimestamp"] is not null)
            {
                ScheduleFinalize(Json.Name(ns)!);
            }
        }
    }

    private string Now => Json.Timestamp(time.GetUtcNow());

    public JsonObject Create(ResourceType type, string version, string? ns, JsonObject body, WriteOptions options) =>
        Store.Write(txn =>
        {
            txn.DryRun = options.DryRun;
            return CreateIn(txn, type, version, ns, body, options, applyManager: false);
        });

    public (JsonObject Object, bool Created) Update(ResourceType type, string version, string? ns, string name,
        string? subresource, JsonObject body, WriteOptions options) =>
        Store.Write(txn =>
        {
            txn.DryRun = options.DryRun;
            CheckTypeMeta(type, version, body, subresource);
            CheckNameMatches(body, name, ns, type);
            var old = txn.Get(type, ns ?? "", name) ?? throw ApiException.NotFound(type, name);
            if (subresource == "scale")
            {
                return (ScaleIn(txn, type, version, old, body, options), false);
            }

            return (UpdateIn(txn, type, version, old, body, subresource, options, manager: options.FieldManager), false);
        });

    public (JsonObject Object, bool Created) Patch(ResourceType type, string version, string? ns, string name,
        string? subresource, PatchKind kind, JsonNode? patch, WriteOptions options) =>
        Store.Write(txn =>
        {
            txn.DryRun = options.DryRun;
            var old = txn.Get(type, ns ?? "", name);
            if (old is null)
            {
                if (kind != PatchKind.Apply || subresource is not null)
                {
                    throw ApiException.NotFound(type, name);
                }

                var applied = patch as JsonObject ?? throw ApiException.BadRequest("the apply patch must be an object");
                CheckApplyTypeMeta(type, version, applied);
                CheckNameMatches(applied, name, ns, type);
                var created = CreateIn(txn, type, version, ns, applied, options, applyManager: true);
                return (created, true);
            }

            if (subresource == "scale")
            {
                var scale = ScaleOf(old);
                var patchedScale = ApplyPatch(type, kind, scale, patch) as JsonObject
                    ?? throw ApiException.BadRequest("the patch must produce an object");
                return (ScaleIn(txn, type, version, old, patchedScale, options), false);
            }

            var view = View(type, version, old);
            if (kind == PatchKind.Apply)
            {
                var applied = patch as JsonObject ?? throw ApiException.BadRequest("the apply patch must be an object");
                CheckApplyTypeMeta(type, version, applied);
                CheckNameMatches(applied, name, ns, type);
                var merged = ManagedFields.Apply(view, applied, options.FieldManager, type.ApiVersion(version),
                    options.Force, subresource == "status", Now);
                if (Json.ResourceVersion(applied) is { } precondition && precondition != Json.ResourceVersion(old))
                {
                    throw ApiException.StaleUpdate(type, name);
                }

                return (UpdateIn(txn, type, version, old, merged, subresource, options, manager: null), false);
            }

            var patched = ApplyPatch(type, kind, view, patch) as JsonObject
                ?? throw ApiException.BadRequest("the patch must produce an object");
            CheckNameMatches(patched, name, ns, type);

            // A resourceVersion in the patch is a precondition, as in the API server.
            return (UpdateIn(txn, type, version, old, patched, subresource, options, options.FieldManager), false);
        });

    public JsonObject Delete(ResourceType type, string version, string? ns, string name, JsonObject? deleteOptions, WriteOptions options) =>
        Store.Write(txn =>
        {
            txn.DryRun = options.DryRun;
            var old = txn.Get(type, ns ?? "", name) ?? throw ApiException.NotFound(type, name);
            if ((deleteOptions?["preconditions"] as JsonObject) is { } pre)
            {
                if (Json.Str(pre["uid"]) is { } uid && uid != Json.Str(Json.Metadata(old)["uid"]))
                {
                    throw ApiException.Conflict(type, name,
                        $"Precondition failed: UID in precondition: {uid}, UID in object meta: {Json.Str(Json.Metadata(old)["uid"])}");
                }

                if (Json.Str(pre["resourceVersion"]) is { } rv && rv != Json.Str(Json.Metadata(old)["resourceVersion"]))
                {
                    throw ApiException.Conflict(type, name,
                        $"Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {Json.Str(Json.Metadata(old)["resourceVersion"])}");
                }
            }

            return View(type, version, DeleteIn(txn, type, ns ?? "", name));
        });

    public IReadOnlyList<JsonObject> DeleteCollection(ResourceType type, string version, string? ns,
        Func<JsonObject, bool> selected, WriteOptions options) =>
        Store.Write(txn =>
        {
            txn.DryRun = options.DryRun;
            var deleted = new List<JsonObject>();
            foreach (var obj in txn.List(type, ns).Where(selected))
            {
                deleted.Add(View(type, version, DeleteIn(txn, type, Json.Namespace(obj) ?? "", Json.Name(obj)!)));
            }

            return (IReadOnlyList<JsonObject>)deleted;
        });
}
