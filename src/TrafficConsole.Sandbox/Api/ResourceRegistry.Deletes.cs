using System.Text.Json.Nodes;
using TrafficConsole.Sandbox.Controllers;
using TrafficConsole.Sandbox.Storage;

namespace TrafficConsole.Sandbox.Api;

// Deleting inside a store transaction: finalizers, cascading to owned objects, and a namespace's finalization.
internal sealed partial class ResourceRegistry
{
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
}
