using TrafficConsole.Mesh.Resources;

namespace TrafficConsole.Mesh.Tests.Resources;

public sealed class ResourceContentTests
{
    private static VirtualService Vs(string rv, string uid = "u1", int weight = 30, string? status = null, string manager = "trafficconsole", string? label = null) =>
        MeshJson.Deserialize<VirtualService>($$"""
            {"apiVersion":"networking.istio.io/v1","kind":"VirtualService",
             "metadata":{"name":"reviews","namespace":"bookinfo","uid":"{{uid}}","resourceVersion":"{{rv}}","generation":2,
               {{(label is null ? string.Empty : $"\"labels\":{{\"team\":\"{label}\"}},")}}
               "managedFields":[{"manager":"{{manager}}","operation":"Update"}]},
             "spec":{"hosts":["reviews"],"http":[{"route":[{"destination":{"host":"reviews","subset":"v1"},"weight":{{weight}}}]}]}
             {{(status is null ? string.Empty : ",\"status\":" + status)}}}
            """)!;

    [Fact]
    public void A_status_write_keeps_the_content_revision_of_the_last_real_change_over_several_updates()
    {
        VirtualService written = Vs("10");
        VirtualService firstStatus = Vs("11", status: """{"observedGeneration":2}""", manager: "pilot-discovery");
        VirtualService secondStatus = Vs("12", status: """{"observedGeneration":"2"}""", manager: "pilot-discovery");

        ResourceContent.CarryOver(firstStatus, written);
        ResourceContent.CarryOver(secondStatus, firstStatus);

        Assert.Equal(("11", "10"), (firstStatus.ResourceVersion, firstStatus.ContentRevision));
        Assert.Equal(("12", "10"), (secondStatus.ResourceVersion, secondStatus.ContentRevision));
    }

    [Theory]
    [InlineData(50, null, "u1")]
    [InlineData(30, "team-a", "u1")]
    [InlineData(30, null, "u2")]
    public void A_spec_or_metadata_change_or_a_recreated_object_takes_its_own_resourceVersion(int weight, string? label, string uid)
    {
        VirtualService before = Vs("10", status: """{"observedGeneration":2}""");
        ResourceContent.CarryOver(before, Vs("9"));
        VirtualService after = Vs("13", uid: uid, weight: weight, label: label, status: """{"observedGeneration":2}""");

        ResourceContent.CarryOver(after, before);

        Assert.Equal("9", before.ContentRevision);
        Assert.Equal("13", after.ContentRevision);
    }

    [Fact]
    public void Without_a_previous_object_the_content_revision_is_the_resourceVersion()
    {
        Assert.Equal("10", Vs("10").ContentRevision);
        Assert.Equal("10", MeshJson.DeepClone(Vs("10")).ContentRevision);
    }
}
