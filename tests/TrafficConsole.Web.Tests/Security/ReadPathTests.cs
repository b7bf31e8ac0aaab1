using System.Collections.Immutable;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

using k8s;
using k8s.Models;

using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace TrafficConsole.Web.Tests.Security;

/// <summary>
/// Every REST read, found by enumerating the endpoint data source (so a read added later is covered): a user the cluster
/// lets read nothing, and an operator of bookinfo, see only what the sandbox's real RBAC lets them read; everything else is
/// refused with 403 and the cluster's reason, and the cross-namespace lists (namespaces, rollouts, CSV) leave it out.
/// </summary>
public sealed class ReadPathTests
{
    // The reads that span namespaces filter instead of refusing; one added later must be added here (and filter).
    private static readonly string[] ExpectedCrossNamespaceReads = ["/api/v1/namespaces", "/api/v1/rollouts"];

    [Fact]
    public async Task A_user_without_rbac_is_refused_every_namespace_read_and_the_lists_show_nothing()
    {
        await using ConsoleTestHost host = await SecurityHosts.TokenAsync();
        using HttpClient client = host.BearerClient(SecurityHosts.StrangerToken);

        foreach (string ns in new[] { "bookinfo", "shop" })
        {
            foreach (string path in NamespaceReads(host, ns))
            {
                await AssertRefusedAsync(client, path, SecurityHosts.Stranger, ns);
            }
        }

        (HttpResponseMessage namespaces, JsonElement list) = await HttpJson.GetAsync(client, "api/v1/namespaces");
        Assert.Equal(HttpStatusCode.OK, namespaces.StatusCode);
        Assert.Equal(0, list.GetArrayLength());
        (HttpResponseMessage rollouts, JsonElement items) = await HttpJson.GetAsync(client, "api/v1/rollouts");
        Assert.Equal(HttpStatusCode.OK, rollouts.StatusCode);
        Assert.Equal(0, items.GetProperty("items").GetArrayLength());
        string csv = await client.GetStringAsync(new Uri("api/v1/rollouts?format=csv", UriKind.Relative));
        Assert.Single(csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries));
        await AssertRefusedAsync(client, "api/v1/rollouts?namespace=bookinfo", SecurityHosts.Stranger, "bookinfo");
        await AssertRefusedAsync(client, "api/v1/rollouts?namespace=shop&format=csv", SecurityHosts.Stranger, "shop");
    }

    [Fact]
    public async Task An_operator_of_bookinfo_reads_bookinfo_and_is_refused_shop_on_every_read()
    {
        // With telemetry, so the telemetry read answers 200 for a namespace the operator may read (503 says nothing of RBAC).
        await using ConsoleTestHost host = await SecurityHosts.TokenAsync(static o => o.SandboxTelemetry = true);
        await host.MakeBookinfoOperatorAsync();
        using HttpClient client = host.BearerClient(SecurityHosts.BookinfoOperatorToken);
        // A rollout of the operator's own in bookinfo (shop's cart is rule-routed in the seed): both namespaces have one.
        (HttpResponseMessage put, JsonElement written) = await HttpJson.PutAsync(client, "api/v1/namespaces/bookinfo/services/reviews/traffic", """{ "weights": { "v1": 80, "v2": 20 } }""");
        Assert.True(put.StatusCode == HttpStatusCode.OK, written.ToString());

        ImmutableArray<string> shop = [.. NamespaceReads(host, "shop")];
        Assert.NotEmpty(shop);
        foreach (string path in shop)
        {
            await AssertRefusedAsync(client, path, SecurityHosts.BookinfoOperator, "shop");
        }

        // The same endpoints answer for bookinfo: the gate refuses what RBAC refuses, not everything.
        foreach (string path in NamespaceReads(host, "bookinfo"))
        {
            HttpResponseMessage response = await client.GetAsync(new Uri(path, UriKind.Relative));
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        // Every read that spans namespaces lists bookinfo and leaves shop out (JSON and the CSV export alike).
        Assert.Equal(ExpectedCrossNamespaceReads, CrossNamespaceReads(host));
        foreach (string path in new[] { "api/v1/namespaces", "api/v1/rollouts", "api/v1/rollouts?format=csv" })
        {
            HttpResponseMessage response = await client.GetAsync(new Uri(path, UriKind.Relative));
            string body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {body}");
            Assert.Contains("bookinfo", body, StringComparison.Ordinal);
            Assert.DoesNotContain("shop", body, StringComparison.Ordinal);
        }

        await AssertRefusedAsync(client, "api/v1/rollouts?namespace=shop", SecurityHosts.BookinfoOperator, "shop");
        await AssertRefusedAsync(client, "api/v1/rollouts?namespace=shop&format=csv", SecurityHosts.BookinfoOperator, "shop");

        // The admin, who may read everything, still gets both namespaces: nothing is filtered that RBAC allows.
        using HttpClient admin = host.BearerClient(host.AdminToken);
        string all = await admin.GetStringAsync(new Uri("api/v1/rollouts?format=csv", UriKind.Relative));
        Assert.Contains("shop", all, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reading_history_and_audit_needs_the_right_to_list_the_revision_configmaps()
    {
        await using ConsoleTestHost host = await SecurityHosts.TokenAsync();
        await host.Kubernetes.RbacAuthorizationV1.CreateNamespacedRoleAsync(
            new V1Role
            {
                Metadata = new V1ObjectMeta { Name = "routing-reader", NamespaceProperty = "bookinfo" },
                Rules =
                [
                    new V1PolicyRule { ApiGroups = ["networking.istio.io"], Resources = ["virtualservices", "destinationrules"], Verbs = ["get", "list", "watch"] },
                    new V1PolicyRule { ApiGroups = [""], Resources = ["services"], Verbs = ["get", "list", "watch"] },
                ],
            },
            "bookinfo");
        await host.GrantAsync(SecurityHosts.Stranger, "bookinfo", "routing-reader");
        using HttpClient client = host.BearerClient(SecurityHosts.StrangerToken);
        using HttpClient admin = host.BearerClient(host.AdminToken);
        (HttpResponseMessage put, JsonElement written) = await HttpJson.PutAsync(admin, "api/v1/namespaces/bookinfo/services/reviews/traffic", """{ "weights": { "v1": 80, "v2": 20 } }""");
        Assert.True(put.StatusCode == HttpStatusCode.OK, written.ToString());

        (HttpResponseMessage traffic, _) = await HttpJson.GetAsync(client, "api/v1/namespaces/bookinfo/services/reviews/traffic");
        Assert.Equal(HttpStatusCode.OK, traffic.StatusCode);
        foreach (string path in new[] { "api/v1/namespaces/bookinfo/services/reviews/revisions", "api/v1/namespaces/bookinfo/audit" })
        {
            (HttpResponseMessage response, JsonElement problem) = await HttpJson.GetAsync(client, path);
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"GET {path}: {(int)response.StatusCode} {problem}");
            string detail = problem.GetProperty("detail").GetString()!;
            Assert.Contains("may not read the history of namespace bookinfo", detail, StringComparison.Ordinal);
            Assert.Contains($"{SecurityHosts.Stranger} may not list configmaps in namespace bookinfo", detail, StringComparison.Ordinal);
        }

        // The rollouts overview shows the routing but not what only the history knows (who, when, how, since when).
        (_, JsonElement adminRows) = await HttpJson.GetAsync(admin, "api/v1/rollouts?namespace=bookinfo");
        Assert.Equal("sandbox-admin", adminRows.GetProperty("items")[0].GetProperty("lastChangedBy").GetString());
        (HttpResponseMessage rollouts, JsonElement rows) = await HttpJson.GetAsync(client, "api/v1/rollouts?namespace=bookinfo");
        Assert.Equal(HttpStatusCode.OK, rollouts.StatusCode);
        JsonElement row = Assert.Single(rows.GetProperty("items").EnumerateArray());
        Assert.Equal("reviews", row.GetProperty("service").GetString());
        foreach (string historyOnly in new[] { "lastChangedBy", "lastChangedAt", "lastOrigin", "inFlightSince" })
        {
            Assert.Equal(JsonValueKind.Null, row.GetProperty(historyOnly).ValueKind);
        }

        Assert.DoesNotContain("sandbox-admin", await client.GetStringAsync(new Uri("api/v1/rollouts?format=csv", UriKind.Relative)), StringComparison.Ordinal);
    }

    private static async Task AssertRefusedAsync(HttpClient client, string path, string user, string ns)
    {
        (HttpResponseMessage response, JsonElement problem) = await HttpJson.GetAsync(client, path);
        Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"GET {path} as {user}: {(int)response.StatusCode} {problem}");
        string detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains($"in namespace {ns}", detail, StringComparison.Ordinal);
        Assert.Contains($"{user} may not list", detail, StringComparison.Ordinal);
    }

    private static IEnumerable<RouteEndpoint> RestReads(ConsoleTestHost host) =>
        host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(static e => e.RoutePattern.RawText?.StartsWith("/api/", StringComparison.Ordinal) == true)
            .Where(static e => e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods.Contains("GET") == true);

    // Every GET whose route names a namespace, filled with a service of that namespace.
    private static IEnumerable<string> NamespaceReads(ConsoleTestHost host, string ns) =>
        RestReads(host).Select(static e => e.RoutePattern.RawText!)
            .Where(static p => p.Contains("{ns}", StringComparison.Ordinal))
            .Select(p => Regex.Replace(p.TrimStart('/'), @"\{(\w+)[^}]*\}", m => m.Groups[1].Value switch
            {
                "ns" => ns,
                "svc" => ns == "shop" ? "catalog" : "reviews",
                _ => "x",
            }));

    private static string[] CrossNamespaceReads(ConsoleTestHost host) =>
        [.. RestReads(host).Select(static e => e.RoutePattern.RawText!).Where(static p => !p.Contains("{ns}", StringComparison.Ordinal)).Order(StringComparer.Ordinal)];
}
