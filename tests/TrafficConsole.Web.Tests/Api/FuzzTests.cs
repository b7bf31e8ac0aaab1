using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using TrafficConsole.Web.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TrafficConsole.Web.Tests.Api;

/// <summary>
/// Thousands of malformed bodies against every REST endpoint that reads one: each must be answered, and with anything
/// but a 5xx, and the console must live on. Bounded by count and time; the seed is printed (set TRAFFICCONSOLE_FUZZ_SEED
/// to replay it). Its own host: valid bodies the fuzzer stumbles on are really applied.
/// </summary>
public sealed class FuzzTests(ConsoleHostFixture fixture, ITestOutputHelper output) : IClassFixture<ConsoleHostFixture>
{
    private const int MaxBodies = 2000;
    private static readonly TimeSpan MaxTime = TimeSpan.FromSeconds(20);
    private static readonly JsonSerializerOptions WebJson = new(JsonSerializerDefaults.Web);

    private const string Traffic = """{"revision":"vs:1,dr:1","weights":{"v1":90,"v2":10},"mirror":{"version":"v2","percent":10.5}}""";
    private const string Rollback = """{"toRevision":"0123abcd","revision":"vs:1,dr:1","reason":"fuzz"}""";
    private const string RollbackToStable = """{"toStable":true,"reason":"fuzz"}""";
    private const string Promote = """{"version":"v1","revision":"vs:1,dr:1","reason":"fuzz"}""";

    private sealed record Target(HttpMethod Method, string Path, string[] Samples, string ContentType = "application/json");

    [Fact]
    public async Task Malformed_bodies_on_every_endpoint_that_reads_one_get_no_5xx_and_the_console_lives()
    {
        int seed = MalformedBodies.SeedFromEnvironment();
        output.WriteLine($"fuzz seed {seed} (TRAFFICCONSOLE_FUZZ_SEED={seed} replays it)");
        using HttpClient client = fixture.Host.CreateClient();
        // A real routing document as the PUT routing sample, so mutations reach deep into the intent.
        string routing = await client.GetStringAsync("api/v1/namespaces/bookinfo/services/reviews/routing");
        Target[] targets =
        [
            new(HttpMethod.Put, "api/v1/namespaces/bookinfo/services/ratings/traffic", [Traffic]),
            new(HttpMethod.Put, "api/v1/namespaces/bookinfo/services/reviews/routing", [routing]),
            new(HttpMethod.Post, "api/v1/namespaces/bookinfo/services/details/rollback", [Rollback, RollbackToStable]),
            new(HttpMethod.Post, "api/v1/namespaces/bookinfo/services/details/promote", [Promote]),
            new(HttpMethod.Put, "api/v1/namespaces/bookinfo/services/ratings/traffic", [Traffic], "application/yaml"),
        ];
        var generators = targets.Select((t, i) => new MalformedBodies(seed + i, t.Samples)).ToArray();
        List<string> failures = [];
        var clock = Stopwatch.StartNew();
        int sent = 0;
        for (; sent < MaxBodies && clock.Elapsed < MaxTime; sent++)
        {
            Target target = targets[sent % targets.Length];
            (byte[] body, string shape) = generators[sent % targets.Length].Next();
            using var request = new HttpRequestMessage(target.Method, target.Path) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(target.ContentType);
            try
            {
                using HttpResponseMessage response = await client.SendAsync(request);
                if ((int)response.StatusCode >= 500)
                {
                    failures.Add($"{(int)response.StatusCode} {target.Method} {target.Path} ({shape}): {Describe(body)} -> {Shorten(await response.Content.ReadAsStringAsync())}");
                }
            }
            catch (HttpRequestException ex)
            {
                failures.Add($"no answer {target.Method} {target.Path} ({shape}): {Describe(body)} -> {ex.Message}");
            }
        }

        output.WriteLine($"{sent} bodies in {clock.Elapsed.TotalSeconds:F1} s, {failures.Count} failures");
        Assert.True(sent >= 100, $"Only {sent} bodies were sent in {MaxTime}.");
        Assert.True(failures.Count == 0, $"seed {seed}:\n{string.Join('\n', failures.Take(20))}");
        using HttpResponseMessage health = await client.GetAsync("healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    private static string Describe(byte[] body) =>
        $"{body.Length} bytes, base64 {Shorten(Convert.ToBase64String(body.AsSpan(0, Math.Min(body.Length, 300))))}";

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "...";
}
