using System.Text.Json.Nodes;
using TrafficConsole.Sandbox.Controllers;
using TrafficConsole.Sandbox.Patching;
using TrafficConsole.Sandbox.Storage;

namespace TrafficConsole.Sandbox.Api;

// Creating and updating inside a store transaction: defaults, system metadata, validation, concurrency, managed fields, scale, and the built-in controllers.
internal sealed partial class ResourceRegistry
{
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
}
