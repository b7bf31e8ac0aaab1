using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Xunit.Abstractions;

namespace TrafficConsole.Sandbox.Tests.Api;

/// <summary>
/// Thousands of malformed bodies against every sandbox endpoint that reads one: each must be answered, and with
/// anything but a 5xx. Bounded by count and time; the seed is printed (set TRAFFICCONSOLE_FUZZ_SEED to replay it).
/// </summary>
public sealed class FuzzTests(ITestOutputHelper output)
{
    private const int MaxBodies = 2000;
    private static readonly TimeSpan MaxTime = TimeSpan.FromSeconds(20);

    private const string ConfigMapJson = """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"fuzz","labels":{"app":"x"},"annotations":{"a":"b"}},"data":{"k":"v","n":"1"},"binaryData":{"b":"AAEC"}}""";
    private const string VirtualServiceJson = """{"apiVersion":"networking.istio.io/v1","kind":"VirtualService","metadata":{"name":"catalog","namespace":"shop","resourceVersion":"1"},"spec":{"hosts":["catalog"],"http":[{"match":[{"headers":{"end-user":{"exact":"jason"}}}],"route":[{"destination":{"host":"catalog","subset":"v1"},"weight":90},{"destination":{"host":"catalog","subset":"v2"},"weight":10}],"timeout":"5s","retries":{"attempts":3}}]}}""";
    private const string DeploymentPatch = """{"spec":{"replicas":2,"template":{"metadata":{"labels":{"version":"v1"}},"spec":{"containers":[{"name":"reviews","image":"x:1","ports":[{"containerPort":9080}]}]}}}}""";
    private const string JsonPatch = """[{"op":"replace","path":"/spec/http/0/route/0/weight","value":80},{"op":"add","path":"/metadata/labels","value":{"a":"b"}},{"op":"test","path":"/spec/hosts/0","value":"catalog"},{"op":"remove","path":"/spec/http/0/timeout"},{"op":"move","from":"/spec/hosts","path":"/spec/x"}]""";
    private const string AccessReview = """{"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectAccessReview","spec":{"resourceAttributes":{"namespace":"shop","verb":"list","group":"networking.istio.io","resource":"virtualservices"}}}""";
    private const string DeleteOptions = """{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Foreground","gracePeriodSeconds":0,"preconditions":{"uid":"x","resourceVersion":"1"},"dryRun":["All"]}""";
    private const string ConfigMapYaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fuzz\n  labels: {app: x}\ndata:\n  k: v\n  script: |\n    echo hi\nlist: &l [1, 2]\nother: *l\n";

    private sealed record Target(HttpMethod Method, string Path, string ContentType, string[] Samples);

    private static readonly Target[] Targets =
    [
        new(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", "application/json", [ConfigMapJson]),
        new(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", "application/yaml", [ConfigMapYaml, ConfigMapJson]),
        new(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", "application/vnd.kubernetes.protobuf", [ConfigMapJson]),
        new(HttpMethod.Put, "/api/v1/namespaces/default/configmaps/fuzz", "application/json", [ConfigMapJson]),
        new(HttpMethod.Post, "/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices", "application/json", [VirtualServiceJson]),
        new(HttpMethod.Put, "/apis/networking.istio.io/v1/namespaces/shop/virtualservices/catalog", "application/json", [VirtualServiceJson]),
        new(HttpMethod.Patch, "/apis/networking.istio.io/v1/namespaces/shop/virtualservices/catalog", "application/merge-patch+json", [VirtualServiceJson]),
        new(HttpMethod.Patch, "/apis/networking.istio.io/v1/namespaces/shop/virtualservices/catalog", "application/json-patch+json", [JsonPatch]),
        new(HttpMethod.Patch, "/apis/networking.istio.io/v1/namespaces/shop/virtualservices/catalog?fieldManager=fuzz&force=true", "application/apply-patch+yaml", [VirtualServiceJson, ConfigMapYaml]),
        new(HttpMethod.Patch, "/apis/apps/v1/namespaces/bookinfo/deployments/reviews-v1", "application/strategic-merge-patch+json", [DeploymentPatch]),
        new(HttpMethod.Patch, "/api/v1/namespaces/default/configmaps/fuzz-apply?fieldManager=fuzz", "application/apply-patch+yaml", [ConfigMapYaml]),
        new(HttpMethod.Post, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", "application/json", [AccessReview]),
        new(HttpMethod.Post, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", "application/yaml", [AccessReview]),
        new(HttpMethod.Delete, "/api/v1/namespaces/default/configmaps/fuzz", "application/json", [DeleteOptions]),
    ];

    [Fact]
    public async Task Malformed_bodies_on_every_endpoint_that_reads_one_get_no_5xx_and_the_sandbox_lives()
    {
        int seed = MalformedBodies.SeedFromEnvironment();
        output.WriteLine($"fuzz seed {seed} (TRAFFICCONSOLE_FUZZ_SEED={seed} replays it)");
        await using var cluster = await TestCluster.StartAsync();
        var generators = Targets.Select((t, i) => new MalformedBodies(seed + i, t.Samples)).ToArray();
        List<string> failures = [];
        var clock = Stopwatch.StartNew();
        int sent = 0;
        for (; sent < MaxBodies && clock.Elapsed < MaxTime; sent++)
        {
            var target = Targets[sent % Targets.Length];
            var (body, shape) = generators[sent % Targets.Length].Next();
            using var request = new HttpRequestMessage(target.Method, target.Path) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(target.ContentType);
            try
            {
                using var response = await cluster.Http.SendAsync(request);
                if ((int)response.StatusCode >= 500)
                {
                    failures.Add($"{(int)response.StatusCode} {target.Method} {target.Path} ({target.ContentType}, {shape}): {Describe(body)} -> {Shorten(await response.Content.ReadAsStringAsync())}");
                }
            }
            catch (HttpRequestException ex)
            {
                failures.Add($"no answer {target.Method} {target.Path} ({target.ContentType}, {shape}): {Describe(body)} -> {ex.Message}");
            }
        }

        output.WriteLine($"{sent} bodies in {clock.Elapsed.TotalSeconds:F1} s, {failures.Count} failures");
        Assert.True(sent >= 100, $"Only {sent} bodies were sent in {MaxTime}.");
        Assert.True(failures.Count == 0, $"seed {seed}:\n{string.Join('\n', failures.Take(20))}");
        Assert.Equal(HttpStatusCode.OK, (await cluster.GetAsync("/version")).Status);
    }

    private static string Describe(byte[] body) =>
        $"{body.Length} bytes, base64 {Shorten(Convert.ToBase64String(body.AsSpan(0, Math.Min(body.Length, 300))))}";

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "...";
}
