using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using TrafficConsole.Cluster.Cache;
using TrafficConsole.Web.Model;
using TrafficConsole.Web.Tests.Infrastructure;

namespace TrafficConsole.Web.Tests.Hubs;

/// <summary>Live updates over SignalR, whoever makes the change.</summary>
public sealed class TrafficHubTests(ConsoleHostFixture fixture) : IClassFixture<ConsoleHostFixture>
{
    private static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(15);

    private ConsoleTestHost Host => fixture.Host;

    [Fact]
    public async Task Joining_an_unknown_namespace_fails_with_a_clear_message()
    {
        await using HubConnection connection = Host.CreateHubConnection();
        await connection.StartAsync();

        HubException error = await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync<ServiceChangedEvent[]>("JoinNamespace", "atlantis"));

        Assert.Contains("Namespace 'atlantis' does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hub_clients_do_not_add_cache_subscriptions()
    {
        IMeshCache cache = Host.Services.GetRequiredService<IMeshCache>();
        int before = cache.SubscriberCount;
        List<HubConnection> connections = [];
        try
        {
            for (int i = 0; i < 5; i++)
            {
                HubConnection connection = Host.CreateHubConnection();
                connections.Add(connection);
                await connection.StartAsync();
                await connection.InvokeAsync<ServiceChangedEvent[]>("JoinNamespace", i % 2 == 0 ? "shop" : "bookinfo");
            }

            // The broadcaster's one subscription serves every hub client.
            Assert.Equal(before, cache.SubscriberCount);
            Assert.True(before >= 1);
        }
        finally
        {
            foreach (HubConnection connection in connections)
            {
                await connection.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Joining_returns_the_services_of_the_namespace_as_they_are()
    {
        await using HubConnection connection = Host.CreateHubConnection();
        await connection.StartAsync();

        ServiceChangedEvent[] services = await connection.InvokeAsync<ServiceChangedEvent[]>("JoinNamespace", "shop");

        ServiceChangedEvent catalog = Assert.Single(services, s => s.Service == "catalog");
        Assert.Equal(RoutingKind.Split, catalog.Kind);
        Assert.Contains(new WeightShare("v1", 90), catalog.Weights);
    }

    [Fact]
    public async Task A_kubectl_apply_reaches_a_client_joined_to_the_namespace_as_ServiceChanged()
    {
        await using HubConnection connection = Host.CreateHubConnection();
        EventCollector events = new(connection);
        await connection.StartAsync();
        await connection.InvokeAsync<ServiceChangedEvent[]>("JoinNamespace", "bookinfo");

        (await Host.KubectlApplyAsync("""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata:
              name: details
              namespace: bookinfo
            spec:
              host: details
              subsets:
              - name: v1
                labels:
                  version: v1
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: details
              namespace: bookinfo
            spec:
              hosts:
              - details
              http:
              - route:
                - destination:
                    host: details
                    subset: v1
                  weight: 100
            """)).EnsureSuccess();

        ServiceChangedEvent change = await events.WaitForAsync(e => e.Service == "details" && e.Kind == RoutingKind.Split, EventTimeout);
        Assert.Equal("bookinfo", change.Namespace);
        Assert.Equal(new[] { new WeightShare("v1", 100) }, change.Weights.ToArray());
        Assert.False(string.IsNullOrEmpty(change.Revision));
    }

    [Fact]
    public async Task Clients_get_changes_of_their_namespace_only_and_none_after_leaving()
    {
        await using HubConnection bookinfo = Host.CreateHubConnection();
        await using HubConnection shop = Host.CreateHubConnection();
        EventCollector bookinfoEvents = new(bookinfo);
        EventCollector shopEvents = new(shop);
        await bookinfo.StartAsync();
        await shop.StartAsync();
        await bookinfo.InvokeAsync<ServiceChangedEvent[]>("JoinNamespace", "bookinfo");
        await shop.InvokeAsync<ServiceChangedEvent[]>("JoinNamespace", "shop");
        using HttpClient client = Host.CreateClient();

        // A change through the REST API reaches the shop client, not the bookinfo one.
        (HttpResponseMessage put, JsonElement body) = await HttpJson.PutAsync(client, "api/v1/namespaces/shop/services/ads/traffic", """{ "weights": { "v1": 100 } }""");
        Assert.True(put.StatusCode == HttpStatusCode.OK, body.ToString());
        ServiceChangedEvent ads = await shopEvents.WaitForAsync(e => e.Service == "ads", EventTimeout);
        Assert.Equal(body.GetProperty("revision").GetString(), ads.Revision);

        // Then one in bookinfo: when it arrives, the shop change must not have gone to the bookinfo client.
        (HttpResponseMessage put2, JsonElement body2) = await HttpJson.PutAsync(client, "api/v1/namespaces/bookinfo/services/productpage/traffic", """{ "weights": { "v1": 100 } }""");
        Assert.True(put2.StatusCode == HttpStatusCode.OK, body2.ToString());
        await bookinfoEvents.WaitForAsync(e => e.Service == "productpage", EventTimeout);
        Assert.DoesNotContain(bookinfoEvents.All, e => e.Namespace == "shop");

        // After leaving, shop changes stop arriving.
        await shop.InvokeAsync("LeaveNamespace", "shop");
        int before = shopEvents.All.Count;
        (HttpResponseMessage del, JsonElement body3) = await HttpJson.DeleteAsync(client, "api/v1/namespaces/shop/services/ads/traffic");
        Assert.True(del.StatusCode == HttpStatusCode.OK, body3.ToString());
        await bookinfo.InvokeAsync("LeaveNamespace", "bookinfo");
        (HttpResponseMessage put3, _) = await HttpJson.PutAsync(client, "api/v1/namespaces/bookinfo/services/productpage/traffic", """{ "weights": { "v1": 100 }, "mirror": null }""");
        Assert.Equal(HttpStatusCode.OK, put3.StatusCode);
        // The DELETE only returned once the cache had the change, and the broadcaster sends in order;
        // give the fan-out a moment anyway before asserting the absence.
        await Task.Delay(500);
        Assert.Equal(before, shopEvents.All.Count);
    }

    /// <summary>Collects ServiceChanged events and lets a test wait (bounded) for one.</summary>
    private sealed class EventCollector
    {
        private readonly ConcurrentQueue<ServiceChangedEvent> _events = new();
        private readonly SemaphoreSlim _arrived = new(0);

        public EventCollector(HubConnection connection)
        {
            connection.On<ServiceChangedEvent>("ServiceChanged", e =>
            {
                _events.Enqueue(e);
                _arrived.Release();
            });
        }

        public IReadOnlyList<ServiceChangedEvent> All => [.. _events];

        public async Task<ServiceChangedEvent> WaitForAsync(Func<ServiceChangedEvent, bool> match, TimeSpan timeout)
        {
            using CancellationTokenSource cts = new(timeout);
            while (true)
            {
                if (_events.FirstOrDefault(match) is { } found)
                {
                    return found;
                }

                try
                {
                    await _arrived.WaitAsync(cts.Token);
                }
                catch (OperationCanceledException)
                {
                    throw new TimeoutException($"No matching ServiceChanged within {timeout.TotalSeconds} s; got: {string.Join("; ", _events)}");
                }
            }
        }
    }
}
