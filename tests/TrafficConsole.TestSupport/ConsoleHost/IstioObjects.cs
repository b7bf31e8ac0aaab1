using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;

namespace TrafficConsole.TestSupport.ConsoleHost;

/// <summary>Reads Istio objects straight from the cluster, to check what the console really wrote.</summary>
public static class IstioObjects
{
    private const string Group = "networking.istio.io";
    private const string Version = "v1";

    public static async Task<JsonElement?> GetAsync(IKubernetes kubernetes, string plural, string ns, string name)
    {
        try
        {
            return await kubernetes.CustomObjects.GetNamespacedCustomObjectAsync<JsonElement>(Group, Version, ns, plural, name);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public static Task<JsonElement?> VirtualServiceAsync(IKubernetes kubernetes, string ns, string name) => GetAsync(kubernetes, "virtualservices", ns, name);

    public static Task<JsonElement?> DestinationRuleAsync(IKubernetes kubernetes, string ns, string name) => GetAsync(kubernetes, "destinationrules", ns, name);

    /// <summary>Subset -> weight of the last (catch-all) http route; a single destination without weight counts as 100.</summary>
    public static Dictionary<string, int> CatchAllWeights(JsonElement virtualService)
    {
        JsonElement http = virtualService.GetProperty("spec").GetProperty("http");
        JsonElement route = http[http.GetArrayLength() - 1].GetProperty("route");
        Dictionary<string, int> weights = new(StringComparer.Ordinal);
        foreach (JsonElement destination in route.EnumerateArray())
        {
            string subset = destination.GetProperty("destination").GetProperty("subset").GetString()!;
            weights[subset] = destination.TryGetProperty("weight", out JsonElement weight) ? weight.GetInt32() : 100;
        }

        return weights;
    }

    /// <summary>Subset names of a DestinationRule.</summary>
    public static HashSet<string> Subsets(JsonElement destinationRule) =>
        [.. destinationRule.GetProperty("spec").GetProperty("subsets").EnumerateArray().Select(static s => s.GetProperty("name").GetString()!)];

    public static string ResourceVersion(JsonElement item) => item.GetProperty("metadata").GetProperty("resourceVersion").GetString()!;

    public static string? Annotation(JsonElement item, string key) =>
        item.GetProperty("metadata").TryGetProperty("annotations", out JsonElement annotations) && annotations.TryGetProperty(key, out JsonElement value)
            ? value.GetString()
            : null;
}
