using System.Text.Json.Nodes;

using k8s.Models;

using TrafficConsole.Mesh.History;
using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Services;

using static TrafficConsole.Mesh.Tests.History.HistoryTestData;
using static TrafficConsole.Mesh.Tests.TestData.Samples;

namespace TrafficConsole.Mesh.Tests.History;

public class RevisionCodecTests
{
    private static ServiceView Split3070()
    {
        VirtualService vs = SplitService("41", ("v1", 30), ("v2", 70));
        vs.Metadata.Uid = "u-1";
        vs.Metadata.Generation = 4;
        vs.Metadata.ManagedFields = [new V1ManagedFieldsEntry { Manager = "trafficconsole", Operation = "Update" }];
        vs.Metadata.Annotations = new Dictionary<string, string>
        {
            [RevisionSnapshot.ChangedByAnnotation] = "alice",
            [RevisionSnapshot.ChangedAtAnnotation] = "2026-12-01T09:00:00Z",
            ["team"] = "books",
        };
        return View([vs], [SubsetRule(rv: "42")]);
    }

    [Fact]
    public void A_revision_survives_the_ConfigMap_round_trip_with_every_field()
    {
        RoutingRevision revision = Revision("vs:41,dr:42", TrafficSplit.Of(("v1", 30), ("v2", 70)) with { Mirror = new MirrorTarget("v3", 12.5) }, 5, view: Split3070()) with
        {
            Source = RevisionSource.External,
            Manager = "kubectl-client-side-apply",
            Reason = "canary, step 2",
            Replaces = "0123456789",
            StableVersion = "v1",
            At = T0.AddMilliseconds(1234),
        };

        V1ConfigMap configMap = RevisionCodec.Encode(revision);
        RevisionDecoding decoded = RevisionCodec.Decode(configMap);

        Assert.Null(decoded.Problem);
        RoutingRevision back = decoded.Revision!;
        Assert.Equal(revision with { Snapshot = RevisionSnapshot.Empty }, back with { Snapshot = RevisionSnapshot.Empty });
        Assert.True(revision.Snapshot.ContentEquals(back.Snapshot));
        Assert.Equal($"tc-rev-reviews-{revision.Id}", configMap.Metadata.Name);
        Assert.Equal("routing-revision", configMap.Metadata.Labels[RevisionCodec.RecordLabel]);
        Assert.Equal("reviews", configMap.Metadata.Labels[RevisionCodec.ServiceLabel]);
        Assert.Equal("trafficconsole", configMap.Metadata.Labels[IstioApi.ManagedByLabel]);
    }

    [Fact]
    public void The_snapshot_drops_what_the_server_and_the_console_stamp_and_keeps_the_rest()
    {
        RevisionSnapshot snapshot = RevisionSnapshot.Of(Split3070());

        JsonNode metadata = JsonNode.Parse(MeshJson.Serialize(snapshot.VirtualServices.Single()))!["metadata"]!;
        Assert.Null(metadata["resourceVersion"]);
        Assert.Null(metadata["uid"]);
        Assert.Null(metadata["generation"]);
        Assert.Null(metadata["managedFields"]);
        Assert.Equal("""{"team":"books"}""", metadata["annotations"]!.ToJsonString());
        Assert.Contains("weight: 70", snapshot.ToYaml(), StringComparison.Ordinal);
        Assert.Contains("---\n", snapshot.ToYaml(), StringComparison.Ordinal);
    }

    [Fact]
    public void Ids_are_the_same_in_every_replica_and_differ_per_state()
    {
        string a = RoutingRevision.IdOf("bookinfo", "reviews", "vs:1,dr:2");
        Assert.Equal(a, RoutingRevision.IdOf("bookinfo", "reviews", "vs:1,dr:2"));
        Assert.NotEqual(a, RoutingRevision.IdOf("bookinfo", "reviews", "vs:3,dr:2"));
        Assert.NotEqual(a, RoutingRevision.IdOf("shop", "reviews", "vs:1,dr:2"));
        Assert.Matches("^[0-9a-f]{10}$", a);
        Assert.Equal("none@vs:1,dr:2", RoutingRevision.DeletionKey("vs:1,dr:2"));
    }

    [Fact]
    public void A_long_service_name_still_gives_a_valid_name()
    {
        string name = RevisionCodec.NameOf(new string('a', 300), "0123456789");
        Assert.True(name.Length <= 253);
        Assert.EndsWith("-0123456789", name, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("no-annotations")]
    [InlineData("bad-time")]
    [InlineData("garbage-snapshot")]
    [InlineData("no-snapshot")]
    [InlineData("bad-weights")]
    public void An_undecodable_ConfigMap_is_skipped_with_a_reason(string damage)
    {
        V1ConfigMap configMap = RevisionCodec.Encode(Revision("vs:1", TrafficSplit.Of(("v1", 100)), 0));
        switch (damage)
        {
            case "no-annotations":
                configMap.Metadata.Annotations = null;
                break;
            case "bad-time":
                configMap.Metadata.Annotations["trafficconsole.io/at"] = "yesterday";
                break;
            case "garbage-snapshot":
                configMap.BinaryData[RevisionCodec.SnapshotKey] = [1, 2, 3, 4];
                break;
            case "no-snapshot":
                configMap.BinaryData = null;
                break;
            default:
                configMap.Metadata.Annotations["trafficconsole.io/weights"] = "v1=lots";
                break;
        }

        RevisionDecoding decoded = RevisionCodec.Decode(configMap);

        Assert.Null(decoded.Revision);
        Assert.Contains(configMap.Metadata.Name, decoded.Problem, StringComparison.Ordinal);
    }
}
