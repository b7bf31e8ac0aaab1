using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using TrafficConsole.Sandbox.Tests.Infrastructure;

namespace TrafficConsole.Sandbox.Tests.Api;

/// <summary>Runs alone, so that the process's allocation counter measures only the request under test.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MeasuredAlone
{
    public const string Name = "Measured";
}

/// <summary>
/// Bodies that attack the parser (alias bombs, 50,000 levels of nesting) and objects over the API server's size limits:
/// refused with a 4xx Status that names the limit, at once, without the memory of the expansion, storing nothing.
/// The sandbox runs inside the console's process, so a crash here would take the console with it.
/// </summary>
[Collection(MeasuredAlone.Name)]
public sealed class ParserLimitTests
{
    private const long MaxGrowthBytes = 50L * 1024 * 1024;

    private const string SsarPath = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";
    private const string ConfigMapPath = "/api/v1/namespaces/default/configmaps";
    private const string VirtualServicePath = "/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices";

    public static TheoryData<string, string> Hostile => new()
    {
        { SsarPath, "yaml-bomb" }, { SsarPath, "yaml-deep" }, { SsarPath, "json-deep" },
        { ConfigMapPath, "yaml-bomb" }, { ConfigMapPath, "yaml-deep" }, { ConfigMapPath, "json-deep" },
        { VirtualServicePath, "yaml-bomb" }, { VirtualServicePath, "yaml-deep" }, { VirtualServicePath, "json-deep" },
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public async Task A_hostile_create_is_400_naming_the_limit_quickly_cheaply_and_stores_nothing(string path, string shape)
    {
        await using var cluster = await TestCluster.StartAsync();
        var (kind, apiVersion) = path switch
        {
            SsarPath => ("SelfSubjectAccessReview", "authorization.k8s.io/v1"),
            ConfigMapPath => ("ConfigMap", "v1"),
            _ => ("VirtualService", "networking.istio.io/v1"),
        };
        var (body, contentType) = shape switch
        {
            "yaml-bomb" => (HostileInput.AliasBomb("hostile", "default").Replace("apiVersion: v1\nkind: ConfigMap", $"apiVersion: {apiVersion}\nkind: {kind}", StringComparison.Ordinal), "application/yaml"),
            "yaml-deep" => ($"apiVersion: {apiVersion}\nkind: {kind}\nmetadata: {{name: hostile}}\nspec: {HostileInput.NestedLists()}\n", "application/yaml"),
            _ => (HostileInput.DeepObjectJson(apiVersion, kind, "hostile", "default"), "application/json"),
        };
        var before = (await cluster.GetAsync(path == SsarPath ? ConfigMapPath : path)).Body["items"]!.AsArray().Count;

        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        var (status, answer, _) = await cluster.SendAsync(HttpMethod.Post, path, body, contentType);
        clock.Stop();
        allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("BadRequest", answer.Str("reason"));
        Assert.Contains(shape == "yaml-bomb" ? "alias limit exceeded" : shape == "yaml-deep" ? "nesting limit exceeded" : "depth of 64", answer.Str("message"), StringComparison.Ordinal);
        Assert.True(allocated < MaxGrowthBytes, $"Refusing the {shape} allocated {allocated:N0} bytes.");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"Refusing the {shape} took {clock.Elapsed}.");
        Assert.Equal(before, (await cluster.GetAsync(path == SsarPath ? ConfigMapPath : path)).Body["items"]!.AsArray().Count);
        Assert.Equal(HttpStatusCode.OK, (await cluster.GetAsync("/version")).Status);
    }

    [Fact]
    public async Task An_alias_bomb_in_a_server_side_apply_is_400()
    {
        await using var cluster = await TestCluster.StartAsync();

        var (status, answer, _) = await cluster.SendAsync(HttpMethod.Patch, $"{ConfigMapPath}/hostile?fieldManager=kubectl",
            HostileInput.AliasBomb("hostile", "default"), "application/apply-patch+yaml");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith("error converting YAML to JSON: yaml: line ", answer.Str("message"), StringComparison.Ordinal);
        Assert.Contains("alias limit exceeded", answer.Str("message"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await cluster.GetAsync($"{ConfigMapPath}/hostile")).Status);
    }

    [Theory]
    [InlineData("a: &x [*x]", "is inside the node &x it names")]
    [InlineData("{[a]: b}", "unsupported map key")]
    [InlineData("a: 1\na: 2", "Duplicate key")]
    [InlineData("fuzz", "error converting YAML to JSON")]
    public async Task Yaml_that_is_no_JSON_object_is_400_not_500(string yaml, string message)
    {
        await using var cluster = await TestCluster.StartAsync();
        // Found by FuzzTests: YamlDotNet threw an ArgumentException ("unsupported type"), a 500.
        yaml = yaml == "fuzz" ? Encoding.UTF8.GetString(Convert.FromBase64String("OiAqbAo/IDogcGlWZXJzXX1pCmxpc3RbICA6IGs6IHYKID4tCiAgLCAyXQpvJz8geyEhc3RyICIhIWJpbmFyeSAqYSB9LSAtLS0gCmZ1enoKIH0iaGVyOiAq")) : yaml;

        var (status, answer, _) = await cluster.SendAsync(HttpMethod.Post, ConfigMapPath, yaml, "application/yaml");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(message, answer.Str("message"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_body_over_3_MiB_is_413_with_the_API_servers_words_chunked_or_not(bool chunked)
    {
        await using var cluster = await TestCluster.StartAsync();
        var json = $$$"""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"big"},"data":{"a":"{{{new string('x', 3 * 1024 * 1024)}}}"}}""";
        using var request = new HttpRequestMessage(HttpMethod.Post, ConfigMapPath)
        {
            Content = chunked ? new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(json))) : new StringContent(json, Encoding.UTF8),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TransferEncodingChunked = chunked;

        using var response = await cluster.Http.SendAsync(request);
        var answer = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("RequestEntityTooLarge", answer.Str("reason"));
        Assert.Equal("Request entity too large: limit is 3145728", answer.Str("message"));
        Assert.Equal(HttpStatusCode.NotFound, (await cluster.GetAsync($"{ConfigMapPath}/big")).Status);
    }

    [Fact]
    public async Task ConfigMap_data_over_1_MiB_is_422_like_the_API_servers_validation()
    {
        await using var cluster = await TestCluster.StartAsync();
        var json = $$$"""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"big"},"data":{"a":"{{{new string('x', 1024 * 1024)}}}"}}""";

        var (status, answer, _) = await cluster.PostAsync(ConfigMapPath, json);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal("ConfigMap \"big\" is invalid: []: Too long: may not be more than 1048576 bytes", answer.Str("message"));
        Assert.Equal(HttpStatusCode.NotFound, (await cluster.GetAsync($"{ConfigMapPath}/big")).Status);
    }

    [Fact]
    public async Task An_object_over_etcds_limit_is_refused_with_etcds_words_and_not_stored_nor_kept_on_update()
    {
        await using var cluster = await TestCluster.StartAsync();
        const string catalog = "/apis/networking.istio.io/v1/namespaces/shop/virtualservices/catalog";
        var hostsBefore = (await cluster.GetAsync(catalog)).Body.At("spec.hosts")!.ToJsonString();
        var host = new string('a', 2 * 1024 * 1024);
        var big = $$$"""{"apiVersion":"networking.istio.io/v1","kind":"VirtualService","metadata":{"name":"big"},"spec":{"hosts":["reviews","{{{host}}}"]}}""";

        var (status, answer, _) = await cluster.PostAsync(VirtualServicePath, big);
        var (patched, _, _) = await cluster.SendAsync(HttpMethod.Patch, catalog,
            $$$"""{"spec":{"hosts":["catalog","{{{host}}}"]}}""", "application/merge-patch+json");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Equal("RequestEntityTooLarge", answer.Str("reason"));
        Assert.Equal("etcdserver: request is too large", answer.Str("message"));
        Assert.Equal(HttpStatusCode.NotFound, (await cluster.GetAsync($"{VirtualServicePath}/big")).Status);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, patched);
        Assert.Equal(hostsBefore, (await cluster.GetAsync(catalog)).Body.At("spec.hosts")!.ToJsonString());
    }
}
