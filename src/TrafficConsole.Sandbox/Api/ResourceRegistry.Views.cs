using System.Text.Json.Nodes;
using TrafficConsole.Sandbox.Controllers;

namespace TrafficConsole.Sandbox.Api;

// The registry's read side: an object as one served version sees it, and a deployment's Scale.
internal sealed partial class ResourceRegistry
{
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

    /// <summary>Sets the served version on a private copy in place (cheap, for lists of copies).</summary>
    public static JsonObject AsVersion(ResourceType type, string version, JsonObject privateCopy)
    {
        privateCopy["apiVersion"] = type.ApiVersion(version);
        privateCopy["kind"] = type.Kind;
        return privateCopy;
    }

    /// <summary>The object as seen through one served version (apiVersion set to it).</summary>
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
}
