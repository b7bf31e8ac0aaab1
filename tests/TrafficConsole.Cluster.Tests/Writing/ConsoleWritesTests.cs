using TrafficConsole.Cluster.Writing;

namespace TrafficConsole.Cluster.Tests.Writing;

public sealed class ConsoleWritesTests
{
    private static ResourceWrite Vs(string name, int version) => new("VirtualService", "bookinfo", name, "replaced", version.ToString(System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public void Only_a_version_this_process_wrote_of_that_very_resource_is_the_consoles()
    {
        var writes = new ConsoleWrites();
        writes.Add(Vs("reviews", 10), "alice");
        writes.Add(new ResourceWrite("VirtualService", "bookinfo", "reviews", ResourceWrite.Deleted, null), "bob");

        Assert.Equal("alice", writes.ActorOf("VirtualService", "bookinfo", "reviews", "10"));
        Assert.Null(writes.ActorOf("VirtualService", "bookinfo", "reviews", "11"));
        Assert.Null(writes.ActorOf("DestinationRule", "bookinfo", "reviews", "10"));
        Assert.Null(writes.ActorOf("VirtualService", "shop", "reviews", "10"));
    }

    [Fact]
    public void It_keeps_the_newest_versions_per_resource_and_forgets_the_resource_written_longest_ago()
    {
        var writes = new ConsoleWrites();
        for (int version = 1; version <= ConsoleWrites.VersionsPerResource + 5; version++)
        {
            writes.Add(Vs("reviews", version), $"user-{version}");
        }

        Assert.Null(writes.ActorOf("VirtualService", "bookinfo", "reviews", "5"));
        Assert.Equal("user-6", writes.ActorOf("VirtualService", "bookinfo", "reviews", "6"));

        for (int i = 0; i < ConsoleWrites.MaxResources; i++)
        {
            writes.Add(Vs($"svc-{i}", 1000 + i), "bob");
        }

        Assert.Equal(ConsoleWrites.MaxResources, writes.Count);
        Assert.Null(writes.ActorOf("VirtualService", "bookinfo", "reviews", "21"));
        Assert.Equal("bob", writes.ActorOf("VirtualService", "bookinfo", "svc-0", "1000"));
    }
}
