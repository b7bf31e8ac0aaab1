using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

using TrafficConsole.Web.Tests.Infrastructure;

namespace TrafficConsole.Web.Tests.Api;

/// <summary>GET/PUT <c>/api/v1/namespaces/{ns}/services/{svc}/routing</c> over real HTTP: the rule editor for scripts.</summary>
public sealed class RoutingApiTests(ConsoleHostFixture fixture) : IClassFixture<ConsoleHostFixture>
{
    private ConsoleTestHost Host => fixture.Host;

    [Fact]
    public async Task A_get_edit_put_changes_only_the_edit_and_keeps_the_foreign_rule()
    {
        using HttpClient client = Host.CreateClient();
        (HttpResponseMessage get, JsonElement routing) = await HttpJson.GetAsync(client, "api/v1/namespaces/shop/services/cart/routing");
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal("testers", routing.GetProperty("intent").GetProperty("rules")[0].GetProperty("name").GetString());
        Assert.Equal("Header", routing.GetProperty("intent").GetProperty("rules")[0].GetProperty("matches")[0].GetProperty("conditions")[0].GetProperty("field").GetString());

        // Everyone else now goes to v2.
        JsonObject body = new()
        {
            ["revision"] = routing.GetProperty("revision").GetString(),
            ["intent"] = JsonNode.Parse(routing.GetProperty("intent").GetRawText()),
        };
        body["intent"]!["defaultRoute"]!["destinations"] = JsonNode.Parse("""{ "weights": [ { "version": "v2", "weight": 100 } ] }""");
        (HttpResponseMessage put, JsonElement after) = await HttpJson.PutAsync(client, "api/v1/namespaces/shop/services/cart/routing", body.ToJsonString());

        Assert.True(put.StatusCode == HttpStatusCode.OK, after.ToString());
        JsonElement http = (await IstioObjects.VirtualServiceAsync(Host.Kubernetes, "shop", "cart"))!.Value.GetProperty("spec").GetProperty("http");
        Assert.Equal("testers", http[0].GetProperty("name").GetString());
        Assert.Equal("testers", http[0].GetProperty("match")[0].GetProperty("headers").GetProperty("x-user-group").GetProperty("exact").GetString());
        Assert.Equal("v2", http[1].GetProperty("route")[0].GetProperty("destination").GetProperty("subset").GetString());

        // The same body again is based on the old revision: 409, nothing written.
        (HttpResponseMessage stale, _) = await HttpJson.PutAsync(client, "api/v1/namespaces/shop/services/cart/routing", body.ToJsonString());
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
    }

    [Fact]
    public async Task Each_accepted_concurrent_put_answers_with_the_routing_it_wrote_not_a_later_one()
    {
        var options = new ConsoleTestHostOptions();
        options.Settings["Auth:WritesPerMinute"] = "1000";
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync(options);
        ConcurrentBag<(int V1, HttpStatusCode Status, JsonElement Body)> answers = [];

        await Task.WhenAll(Enumerable.Range(0, 8).Select(client => Task.Run(async () =>
        {
            using HttpClient http = host.CreateClient();
            // Six PUTs each; a client none of whose six was accepted (all raced others, 409) keeps trying with fresh weights,
            // so at least one PUT per client is accepted however the machine schedules them.
            bool accepted = false;
            for (int attempt = 0; attempt < 6 || (!accepted && attempt < 12); attempt++)
            {
                int v1 = attempt < 6 ? 1 + (client * 6) + attempt : 49 + (client * 6) + (attempt - 6);
                string body = $$"""
                    { "intent": { "defaultRoute": { "destinations": { "weights": [ { "version": "v1", "weight": {{v1}} }, { "version": "v2", "weight": {{100 - v1}} } ] } } } }
                    """;
                (HttpResponseMessage response, JsonElement answer) = await HttpJson.PutAsync(http, "api/v1/namespaces/bookinfo/services/reviews/routing", body);
                answers.Add((v1, response.StatusCode, answer));
                accepted |= response.StatusCode == HttpStatusCode.OK;
            }
        })));

        Assert.All(answers, static a => Assert.True(a.Status is HttpStatusCode.OK or HttpStatusCode.Conflict, $"{a.Status}: {a.Body}"));
        var accepted = answers.Where(static a => a.Status == HttpStatusCode.OK).ToList();
        Assert.True(accepted.Count >= 8, $"only {accepted.Count} PUTs were accepted");
        Assert.All(accepted, static a =>
        {
            JsonElement weights = a.Body.GetProperty("intent").GetProperty("defaultRoute").GetProperty("destinations").GetProperty("weights");
            Assert.Equal(a.V1, weights.EnumerateArray().Single(static w => w.GetProperty("version").GetString() == "v1").GetProperty("weight").GetInt32());
        });
        Assert.Equal(accepted.Count, accepted.Select(static a => a.Body.GetProperty("revision").GetString()).Distinct().Count());
    }

    [Fact]
    public async Task An_invalid_intent_is_422_naming_the_field_and_a_shapeless_body_is_400()
    {
        using HttpClient client = Host.CreateClient();
        const string invalidBody = """
            { "intent": { "rules": [ { "matches": [ { "conditions": [ { "field": "Header", "operator": "Regex", "key": "end-user", "value": "(a)\\1" } ] } ],
                                       "destinations": { "weights": [ { "version": "v2", "weight": 100 } ] } } ],
                          "defaultRoute": { "destinations": { "weights": [ { "version": "v1", "weight": 100 } ] } } } }
            """;

        (HttpResponseMessage invalid, JsonElement problem) = await HttpJson.PutAsync(client, "api/v1/namespaces/shop/services/payment/routing", invalidBody);
        (HttpResponseMessage shapeless, _) = await HttpJson.PutAsync(client, "api/v1/namespaces/shop/services/payment/routing", """{ "revision": "x" }""");
        (HttpResponseMessage missing, _) = await HttpJson.GetAsync(client, "api/v1/namespaces/shop/services/nope/routing");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, invalid.StatusCode);
        Assert.True(problem.GetProperty("errors").TryGetProperty("rules[0].matches[0].conditions[0].value", out _), problem.ToString());
        Assert.Equal(HttpStatusCode.BadRequest, shapeless.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Null(await IstioObjects.VirtualServiceAsync(Host.Kubernetes, "shop", "payment"));
    }
}
