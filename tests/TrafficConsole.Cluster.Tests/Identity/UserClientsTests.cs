using System.Net;
using System.Text;

using k8s;
using k8s.Models;

using TrafficConsole.Cluster.Identity;

namespace TrafficConsole.Cluster.Tests.Identity;

/// <summary>Who a per-user call is made as: impersonation headers on the console's credentials, or the user's own token.</summary>
public sealed class UserClientsTests
{
    [Fact]
    public async Task Impersonation_sends_the_user_and_each_group_under_its_own_alias_and_replaces_any_sent_before()
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
        Assert.False(capture.Request.Headers.Contains("Impersonate-Group"));
        Assert.Equal(["traffic-operators"], capture.Request.Headers.GetValues(GroupHeaderLines.AliasOf(0)));
        Assert.Equal(["system:authenticated"], capture.Request.Headers.GetValues(GroupHeaderLines.AliasOf(1)));
        Assert.False(capture.Request.Headers.Contains(GroupHeaderLines.AliasOf(2)));
    }

    [Fact]
    public void The_wire_names_of_the_aliases_become_Impersonate_Group_and_nothing_else_changes()
    {
        string request = "PUT /x HTTP/1.1\r\nImpersonate-User: alice\r\nImpersonate-Gr000: team-a\r\nImpersonate-Gr001: team-b\r\nX-Impersonate-Gr002: no\r\n\r\nImpersonate-Gr003: body text";
        byte[] bytes = Encoding.ASCII.GetBytes(request);

        int renamed = GroupHeaderLines.Rename(bytes);

        // Only alias names at the start of a header line are renamed; the header that merely ends with one is not.
        Assert.Equal(3, renamed);
        Assert.Equal(request.Replace("\r\nImpersonate-Gr000:", "\r\nImpersonate-Group:", StringComparison.Ordinal)
            .Replace("\r\nImpersonate-Gr001:", "\r\nImpersonate-Group:", StringComparison.Ordinal)
            .Replace("\r\nImpersonate-Gr003:", "\r\nImpersonate-Group:", StringComparison.Ordinal), Encoding.ASCII.GetString(bytes));
    }

    [Fact]
    public async Task The_API_server_sees_every_group_of_an_impersonated_user_as_a_group_of_its_own()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        UserClients users = new(cluster.Server.ClientConfiguration());
        using IKubernetes carol = users.ClientFor(ClusterIdentity.Impersonate("carol", ["team-a", "team-b"]));

        V1SelfSubjectReview review = await carol.AuthenticationV1.CreateSelfSubjectReviewAsync(new V1SelfSubjectReview());

        Assert.Equal("carol", review.Status.UserInfo.Username);
        Assert.Contains("team-a", review.Status.UserInfo.Groups);
        Assert.Contains("team-b", review.Status.UserInfo.Groups);
        Assert.DoesNotContain(review.Status.UserInfo.Groups, static g => g.Contains(',', StringComparison.Ordinal));
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
