using System.Text.Json.Nodes;
using TrafficConsole.Sandbox.Storage;

namespace TrafficConsole.Sandbox.Api;

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
