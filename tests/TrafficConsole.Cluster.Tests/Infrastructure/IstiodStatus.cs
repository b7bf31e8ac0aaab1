using System.Globalization;
using System.Text.Json;

using k8s;
using k8s.Models;

namespace TrafficConsole.Cluster.Tests.Infrastructure;

/// <summary>
/// Plays istiod with <c>PILOT_ENABLE_STATUS</c>: writes the <c>Reconciled</c> condition and observedGeneration into a
/// routing resource's status through the status subresource, as field manager <c>pilot-discovery</c>.
/// </summary>
public static class IstiodStatus
{
    public const string FieldManager = "pilot-discovery";

    /// <summary>Writes status: Reconciled at <paramref name="generation"/>; returns the object's new resourceVersion.</summary>
    public static async Task<string> ReconciledAsync(IKubernetes client, string plural, string ns, string name, long generation, bool onCondition = false, bool asString = false)
    {
        object observed = asString ? generation.ToString(CultureInfo.InvariantCulture) : generation;
        var condition = new Dictionary<string, object>
        {
            ["type"] = "Reconciled",
            ["status"] = "True",
            ["lastTransitionTime"] = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["reason"] = "Reconciled",
            ["message"] = "The configuration has been reconciled by all proxies",
        };
        var status = new Dictionary<string, object> { ["conditions"] = new[] { condition } };
        if (onCondition)
        {
            condition["observedGeneration"] = observed;
        }
        else
        {
            status["observedGeneration"] = observed;
        }

        string body = JsonSerializer.Serialize(new { status });
        object result = await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch(body, V1Patch.PatchType.MergePatch), "networking.istio.io", "v1", ns, plural, name, fieldManager: FieldManager);
        return ((JsonElement)result).GetProperty("metadata").GetProperty("resourceVersion").GetString()!;
    }

    /// <summary>The object's generation as the API server has it.</summary>
    public static async Task<long> GenerationAsync(IKubernetes client, string plural, string ns, string name)
    {
        object found = await client.CustomObjects.GetNamespacedCustomObjectAsync("networking.istio.io", "v1", ns, plural, name);
        return ((JsonElement)found).GetProperty("metadata").GetProperty("generation").GetInt64();
    }
}
