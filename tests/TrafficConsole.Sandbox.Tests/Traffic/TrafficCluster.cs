using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Time.Testing;
using TrafficConsole.Sandbox.Traffic;

namespace TrafficConsole.Sandbox.Tests.Traffic;

/// <summary>A Bookinfo sandbox whose clock (and so its traffic) moves only when a test advances it.</summary>
internal sealed class TrafficCluster : IAsyncDisposable
{
    public const string Reviews = "/apis/networking.istio.io/v1/namespaces/bookinfo";

    private TrafficCluster(TestCluster cluster, FakeTimeProvider time)
    {
        Cluster = cluster;
        Time = time;
        Traffic.Observer = Served.Enqueue;
    }

    public TestCluster Cluster { get; }

    public FakeTimeProvider Time { get; }

    public TrafficSimulator Traffic => Cluster.Server.Traffic ?? throw new InvalidOperationException("traffic is off");

    /// <summary>Every request the clients sent, as they saw it.</summary>
    public ConcurrentQueue<ServedRequest> Served { get; } = new();

    public static async Task<TrafficCluster> StartAsync(double requestsPerSecond = 20, int seed = 14, Action<SandboxOptions>? configure = null)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
        var cluster = await TestCluster.StartAsync(SandboxSeed.Bookinfo, configure: o =>
        {
            o.TimeProvider = time;
            o.TrafficRequestsPerSecond = requestsPerSecond;
            o.TrafficSeed = seed;
            configure?.Invoke(o);
        });
        return new TrafficCluster(cluster, time);
    }

    /// <summary>Lets <paramref name="span"/> of simulated time pass, every second of it sending requests.</summary>
    public void Run(TimeSpan span)
    {
        Time.Advance(span);
        Traffic.Tick();
    }

    /// <summary>Requests to one service sent from now on.</summary>
    public List<ServedRequest> ServedTo(string service) => [.. Served.Where(r => r.Service == service)];

    public async Task CreateAsync(string plural, string json)
    {
        var (status, body, _) = await Cluster.SendAsync(HttpMethod.Post, $"{Reviews}/{plural}", json);
        Assert.True(status == HttpStatusCode.Created, $"create {plural}: {status} {body.ToJsonString()}");
    }

    public async Task PatchAsync(string path, string json)
    {
        var (status, body, _) = await Cluster.SendAsync(HttpMethod.Patch, path, json, "application/merge-patch+json");
        Assert.True(status == HttpStatusCode.OK, $"patch {path}: {status} {body.ToJsonString()}");
    }

    /// <summary>Subsets v1, v2 and v3 of reviews by their version label, and a VirtualService with <paramref name="http"/> routes.</summary>
    public async Task RouteReviewsAsync(string http)
    {
        await CreateAsync("destinationrules", """
            {"apiVersion":"networking.istio.io/v1","kind":"DestinationRule","metadata":{"name":"reviews"},
             "spec":{"host":"reviews","subsets":[{"name":"v1","labels":{"version":"v1"}},{"name":"v2","labels":{"version":"v2"}},
                                               {"name":"v3","labels":{"version":"v3"}}]}}
            """);
        await CreateAsync("virtualservices", $$$"""
            {"apiVersion":"networking.istio.io/v1","kind":"VirtualService","metadata":{"name":"reviews"},
             "spec":{"hosts":["reviews"],"http":{{{http}}}}}
            """);
    }

    public Task AnnotateAsync(string deployment, string annotation, string value) =>
        PatchAsync($"/apis/apps/v1/namespaces/bookinfo/deployments/{deployment}",
            $$$$"""{"metadata":{"annotations":{"{{{{annotation}}}}":"{{{{value}}}}"}}}""");

    /// <summary>GET /stats/prometheus without a token, parsed.</summary>
    public async Task<(string ContentType, IReadOnlyList<Sample> Samples, string Text)> ScrapeAsync()
    {
        using var http = new HttpClient { BaseAddress = Cluster.Server.Url };
        using var response = await http.GetAsync("/stats/prometheus");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        return (response.Content.Headers.ContentType!.ToString(), PrometheusText.Parse(text), text);
    }

    public async ValueTask DisposeAsync() => await Cluster.DisposeAsync();
}

/// <summary>One sample of the text exposition format.</summary>
internal sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    public string this[string label] => Labels[label];
}

/// <summary>A strict reader of the Prometheus text format 0.0.4: every line a comment, blank, or <c>name{labels} value</c>.</summary>
internal static partial class PrometheusText
{
    public static IReadOnlyList<Sample> Parse(string text)
    {
        var samples = new List<Sample>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line.StartsWith('#'))
            {
                Assert.True(line.Length == 0 || line.StartsWith("# HELP ", StringComparison.Ordinal) || line.StartsWith("# TYPE ", StringComparison.Ordinal), line);
                continue;
            }

            var match = SampleLine().Match(line);
            Assert.True(match.Success, $"not a sample line: {line}");
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            var rest = match.Groups["labels"].Value;
            var at = 0;
            while (at < rest.Length)
            {
                var label = LabelPair().Match(rest, at);
                Assert.True(label.Success && label.Index == at, $"bad labels at {at}: {rest}");
                Assert.True(labels.TryAdd(label.Groups["name"].Value, Unescape(label.Groups["value"].Value)), $"label twice: {line}");
                at += label.Length;
                if (at < rest.Length)
                {
                    Assert.Equal(',', rest[at]);
                    at++;
                }
            }

            var value = match.Groups["value"].Value;
            samples.Add(new Sample(match.Groups["name"].Value, labels,
                value == "+Inf" ? double.PositiveInfinity : double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture)));
        }

        return samples;
    }

    private static string Unescape(string value) =>
        Regex.Replace(value, @"\\(.)", m => m.Groups[1].Value == "n" ? "\n" : m.Groups[1].Value);

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)\{(?<labels>.*)\} (?<value>\S+)$")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"\G(?<name>[a-zA-Z_][a-zA-Z0-9_]*)=""(?<value>(?:[^""\\]|\\.)*)""")]
    private static partial Regex LabelPair();
}
