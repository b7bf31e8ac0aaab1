using TrafficConsole.Cluster.Connection;
using TrafficConsole.Cluster.Identity;
using TrafficConsole.Sandbox.Auth;

namespace TrafficConsole.Cluster.Tests.Identity;

/// <summary>Whose a bearer token is, asked of the sandbox over real HTTP: SelfSubjectReview with the token, TokenReview on the console's credentials.</summary>
public sealed class TokenReviewsTests
{
    private const string ViewerToken = "viewer-token-for-token-reviews";
    private const string ConsoleToken = "console-token-for-token-reviews";

    [Fact]
    public async Task A_token_asks_who_it_is_and_the_cluster_names_the_user_and_groups()
    {
        await using TestCluster cluster = await StartAsync();
        TokenReviews reviews = Reviews(cluster);

        TokenAnswer.Known known = Assert.IsType<TokenAnswer.Known>(await reviews.ReviewSelfAsync(ViewerToken));

        Assert.Equal("viewer", known.User);
        Assert.Contains("trafficconsole:viewers", known.Groups);
        Assert.Contains("system:authenticated", known.Groups);
    }

    [Fact]
    public async Task A_token_nobody_issued_is_refused_by_both_reviews()
    {
        await using TestCluster cluster = await StartAsync();
        TokenReviews reviews = Reviews(cluster);

        Assert.IsType<TokenAnswer.Refused>(await reviews.ReviewSelfAsync("a-token-nobody-issued"));
        Assert.IsType<TokenAnswer.Refused>(await reviews.ReviewAsync("a-token-nobody-issued"));
    }

    [Fact]
    public async Task A_TokenReview_on_credentials_that_may_create_them_names_the_user()
    {
        await using TestCluster cluster = await StartAsync();
        TokenReviews reviews = Reviews(cluster);

        TokenAnswer.Known known = Assert.IsType<TokenAnswer.Known>(await reviews.ReviewAsync(ViewerToken));

        Assert.Equal("viewer", known.User);
    }

    [Fact]
    public async Task A_console_that_may_not_create_tokenreviews_hears_so()
    {
        await using TestCluster cluster = await StartAsync();
        // The viewer's own credentials as the console's: it may read the mesh, not review tokens.
        TokenReviews reviews = Reviews(cluster, cluster.Server.ClientConfiguration(ViewerToken));

        Assert.IsType<TokenAnswer.ReviewForbidden>(await reviews.ReviewAsync(ConsoleToken));
    }

    [Fact]
    public async Task An_API_server_that_is_gone_is_not_answered()
    {
        TestCluster cluster = await StartAsync();
        k8s.KubernetesClientConfiguration configuration = cluster.Server.ClientConfiguration();
        await cluster.DisposeAsync();
        TokenReviews reviews = Reviews(null, configuration);

        Assert.IsType<TokenAnswer.NotAnswered>(await reviews.ReviewSelfAsync(ViewerToken));
        Assert.IsType<TokenAnswer.NotAnswered>(await reviews.ReviewAsync(ViewerToken));
    }

    private static TokenReviews Reviews(TestCluster? cluster, k8s.KubernetesClientConfiguration? configuration = null)
    {
        configuration ??= cluster!.Server.ClientConfiguration();
        return new TokenReviews(ClusterConnection.Over(new k8s.Kubernetes(configuration), configuration), new UserClients(configuration));
    }

    private static Task<TestCluster> StartAsync() => TestCluster.StartForConsoleAsync(configure: static o =>
    {
        o.Tokens.Add(new SandboxToken(ViewerToken, "viewer", "uid-viewer", ["trafficconsole:viewers"]));
        o.Tokens.Add(new SandboxToken(ConsoleToken, "trafficconsole", "uid-console"));
    });
}
