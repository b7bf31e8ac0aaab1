using System.Net;
using System.Text.Json.Nodes;
using TrafficConsole.Sandbox.Tests.Infrastructure;

namespace TrafficConsole.Sandbox.Tests.Api;

public sealed class ValidationTests
{
    private const string VsPath = "/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices";

    private static string Vs(string name, string spec) =>
        $$"""{"apiVersion":"networking.istio.io/v1","kind":"VirtualService","metadata":{"name":"{{name}}"},"spec":{{spec}}}""";

    [Fact]
    public async Task A_name_that_is_not_DNS_1123_is_422_with_a_cause_on_metadata_name()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (status, body, _) = await cluster.PostAsync(VsPath, Vs("Bad_Name", """{"hosts":["reviews"]}"""));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal("Invalid", body.Str("reason"));
        Assert.StartsWith("VirtualService.networking.istio.io \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain",
            body.Str("message"), StringComparison.Ordinal);
        Assert.Equal("FieldValueInvalid", body.Str("details.causes[0].reason"));
        Assert.Equal("metadata.name", body.Str("details.causes[0].field"));
        Assert.Equal("VirtualService", body.Str("details.kind"));
        Assert.Empty((await cluster.GetAsync(VsPath)).Body["items"]!.AsArray());
    }

    [Fact]
    public async Task A_missing_name_is_422_required()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (status, body, _) = await cluster.PostAsync("/api/v1/namespaces/default/configmaps", """{"metadata":{}}""");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal("metadata.name", body.Str("details.causes[0].field"));
        Assert.Equal("FieldValueRequired", body.Str("details.causes[0].reason"));
        Assert.Contains("name or generateName is required", body.Str("message"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"hosts":["r"],"http":[{"route":[{"destination":{"host":"r"},"weight":"ten"}]}]}""", "spec.http[0].route[0].weight", "FieldValueTypeInvalid")]
    [InlineData("""{"hosts":["r"],"http":[{"route":[{"destination":{"host":"r"},"weight":12.5}]}]}""", "spec.http[0].route[0].weight", "FieldValueTypeInvalid")]
    [InlineData("""{"hosts":["r"],"http":[{"route":[{"destination":{"host":"r"},"weight":-5}]}]}""", "spec.http[0].route[0].weight", "FieldValueInvalid")]
    [InlineData("""{"hosts":"reviews"}""", "spec.hosts", "FieldValueTypeInvalid")]
    [InlineData("""{"hosts":["ok",7]}""", "spec.hosts[1]", "FieldValueTypeInvalid")]
    public async Task Wrong_types_in_an_Istio_spec_are_422_with_the_field_path(string spec, string field, string reason)
    {
        await using var cluster = await TestCluster.StartAsync();
        var (status, body, _) = await cluster.PostAsync(VsPath, Vs("reviews", spec));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        var cause = body.At("details.causes[0]")!;
        Assert.Equal(field, cause.Str("field"));
        Assert.Equal(reason, cause.Str("reason"));
        Assert.Contains(field, body.Str("message"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_updates_are_refused_too()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (status, body, _) = await cluster.SendAsync(HttpMethod.Patch, "/apis/networking.istio.io/v1/namespaces/shop/virtualservices/catalog",
            """[{"op":"replace","path":"/spec/http/0/route/0/weight","value":-1}]""", "application/json-patch+json");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal("spec.http[0].route[0].weight", body.Str("details.causes[0].field"));
        Assert.Equal("90", (await cluster.GetAsync("/apis/networking.istio.io/v1/namespaces/shop/virtualservices/catalog")).Body.Str("spec.http[0].route[0].weight"));
    }

    [Fact]
    public async Task A_body_that_is_not_JSON_is_400()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (status, body, _) = await cluster.PostAsync(VsPath, "{not json");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("BadRequest", body.Str("reason"));
    }

    [Fact]
    public async Task Invalid_UTF8_in_a_JSON_body_is_read_as_U_FFFD_like_the_API_servers_decoder_not_a_500()
    {
        await using var cluster = await TestCluster.StartAsync();
        byte[] body = [.. "{\"metadata\":{\"name\":\"utf8\"},\"data\":{\"k\":\"a"u8, 0xC3, 0x28, .. "\"}}"u8];
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");

        using var response = await cluster.Http.PostAsync("/api/v1/namespaces/default/configmaps", content);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("a\uFFFD(", (await cluster.GetAsync("/api/v1/namespaces/default/configmaps/utf8")).Body.Str("data.k"));
    }

    [Theory]
    [InlineData("application/json", """{"metadata":{"name":"dup"},"data":{"k":"v"},"data":{"k":"w"}}""")]
    [InlineData("application/merge-patch+json", """{"metadata":{"labels":{"a":"b"},"labels":{"a":"c"}}}""")]
    [InlineData("application/json", """{"metadata":{"name":"surrogate","labels":{"app":"\ud800"}}}""")]
    [InlineData("application/merge-patch+json", """{"spec":"\udc00x"}""")]
    public async Task A_field_given_twice_or_a_lone_surrogate_is_400_not_500(string contentType, string body)
    {
        await using var cluster = await TestCluster.StartAsync();
        var method = contentType == "application/json" ? HttpMethod.Post : HttpMethod.Patch;
        var path = contentType == "application/json" ? "/api/v1/namespaces/default/configmaps" : "/apis/networking.istio.io/v1/namespaces/shop/virtualservices/catalog";

        var (status, answer, _) = await cluster.SendAsync(method, path, body, contentType);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("error decoding body", answer.Str("message"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_YAML_number_too_large_for_JSON_is_400_not_500()
    {
        await using var cluster = await TestCluster.StartAsync();

        var (status, answer, _) = await cluster.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/configmaps",
            "metadata: {name: inf}\ndata: 1e400\n", "application/yaml");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("unsupported value: +Inf", answer.Str("message"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_kind_that_does_not_match_the_path_is_400()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (status, body, _) = await cluster.PostAsync(VsPath,
            """{"apiVersion":"networking.istio.io/v1","kind":"DestinationRule","metadata":{"name":"x"}}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("DestinationRule", body.Str("message"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unsupported_fieldValidation_value_is_400_and_valid_ones_are_accepted()
    {
        await using var cluster = await TestCluster.StartAsync();
        Assert.Equal(HttpStatusCode.BadRequest, (await cluster.PostAsync(VsPath + "?fieldValidation=Loose", Vs("a", "{}"))).Status);
        Assert.Equal(HttpStatusCode.Created, (await cluster.PostAsync(VsPath + "?fieldValidation=Strict", Vs("a", "{}"))).Status);
        Assert.Equal(HttpStatusCode.Created, (await cluster.PostAsync(VsPath + "?fieldValidation=Warn", Vs("b", "{}"))).Status);
    }

    [Fact]
    public async Task DryRun_answers_like_a_write_but_stores_nothing()
    {
        await using var cluster = await TestCluster.StartAsync();
        var rv = cluster.Server.Store.ResourceVersion;
        var (created, body, _) = await cluster.PostAsync(VsPath + "?dryRun=All", Vs("dry", """{"hosts":["r"]}"""));
        Assert.Equal(HttpStatusCode.Created, created);
        Assert.Equal("dry", body.Str("metadata.name"));
        Assert.False(string.IsNullOrEmpty(body.Str("metadata.uid")));
        Assert.Equal(HttpStatusCode.NotFound, (await cluster.GetAsync(VsPath + "/dry")).Status);

        const string catalog = "/apis/networking.istio.io/v1/namespaces/shop/virtualservices/catalog";
        var (patched, patchedBody, _) = await cluster.SendAsync(HttpMethod.Patch, catalog + "?dryRun=All", """{"spec":{"gateways":["mesh"]}}""", "application/merge-patch+json");
        Assert.Equal(HttpStatusCode.OK, patched);
        Assert.Equal("mesh", patchedBody.Str("spec.gateways[0]"));
        Assert.Null((await cluster.GetAsync(catalog)).Body.At("spec.gateways"));

        var current = (await cluster.GetAsync(catalog)).Body;
        current["spec"]!["hosts"] = new JsonArray("x");
        Assert.Equal(HttpStatusCode.OK, (await cluster.SendAsync(HttpMethod.Put, catalog + "?dryRun=All", current.ToJsonString())).Status);
        Assert.Equal(HttpStatusCode.OK, (await cluster.SendAsync(HttpMethod.Delete, catalog + "?dryRun=All")).Status);
        Assert.Equal("catalog.shop.svc.cluster.local", (await cluster.GetAsync(catalog)).Body.Str("spec.hosts[0]"));

        // Invalid objects fail a dry run as they would fail a real write.
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await cluster.PostAsync(VsPath + "?dryRun=All", Vs("Bad", "{}"))).Status);
        Assert.Equal(rv, cluster.Server.Store.ResourceVersion);
    }
}
