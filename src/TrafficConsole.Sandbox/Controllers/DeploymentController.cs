using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using TrafficConsole.Sandbox.Api;
using TrafficConsole.Sandbox.Storage;

namespace TrafficConsole.Sandbox.Controllers;

/// <summary>
/// Stands in for the deployment and replica-set controllers and the kubelet: keeps synthetic Running,
/// Ready pods (the template's labels plus pod-template-hash) in step with spec.replicas, and reports them
/// in the deployment's status. Nothing runs: the pods are records only.
/// </summary>
internal static class DeploymentController
{
    private const string Alphabet = "bcdfghjklmnpqrstvwxz2456789";

    /// <summary>Status as it will be once the pods below exist, written with the deployment itself.</summary>
    public static void SetStatus(JsonObject deployment)
    {
        var replicas = Replicas(deployment);
        var meta = Json.Metadata(deployment);
        var now = Json.Str(meta["creationTimestamp"]) ?? Json.Timestamp(DateTimeOffset.UtcNow);
        var status = deployment["status"] as JsonObject ?? [];
        var conditions = status["conditions"] as JsonArray;
        var progressingSince = conditions?.OfType<JsonObject>()
            .FirstOrDefault(c => Json.Str(c["type"]) == "Progressing")?["lastTransitionTime"]?.GetValue<string>() ?? now;
        var hash = TemplateHash(deployment);
        deployment["status"] = new JsonObject
        {
            ["observedGeneration"] = Json.Int(meta["generation"]) ?? 1,
            ["replicas"] = replicas,
            ["updatedReplicas"] = replicas,
            ["readyReplicas"] = replicas,
            ["availableReplicas"] = replicas,
            ["conditions"] = new JsonArray(
                new JsonObject
                {
                    ["type"] = "Available", ["status"] = "True", ["reason"] = "MinimumReplicasAvailable",
                    ["message"] = "Deployment has minimum availability.",
                    ["lastUpdateTime"] = progressingSince, ["lastTransitionTime"] = progressingSince,
                },
                new JsonObject
                {
                    ["type"] = "Progressing", ["status"] = "True", ["reason"] = "NewReplicaSetAvailable",
                    ["message"] = $"ReplicaSet \"{Json.Name(deployment)}-{hash}\" has successfully progressed.",
                    ["lastUpdateTime"] = progressingSince, ["lastTransitionTime"] = progressingSince,
                }),
        };
        if (replicas == 0)
        {
            var s = (JsonObject)deployment["status"]!;
            s.Remove("readyReplicas");
            s.Remove("availableReplicas");
            s.Remove("updatedReplicas");
        }
    }

    /// <summary>Creates and deletes pods so that exactly spec.replicas of the current template exist.</summary>
    public static void ReconcilePods(StoreTransaction txn, JsonObject deployment, DateTimeOffset now)
    {
        var ns = Json.Namespace(deployment) ?? "";
        var name = Json.Name(deployment) ?? "";
        var hash = TemplateHash(deployment);
        var replicas = Replicas(deployment);
        var owned = OwnedPods(txn, ns, name);
        var current = new List<JsonObject>();
        foreach (var pod in owned)
        {
            if (Json.Labels(pod).GetValueOrDefault("pod-template-hash") == hash)
            {
                current.Add(pod);
            }
            else
            {
                txn.Delete(ResourceCatalog.Pods, ns, Json.Name(pod)!);
            }
        }

        for (var i = (int)Math.Min(replicas, current.Count); i < current.Count; i++)
        {
            txn.Delete(ResourceCatalog.Pods, ns, Json.Name(current[i])!);
        }

        for (var i = current.Count; i < replicas; i++)
        {
            txn.Put(ResourceCatalog.Pods, NewPod(txn, deployment, hash, now));
        }
    }

    public static void DeletePods(StoreTransaction txn, string ns, string deploymentName)
    {
        foreach (var pod in OwnedPods(txn, ns, deploymentName))
        {
            txn.Delete(ResourceCatalog.Pods, ns, Json.Name(pod)!);
        }
    }

    public static long Replicas(JsonObject deployment) => Json.Int((deployment["spec"] as JsonObject)?["replicas"]) ?? 1;

    public static string Selector(JsonObject deployment)
    {
        var matchLabels = ((deployment["spec"] as JsonObject)?["selector"] as JsonObject)?["matchLabels"] as JsonObject;
        return string.Join(',', (matchLabels ?? []).Select(kv => $"{kv.Key}={Json.Str(kv.Value)}"));
    }

    private static List<JsonObject> OwnedPods(StoreTransaction txn, string ns, string deploymentName) =>
        [.. txn.List(ResourceCatalog.Pods, ns).Where(p =>
            (p["metadata"] as JsonObject)?["ownerReferences"] is JsonArray refs && refs.OfType<JsonObject>().Any(r =>
                Json.Str(r["kind"]) == "ReplicaSet"
                && Json.Str(r["name"]) == $"{deploymentName}-{Json.Labels(p).GetValueOrDefault("pod-template-hash")}"))];

    private static JsonObject NewPod(StoreTransaction txn, JsonObject deployment, string hash, DateTimeOffset now)
    {
        var ns = Json.Namespace(deployment) ?? "";
        var deploymentName = Json.Name(deployment) ?? "";
        var template = ((deployment["spec"] as JsonObject)?["template"] as JsonObject) ?? [];
        var labels = (template["metadata"] as JsonObject)?["labels"]?.DeepClone() as JsonObject ?? [];
        labels["pod-template-hash"] = hash;
        string name;
        do
        {
            name = $"{deploymentName}-{hash}-{RandomSuffix(5)}";
        }
        while (txn.Exists(ResourceCatalog.Pods, ns, name));

        var spec = template["spec"]?.DeepClone() as JsonObject ?? [];
        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["namespace"] = ns,
                ["uid"] = Guid.NewGuid().ToString(),
                ["creationTimestamp"] = Json.Timestamp(now),
                ["labels"] = labels,
                ["annotations"] = (template["metadata"] as JsonObject)?["annotations"]?.DeepClone(),
                ["ownerReferences"] = new JsonArray(new JsonObject
                {
                    ["apiVersion"] = "apps/v1",
                    ["kind"] = "ReplicaSet",
                    ["name"] = $"{deploymentName}-{hash}",
                    ["uid"] = Json.Str(Json.Metadata(deployment)["uid"]),
                    ["controller"] = true,
                    ["blockOwnerDeletion"] = true,
                }),
            },
            ["spec"] = spec,
            ["status"] = RunningStatus(spec, now),
        };
    }

    /// <summary>
    /// What the scheduler and kubelet would report for a pod that started well: scheduled on the one
    /// sandbox node, every container running and ready. Fills in the spec's node and defaults too.
    /// </summary>
    public static JsonObject RunningStatus(JsonObject spec, DateTimeOffset now)
    {
        spec["nodeName"] ??= "sandbox-node";
        spec["serviceAccountName"] ??= "default";
        spec["restartPolicy"] ??= "Always";
        var started = Json.Timestamp(now);
        var ip = $"10.244.{Random.Shared.Next(0, 255)}.{Random.Shared.Next(2, 254)}";
        var containers = (spec["containers"] as JsonArray ?? []).OfType<JsonObject>().Select(c => (JsonNode)new JsonObject
        {
            ["name"] = Json.Str(c["name"]),
            ["image"] = Json.Str(c["image"]),
            ["imageID"] = "",
            ["ready"] = true,
            ["started"] = true,
            ["restartCount"] = 0,
            ["state"] = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = started } },
        }).ToArray();
        JsonObject Condition(string type) => new()
        {
            ["type"] = type, ["status"] = "True", ["lastProbeTime"] = null, ["lastTransitionTime"] = started,
        };
        return new JsonObject
        {
            ["phase"] = "Running",
            ["conditions"] = new JsonArray(Condition("PodReadyToStartContainers"), Condition("Initialized"),
                Condition("Ready"), Condition("ContainersReady"), Condition("PodScheduled")),
            ["hostIP"] = "10.0.0.10",
            ["podIP"] = ip,
            ["podIPs"] = new JsonArray(new JsonObject { ["ip"] = ip }),
            ["startTime"] = started,
            ["containerStatuses"] = new JsonArray(containers),
            ["qosClass"] = "BestEffort",
        };
    }

    /// <summary>A stable 10-character hash of the pod template, as the ReplicaSet name suffix.</summary>
    public static string TemplateHash(JsonObject deployment)
    {
        var template = (deployment["spec"] as JsonObject)?["template"]?.ToJsonString() ?? "";
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(template))
        {
            hash = (hash ^ b) * 16777619u;
        }

        var text = new StringBuilder();
        var value = (ulong)hash * 2654435761UL;
        for (var i = 0; i < 10; i++)
        {
            text.Append(Alphabet[(int)(value % (ulong)Alphabet.Length)]);
            value = (value / (ulong)Alphabet.Length) + ((ulong)hash * (ulong)(i + 7));
        }

        return text.ToString();
    }

    public static string RandomSuffix(int length) =>
        string.Create(length, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = Alphabet[Random.Shared.Next(Alphabet.Length)];
            }
        });

    public static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);
}
