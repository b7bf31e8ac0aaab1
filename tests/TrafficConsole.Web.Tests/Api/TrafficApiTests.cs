using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using TrafficConsole.Mesh.History;
using TrafficConsole.Web.Tests.Infrastructure;

namespace TrafficConsole.Web.Tests.Api;

/// <summary>The REST API over real HTTP against the sandbox. Each test works on its own service.</summary>
public sealed class TrafficApiTests(ConsoleHostFixture fixture) : IClassFixture<ConsoleHostFixture>
{
    private ConsoleTestHost Host => fixture.Host;

    [Fact]
    public async Task Services_list_shows_versions_and_the_split_replicas_imply_when_nothing_routes()
    {
        using HttpClient client = Host.CreateClient();

        (HttpResponseMessage response, JsonElement body) = await HttpJson.GetAsync(client, "api/v1/namespaces/shop/services");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonElement checkout = body.EnumerateArray().Single(s => s.GetProperty("name").GetString() == "checkout");
        Assert.Equal(["1.0", "2.0"], checkout.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("name").GetString()));
        Assert.Equal("None", checkout.GetProperty("traffic").GetProperty("kind").GetString());
        // 2 replicas of 1.0 and 1 of 2.0: two thirds / one third.
        Assert.Equal(new Dictionary<string, int> { ["1.0"] = 67, ["2.0"] = 33 }, HttpJson.Weights(checkout.GetProperty("traffic")));
        Assert.Contains(body.EnumerateArray(), s => s.GetProperty("name").GetString() == "catalog");
    }

    [Fact]
    public async Task Get_traffic_returns_the_live_split_and_its_revision()
    {
        using HttpClient client = Host.CreateClient();

        (HttpResponseMessage response, JsonElement body) = await HttpJson.GetAsync(client, "api/v1/namespaces/shop/services/catalog/traffic");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Split", body.GetProperty("kind").GetString());
        Dictionary<string, int> weights = HttpJson.Weights(body);
        Assert.Equal(90, weights["v1"]);
        Assert.Equal(10, weights["v2"]);
        Assert.False(string.IsNullOrEmpty(body.GetProperty("revision").GetString()));
    }

    [Theory]
    [InlineData("""{ "weights": { "v1": "\ud800", "v2": 10 } }""")]
    [InlineData("""{ "weights": { "\udc00": 50 } }""")]
    [InlineData("""{ "weights": { "v1": 100 }, "mirror": { "version": "\ud800x" } }""")]
    public async Task Put_with_an_unpaired_surrogate_escape_is_400_not_500(string json)
    {
        // Found by FuzzTests: JsonDocument decodes a string on first read, so "\ud800" threw outside the parse's try.
        using HttpClient client = Host.CreateClient();

        (HttpResponseMessage response, JsonElement body) = await HttpJson.PutAsync(client, "api/v1/namespaces/bookinfo/services/ratings/traffic", json);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("not valid JSON", body.GetProperty("errors").GetProperty("body")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Put_writes_the_virtual_service_and_destination_rule_with_the_weights()
    {
        using HttpClient client = Host.CreateClient();

        (HttpResponseMessage response, JsonElement body) = await HttpJson.PutAsync(client, "api/v1/namespaces/bookinfo/services/reviews/traffic",
            """{ "weights": { "v1": 70, "v2": 20, "v3": 10 } }""");

        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        Assert.Equal(new Dictionary<string, int> { ["v1"] = 70, ["v2"] = 20, ["v3"] = 10 }, HttpJson.Weights(body));
        string revision = body.GetProperty("revision").GetString()!;

        JsonElement vs = (await IstioObjects.VirtualServiceAsync(Host.Kubernetes, "bookinfo", "reviews"))!.Value;
        JsonElement dr = (await IstioObjects.DestinationRuleAsync(Host.Kubernetes, "bookinfo", "reviews"))!.Value;
        Assert.Equal(new Dictionary<string, int> { ["v1"] = 70, ["v2"] = 20, ["v3"] = 10 }, IstioObjects.CatchAllWeights(vs));
        Assert.Superset(new HashSet<string> { "v1", "v2", "v3" }, IstioObjects.Subsets(dr));
        Assert.Equal("anonymous@127.0.0.1", IstioObjects.Annotation(vs, "trafficconsole.io/changed-by"));

        // The revision just returned is current: a follow-up change based on it goes through.
        (HttpResponseMessage again, JsonElement againBody) = await HttpJson.PutAsync(client, "api/v1/namespaces/bookinfo/services/reviews/traffic",
            $$"""{ "revision": "{{revision}}", "weights": { "v1": 0, "v2": 50, "v3": 50 } }""");
        Assert.True(again.StatusCode == HttpStatusCode.OK, againBody.ToString());
        vs = (await IstioObjects.VirtualServiceAsync(Host.Kubernetes, "bookinfo", "reviews"))!.Value;
        Assert.Equal(50, IstioObjects.CatchAllWeights(vs)["v2"]);
        Assert.Equal(50, IstioObjects.CatchAllWeights(vs)["v3"]);

        (_, JsonElement read) = await HttpJson.GetAsync(client, "api/v1/namespaces/bookinfo/services/reviews/traffic");
        Assert.Equal(againBody.GetProperty("revision").GetString(), read.GetProperty("revision").GetString());
    }

    [Fact]
    public async Task Each_accepted_concurrent_put_answers_with_its_own_weights_and_the_revision_history_records_for_it()
    {
        var options = new ConsoleTestHostOptions();
        options.Settings["History:SettleDelay"] = "00:00:00.300";
        options.Settings["History:MaxRevisionsPerService"] = "200";
        options.Settings["Auth:WritesPerMinute"] = "1000";
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync(options);
        ConcurrentBag<(int V1, HttpStatusCode Status, JsonElement Body)> answers = [];

        // No revision in the body: every PUT that reaches the API server first is accepted, so accepted writes follow
        // each other closely and the cache often holds the next one by the time an answer is written.
        await Task.WhenAll(Enumerable.Range(0, 8).Select(client => Task.Run(async () =>
        {
            using HttpClient http = host.CreateClient();
            for (int attempt = 0; attempt < 6; attempt++)
            {
                int v1 = 1 + (client * 6) + attempt;
                (HttpResponseMessage response, JsonElement body) = await HttpJson.PutAsync(http, "api/v1/namespaces/bookinfo/services/reviews/traffic",
                    $$"""{ "weights": { "v1": {{v1}}, "v2": {{100 - v1}}, "v3": 0 } }""");
                answers.Add((v1, response.StatusCode, body));
            }
        })));

        Assert.All(answers, static a => Assert.True(a.Status is HttpStatusCode.OK or HttpStatusCode.Conflict, $"{a.Status}: {a.Body}"));
        var accepted = answers.Where(static a => a.Status == HttpStatusCode.OK).ToList();
        Assert.True(accepted.Count >= 8, $"only {accepted.Count} PUTs were accepted");
        foreach ((int v1, _, JsonElement body) in accepted)
        {
            Assert.Equal(new Dictionary<string, int> { ["v1"] = v1, ["v2"] = 100 - v1, ["v3"] = 0 }, HttpJson.Weights(body));
        }

        // And the revision in each answer is the one the history and the audit recorded for that very write.
        using HttpClient reader = host.CreateClient();
        foreach ((int v1, _, JsonElement body) in accepted)
        {
            string revision = body.GetProperty("revision").GetString()!;
            string id = RoutingRevision.IdOf("bookinfo", "reviews", revision);
            JsonElement recorded = default;
            DateTime deadline = DateTime.UtcNow.AddSeconds(20);
            while (true)
            {
                (_, JsonElement history) = await HttpJson.GetAsync(reader, "api/v1/namespaces/bookinfo/services/reviews/revisions");
                recorded = history.GetProperty("revisions").EnumerateArray().FirstOrDefault(r => r.GetProperty("id").GetString() == id);
                if (recorded.ValueKind == JsonValueKind.Object || DateTime.UtcNow > deadline)
                {
                    break;
                }

                await Task.Delay(50);
            }

            Assert.True(recorded.ValueKind == JsonValueKind.Object, $"the history has no revision {revision} (v1 {v1})");
            Assert.Equal(v1, HttpJson.Weights(recorded)["v1"]);
            Assert.Equal("Console", recorded.GetProperty("origin").GetString());
            (_, JsonElement audit) = await HttpJson.GetAsync(reader, "api/v1/namespaces/bookinfo/audit?service=reviews");
            JsonElement entry = audit.GetProperty("items").EnumerateArray().Single(e => e.GetProperty("revisionId").GetString() == id);
            Assert.Equal(v1, HttpJson.Weights(entry)["v1"]);
        }
    }

    [Fact]
    public async Task Put_with_a_mirror_writes_it_and_reads_it_back()
    {
        using HttpClient client = Host.CreateClient();

        (HttpResponseMessage response, JsonElement body) = await HttpJson.PutAsync(client, "api/v1/namespaces/shop/services/recommendation/traffic",
            """{ "weights": { "v1": 100, "v2": 0 }, "mirror": { "version": "v2", "percent": 10 } }""");

        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        Assert.Equal("v2", body.GetProperty("mirror").GetProperty("version").GetString());
        Assert.Equal(10, body.GetProperty("mirror").GetProperty("percent").GetDouble());
        JsonElement vs = (await IstioObjects.VirtualServiceAsync(Host.Kubernetes, "shop", "recommendation"))!.Value;
        Assert.Contains("mirror", vs.GetProperty("spec").GetProperty("http").ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Put_with_a_stale_revision_is_409_with_the_current_state_and_writes_nothing()
    {
        using HttpClient client = Host.CreateClient();
        (HttpResponseMessage created, JsonElement first) = await HttpJson.PutAsync(client, "api/v1/namespaces/shop/services/payment/traffic",
            """{ "weights": { "v1": 50, "v2": 50 } }""");
        Assert.True(created.StatusCode == HttpStatusCode.OK, first.ToString());
        string staleRevision = first.GetProperty("revision").GetString()!;

        // Someone else shifts traffic with kubectl.
        JsonElement vs = (await IstioObjects.VirtualServiceAsync(Host.Kubernetes, "shop", "payment"))!.Value;
        string patch = """[{"op":"replace","path":"/spec/http/0/route/0/weight","value":80},{"op":"replace","path":"/spec/http/0/route/1/weight","value":20}]""";
        (await Host.KubectlAsync("-n", "shop", "patch", "virtualservice", "payment", "--type=json", "-p", patch)).EnsureSuccess();
        string theirVersion = await WaitForNewResourceVersionAsync("shop", "payment", IstioObjects.ResourceVersion(vs));
        await WaitForRevisionChangeAsync(client, "shop", "payment", staleRevision);

        (HttpResponseMessage response, JsonElement body) = await HttpJson.PutAsync(client, "api/v1/namespaces/shop/services/payment/traffic",
            $$"""{ "revision": "{{staleRevision}}", "weights": { "v1": 10, "v2": 90 } }""");

        Assert.True(response.StatusCode == HttpStatusCode.Conflict, body.ToString());
        JsonElement current = body.GetProperty("current");
        Assert.NotEqual(staleRevision, current.GetProperty("revision").GetString());
        Dictionary<string, int> currentWeights = HttpJson.Weights(current);
        Assert.Equal(80, currentWeights["v1"]);
        Assert.Equal(20, currentWeights["v2"]);

        JsonElement after = (await IstioObjects.VirtualServiceAsync(Host.Kubernetes, "shop", "payment"))!.Value;
        Assert.Equal(theirVersion, IstioObjects.ResourceVersion(after));
        Assert.Equal(80, IstioObjects.CatchAllWeights(after)["v1"]);
    }

    public static TheoryData<string?, string> MalformedBodies => new()
    {
        { null, "body" },
        { "this is not json", "body" },
        { "[1, 2]", "body" },
        { """{ "revision": "x" }""", "weights" },
        { """{ "weights": [ 50, 50 ] }""", "weights" },
        { """{ "weights": { "v1": 30.5, "v2": 69.5 } }""", "weights[v1]" },
        { """{ "weights": { "v1": "30", "v2": 70 } }""", "weights[v1]" },
        { """{ "weights": { "v1": 100 }, "revision": 7 }""", "revision" },
        { """{ "weights": { "v1": 100 }, "mirror": { "percent": 10 } }""", "mirror.version" },
    };

    [Theory]
    [MemberData(nameof(MalformedBodies))]
    public async Task Put_with_a_malformed_body_is_400_naming_the_field(string? json, string field)
    {
        using HttpClient client = Host.CreateClient();
        string? before = await VirtualServiceVersionAsync("bookinfo", "details");

        (HttpResponseMessage response, JsonElement body) = await HttpJson.PutAsync(client, "api/v1/namespaces/bookinfo/services/details/traffic", json);

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, body.ToString());
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(body.GetProperty("errors").TryGetProperty(field, out _), $"errors should name '{field}': {body}");
        Assert.Equal(before, await VirtualServiceVersionAsync("bookinfo", "details"));
    }

    [Fact]
    public async Task Put_with_a_version_name_that_is_not_utf8_is_400_and_writes_nothing()
    {
        using HttpClient client = Host.CreateClient();
        string? before = await VirtualServiceVersionAsync("bookinfo", "details");
        // 0xC3 0x28 is not UTF-8 (a lead byte without its continuation); JSON text must be UTF-8 (RFC 8259).
        byte[] body = [.. "{ \"weights\": { \"v"u8, 0xC3, 0x28, .. "\": 100 } }"u8];

        using ByteArrayContent content = new(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        HttpResponseMessage response = await client.PutAsync(new Uri("api/v1/namespaces/bookinfo/services/details/traffic", UriKind.Relative), content);
        string text = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode} {text}");
        Assert.Contains("UTF-8", JsonDocument.Parse(text).RootElement.GetProperty("errors").GetProperty("body")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await VirtualServiceVersionAsync("bookinfo", "details"));
    }

    public static TheoryData<string, string, string> InvalidSplits => new()
    {
        { """{ "weights": { "v1": 50, "v2": 20, "v3": 10 } }""", "weights", "TC1002" },
        { """{ "weights": { "v1": 50, "v9": 50 } }""", "weights[v9]", "TC1004" },
        { """{ "weights": { "v1": -10, "v2": 110 } }""", "weights[v1]", "TC1001" },
        // The sum overflows an int: still a weight out of range, not a 500.
        { """{ "weights": { "v1": 2147483647, "v2": 1 } }""", "weights[v1]", "TC1001" },
        { """{ "weights": { "v1": -2147483648, "v2": -1 } }""", "weights[v1]", "TC1001" },
        { """{ "weights": { "v1": 100 }, "mirror": { "version": "v2", "percent": 150 } }""", "mirror.percent", "TC1006" },
    };

    [Theory]
    [MemberData(nameof(InvalidSplits))]
    public async Task Put_with_an_invalid_split_is_422_naming_the_field_and_writes_nothing(string json, string field, string code)
    {
        using HttpClient client = Host.CreateClient();
        string? before = await VirtualServiceVersionAsync("bookinfo", "ratings");

        (HttpResponseMessage response, JsonElement body) = await HttpJson.PutAsync(client, "api/v1/namespaces/shop/services/search/traffic", json);

        Assert.True(response.StatusCode == HttpStatusCode.UnprocessableEntity, body.ToString());
        Assert.True(body.GetProperty("errors").TryGetProperty(field, out _), $"errors should name '{field}': {body}");
        Assert.Contains(body.GetProperty("issues").EnumerateArray(), i => i.GetProperty("code").GetString() == code);
        Assert.Null(await IstioObjects.VirtualServiceAsync(Host.Kubernetes, "shop", "search"));
        Assert.Equal(before, await VirtualServiceVersionAsync("bookinfo", "ratings"));
    }

    [Theory]
    [InlineData("GET", "api/v1/namespaces/nowhere/services")]
    [InlineData("GET", "api/v1/namespaces/nowhere/services/reviews/traffic")]
    [InlineData("GET", "api/v1/namespaces/bookinfo/services/nothing/traffic")]
    [InlineData("PUT", "api/v1/namespaces/bookinfo/services/nothing/traffic")]
    [InlineData("DELETE", "api/v1/namespaces/bookinfo/services/nothing/traffic")]
    [InlineData("DELETE", "api/v1/namespaces/nowhere/services/reviews/traffic")]
    public async Task Unknown_namespace_or_service_is_404_problem(string method, string path)
    {
        using HttpClient client = Host.CreateClient();

        (HttpResponseMessage response, JsonElement body) = await HttpJson.SendAsync(client, new HttpMethod(method), path,
            method == "PUT" ? """{ "weights": { "v1": 100 } }""" : null);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(404, body.GetProperty("status").GetInt32());
        Assert.Contains(path.Contains("nowhere", StringComparison.Ordinal) ? "nowhere" : "nothing", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delete_refuses_a_stale_revision_then_removes_the_routing()
    {
        using HttpClient client = Host.CreateClient();
        (_, JsonElement before) = await HttpJson.GetAsync(client, "api/v1/namespaces/shop/services/cart/traffic");
        string revision = before.GetProperty("revision").GetString()!;
        Assert.NotNull(await IstioObjects.VirtualServiceAsync(Host.Kubernetes, "shop", "cart"));

        (HttpResponseMessage stale, JsonElement staleBody) = await HttpJson.DeleteAsync(client, "api/v1/namespaces/shop/services/cart/traffic?revision=vs:1,dr:1");
        Assert.True(stale.StatusCode == HttpStatusCode.Conflict, staleBody.ToString());
        Assert.NotNull(await IstioObjects.VirtualServiceAsync(Host.Kubernetes, "shop", "cart"));

        (HttpResponseMessage response, JsonElement body) = await HttpJson.DeleteAsync(client, $"api/v1/namespaces/shop/services/cart/traffic?revision={Uri.EscapeDataString(revision)}");

        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        Assert.Equal("None", body.GetProperty("kind").GetString());
        Assert.Null(await IstioObjects.VirtualServiceAsync(Host.Kubernetes, "shop", "cart"));
        Assert.Null(await IstioObjects.DestinationRuleAsync(Host.Kubernetes, "shop", "cart"));
    }

    private async Task<string?> VirtualServiceVersionAsync(string ns, string name) =>
        await IstioObjects.VirtualServiceAsync(Host.Kubernetes, ns, name) is { } vs ? IstioObjects.ResourceVersion(vs) : null;

    private async Task<string> WaitForNewResourceVersionAsync(string ns, string name, string old)
    {
        for (int i = 0; i < 100; i++)
        {
            if (await VirtualServiceVersionAsync(ns, name) is { } now && now != old)
            {
                return now;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"VirtualService {ns}/{name} did not change.");
    }

    private static async Task WaitForRevisionChangeAsync(HttpClient client, string ns, string service, string old)
    {
        for (int i = 0; i < 100; i++)
        {
            (_, JsonElement body) = await HttpJson.GetAsync(client, $"api/v1/namespaces/{ns}/services/{service}/traffic");
            if (body.GetProperty("revision").GetString() != old)
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"The console did not see the change of {ns}/{service}.");
    }
}

/// <summary><c>Cluster:WatchNamespaces</c> on the real host: the console follows and shows only those namespaces.</summary>
public sealed class WatchNamespacesApiTests
{
    [Fact]
    public async Task With_watch_namespaces_only_those_namespaces_are_listed_and_served()
    {
        ConsoleTestHostOptions options = new();
        options.Settings["Cluster:WatchNamespaces:0"] = "shop";
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync(options);
        using HttpClient client = host.CreateClient();

        (HttpResponseMessage listed, JsonElement namespaces) = await HttpJson.GetAsync(client, "api/v1/namespaces");
        (HttpResponseMessage shop, JsonElement services) = await HttpJson.GetAsync(client, "api/v1/namespaces/shop/services");
        (HttpResponseMessage bookinfo, _) = await HttpJson.GetAsync(client, "api/v1/namespaces/bookinfo/services/reviews/traffic");

        Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
        Assert.Equal(["shop"], namespaces.EnumerateArray().Select(static n => n.ValueKind == JsonValueKind.String ? n.GetString() : n.GetProperty("name").GetString()));
        Assert.Equal(HttpStatusCode.OK, shop.StatusCode);
        Assert.Contains(services.EnumerateArray(), static s => s.GetProperty("name").GetString() == "catalog");
        Assert.Equal(HttpStatusCode.NotFound, bookinfo.StatusCode);
    }
}
