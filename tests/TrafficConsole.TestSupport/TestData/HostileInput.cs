using System.Text;

namespace TrafficConsole.TestSupport.TestData;

/// <summary>
/// Inputs that attack a parser rather than carry data: alias bombs, deep nesting, and a way to measure what reading one
/// costs. Shared by the test projects of every reader (Mesh, Sandbox, Web, Cli).
/// </summary>
public static class HostileInput
{
    /// <summary>Levels of nesting the issue's crash report used: ~100 KB of <c>[</c> overflowed the stack.</summary>
    public const int DeepLevels = 50_000;

    /// <summary>
    /// A "billion laughs" ConfigMap: each of 9 anchors is a list of 9 aliases of the one before, so the text (about
    /// 600 bytes) expands to 9^9 (387 million) strings. Valid YAML; only the expansion is hostile.
    /// </summary>
    public static string AliasBomb(string name = "laughs", string ns = "default")
    {
        var yaml = new StringBuilder();
        yaml.Append("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ").Append(name).Append("\n  namespace: ").Append(ns).Append('\n');
        yaml.Append("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (char level = 'b'; level <= 'i'; level++)
        {
            char previous = (char)(level - 1);
            yaml.Append(level).Append(": &").Append(level).Append(" [")
                .AppendJoin(',', Enumerable.Repeat($"*{previous}", 9)).Append("]\n");
        }

        yaml.Append("data:\n  bomb: *i\n");
        return yaml.ToString();
    }

    /// <summary>The alias bomb as a VirtualService, for readers that take only Istio kinds.</summary>
    public static string VirtualServiceAliasBomb(string name = "reviews", string ns = "bookinfo") =>
        AliasBomb(name, ns).Replace("apiVersion: v1\nkind: ConfigMap", "apiVersion: networking.istio.io/v1\nkind: VirtualService", StringComparison.Ordinal)
            .Replace("data:\n  bomb: *i", "spec:\n  hosts: *i", StringComparison.Ordinal);

    /// <summary><paramref name="levels"/> nested flow lists: <c>[[[...]]]</c>.</summary>
    public static string NestedLists(int levels = DeepLevels) => new string('[', levels) + new string(']', levels);

    /// <summary><paramref name="levels"/> nested JSON objects: <c>{"a":{"a":...}}</c>, which is YAML too.</summary>
    public static string NestedObjects(int levels = DeepLevels) =>
        new StringBuilder(levels * 6).Insert(0, "{\"a\":", levels).Append('1').Append('}', levels).ToString();

    /// <summary>A Kubernetes object whose spec nests <paramref name="levels"/> lists deep.</summary>
    public static string DeepObjectJson(string apiVersion, string kind, string name, string ns, int levels = DeepLevels) =>
        $"{{\"apiVersion\":\"{apiVersion}\",\"kind\":\"{kind}\",\"metadata\":{{\"name\":\"{name}\",\"namespace\":\"{ns}\"}},\"spec\":{{\"x\":{NestedLists(levels)}}}}}";

    /// <summary>Bytes allocated on this thread by <paramref name="action"/>, and how long it took.</summary>
    public static (long Bytes, TimeSpan Elapsed) Measure(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        action();
        return (GC.GetAllocatedBytesForCurrentThread() - before, clock.Elapsed);
    }
}
