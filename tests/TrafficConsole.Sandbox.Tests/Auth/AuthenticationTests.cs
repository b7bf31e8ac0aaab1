using System.Net;
using TrafficConsole.Sandbox.Auth;
using TrafficConsole.Sandbox.Tests.Infrastructure;

namespace TrafficConsole.Sandbox.Tests.Auth;

/// <summary>Bearer tokens, the token file and anonymous requests, over real HTTP.</summary>
public sealed class AuthenticationTests
{
    [Fact]
    public async Task Without_a_token_a_locked_down_sandbox_answers_401_Status_but_health_and_version_stay_open()
    {
        await using var cluster = await TestCluster.StartAsync(SandboxSeed.None, configure: o => o.Anonymous = AnonymousAccess.Refused);

        var (status, body) = await cluster.SendAsAsync(null, HttpMethod.Get, "/api/v1/namespaces");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("Status", body.Str("kind"));
        Assert.Equal("Failure", body.Str("status"));
        Assert.Equal("Unauthorized", body.Str("reason"));
        Assert.Equal("Unauthorized", body.Str("message"));
        Assert.Equal(401, body.Int64Value("code"));

        Assert.Equal(HttpStatusCode.Unauthorized, (await cluster.SendAsAsync(null, HttpMethod.Get, "/apis")).Status);
        Assert.Equal(HttpStatusCode.OK, (await cluster.SendAsAsync(null, HttpMethod.Get, "/readyz")).Status);
        Assert.Equal(HttpStatusCode.OK, (await cluster.SendAsAsync(null, HttpMethod.Get, "/version")).Status);
    }

    [Fact]
    public async Task An_unknown_token_is_401_even_when_anonymous_requests_are_allowed()
    {
        await using var cluster = await TestCluster.StartAsync(SandboxSeed.None);

        var (status, body) = await cluster.SendAsAsync("not-a-token", HttpMethod.Get, "/api/v1/namespaces");

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("Unauthorized", body.Str("reason"));
        Assert.Equal(HttpStatusCode.OK, (await cluster.SendAsAsync(null, HttpMethod.Get, "/api/v1/namespaces")).Status);
    }

    [Fact]
    public async Task Anonymous_requests_under_Rbac_run_as_system_anonymous_and_are_forbidden()
    {
        await using var cluster = await TestCluster.StartAsync(SandboxSeed.None, configure: o => o.Anonymous = AnonymousAccess.Rbac);

        var (status, body) = await cluster.SendAsAsync(null, HttpMethod.Get, "/api/v1/namespaces/default/configmaps");

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal(
            "configmaps is forbidden: User \"system:anonymous\" cannot list resource \"configmaps\" in API group \"\" in the namespace \"default\"",
            body.Str("message"));

        var discovery = await cluster.SendAsAsync(null, HttpMethod.Get, "/api");
        Assert.Equal(HttpStatusCode.Forbidden, discovery.Status);
        Assert.Equal("forbidden: User \"system:anonymous\" cannot get path \"/api\"", discovery.Body.Str("message"));
        Assert.Equal(HttpStatusCode.OK, (await cluster.SendAsAsync(null, HttpMethod.Get, "/healthz")).Status);
    }

    [Fact]
    public async Task Users_from_a_token_file_authenticate_with_their_uid_and_groups_plus_system_authenticated()
    {
        using var dir = new TempDirectory();
        var file = Path.Combine(dir.Path, "tokens.csv");
        await File.WriteAllTextAsync(file, """
            carol-token,carol,uid-carol,"release-managers,dev"

            dave-token, dave, uid-dave
            """);
        await using var cluster = await TestCluster.StartAsync(SandboxSeed.None, configure: o => o.TokenFile = file);

        var (status, body) = await cluster.SendAsAsync("carol-token", HttpMethod.Post, "/apis/authentication.k8s.io/v1/selfsubjectreviews",
            """{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}""");
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("carol", body.Str("status.userInfo.username"));
        Assert.Equal("uid-carol", body.Str("status.userInfo.uid"));
        Assert.Equal(["release-managers", "dev", "system:authenticated"],
            body.At("status.userInfo.groups")!.AsArray().Select(g => (string)g!).ToArray());

        var dave = await cluster.SendAsAsync("dave-token", HttpMethod.Post, "/apis/authentication.k8s.io/v1/selfsubjectreviews",
            """{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}""");
        Assert.Equal("dave", dave.Body.Str("status.userInfo.username"));
        Assert.Equal(2, cluster.Server.Tokens.Length);
    }

    [Fact]
    public async Task A_malformed_token_file_stops_start_up_naming_the_file_and_line()
    {
        using var dir = new TempDirectory();
        var file = Path.Combine(dir.Path, "tokens.csv");
        await File.WriteAllTextAsync(file, "good,user,1\nonly-two,columns\n");

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => TestCluster.StartAsync(SandboxSeed.None, configure: o => o.TokenFile = file));

        Assert.Equal($"token file '{file}' line 2 must have at least 3 columns (token, user name, user uid), found 2", error.Message);
    }

    [Fact]
    public async Task The_admin_token_is_sandbox_admin_in_system_masters()
    {
        await using var cluster = await TestCluster.StartAsync(SandboxSeed.None);

        var (_, body) = await cluster.SendAsAsync(cluster.Server.AdminToken, HttpMethod.Post, "/apis/authentication.k8s.io/v1/selfsubjectreviews",
            """{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}""");

        Assert.Equal("sandbox-admin", body.Str("status.userInfo.username"));
        Assert.Equal(["system:masters", "system:authenticated"], body.At("status.userInfo.groups")!.AsArray().Select(g => (string)g!).ToArray());
    }
}
