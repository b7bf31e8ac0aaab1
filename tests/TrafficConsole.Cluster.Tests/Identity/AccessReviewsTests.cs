using System.Collections.Immutable;

using TrafficConsole.Cluster.Identity;
using TrafficConsole.Sandbox.Auth;

namespace TrafficConsole.Cluster.Tests.Identity;

/// <summary>SelfSubjectAccessReviews as the user, against the sandbox's RBAC over real HTTP: the cluster's answers as result values.</summary>
public sealed class AccessReviewsTests
{
    private const string ViewerToken = "viewer-token-for-access-reviews";
    private const string StrangerToken = "stranger-token-for-access-reviews";

    private static readonly AccessQuery ListVirtualServices = new("list", "networking.istio.io", "virtualservices");
    private static readonly AccessQuery UpdateVirtualServices = new("update", "networking.istio.io", "virtualservices");
    private static readonly AccessQuery ListConfigMaps = new("list", string.Empty, "configmaps");

    [Fact]
    public async Task The_seeded_viewer_may_read_but_not_write_and_the_answers_come_in_the_order_asked()
    {
        await using TestCluster cluster = await StartAsync();
        AccessReviews reviews = new(new UserClients(cluster.Server.ClientConfiguration()));

        ImmutableArray<AccessAnswer> answers = await reviews.ReviewAsync(
            ClusterIdentity.WithToken("viewer", [], ViewerToken), "bookinfo", [ListVirtualServices, UpdateVirtualServices, ListConfigMaps]);

        Assert.Equal(3, answers.Length);
        Assert.IsType<AccessAnswer.Allowed>(answers[0]);
        Assert.IsType<AccessAnswer.Denied>(answers[1]);
        Assert.IsType<AccessAnswer.Allowed>(answers[2]);
    }

    [Fact]
    public async Task A_user_no_role_names_is_denied_everything()
    {
        await using TestCluster cluster = await StartAsync();
        AccessReviews reviews = new(new UserClients(cluster.Server.ClientConfiguration()));

        ImmutableArray<AccessAnswer> answers = await reviews.ReviewAsync(
            ClusterIdentity.WithToken("stranger", [], StrangerToken), "bookinfo", [ListVirtualServices, UpdateVirtualServices]);

        Assert.All(answers, static a => Assert.IsType<AccessAnswer.Denied>(a));
    }

    [Fact]
    public async Task A_token_the_cluster_does_not_accept_is_not_signed_in()
    {
        await using TestCluster cluster = await StartAsync();
        AccessReviews reviews = new(new UserClients(cluster.Server.ClientConfiguration()));

        ImmutableArray<AccessAnswer> answers = await reviews.ReviewAsync(
            ClusterIdentity.WithToken("mallory", [], "a-token-nobody-issued"), "bookinfo", [ListVirtualServices]);

        Assert.IsType<AccessAnswer.NotSignedIn>(Assert.Single(answers));
    }

    [Fact]
    public async Task An_API_server_that_is_gone_is_not_answered_with_what_went_wrong()
    {
        TestCluster cluster = await StartAsync();
        k8s.KubernetesClientConfiguration configuration = cluster.Server.ClientConfiguration();
        await cluster.DisposeAsync();
        AccessReviews reviews = new(new UserClients(configuration));

        ImmutableArray<AccessAnswer> answers = await reviews.ReviewAsync(
            ClusterIdentity.WithToken("viewer", [], ViewerToken), "bookinfo", [ListVirtualServices]);

        AccessAnswer.NotAnswered failed = Assert.IsType<AccessAnswer.NotAnswered>(Assert.Single(answers));
        Assert.False(string.IsNullOrWhiteSpace(failed.Detail));
    }

    private static Task<TestCluster> StartAsync() => TestCluster.StartForConsoleAsync(configure: static o =>
    {
        o.Tokens.Add(new SandboxToken(ViewerToken, "viewer", "uid-viewer"));
        o.Tokens.Add(new SandboxToken(StrangerToken, "stranger", "uid-stranger"));
    });
}
