using System.Text;

using k8s;
using k8s.Models;

using TrafficConsole.Cluster.Connection;
using TrafficConsole.Cluster.Secrets;
using TrafficConsole.Sandbox.Auth;

namespace TrafficConsole.Cluster.Tests.Secrets;

/// <summary>The key ring's Secret in the sandbox over real HTTP: created when missing, entries added by replicas at once all kept, refusals as values.</summary>
public sealed class KeyRingStoreTests
{
    private const string Secret = "traffic-console-keys";
    private const string ViewerToken = "viewer-token-for-key-rings";

    [Fact]
    public async Task A_missing_secret_reads_empty_and_the_first_entry_creates_it_labelled()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        KeyRingStore store = new(ClusterConnection.Over(cluster.Client));

        KeyRingRead.Found before = Assert.IsType<KeyRingRead.Found>(await store.ReadAsync("default", Secret));
        Assert.Empty(before.Entries);
        Assert.IsType<KeyRingWrite.Stored>(await store.AddAsync("default", Secret, "key-1.xml", "<key n='1'/>"u8.ToArray()));

        V1Secret stored = await cluster.Client.CoreV1.ReadNamespacedSecretAsync(Secret, "default");
        Assert.Equal("traffic-console", stored.Metadata.Labels["app.kubernetes.io/part-of"]);
        KeyRingRead.Found after = Assert.IsType<KeyRingRead.Found>(await store.ReadAsync("default", Secret));
        Assert.Equal("<key n='1'/>", Encoding.UTF8.GetString(Assert.Single(after.Entries).Value));
    }

    [Fact]
    public async Task Entries_added_by_two_replicas_at_once_are_all_kept_beside_what_others_wrote()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        KeyRingStore a = new(ClusterConnection.Over(cluster.NewClient())), b = new(ClusterConnection.Over(cluster.NewClient()));
        await a.AddAsync("default", Secret, "README", "written by hand"u8.ToArray());

        KeyRingWrite[] writes = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            (i % 2 == 0 ? a : b).AddAsync("default", Secret, $"key-{i}.xml", Encoding.UTF8.GetBytes($"<key n='{i}'/>"))));

        Assert.All(writes, static w => Assert.IsType<KeyRingWrite.Stored>(w));
        KeyRingRead.Found found = Assert.IsType<KeyRingRead.Found>(await b.ReadAsync("default", Secret));
        Assert.Equal(9, found.Entries.Count);
        Assert.Equal("written by hand", Encoding.UTF8.GetString(found.Entries["README"]));
    }

    [Fact]
    public async Task Credentials_that_may_not_touch_the_secret_are_refused_with_the_verb_and_status()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync(configure: static o => o.Tokens.Add(new SandboxToken(ViewerToken, "viewer", "uid-viewer")));
        using Kubernetes viewer = new(cluster.Server.ClientConfiguration(ViewerToken));
        KeyRingStore store = new(ClusterConnection.Over(viewer));

        KeyRingRead.Refused read = Assert.IsType<KeyRingRead.Refused>(await store.ReadAsync("default", Secret));
        KeyRingWrite.Refused write = Assert.IsType<KeyRingWrite.Refused>(await store.AddAsync("default", Secret, "key-1.xml", [1]));

        Assert.Equal(("get", 403), (read.Verb, read.StatusCode));
        Assert.Equal(("get", 403), (write.Verb, write.StatusCode));
    }
}
