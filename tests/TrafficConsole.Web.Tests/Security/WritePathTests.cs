using System.Collections.Immutable;
using System.Net;
using System.Reflection;
using System.Text.Json;

using k8s;

using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

using TrafficConsole.Cluster.Identity;
using TrafficConsole.Mesh.Routing;
using TrafficConsole.Web.Hubs;
using TrafficConsole.Web.Model;
using TrafficConsole.Web.Services;

namespace TrafficConsole.Web.Tests.Security;

/// <summary>
/// Every write path, found by enumeration (REST endpoints from the endpoint data source, service-layer writes and hub
/// methods by reflection), so paths added later are covered: a viewer is refused on each, and nothing changes in the cluster.
/// The viewer is a real sandbox user whose Roles let it read and not write: the cluster's RBAC answers, the console's gates refuse.
/// </summary>
public sealed class WritePathTests
{
    private const string Viewer = SecurityHosts.Viewer;

    [Theory]
    [MemberData(nameof(HardeningTests.PathSpellings), MemberType = typeof(HardeningTests))]
    public async Task A_viewer_is_refused_with_403_and_the_reason_on_every_rest_write_endpoint_and_nothing_changes(string prefix)
    {
        await using ConsoleTestHost host = await SecurityHosts.TokenAsync();
        using HttpClient client = host.BearerClient(SecurityHosts.ViewerToken);
        string before = await RoutingResourcesAsync(host);

        ImmutableArray<(string Method, string Path)> writes = [.. RestWrites(host)];
        Assert.NotEmpty(writes);
        foreach ((string method, string pattern) in writes)
        {
            // Routing ignores case, so the gate must too; "{}" would be a 400 if the body were read before the gate.
            string path = prefix + pattern["/api/v1".Length..];
            (HttpResponseMessage response, JsonElement problem) = await HttpJson.SendAsync(client, new HttpMethod(method), path, "{}");

            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{method} {path}: {(int)response.StatusCode} {problem}");
            Assert.Contains($"{Viewer} may not", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(before, await RoutingResourcesAsync(host));
    }

    [Fact]
    public async Task A_viewer_is_refused_by_every_service_layer_write_and_nothing_changes()
    {
        await using ConsoleTestHost host = await SecurityHosts.TokenAsync();
        ITrafficService traffic = host.Traffic;
        ChangeContext viewer = new(Viewer) { As = ClusterIdentity.WithToken(Viewer, ["system:authenticated"], SecurityHosts.ViewerToken) };
        ServiceRouting routing = traffic.GetRouting("shop", "catalog")!;
        string before = await RoutingResourcesAsync(host);

        // Each write of the service layer with a change it would otherwise make: pages and REST both come through here.
        Dictionary<string, Func<Task<ChangeOutcome>>> writes = new(StringComparer.Ordinal)
        {
            [nameof(ITrafficService.ApplyAsync)] = () => traffic.ApplyAsync("shop", "catalog", new TrafficDraft([new WeightShare("v1", 50), new WeightShare("v2", 50)], null), null, viewer),
            [nameof(ITrafficService.ApplyRoutingAsync)] = () => traffic.ApplyRoutingAsync("shop", "catalog", routing.Intent with { Rules = [], DefaultRoute = new RouteRule { Destinations = new TrafficSplit([new VersionWeight("v2", 100)]) } }, null, viewer),
            [nameof(ITrafficService.ApplyYamlAsync)] = () => traffic.ApplyYamlAsync("shop", "catalog", new YamlDraft(routing.VirtualServiceYaml!.Replace("weight: 90", "weight: 70", StringComparison.Ordinal).Replace("weight: 10", "weight: 30", StringComparison.Ordinal), routing.DestinationRuleYaml ?? string.Empty), null, viewer),
            [nameof(ITrafficService.DeleteRoutingAsync)] = () => traffic.DeleteRoutingAsync("shop", "catalog", null, viewer),
            [nameof(ITrafficService.RollbackAsync)] = () => traffic.RollbackAsync("shop", "catalog", RollbackTarget.Stable, null, viewer),
            [nameof(ITrafficService.MarkStableAsync)] = () => traffic.MarkStableAsync("shop", "catalog", "v2", null, viewer),
            [nameof(ITrafficService.PromoteAsync)] = () => traffic.PromoteAsync("shop", "catalog", "v2", null, viewer),
            [nameof(ITrafficService.RollbackNamespaceAsync)] = async () =>
            {
                NamespaceRollbackResult result = await traffic.RollbackNamespaceAsync(traffic.PlanNamespaceRollback("shop"), viewer);
                Assert.NotEmpty(result.Outcomes);
                Assert.All(result.Outcomes, static o => Assert.IsType<ChangeOutcome.Forbidden>(o.Outcome));
                return result.Outcomes[0].Outcome;
            },
        };

        foreach ((string name, Func<Task<ChangeOutcome>> write) in writes)
        {
            ChangeOutcome outcome = await write();
            Assert.True(outcome is ChangeOutcome.Forbidden, $"{name}: {outcome}");
            Assert.Contains($"{Viewer} may not", ((ChangeOutcome.Forbidden)outcome).Message, StringComparison.Ordinal);
        }

        Assert.Equal(before, await RoutingResourcesAsync(host));

        // A write added to the service layer later must be added above (and get the same gate): this lists the ones covered.
        // ITrafficService is the union of the narrow interfaces: the writes are declared on them.
        string[] declared = [.. typeof(ITrafficService).GetInterfaces().Append(typeof(ITrafficService)).SelectMany(static t => t.GetMethods())
            .Where(static m => m.GetParameters().Any(static p => p.ParameterType == typeof(ChangeContext)))
            .Select(static m => m.Name)
            .Distinct()
            .Order(StringComparer.Ordinal)];
        Assert.Equal(writes.Keys.Order(StringComparer.Ordinal), declared);
    }

    [Fact]
    public async Task Without_credentials_every_endpoint_but_health_metrics_sign_in_and_static_files_is_refused()
    {
        await using ConsoleTestHost host = await SecurityHosts.TokenAsync();
        using HttpClientHandler handler = new() { AllowAutoRedirect = false };
        using HttpClient client = new(handler) { BaseAddress = host.BaseUrl };

        List<string> open = [];
        foreach (RouteEndpoint endpoint in host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            string path = Fill(endpoint.RoutePattern.RawText ?? "/");
            if (endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null)
            {
                open.Add(endpoint.RoutePattern.RawText ?? string.Empty);
                continue;
            }

            string method = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods is [var first, ..] ? first : "GET";
            using HttpRequestMessage request = new(new HttpMethod(method), new Uri(path.TrimStart('/'), UriKind.Relative));
            HttpResponseMessage response = await client.SendAsync(request);

            bool refused = response.StatusCode == HttpStatusCode.Unauthorized
                || (response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location?.OriginalString.Contains("/signin", StringComparison.Ordinal) == true);
            Assert.True(refused, $"{method} {endpoint.RoutePattern.RawText} answered {(int)response.StatusCode} without credentials.");
        }

        Assert.All(open, pattern => Assert.True(
            pattern is "/healthz" or "/readyz" or "/metrics" or "/signin" or "/signout" || !pattern.StartsWith("/api", StringComparison.Ordinal) && pattern.Contains('.', StringComparison.Ordinal) || pattern.StartsWith("_content/", StringComparison.Ordinal) || pattern.StartsWith("_framework/", StringComparison.Ordinal),
            $"{pattern} is open without sign-in."));
    }

    [Fact]
    public async Task The_hub_requires_sign_in_and_refuses_a_namespace_the_user_may_not_read()
    {
        await using ConsoleTestHost host = await SecurityHosts.TokenAsync();
        // The stranger may read bookinfo (the seeded viewer role, bound in bookinfo only) and nothing in shop.
        KubectlRunner.Result bound = await host.KubectlApplyAsync($$"""
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata: { name: stranger-reads-bookinfo, namespace: bookinfo }
            roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "trafficconsole:mesh-viewer" }
            subjects: [{ apiGroup: rbac.authorization.k8s.io, kind: User, name: {{SecurityHosts.Stranger}} }]
            """);
        Assert.True(bound.ExitCode == 0, bound.ToString());

        await using HubConnection anonymous = host.CreateHubConnection();
        HttpRequestException unauthenticated = await Assert.ThrowsAsync<HttpRequestException>(() => anonymous.StartAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.StatusCode);

        await using HubConnection viewer = host.HubConnection(SecurityHosts.StrangerToken);
        await viewer.StartAsync();
        ImmutableArray<ServiceChangedEvent> bookinfo = await viewer.InvokeAsync<ImmutableArray<ServiceChangedEvent>>(nameof(TrafficHub.JoinNamespace), "bookinfo");
        HubException refused = await Assert.ThrowsAsync<HubException>(() => viewer.InvokeAsync<ImmutableArray<ServiceChangedEvent>>(nameof(TrafficHub.JoinNamespace), "shop"));

        Assert.Contains(bookinfo, s => s.Service == "reviews");
        Assert.Contains("Not allowed to follow namespace 'shop'", refused.Message, StringComparison.Ordinal);
        Assert.Contains($"{SecurityHosts.Stranger} may not list virtualservices", refused.Message, StringComparison.Ordinal);

        // The hub has no write methods; one added later must get a permission check and a case here.
        string[] methods = [.. typeof(TrafficHub).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(static m => !m.IsSpecialName && m.Name is not nameof(Hub.OnConnectedAsync) and not nameof(Hub.OnDisconnectedAsync))
            .Select(static m => m.Name).Order(StringComparer.Ordinal)];
        Assert.Equal([nameof(TrafficHub.JoinNamespace), nameof(TrafficHub.LeaveNamespace)], methods);
    }

    private static IEnumerable<(string Method, string Path)> RestWrites(ConsoleTestHost host) =>
        host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(static e => e.RoutePattern.RawText?.StartsWith("/api/", StringComparison.Ordinal) == true)
            .SelectMany(static e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? [])
                .Where(static m => m is not "GET" and not "HEAD" and not "OPTIONS")
                .Select(m => (m, Fill(e.RoutePattern.RawText!))));

    // Route parameters as a real request names them: the Bookinfo reviews service, and "x" for anything else.
    private static string Fill(string pattern) => System.Text.RegularExpressions.Regex.Replace(pattern, @"\{(\w+)[^}]*\}", static m => m.Groups[1].Value switch
    {
        "ns" => "bookinfo",
        "svc" => "reviews",
        _ => "x",
    });

    private static async Task<string> RoutingResourcesAsync(ConsoleTestHost host)
    {
        List<string> items = [];
        foreach (string plural in new[] { "virtualservices", "destinationrules" })
        {
            JsonElement list = await host.Kubernetes.CustomObjects.ListClusterCustomObjectAsync<JsonElement>("networking.istio.io", "v1", plural);
            items.AddRange(list.GetProperty("items").EnumerateArray().Select(i =>
                $"{plural} {i.GetProperty("metadata").GetProperty("namespace").GetString()}/{i.GetProperty("metadata").GetProperty("name").GetString()} rv {IstioObjects.ResourceVersion(i)}"));
        }

        return string.Join('\n', items.Order(StringComparer.Ordinal));
    }
}
