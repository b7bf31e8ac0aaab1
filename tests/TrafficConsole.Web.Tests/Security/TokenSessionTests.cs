using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace TrafficConsole.Web.Tests.Security;

/// <summary>
/// Token sign-ins follow the cluster: "the cluster did not answer" is a 503 that recovers by itself, never a 401 that sends
/// the user to sign in again; "the cluster said no" (a revoked token) ends the session.
/// </summary>
public sealed class TokenSessionTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task While_the_api_server_is_frozen_a_bearer_request_is_503_naming_it_not_401_and_recovers_when_it_answers()
    {
        await using ConsoleTestHost host = await SecurityHosts.TokenAsync(o =>
        {
            o.ThroughFreezableProxy = true;
            // The review cache lapses at once, as it would during a longer outage.
            o.Settings["Auth:TokenReviewCacheDuration"] = "00:00:00.200";
            o.Settings["Auth:TokenReviewTimeout"] = "00:00:03";
        });
        using HttpClient viewer = host.BearerClient(SecurityHosts.ViewerToken);
        (HttpResponseMessage before, JsonElement listed) = await HttpJson.GetAsync(viewer, "api/v1/namespaces");
        Assert.True(before.StatusCode == HttpStatusCode.OK, listed.ToString());

        host.Proxy!.Freeze();
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        Stopwatch asking = Stopwatch.StartNew();
        (HttpResponseMessage during, JsonElement problem) = await HttpJson.GetAsync(viewer, "api/v1/namespaces");
        TimeSpan answeredIn = asking.Elapsed;

        Assert.True(during.StatusCode == HttpStatusCode.ServiceUnavailable, $"{(int)during.StatusCode} {problem}");
        string detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains($"The Kubernetes API server at {host.Traffic.Cluster.ServerUrl}", detail, StringComparison.Ordinal);
        Assert.Contains("nothing was written", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("sign in", detail, StringComparison.OrdinalIgnoreCase);
        Assert.True(answeredIn < TimeSpan.FromSeconds(15), $"the 503 took {answeredIn.TotalSeconds:0.0} s");
        Assert.DoesNotContain(SecurityHosts.ViewerToken, host.Log.RenderAll(), StringComparison.Ordinal);

        // Once the probe knows, the next requests are answered at once.
        Stopwatch again = Stopwatch.StartNew();
        (HttpResponseMessage next, _) = await HttpJson.GetAsync(viewer, "api/v1/namespaces");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, next.StatusCode);
        Assert.True(again.Elapsed < TimeSpan.FromSeconds(5), $"the second 503 took {again.Elapsed.TotalSeconds:0.0} s");

        host.Proxy.Thaw();

        await WaitForStatusAsync(viewer, "api/v1/namespaces", HttpStatusCode.OK);
    }

    private static async Task WaitForStatusAsync(HttpClient client, string path, HttpStatusCode expected)
    {
        DateTime deadline = DateTime.UtcNow + Bound;
        string last = "no answer";
        while (DateTime.UtcNow < deadline)
        {
            (HttpResponseMessage response, JsonElement body) = await HttpJson.GetAsync(client, path);
            if (response.StatusCode == expected)
            {
                return;
            }

            last = $"{(int)response.StatusCode} {body}";
            await Task.Delay(200);
        }

        throw new TimeoutException($"{path} did not answer {(int)expected} within {Bound.TotalSeconds} s; last: {last}");
    }
}
