using TrafficConsole.Web.Model;
using TrafficConsole.Web.Services;
using TrafficConsole.Web.Tests.Infrastructure;

namespace TrafficConsole.Web.Tests.Integration;

/// <summary>What only shows between resources (a missing gateway, an unknown host) is reported on the service that routing belongs to.</summary>
public sealed class ClusterAnalysisTests(ConsoleHostFixture fixture) : IClassFixture<ConsoleHostFixture>
{
    private ConsoleTestHost Host => fixture.Host;

    private ITrafficService Traffic => Host.Traffic;

    [Fact]
    public async Task A_VirtualService_someone_applied_with_a_missing_gateway_and_an_unknown_host_is_flagged_on_its_service_until_fixed()
    {
        Assert.DoesNotContain(Traffic.GetService("bookinfo", "ratings")!.Summary.Validation, static m => m.Code is "TC5007" or "TC5002");

        KubectlRunner.Result applied = await Host.KubectlApplyAsync("""
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: ratings, namespace: bookinfo }
            spec:
              hosts: [ratings]
              gateways: [mesh, edge-gateway]
              http:
              - match: [{ headers: { end-user: { exact: jason } } }]
                route: [{ destination: { host: ratings-canary.bookinfo.svc.cluster.local } }]
              - route: [{ destination: { host: ratings } }]
            """);
        Assert.True(applied.ExitCode == 0, applied.Stderr);
        await WaitAsync(() => Traffic.GetService("bookinfo", "ratings")!.Summary.Routing.Kind != RoutingKind.None);

        ValidationMessage[] findings = [.. Traffic.GetService("bookinfo", "ratings")!.Summary.Validation];
        ValidationMessage gateway = Assert.Single(findings, static m => m.Code == "TC5007");
        Assert.Equal((MessageSeverity.Error, "spec.gateways[1]"), (gateway.Severity, gateway.Path));
        Assert.Contains("edge-gateway", gateway.Message, StringComparison.Ordinal);
        ValidationMessage host = Assert.Single(findings, static m => m.Code == "TC5002");
        Assert.Contains("ratings-canary", host.Message, StringComparison.Ordinal);

        // Creating the gateway clears that finding; the unknown host stays.
        KubectlRunner.Result gatewayCreated = await Host.KubectlApplyAsync("""
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: { name: edge-gateway, namespace: bookinfo }
            spec:
              selector: { istio: ingressgateway }
              servers: [{ port: { number: 80, name: http, protocol: HTTP }, hosts: ["*"] }]
            """);
        Assert.True(gatewayCreated.ExitCode == 0, gatewayCreated.Stderr);
        await WaitAsync(() => !Traffic.GetService("bookinfo", "ratings")!.Summary.Validation.Any(static m => m.Code == "TC5007"));
        Assert.Contains(Traffic.GetService("bookinfo", "ratings")!.Summary.Validation, static m => m.Code == "TC5002");
    }

    private static async Task WaitAsync(Func<bool> condition)
    {
        for (int i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(50);
        }

        Assert.True(condition(), "The cache did not show the change in time.");
    }
}
