using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TrafficConsole.Packaging.Tests.Chart;
using TrafficConsole.Packaging.Tests.Infrastructure;
using TrafficConsole.Sandbox;

namespace TrafficConsole.Packaging.Tests.Container;

/// <summary>
/// The Release publish output started the way the container starts it. There is no cluster here, so
/// the console runs in sandbox mode instead of the image's InCluster; everything else is the image's.
/// </summary>
public sealed class PublishedConsoleTests : IClassFixture<PublishedConsole>, IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly PublishedConsole _published;
    private readonly string _scratch = Directory.CreateTempSubdirectory("tc-run-").FullName;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public PublishedConsoleTests(PublishedConsole published)
    {
        _published = published;
    }

    public void Dispose()
    {
        _http.Dispose();
        try
        {
            Directory.Delete(_scratch, recursive: true);
        }
        catch (IOException)
        {
            // The killed process may still hold a file for a moment.
        }
    }

    [Fact]
    public async Task Started_like_the_container_it_answers_health_and_readiness_and_serves_the_dashboard()
    {
        Assert.True(File.Exists(Path.Combine(_published.Directory, _published.Dockerfile.Final.Entrypoint()![1])), "the ENTRYPOINT's dll is not in the publish output");
        int port = PublishedConsole.FreePort();
        string baseUrl = $"http://127.0.0.1:{port}";

        using ConsoleProcess console = _published.Start(
            new Dictionary<string, string>
            {
                ["ASPNETCORE_URLS"] = baseUrl,
                ["Cluster__Mode"] = "Sandbox",
            },
            _scratch);

        using HttpResponseMessage health = await console.WaitForOkAsync(_http, baseUrl + "/healthz", StartTimeout);
        using HttpResponseMessage ready = await console.WaitForOkAsync(_http, baseUrl + "/readyz", StartTimeout);
        using JsonDocument readiness = JsonDocument.Parse(await ready.Content.ReadAsStringAsync());
        Assert.Equal("Healthy", readiness.RootElement.GetProperty("status").GetString());

        using HttpResponseMessage page = await _http.GetAsync(baseUrl + "/");
        string html = await page.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<title>TrafficConsole</title>", html, StringComparison.Ordinal);
        Assert.Contains("_framework/blazor.web.js", html, StringComparison.Ordinal);

        // The static files the page needs are in the publish output, not only in the build tree.
        using HttpResponseMessage blazor = await _http.GetAsync(baseUrl + "/_framework/blazor.web.js");
        Assert.True(blazor.StatusCode == HttpStatusCode.OK, $"/_framework/blazor.web.js: {(int)blazor.StatusCode}\n{console.Output}");

        // The image's Sandbox__DataDir under /tmp became the scratch directory: state went there and nowhere else.
        Assert.True(Directory.EnumerateFileSystemEntries(_scratch, "*", SearchOption.AllDirectories).Any(), "the sandbox wrote nothing under the writable directory");

        // Logging__Format=json from the image: every log line is a JSON object.
        string[] lines = console.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.NotEmpty(lines);
        foreach (string line in lines)
        {
            using JsonDocument log = JsonDocument.Parse(line);
            Assert.Equal(JsonValueKind.Object, log.RootElement.ValueKind);
        }
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task As_the_image_user_with_only_its_tmp_writable_it_starts_and_gets_ready()
    {
        // The container runs as UID 1654 on a read-only root filesystem with /tmp an emptyDir. Here: the
        // publish output is not writable for the user, HOME, TMPDIR and the data directory map to one
        // scratch directory the user owns. Dropping to another user needs root; otherwise the current
        // (non-root) user plays the part.
        int uid = int.Parse(_published.Dockerfile.Final.All("USER").Last().Arguments, System.Globalization.CultureInfo.InvariantCulture);
        bool root = Environment.IsPrivilegedProcess;
        _published.MakeReadOnlyForOthers();
        if (root)
        {
            File.SetUnixFileMode(_scratch, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            ToolResult chown = await Tool.Find("chown").RunAsync([$"{uid}:{uid}", _scratch], stdin: null, TimeSpan.FromSeconds(30));
            Assert.True(chown.Succeeded, chown.ToString());
        }

        int port = PublishedConsole.FreePort();
        string baseUrl = $"http://127.0.0.1:{port}";
        using ConsoleProcess console = _published.Start(
            new Dictionary<string, string>
            {
                ["ASPNETCORE_URLS"] = baseUrl,
                ["Cluster__Mode"] = "Sandbox",
                ["TMPDIR"] = _scratch,
            },
            _scratch,
            root ? uid : null);

        (await console.WaitForOkAsync(_http, baseUrl + "/readyz", StartTimeout)).Dispose();
        using HttpResponseMessage page = await _http.GetAsync(baseUrl + "/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        if (root)
        {
            string status = await File.ReadAllTextAsync($"/proc/{console.Id}/status");
            Assert.Matches(new System.Text.RegularExpressions.Regex($@"(?m)^Uid:\s+{uid}\s+{uid}\s"), status);
        }

        Assert.DoesNotContain("UnauthorizedAccessException", console.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Read-only file system", console.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_published_app_runs_without_icu_as_the_chiseled_runtime_image_requires()
    {
        Assert.Contains("chiseled", _published.Dockerfile.Final.BaseImage, StringComparison.Ordinal);
        using JsonDocument runtimeConfig = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_published.Directory, "TrafficConsole.Web.runtimeconfig.json")));

        // Chiseled images carry no ICU (only the -extra variants do): without invariant mode the app dies at start.
        JsonElement properties = runtimeConfig.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");
        Assert.True(properties.GetProperty("System.Globalization.Invariant").GetBoolean());
        Assert.Equal("Microsoft.AspNetCore.App", runtimeConfig.RootElement.GetProperty("runtimeOptions").GetProperty("frameworks").EnumerateArray()
            .Select(static f => f.GetProperty("name").GetString()).Single(static n => n == "Microsoft.AspNetCore.App"));
    }

    [Fact]
    public async Task Every_api_call_the_running_console_makes_is_in_the_table_and_allowed_by_the_chart()
    {
        await using SandboxServer sandbox = await SandboxServer.StartAsync(new SandboxOptions { DataDirectory = Path.Combine(_scratch, "cluster"), Seed = SandboxSeed.Bookinfo });
        await using RecordingProxy proxy = await RecordingProxy.StartAsync(sandbox.Url);
        int port = PublishedConsole.FreePort();
        string baseUrl = $"http://127.0.0.1:{port}";
        string traffic = baseUrl + "/api/v1/namespaces/bookinfo/services/reviews/traffic";

        // The key ring Secret, empty, as the chart creates it.
        using (HttpRequestMessage create = new(HttpMethod.Post, new Uri(sandbox.Url, "api/v1/namespaces/default/secrets"))
        {
            Content = JsonContent.Create(new { apiVersion = "v1", kind = "Secret", metadata = new { name = ConsoleApiCalls.KeyRingSecretName }, type = "Opaque" }),
        })
        {
            create.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", sandbox.AdminToken);
            using HttpResponseMessage created = await _http.SendAsync(create);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        using (ConsoleProcess console = _published.Start(
            new Dictionary<string, string>
            {
                ["ASPNETCORE_URLS"] = baseUrl,
                ["Cluster__Mode"] = "Sandbox",
                ["Cluster__ServerUrl"] = proxy.Url.ToString().TrimEnd('/'),
                ["Cluster__Token"] = sandbox.AdminToken,
                ["DataProtection__KeysSecret"] = ConsoleApiCalls.KeyRingSecretName,
                ["DataProtection__KeysNamespace"] = "default",

                // A cap below the changes this test makes, so the history's pruning (configmaps delete) runs too.
                ["History__MaxRevisionsPerService"] = "2",
            },
            _scratch))
        {
            (await console.WaitForOkAsync(_http, baseUrl + "/readyz", StartTimeout)).Dispose();
            string[] versions = await VersionsAsync(baseUrl + "/api/v1/namespaces/bookinfo/services");
            Assert.True(versions.Length >= 3, $"reviews has versions {string.Join(", ", versions)}");

            // Start from plain Kubernetes routing (the seed may route reviews already).
            using (JsonDocument current = JsonDocument.Parse(await _http.GetStringAsync(traffic)))
            {
                if (current.RootElement.GetProperty("kind").GetString() != "None")
                {
                    await DeleteAsync(traffic, current.RootElement.GetProperty("revision").GetString()!, console);
                }
            }

            // Two versions (creates the VirtualService and a DestinationRule with a subset for every version, as Kiali
            // does); someone trims the DestinationRule to the two by hand (kubectl edit); then every version (adds the
            // subset back: both are updated), then back to plain routing (both deleted).
            string revision = await PutAsync(traffic, await CurrentRevisionAsync(traffic), Split(versions[..2], 10));
            await TrimSubsetsAsync(sandbox, versions[..2]);
            revision = await WaitForRevisionAfterAsync(traffic, revision, console);
            revision = await PutAsync(traffic, revision, Split(versions, 30));
            await DeleteAsync(traffic, revision, console);

            // Gateway API mesh routing, written straight to the sandbox (not through the proxy) as kubectl would:
            // one Service per version and an HTTPRoute attached to reviews; the sliders then update the HTTPRoute.
            await GatewayApiRoutingAsync(sandbox, versions);
            revision = await WaitForKindAsync(traffic, "Split", console);
            await PutAsync(traffic, revision, Split(versions[..2], 25));
        }

        var observed = proxy.Requests.Select(static r => KubeRequest.Parse(r.Method, r.Path, r.Query)).ToList();
        var calls = observed.Where(static r => r.Call is not null).Select(static r => r.Call!).ToList();
        List<ApiCall> expected = [.. ConsoleApiCalls.All, .. ConsoleApiCalls.KeyRing];
        HashSet<(string, string, string, CallScope)> table = [.. expected.Select(static c => (c.Group, c.Resource, c.Verb, c.Scope))];

        List<string> unknown = [.. calls.Where(c => !table.Contains((c.Group, c.Resource, c.Verb, c.Scope))).Select(static c => $"{c} <- {c.Source}").Distinct()];
        Assert.True(unknown.Count == 0, "The console made calls missing from ConsoleApiCalls (add them there and to the chart's rules): " + string.Join("; ", unknown));

        List<string> nonResource = [.. observed.Where(static r => r.NonResourcePath is not null).Select(static r => r.NonResourcePath!).Distinct()];
        Assert.All(nonResource, p => Assert.Contains(p, ConsoleApiCalls.NonResourcePaths));

        // Each write verb in the table was really exercised, so the table is not wider than the code.
        List<ApiCall> unseen = [.. expected.Where(t => !calls.Any(c => (c.Group, c.Resource, c.Verb, c.Scope) == (t.Group, t.Resource, t.Verb, t.Scope)))];
        Assert.True(unseen.Count == 0, "Table rows the running console never used: " + string.Join("; ", unseen));

        // And the chart's default RBAC allows every one of them for the console's service account.
        using var chart = new ChartRenderer();
        var grants = new RbacGrants(await chart.RenderAsync(ValueSet.Defaults), ChartRenderer.Release + "-traffic-console", ChartRenderer.Namespace);
        // The key ring is granted by name in the release's namespace only; everything else across all namespaces.
        List<ApiCall> denied = [.. calls.Where(c => c.Resource == "secrets"
            ? !grants.AllowsNamed(c, ChartRenderer.Namespace, ConsoleApiCalls.KeyRingSecretName)
            : !grants.Allows(c, null)).Distinct()];
        Assert.True(denied.Count == 0, "Denied by the chart: " + string.Join("; ", denied));
    }

    private static Dictionary<string, int> Split(string[] versions, int rest)
    {
        var weights = versions.Skip(1).ToDictionary(static v => v, _ => rest / (versions.Length - 1), StringComparer.Ordinal);
        weights[versions[0]] = 100 - weights.Values.Sum();
        return weights;
    }

    private static async Task GatewayApiRoutingAsync(SandboxServer sandbox, string[] versions)
    {
        using var direct = new HttpClient { BaseAddress = sandbox.Url };
        direct.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", sandbox.AdminToken);
        foreach (string version in versions[..2])
        {
            using HttpResponseMessage created = await direct.PostAsJsonAsync("api/v1/namespaces/bookinfo/services", new
            {
                apiVersion = "v1",
                kind = "Service",
                metadata = new { name = $"reviews-{version}" },
                spec = new { ports = new[] { new { port = 9080, name = "http" } }, selector = new Dictionary<string, string> { ["app"] = "reviews", ["version"] = version } },
            });
            Assert.True(created.IsSuccessStatusCode, $"Service reviews-{version}: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync()}");
        }

        using HttpResponseMessage route = await direct.PostAsJsonAsync("apis/gateway.networking.k8s.io/v1/namespaces/bookinfo/httproutes", new
        {
            apiVersion = "gateway.networking.k8s.io/v1",
            kind = "HTTPRoute",
            metadata = new { name = "reviews" },
            spec = new
            {
                parentRefs = new[] { new { kind = "Service", name = "reviews", port = 9080 } },
                rules = new[] { new { backendRefs = versions[..2].Select(static v => new { name = $"reviews-{v}", port = 9080, weight = 50 }).ToArray() } },
            },
        });
        Assert.True(route.IsSuccessStatusCode, $"HTTPRoute: {(int)route.StatusCode} {await route.Content.ReadAsStringAsync()}");
    }

    private static async Task TrimSubsetsAsync(SandboxServer sandbox, string[] keep)
    {
        using var direct = new HttpClient { BaseAddress = sandbox.Url };
        direct.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", sandbox.AdminToken);
        string patch = JsonSerializer.Serialize(new { spec = new { subsets = keep.Select(static v => new { name = v, labels = new Dictionary<string, string> { ["version"] = v } }).ToArray() } });
        using var request = new HttpRequestMessage(HttpMethod.Patch, "apis/networking.istio.io/v1/namespaces/bookinfo/destinationrules/reviews")
        {
            Content = new StringContent(patch, System.Text.Encoding.UTF8, "application/merge-patch+json"),
        };
        using HttpResponseMessage patched = await direct.SendAsync(request);
        Assert.True(patched.IsSuccessStatusCode, $"DestinationRule patch: {(int)patched.StatusCode} {await patched.Content.ReadAsStringAsync()}");
    }

    /// <summary>Polls the console until the service's routing revision is no longer <paramref name="revision"/>; returns the new one.</summary>
    private async Task<string> WaitForRevisionAfterAsync(string trafficUrl, string revision, ConsoleProcess console)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            string current = await CurrentRevisionAsync(trafficUrl);
            if (current != revision)
            {
                return current;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"The console never saw the DestinationRule edited by hand (revision still {revision})\n{console.Output}");
        return revision;
    }

    /// <summary>Polls the console until the service's routing is of <paramref name="kind"/>; returns its revision.</summary>
    private async Task<string> WaitForKindAsync(string trafficUrl, string kind, ConsoleProcess console)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(30);
        string last = string.Empty;
        while (DateTime.UtcNow < deadline)
        {
            last = await _http.GetStringAsync(trafficUrl);
            using JsonDocument doc = JsonDocument.Parse(last);
            if (doc.RootElement.GetProperty("kind").GetString() == kind)
            {
                return doc.RootElement.GetProperty("revision").GetString()!;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"The console never showed routing {kind}; last: {last}\n{console.Output}");
        return string.Empty;
    }

    private async Task<string[]> VersionsAsync(string servicesUrl)
    {
        using JsonDocument services = JsonDocument.Parse(await _http.GetStringAsync(servicesUrl));
        JsonElement reviews = services.RootElement.EnumerateArray().Single(static s => s.GetProperty("name").GetString() == "reviews");
        return [.. reviews.GetProperty("versions").EnumerateArray().Select(static v => v.GetProperty("name").GetString()!)];
    }

    private async Task DeleteAsync(string trafficUrl, string revision, ConsoleProcess console)
    {
        using HttpResponseMessage delete = await _http.DeleteAsync($"{trafficUrl}?revision={Uri.EscapeDataString(revision)}");
        Assert.True(delete.IsSuccessStatusCode, $"DELETE: {(int)delete.StatusCode} {await delete.Content.ReadAsStringAsync()}\n{console.Output}");
    }

    private async Task<string> CurrentRevisionAsync(string trafficUrl)
    {
        using JsonDocument doc = JsonDocument.Parse(await _http.GetStringAsync(trafficUrl));
        return doc.RootElement.GetProperty("revision").GetString()!;
    }

    private async Task<string> PutAsync(string trafficUrl, string? revision, Dictionary<string, int> weights)
    {
        using HttpResponseMessage response = await _http.PutAsJsonAsync(trafficUrl, new { revision, weights });
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"PUT {JsonSerializer.Serialize(weights)}: {(int)response.StatusCode} {body}");
        using JsonDocument doc = JsonDocument.Parse(body);
        return doc.RootElement.GetProperty("revision").GetString()!;
    }
}
