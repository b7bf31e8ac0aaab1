using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Telemetry;

namespace TrafficConsole.Mesh.Tests.Telemetry;

public sealed class ProxySyncTests
{
    private static T Resource<T>(string kind, long generation, string? status)
        where T : class
    {
        string json = $$"""
            {"apiVersion":"networking.istio.io/v1","kind":"{{kind}}","metadata":{"name":"reviews","namespace":"bookinfo","generation":{{generation}}},
             "spec":{"host":"reviews","hosts":["reviews"]}{{(status is null ? string.Empty : ",\"status\":" + status)}}}
            """;
        return MeshJson.Deserialize<T>(json)!;
    }

    private static VirtualService Vs(long generation, string? status) => Resource<VirtualService>("VirtualService", generation, status);

    private static DestinationRule Dr(long generation, string? status) => Resource<DestinationRule>("DestinationRule", generation, status);

    private static string Reconciled(string? onStatus, string? onCondition, string truth = "True") =>
        $$"""
        {"conditions":[{"type":"Reconciled","status":"{{truth}}","lastTransitionTime":"2026-12-07T18:00:05Z","reason":"Reconciled","message":"all proxies"{{(onCondition is null ? string.Empty : ",\"observedGeneration\":" + onCondition)}}}]{{(onStatus is null ? string.Empty : ",\"observedGeneration\":" + onStatus)}}}
        """;

    [Theory]
    [InlineData("4", null)]
    [InlineData("\"4\"", null)]
    [InlineData(null, "4")]
    [InlineData(null, "\"4\"")]
    [InlineData("3", "4")]
    public void The_Reconciled_condition_at_the_current_generation_is_reconciled_whether_the_generation_is_a_number_or_a_string_on_the_status_or_the_condition(string? onStatus, string? onCondition)
    {
        ResourceSync sync = ProxySync.Read(Vs(4, Reconciled(onStatus, onCondition)));

        Assert.Equal(ProxySyncState.Reconciled, sync.State);
        Assert.Equal((4L, 4L), (sync.Generation, sync.ObservedGeneration));
        Assert.Equal(new DateTimeOffset(2026, 12, 7, 18, 0, 5, TimeSpan.Zero), sync.ReconciledAt);
    }

    [Fact]
    public void A_status_for_an_older_generation_is_pending()
    {
        ResourceSync sync = ProxySync.Read(Vs(5, Reconciled("4", null)));

        Assert.Equal(ProxySyncState.Pending, sync.State);
        Assert.Equal((5L, 4L), (sync.Generation, sync.ObservedGeneration));
        Assert.Null(sync.ReconciledAt);
    }

    [Fact]
    public void A_Reconciled_condition_that_is_not_True_is_pending()
    {
        Assert.Equal(ProxySyncState.Pending, ProxySync.Read(Vs(4, Reconciled("4", null, truth: "False"))).State);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("{}")]
    [InlineData("{\"validationMessages\":[{\"type\":{\"code\":\"IST0101\"}}],\"observedGeneration\":\"4\"}")]
    [InlineData("{\"conditions\":\"not a list\"}")]
    public void No_status_or_a_status_without_the_Reconciled_condition_is_not_reported(string? status)
    {
        Assert.Equal(ProxySyncState.NotReported, ProxySync.Read(Vs(4, status)).State);
    }

    [Fact]
    public void A_service_is_reconciled_only_when_its_VirtualService_and_DestinationRule_both_are()
    {
        ServiceSync both = ProxySync.Of([Vs(4, Reconciled("4", null))], [Dr(2, Reconciled(null, "2"))]);
        ServiceSync drBehind = ProxySync.Of([Vs(4, Reconciled("4", null))], [Dr(3, Reconciled(null, "2"))]);

        Assert.Equal(ProxySyncState.Reconciled, both.State);
        Assert.Equal((4L, 4L), (both.Generation, both.ObservedGeneration));
        Assert.Equal(ProxySyncState.Pending, drBehind.State);
    }

    [Fact]
    public void A_service_whose_resources_all_lack_status_is_not_reported_and_one_silent_beside_a_reporting_one_is_pending()
    {
        Assert.Equal(ProxySyncState.NotReported, ProxySync.Of([Vs(4, null)], [Dr(2, null)]).State);
        Assert.Equal(ProxySyncState.NotReported, ProxySync.Of([], []).State);
        Assert.Equal(ProxySyncState.Pending, ProxySync.Of([Vs(4, Reconciled("4", null))], [Dr(1, null)]).State);
    }
}
