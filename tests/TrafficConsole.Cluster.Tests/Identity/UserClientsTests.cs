using System.Net;

using TrafficConsole.Cluster.Identity;

namespace TrafficConsole.Cluster.Tests.Identity;

/// <summary>Who a per-user call is made as: impersonation headers on the console's credentials, or the user's own token.</summary>
public sealed class UserClientsTests
{
    [Fact]
    public async Task Impersonation_sends_the_user_and_one_header_per_group_and_replaces_any_sent_before()
    {
        Capture capture = new();
        using ImpersonationHandler handler = new((ClusterIdentity.Impersonated)ClusterIdentity.Impersonate("alice", ["traffic-operators", "system:authenticated", "traffic-operators"]))
        {
            InnerHandler = capture,
        };
        using HttpClient client = new(handler);
        using HttpRequestMessage request = new(HttpMethod.Put, "http://127.0.0.1/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices/reviews");
        request.Headers.TryAddWithoutValidation("Impersonate-User", "mallory");

        await client.SendAsync(request);

        Assert.Equal(["alice"], capture.Request!.Headers.GetValues("Impersonate-User"));
        Assert.Equal(["traffic-operators", "system:authenticated"], capture.Request.Headers.GetValues("Impersonate-Group"));
    }

    [Fact]
    public void A_token_identity_never_shows_its_token_and_is_cached_by_fingerprint()
    {
        ClusterIdentity identity = ClusterIdentity.WithToken("bob", ["traffic-viewers"], "s3cr3t-token-value");

        Assert.Equal("bob (traffic-viewers)", identity.ToString());
        Assert.DoesNotContain("s3cr3t", identity.CacheKey, StringComparison.Ordinal);
        Assert.Equal(identity.CacheKey, ClusterIdentity.WithToken("bob", [], "s3cr3t-token-value").CacheKey);
        Assert.NotEqual(identity.CacheKey, ClusterIdentity.WithToken("bob", [], "another-token").CacheKey);
    }

    private sealed class Capture : HttpMessageHandler
    {
        public HttpRequestMessage? Request { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Request = request;
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK));
        }
    }
}
