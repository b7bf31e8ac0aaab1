using System.Text.Json.Nodes;

using TrafficConsole.Mesh.Yaml;

namespace TrafficConsole.Mesh.Tests.Yaml;

public class ResourceVersionsTests
{
    [Fact]
    public void Removes_the_resource_version_from_the_metadata_and_keeps_everything_else()
    {
        const string yaml = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: reviews
              namespace: bookinfo
              resourceVersion: "4711"
              annotations:
                note: "resourceVersion: 12 is what we saw"
            spec:
              hosts:
              - reviews
              http:
              - route:
                - destination:
                    host: reviews
                    subset: v1
                  weight: 100
            """;

        JsonObject after = (JsonObject)ResourceYaml.ToJson(ResourceVersions.Remove(yaml))!;

        JsonObject metadata = after["metadata"]!.AsObject();
        Assert.False(metadata.ContainsKey("resourceVersion"));
        Assert.Equal("reviews", (string?)metadata["name"]);
        Assert.Equal("bookinfo", (string?)metadata["namespace"]);
        // A value that looks like the field is data, not the field: the old line filter would have dropped this line too.
        Assert.Equal("resourceVersion: 12 is what we saw", (string?)metadata["annotations"]!["note"]);
        Assert.Equal(100L, (long)after["spec"]!["http"]![0]!["route"]![0]!["weight"]!);
    }

    [Fact]
    public void A_resource_version_that_is_not_the_metadata_one_stays()
    {
        const string yaml = """
            kind: DestinationRule
            metadata:
              name: reviews
            spec:
              host: reviews
              resourceVersion: "not metadata"
            """;

        Assert.Equal(yaml, ResourceVersions.Remove(yaml));
    }

    [Theory]
    [InlineData("")]
    [InlineData("kind: [unclosed")]
    [InlineData("- a list, not a resource")]
    public void Yaml_without_a_metadata_resource_version_is_returned_as_typed(string yaml)
    {
        Assert.Equal(yaml, ResourceVersions.Remove(yaml));
    }
}
