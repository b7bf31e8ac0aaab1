using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace TrafficConsole.TestSupport.ConsoleHost;

/// <summary>Small helpers to call the REST API with raw JSON, the way curl users do.</summary>
public static class HttpJson
{
    public static async Task<(HttpResponseMessage Response, JsonElement Body)> SendAsync(HttpClient client, HttpMethod method, string path, string? json = null)
    {
        using HttpRequestMessage request = new(method, new Uri(path, UriKind.Relative));
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        HttpResponseMessage response = await client.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        JsonElement body = string.IsNullOrWhiteSpace(text) ? default : JsonDocument.Parse(text).RootElement.Clone();
        return (response, body);
    }

    public static Task<(HttpResponseMessage Response, JsonElement Body)> GetAsync(HttpClient client, string path) => SendAsync(client, HttpMethod.Get, path);

    public static Task<(HttpResponseMessage Response, JsonElement Body)> PutAsync(HttpClient client, string path, string? json) => SendAsync(client, HttpMethod.Put, path, json);

    public static Task<(HttpResponseMessage Response, JsonElement Body)> DeleteAsync(HttpClient client, string path) => SendAsync(client, HttpMethod.Delete, path);

    /// <summary>The "weights" map of a traffic document.</summary>
    public static Dictionary<string, int> Weights(JsonElement traffic) =>
        traffic.GetProperty("weights").EnumerateObject().ToDictionary(static p => p.Name, static p => p.Value.GetInt32(), StringComparer.Ordinal);
}
