using System.Text.Json.Nodes;
using TrafficConsole.Sandbox.Controllers;
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
/// patches, cascading deletes, and the built-in controllers the sandbox stands in for.
/// </summary>
internal sealed class ResourceRegistry(SandboxStore store, TimeProvider time, TimeSpan namespaceFinalizeDelay = default,
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

    /// <summary>The autoscaling/v1 Scale of a deployment.</summary>
    public static JsonObject ScaleOf(JsonObject obj)
    {
        var meta = Json.Metadata(obj);
        return new JsonObject
        {
            ["kind"] = "Scale",
            ["apiVersion"] = "autoscaling/v1",
            ["metadata"] = new JsonObject
            {
                ["name"] = Json.Str(meta["name"]),
                ["namespace"] = Json.Str(meta["namespace"]),
                ["uid"] = Json.Str(meta["uid"]),
                ["resourceVersion"] = Json.Str(meta["resourceVersion"]),
                ["creationTimestamp"] = Json.Str(meta["creationTimestamp"]),
            },
            ["spec"] = new JsonObject { ["replicas"] = DeploymentController.Replicas(obj) },
            ["status"] = new JsonObject
            {
                ["replicas"] = Json.Int((obj["status"] as JsonObject)?["replicas"]) ?? 0,
                ["selector"] = DeploymentController.Selector(obj),
            },
        };
    }

    /// <summary>The object as seen through one served version (apiVersion set to it).</summary>
    /// <summary>Sets the served version on a private copy in place (cheap, for lists of copies).</summary>
    public static JsonObject AsVersion(ResourceType type, string version, JsonObject privateCopy)
    {
        privateCopy["apiVersion"] = type.ApiVersion(version);
        privateCopy["kind"] = type.Kind;
        return privateCopy;
    }

    public static JsonObject View(ResourceType type, string version, JsonObject obj)
    {
        var copy = Json.Clone(obj);
        var result = new JsonObject { ["apiVersion"] = type.ApiVersion(version), ["kind"] = type.Kind };
        foreach (var (key, value) in copy.ToList())
        {
            if (key is "apiVersion" or "kind")
            {
                continue;
            }

            copy.Remove(key);
            result[key] = value;
        }

        return result;
    }

    private JsonObject ScaleIn(StoreTransaction txn, ResourceType type, string version, JsonObject old, JsonObject scale, WriteOptions options)
    {
        var name = Json.Name(old)!;
        if (Json.ResourceVersion(scale) is { } rv && rv != Json.ResourceVersion(old))
        {
            throw ApiException.StaleUpdate(type, name);
        }

        var replicas = (scale["spec"] as JsonObject)?["replicas"];
        var value = Json.Int(replicas);
        if (replicas is not null && value is null)
        {
            throw ApiException.Invalid(type, name, [ObjectValidator.TypeError("spec.replicas", replicas, "integer")]);
        }

        if (value < 0)
        {
            throw new ApiException(422, "Invalid",
                $"Scale.autoscaling \"{name}\" is invalid: spec.replicas: Invalid value: {value}: must be greater than or equal to 0",
                name, "autoscaling", "Scale",
                [new StatusCause("FieldValueInvalid", $"Invalid value: {value}: must be greater than or equal to 0", "spec.replicas")]);
        }

        var updated = Json.Clone(old);
        if (updated["spec"] is not JsonObject spec)
        {
            spec = [];
            updated["spec"] = spec;
        }

        spec["replicas"] = value ?? 0;
        var stored = UpdateIn(txn, type, version, old, updated, null, options, options.FieldManager, subresourceForFields: "scale");
        return ScaleOf(stored);
    }

    private JsonObject CreateIn(StoreTransaction txn, ResourceType type, string version, string? ns, JsonObject body,
        WriteOptions options, bool applyManager)
    {
        if (!applyManager)
        {
            CheckTypeMeta(type, version, body, null);
        }

        var obj = Json.Clone(body);
        var meta = Json.Metadata(obj);
        if (type.Namespaced)
        {
            var bodyNs = Json.Str(meta["namespace"]);
            if (bodyNs is not null && bodyNs.Length > 0 && bodyNs != ns)
            {
                throw ApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            }

            meta["namespace"] = ns;
        }
        else
        {
            meta.Remove("namespace");
        }

        if (string.IsNullOrEmpty(Json.Str(meta["name"])) && Json.Str(meta["generateName"]) is { Length: > 0 } prefix)
        {
            string generated;
            do
            {
                generated = prefix + DeploymentController.RandomSuffix(5);
            }
            while (txn.Exists(type, ns ?? "", generated));

            meta["name"] = generated;
        }

        var name = Json.Str(meta["name"]) ?? "";
        Validate(type, obj, name);

        if (type.Namespaced)
        {
            var owner = txn.Get(ResourceCatalog.Namespaces, "", ns ?? "") ?? throw ApiException.NamespaceNotFound(ns ?? "");
            if (Json.Metadata(owner)["deletionTimestamp"] is not null)
            {
                var message = $"unable to create new content in namespace {ns} because it is being terminated";
                throw new ApiException(403, "Forbidden", $"{type.GroupResource} \"{name}\" is forbidden: {message}", name, type.Group,
                    type.Plural, [new StatusCause("NamespaceTerminating", message, "metadata.namespace")]);
            }
        }

        if (txn.Exists(type, ns ?? "", name))
        {
            throw ApiException.AlreadyExists(type, name);
        }

        meta["uid"] = Guid.NewGuid().ToString();
        meta["creationTimestamp"] = Now;
        meta.Remove("resourceVersion");
        meta.Remove("deletionTimestamp");
        meta.Remove("selfLink");
        if (type.HasGeneration)
        {
            meta["generation"] = 1;
        }
        else
        {
            meta.Remove("generation");
        }

        if (type.HasStatusSubresource)
        {
            obj.Remove("status");
        }

        Defaults.Apply(type, obj, txn);
        var stamp = Now;
        if (applyManager)
        {
            var leaves = ManagedFields.Leaves(obj);
            ManagedFields.Write(obj, [new ManagedFields.Entry(options.FieldManager, "Apply", type.ApiVersion(version), null, leaves)], stamp);
        }
        else
        {
            meta.Remove("managedFields");
            ManagedFields.RecordUpdate(null, obj, options.FieldManager, type.ApiVersion(version), null, stamp);
        }

        if (type == ResourceCatalog.Deployments)
        {
            DeploymentController.SetStatus(obj);
        }
        else if (type == ResourceCatalog.Pods)
        {
            // Pods made directly (kubectl run) start at once, like the ones deployments get.
            var podSpec = obj["spec"] as JsonObject ?? [];
            obj["spec"] = podSpec;
            obj["status"] = DeploymentController.RunningStatus(podSpec, time.GetUtcNow());
        }

        var stored = txn.Put(type, obj);
        if (type == ResourceCatalog.Namespaces && !txn.Exists(ResourceCatalog.ServiceAccounts, name, "default"))
        {
            // The service-account controller gives every namespace its "default" account.
            txn.Put(ResourceCatalog.ServiceAccounts, new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "ServiceAccount",
                ["metadata"] = new JsonObject
                {
                    ["name"] = "default",
                    ["namespace"] = name,
                    ["uid"] = Guid.NewGuid().ToString(),
                    ["creationTimestamp"] = Now,
                },
            });
        }

        if (type == ResourceCatalog.Deployments)
        {
            DeploymentController.ReconcilePods(txn, stored, time.GetUtcNow());
        }

        var result = View(type, version, stored);
        if (options.DryRun)
        {
            Json.Metadata(result).Remove("resourceVersion");
        }

        return result;
    }

    private JsonObject UpdateIn(StoreTransaction txn, ResourceType type, string version, JsonObject old, JsonObject body,
        string? subresource, WriteOptions options, string? manager, string? subresourceForFields = null)
    {
        var name = Json.Name(old)!;
        var oldMeta = Json.Metadata(old);
        var bodyRv = Json.Str((body["metadata"] as JsonObject)?["resourceVersion"]);
        if (!string.IsNullOrEmpty(bodyRv) && bodyRv != Json.Str(oldMeta["resourceVersion"]))
        {
            throw ApiException.StaleUpdate(type, name);
        }

        JsonObject updated;
        if (subresource == "status")
        {
            // The status subresource changes status alone.
            updated = Json.Clone(old);
            if (body["status"] is { } status)
            {
                updated["status"] = status.DeepClone();
            }
            else
            {
                updated.Remove("status");
            }
        }
        else
        {
            updated = Json.Clone(body);
            if (type.HasStatusSubresource && type != ResourceCatalog.Namespaces)
            {
                if (old["status"] is { } oldStatus)
                {
                    updated["status"] = oldStatus.DeepClone();
                }
                else
                {
                    updated.Remove("status");
                }
            }
        }

        var meta = Json.Metadata(updated);
        foreach (var key in new[] { "uid", "creationTimestamp", "deletionTimestamp", "namespace", "name" })
        {
            if (oldMeta[key] is { } value)
            {
                meta[key] = value.DeepClone();
            }
            else
            {
                meta.Remove(key);
            }
        }

        meta["resourceVersion"] = oldMeta["resourceVersion"]?.DeepClone();
        meta.Remove("selfLink");
        if (type.HasGeneration)
        {
            var generation = Json.Int(oldMeta["generation"]) ?? 1;
            meta["generation"] = SpecChanged(old, updated) ? generation + 1 : generation;
        }
        else
        {
            meta.Remove("generation");
        }

        if (type == ResourceCatalog.Services && subresource is null)
        {
            CarryAllocatedAddresses(old, updated);
        }

        Validate(type, updated, name);
        Defaults.Apply(type, updated, txn);

        var stamp = Now;
        if (manager is not null)
        {
            var sentManagedFields = (body["metadata"] as JsonObject)?["managedFields"];
            if (sentManagedFields is not null && !JsonNode.DeepEquals(sentManagedFields, oldMeta["managedFields"]))
            {
                // The client rewrote ownership itself (kubectl does when it upgrades client-side apply).
                meta["managedFields"] = sentManagedFields.DeepClone();
            }
            else
            {
                meta["managedFields"] = oldMeta["managedFields"]?.DeepClone();
                ManagedFields.RecordUpdate(old, updated, manager, type.ApiVersion(version), subresourceForFields ?? subresource, stamp);
            }
        }

        if (type == ResourceCatalog.Deployments)
        {
            DeploymentController.SetStatus(updated);
        }

        if (meta["deletionTimestamp"] is not null && meta["finalizers"] is not JsonArray { Count: > 0 })
        {
            // The last finalizer of an object marked for deletion is gone: now it is deleted.
            return View(type, version, DeleteNow(txn, type, Json.Namespace(old) ?? "", name));
        }

        if (Unchanged(old, updated))
        {
            // The API server skips writes that change nothing: no new resourceVersion, no event.
            return View(type, version, old);
        }

        var stored = txn.Put(type, updated);
        if (type == ResourceCatalog.Deployments)
        {
            DeploymentController.ReconcilePods(txn, stored, time.GetUtcNow());
        }

        var result = View(type, version, stored);
        if (options.DryRun)
        {
            Json.Metadata(result)["resourceVersion"] = oldMeta["resourceVersion"]?.DeepClone();
        }

        return result;
    }

    private JsonObject DeleteIn(StoreTransaction txn, ResourceType type, string ns, string name)
    {
        if (type == ResourceCatalog.Namespaces)
        {
            if (namespaceFinalizeDelay <= TimeSpan.Zero)
            {
                return FinalizeNamespace(txn, name, Now);
            }

            // Like the namespace controller: Terminating first, contents and namespace go a moment later.
            var current = txn.Get(type, "", name)!;
            if (Json.Metadata(current)["deletionTimestamp"] is not null)
            {
                return current;
            }

            Json.Metadata(current)["deletionTimestamp"] = Now;
            Json.Metadata(current)["deletionGracePeriodSeconds"] = 0;
            current["status"] = new JsonObject { ["phase"] = "Terminating" };
            var terminating = txn.Put(type, current);
            txn.AfterCommit.Add(() => ScheduleFinalize(name));
            return terminating;
        }

        var existing = txn.Get(type, ns, name)!;
        if ((existing["metadata"] as JsonObject)?["finalizers"] is JsonArray { Count: > 0 })
        {
            // Finalizers hold the object: it is marked for deletion and goes when the last one is removed.
            if (Json.Metadata(existing)["deletionTimestamp"] is null)
            {
                Json.Metadata(existing)["deletionTimestamp"] = Now;
                Json.Metadata(existing)["deletionGracePeriodSeconds"] = 0;
                return txn.Put(type, existing);
            }

            return existing;
        }

        return DeleteNow(txn, type, ns, name);
    }

    private static JsonObject DeleteNow(StoreTransaction txn, ResourceType type, string ns, string name)
    {
        if (type == ResourceCatalog.Deployments)
        {
            DeploymentController.DeletePods(txn, ns, name);
        }

        return txn.Delete(type, ns, name);
    }

    /// <summary>
    /// A service's cluster IP is allocated once: an update that leaves it out keeps it, one that changes it
    /// is refused (spec.clusterIP is immutable), as in the API server.
    /// </summary>
    private static void CarryAllocatedAddresses(JsonObject old, JsonObject updated)
    {
        var oldSpec = old["spec"] as JsonObject;
        if (updated["spec"] is not JsonObject spec || oldSpec is null)
        {
            return;
        }

        var oldIp = Json.Str(oldSpec["clusterIP"]);
        var newIp = Json.Str(spec["clusterIP"]);
        if (string.IsNullOrEmpty(newIp))
        {
            spec["clusterIP"] = oldSpec["clusterIP"]?.DeepClone();
            spec["clusterIPs"] ??= oldSpec["clusterIPs"]?.DeepClone();
        }
        else if (oldIp is not null && newIp != oldIp && Json.Str(spec["type"]) != "ExternalName")
        {
            throw ApiException.Invalid(ResourceCatalog.Services, Json.Name(old) ?? "",
                [new StatusCause("FieldValueInvalid", $"Invalid value: \"{newIp}\": field is immutable", "spec.clusterIPs[0]")]);
        }
    }

    private static JsonObject FinalizeNamespace(StoreTransaction txn, string name, string now)
    {
        // Everything in the namespace goes first, each with its DELETED event.
        foreach (var t in ResourceCatalog.All.Where(t => t.Namespaced))
        {
            foreach (var obj in txn.List(t, name))
            {
                txn.Delete(t, name, Json.Name(obj)!);
            }
        }

        var deleted = txn.Delete(ResourceCatalog.Namespaces, "", name);
        Json.Metadata(deleted)["deletionTimestamp"] ??= now;
        deleted["status"] = new JsonObject { ["phase"] = "Terminating" };
        return deleted;
    }

    private void ScheduleFinalize(string name) => _ = Task.Run(async () =>
    {
        try
        {
            await Task.Delay(namespaceFinalizeDelay, time, stopping).ConfigureAwait(false);
            Store.Write(txn =>
            {
                var ns = txn.Get(ResourceCatalog.Namespaces, "", name);
                return ns is not null && Json.Metadata(ns)["deletionTimestamp"] is not null ? FinalizeNamespace(txn, name, Now) : null;
            });
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
        {
            // The sandbox stopped; the next start finishes the deletion.
        }
    });

    private static JsonNode? ApplyPatch(ResourceType type, PatchKind kind, JsonObject target, JsonNode? patch) => kind switch
    {
        PatchKind.Merge => MergePatch.Apply(target, patch),
        PatchKind.Json => JsonPatch.Apply(target, patch),
        PatchKind.Strategic when !type.IsCustom => StrategicMergePatch.Apply(target, patch),
        _ => throw ApiException.UnsupportedMediaType(
            ["application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml"]),
    };

    private static void Validate(ResourceType type, JsonObject obj, string name)
    {
        var causes = ObjectValidator.Validate(type, obj);
        if (causes.Length > 0)
        {
            throw ApiException.Invalid(type, name, causes);
        }
    }

    private static void CheckTypeMeta(ResourceType type, string version, JsonObject body, string? subresource)
    {
        if (subresource == "scale")
        {
            return;
        }

        var apiVersion = Json.Str(body["apiVersion"]);
        var kind = Json.Str(body["kind"]);
        if (apiVersion is not null && apiVersion != type.ApiVersion(version) && !type.Versions.Any(v => type.ApiVersion(v) == apiVersion))
        {
            throw ApiException.BadRequest(
                $"the API version in the data ({apiVersion}) does not match the expected API version ({type.ApiVersion(version)})");
        }

        if (kind is not null && kind != type.Kind)
        {
            throw ApiException.BadRequest($"the kind in the data ({kind}) does not match the expected kind ({type.Kind})");
        }
    }

    private static void CheckApplyTypeMeta(ResourceType type, string version, JsonObject body)
    {
        if (Json.Str(body["apiVersion"]) is null || Json.Str(body["kind"]) is null)
        {
            throw ApiException.BadRequest("apiVersion and kind must be set in an apply patch");
        }

        CheckTypeMeta(type, version, body, null);
    }

    private static void CheckNameMatches(JsonObject body, string name, string? ns, ResourceType type)
    {
        var meta = body["metadata"] as JsonObject;
        var bodyName = Json.Str(meta?["name"]);
        if (bodyName is not null && bodyName != name)
        {
            throw ApiException.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
        }

        var bodyNs = Json.Str(meta?["namespace"]);
        if (type.Namespaced && !string.IsNullOrEmpty(bodyNs) && bodyNs != ns)
        {
            throw ApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        }
    }

    private static bool SpecChanged(JsonObject old, JsonObject updated)
    {
        static JsonObject Strip(JsonObject o)
        {
            var copy = Json.Clone(o);
            copy.Remove("metadata");
            copy.Remove("status");
            copy.Remove("apiVersion");
            copy.Remove("kind");
            return copy;
        }

        return !JsonNode.DeepEquals(Strip(old), Strip(updated));
    }

    private static bool Unchanged(JsonObject old, JsonObject updated)
    {
        static JsonObject Strip(JsonObject o)
        {
            var copy = Json.Clone(o);
            copy.Remove("apiVersion");
            copy.Remove("kind");
            var meta = Json.Metadata(copy);
            meta.Remove("resourceVersion");
            if (meta["managedFields"] is JsonArray fields)
            {
                foreach (var f in fields.OfType<JsonObject>())
                {
                    f.Remove("time");
                }
            }

            return copy;
        }

        return JsonNode.DeepEquals(Strip(old), Strip(updated));
    }
}

/// <summary>Defaults the API server fills in for the built-in kinds.</summary>
internal static class Defaults
{
    public static void Apply(ResourceType type, JsonObject obj, StoreTransaction txn)
    {
        if (type == ResourceCatalog.Namespaces)
        {
            var meta = Json.Metadata(obj);
            if (meta["labels"] is not JsonObject labels)
            {
                labels = [];
                meta["labels"] = labels;
            }

            labels["kubernetes.io/metadata.name"] = Json.Name(obj);
            obj["spec"] = new JsonObject { ["finalizers"] = new JsonArray("kubernetes") };
            obj["status"] ??= new JsonObject { ["phase"] = "Active" };
        }
        else if (type == ResourceCatalog.Services)
        {
            var spec = obj["spec"] as JsonObject ?? [];
            obj["spec"] = spec;
            spec["type"] ??= "ClusterIP";
            spec["sessionAffinity"] ??= "None";
            if (Json.Str(spec["type"]) != "ExternalName" && Json.Str(spec["clusterIP"]) is null)
            {
                var used = txn.List(ResourceCatalog.Services, null)
                    .Select(s => Json.Str((s["spec"] as JsonObject)?["clusterIP"])).ToHashSet();
                string ip;
                do
                {
                    ip = $"10.96.{Random.Shared.Next(0, 255)}.{Random.Shared.Next(2, 254)}";
                }
                while (used.Contains(ip));

                spec["clusterIP"] = ip;
                spec["clusterIPs"] = new JsonArray(ip);
                spec["ipFamilies"] ??= new JsonArray("IPv4");
                spec["ipFamilyPolicy"] ??= "SingleStack";
                spec["internalTrafficPolicy"] ??= "Cluster";
            }

            foreach (var port in (spec["ports"] as JsonArray ?? []).OfType<JsonObject>())
            {
                port["protocol"] ??= "TCP";
                port["targetPort"] ??= port["port"]?.DeepClone();
            }

            obj["status"] ??= new JsonObject { ["loadBalancer"] = new JsonObject() };
        }
        else if (type == ResourceCatalog.Deployments)
        {
            var spec = obj["spec"] as JsonObject ?? [];
            obj["spec"] = spec;
            spec["replicas"] ??= 1;
            spec["revisionHistoryLimit"] ??= 10;
            spec["progressDeadlineSeconds"] ??= 600;
            spec["strategy"] ??= new JsonObject
            {
                ["type"] = "RollingUpdate",
                ["rollingUpdate"] = new JsonObject { ["maxUnavailable"] = "25%", ["maxSurge"] = "25%" },
            };
        }
    }
}
