using System.Net;
using System.Net.Http.Headers;
using System.Text;
using TrafficConsole.Sandbox.Tests.Infrastructure;

namespace TrafficConsole.Sandbox.Tests.Api;

/// <summary>Protobuf request bodies, as kubectl's and helm's typed clients send them.</summary>
public sealed class ProtobufTests
{
    private static byte[] Field(int number, byte[] value) => [.. Varint((ulong)((number << 3) | 2)), .. Varint((ulong)value.Length), .. value];

    private static byte[] Field(int number, string value) => Field(number, Encoding.UTF8.GetBytes(value));

    private static byte[] VarintField(int number, ulong value) => [.. Varint((ulong)(number << 3)), .. Varint(value)];

    private static byte[] Varint(ulong value)
    {
        var bytes = new List<byte>();
        do
        {
            var b = (byte)(value & 0x7F);
            value >>= 7;
            bytes.Add(value == 0 ? b : (byte)(b | 0x80));
        }
        while (value != 0);

        return [.. bytes];
    }

    private static byte[] Envelope(string apiVersion, string kind, byte[] raw) =>
        [.. "k8s\0"u8.ToArray(), .. Field(1, [.. Field(1, apiVersion), .. Field(2, kind)]), .. Field(2, raw)];

    private static async Task<(HttpStatusCode Status, string Body)> SendAsync(TestCluster cluster, HttpMethod method, string path, byte[] body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.kubernetes.protobuf");
        request.Headers.Accept.ParseAdd("application/vnd.kubernetes.protobuf,application/json");
        using var response = await cluster.Http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_protobuf_configmap_is_created_with_gogo_empty_fields_left_out()
    {
        await using var cluster = await TestCluster.StartAsync(SandboxSeed.None);
        byte[] meta = [.. Field(1, "cfg"), .. Field(2, ""), .. Field(3, "default"), .. VarintField(7, 0),
            .. Field(11, [.. Field(1, "app"), .. Field(2, "web")])];
        byte[] configMap = [.. Field(1, meta), .. Field(2, [.. Field(1, "a"), .. Field(2, "b")])];
        var (status, body) = await SendAsync(cluster, HttpMethod.Post, "/api/v1/namespaces/default/configmaps", Envelope("v1", "ConfigMap", configMap));
        Assert.Equal(HttpStatusCode.Created, status);
        var created = System.Text.Json.Nodes.JsonNode.Parse(body)!;
        Assert.Equal("b", created.Str("data.a"));
        Assert.Equal("web", created.Str("metadata.labels.app"));
        Assert.Null(created.At("metadata.generateName"));
    }

    [Fact]
    public async Task An_unknown_non_empty_protobuf_field_is_refused_not_dropped()
    {
        await using var cluster = await TestCluster.StartAsync(SandboxSeed.None);
        byte[] configMap = [.. Field(1, Field(1, "cfg")), .. Field(42, "surprise")];
        var (status, body) = await SendAsync(cluster, HttpMethod.Post, "/api/v1/namespaces/default/configmaps", Envelope("v1", "ConfigMap", configMap));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, status);
        Assert.Contains("field 42 of ConfigMap", body, StringComparison.Ordinal);
        Assert.Empty(cluster.Server.Store.List(TrafficConsole.Sandbox.Api.ResourceCatalog.ConfigMaps, "default"));

        var (truncated, _) = await SendAsync(cluster, HttpMethod.Post, "/api/v1/namespaces/default/configmaps",
            [.. Envelope("v1", "ConfigMap", Field(1, Field(1, "cfg")))[..^3]]);
        Assert.Equal(HttpStatusCode.BadRequest, truncated);
    }

    [Fact]
    public async Task A_protobuf_DeleteOptions_body_is_understood()
    {
        await using var cluster = await TestCluster.StartAsync();
        byte[] options = [.. Field(2, [.. Field(2, "1")]), .. Field(4, "Background")];
        var (conflict, _) = await SendAsync(cluster, HttpMethod.Delete, "/api/v1/namespaces/bookinfo/services/reviews",
            Envelope("v1", "DeleteOptions", options));
        Assert.Equal(HttpStatusCode.Conflict, conflict);

        var (deleted, _) = await SendAsync(cluster, HttpMethod.Delete, "/api/v1/namespaces/bookinfo/services/reviews",
            Envelope("v1", "DeleteOptions", Field(4, "Background")));
        Assert.Equal(HttpStatusCode.OK, deleted);
        Assert.Null(cluster.Server.Store.Get(TrafficConsole.Sandbox.Api.ResourceCatalog.Services, "bookinfo", "reviews"));
    }
}
