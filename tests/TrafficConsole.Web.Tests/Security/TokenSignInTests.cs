using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

using k8s;
using k8s.Models;

using Serilog.Events;

using TrafficConsole.Sandbox.Auth;

namespace TrafficConsole.Web.Tests.Security;

/// <summary>The token strategy over real HTTP: REST bearer tokens, the sign-in page, and that tokens never reach a log or a cookie.</summary>
public sealed partial class TokenSignInTests
{
    [Fact]
    public async Task Rest_without_credentials_is_401_and_health_stays_open()
    {
        await using ConsoleTestHost host = await SecurityHosts.TokenAsync();
        using HttpClient client = host.CreateClient();

        (HttpResponseMessage list, JsonElement problem) = await HttpJson.GetAsync(client, "api/v1/namespaces");
        HttpResponseMessage health = await client.GetAsync(new Uri("healthz", UriKind.Relative));
        HttpResponseMessage ready = await client.GetAsync(new Uri("readyz", UriKind.Relative));
        HttpResponseMessage metrics = await client.GetAsync(new Uri("metrics", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, list.StatusCode);
        Assert.Contains("Bearer", list.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Contains("Authorization: Bearer", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
    }

    [Fact]
    public async Task A_bad_token_on_rest_is_401_saying_the_cluster_did_not_accept_it()
    {
        await using ConsoleTestHost host = await SecurityHosts.TokenAsync();
        using HttpClient client = host.BearerClient("not-a-token-the-cluster-knows");

        (HttpResponseMessage response, JsonElement problem) = await HttpJson.GetAsync(client, "api/v1/namespaces");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("did not accept this token", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("not-a-token-the-cluster-knows", host.Log.RenderAll(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_write_with_a_token_is_made_as_its_user_and_recorded_with_their_name_never_the_token()
    {
        await using ConsoleTestHost host = await SecurityHosts.TokenAsync();
        using HttpClient client = host.BearerClient(host.AdminToken);

        (HttpResponseMessage response, JsonElement body) = await HttpJson.PutAsync(client, "api/v1/namespaces/bookinfo/services/reviews/traffic",
            """{ "weights": { "v1": 60, "v2": 40, "v3": 0 } }""");

        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        JsonElement vs = (await IstioObjects.VirtualServiceAsync(host.Kubernetes, "bookinfo", "reviews"))!.Value;
        // The sandbox's SelfSubjectReview says whose the token is; that user, not the console, made the change.
        Assert.Equal("sandbox-admin", IstioObjects.Annotation(vs, "trafficconsole.io/changed-by"));
        string log = host.Log.RenderAll();
        Assert.Contains("sandbox-admin changed traffic of bookinfo/reviews", Messages(host), StringComparison.Ordinal);
        Assert.DoesNotContain(host.AdminToken, log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_sign_in_page_says_why_a_bad_token_is_refused_and_a_good_one_signs_in_with_the_token_kept_server_side()
    {
        await using ConsoleTestHost host = await SecurityHosts.TokenAsync();
        CookieContainer cookies = new();
        using HttpClientHandler handler = new() { CookieContainer = cookies, AllowAutoRedirect = false };
        using HttpClient browser = new(handler) { BaseAddress = host.BaseUrl };

        HttpResponseMessage page = await browser.GetAsync(new Uri("namespaces/bookinfo/services", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.StartsWith("/signin", page.Headers.Location!.PathAndQuery, StringComparison.Ordinal);

        string form = await browser.GetStringAsync(page.Headers.Location);
        HttpResponseMessage refused = await PostTokenAsync(browser, form, "expired-or-wrong-token");
        string refusedPage = await refused.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("did not accept this token", refusedPage, StringComparison.Ordinal);
        Assert.DoesNotContain("expired-or-wrong-token", refusedPage, StringComparison.Ordinal);

        HttpResponseMessage signedIn = await PostTokenAsync(browser, refusedPage, host.AdminToken);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Equal("/namespaces/bookinfo/services", signedIn.Headers.Location!.OriginalString);
        Cookie session = cookies.GetAllCookies().Single(c => c.Name == ".TrafficConsole.Session");
        Assert.True(session.HttpOnly);
        Assert.DoesNotContain(host.AdminToken, session.Value, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(host.AdminToken)).TrimEnd('='), session.Value, StringComparison.Ordinal);

        HttpResponseMessage console = await browser.GetAsync(new Uri("namespaces/bookinfo/services", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, console.StatusCode);
        string log = host.Log.RenderAll();
        Assert.Contains("sandbox-admin signed in (token)", Messages(host), StringComparison.Ordinal);
        Assert.DoesNotContain(host.AdminToken, log, StringComparison.Ordinal);
        Assert.DoesNotContain("expired-or-wrong-token", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_SelfSubjectReview_a_token_is_checked_with_a_TokenReview_on_the_consoles_credentials()
    {
        await using ConsoleTestHost host = await SecurityHosts.TokenAsync();
        await WithoutSelfSubjectReviewAsync(host);
        using HttpClient viewer = host.BearerClient(SecurityHosts.ViewerToken);
        using HttpClient stranger = host.BearerClient("not-a-token-the-cluster-knows");

        (HttpResponseMessage accepted, JsonElement services) = await HttpJson.GetAsync(viewer, "api/v1/namespaces/bookinfo/services");
        (HttpResponseMessage refused, JsonElement problem) = await HttpJson.GetAsync(stranger, "api/v1/namespaces");

        Assert.True(accepted.StatusCode == HttpStatusCode.OK, services.ToString());
        Assert.Contains(services.EnumerateArray(), s => s.GetProperty("name").GetString() == "reviews");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("did not accept this token", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(SecurityHosts.ViewerToken, host.Log.RenderAll(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_SelfSubjectReview_or_the_right_to_review_tokens_sign_in_says_what_to_grant()
    {
        // The console runs as a service account that may read and write routing but not create tokenreviews.
        const string consoleToken = "console-sa-token-for-tests";
        await using ConsoleTestHost host = await SecurityHosts.TokenAsync(o =>
        {
            o.SandboxTokens.Add(new SandboxToken(consoleToken, "system:serviceaccount:trafficconsole:trafficconsole", "uid-console"));
            o.Settings["Cluster:Token"] = consoleToken;
            o.WaitUntilReady = false;
        });
        await host.Kubernetes.RbacAuthorizationV1.CreateClusterRoleAsync(new V1ClusterRole
        {
            Metadata = new V1ObjectMeta { Name = "console-without-tokenreviews" },
            Rules =
            [
                new V1PolicyRule
                {
                    ApiGroups = ["", "apps", "networking.istio.io", "gateway.networking.k8s.io", "authorization.k8s.io", "apiextensions.k8s.io"],
                    Resources = ["*"],
                    Verbs = ["*"],
                },
            ],
        });
        await host.Kubernetes.RbacAuthorizationV1.CreateClusterRoleBindingAsync(new V1ClusterRoleBinding
        {
            Metadata = new V1ObjectMeta { Name = "console-without-tokenreviews" },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = "console-without-tokenreviews" },
            Subjects = [new Rbacv1Subject { Kind = "User", Name = "system:serviceaccount:trafficconsole:trafficconsole" }],
        });
        await host.WaitUntilReadyAsync();
        await WithoutSelfSubjectReviewAsync(host);
        using HttpClient viewer = host.BearerClient(SecurityHosts.ViewerToken);

        (HttpResponseMessage response, JsonElement problem) = await HttpJson.GetAsync(viewer, "api/v1/namespaces");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("may not create tokenreviews (authentication.k8s.io)", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains(host.Log.Events, e => e.Level == LogEventLevel.Warning && CapturedLog.Literal(e).Contains("Token sign-in cannot work", StringComparison.Ordinal));
        Assert.DoesNotContain(SecurityHosts.ViewerToken, host.Log.RenderAll(), StringComparison.Ordinal);
    }

    // As on Kubernetes before 1.28: system:basic-user without selfsubjectreviews, so no token may ask who it is.
    private static async Task WithoutSelfSubjectReviewAsync(ConsoleTestHost host)
    {
        await host.Kubernetes.RbacAuthorizationV1.CreateClusterRoleAsync(new V1ClusterRole
        {
            Metadata = new V1ObjectMeta { Name = "system:basic-user" },
            Rules = [new V1PolicyRule { ApiGroups = ["authorization.k8s.io"], Resources = ["selfsubjectaccessreviews", "selfsubjectrulesreviews"], Verbs = ["create"] }],
        });
        using HttpClient sandbox = new() { BaseAddress = host.SandboxUrl };
        using HttpRequestMessage whoami = new(HttpMethod.Post, "apis/authentication.k8s.io/v1/selfsubjectreviews")
        {
            Content = new StringContent("""{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}""", System.Text.Encoding.UTF8, "application/json"),
        };
        whoami.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", SecurityHosts.ViewerToken);
        using HttpResponseMessage answer = await sandbox.SendAsync(whoami);
        Assert.Equal(HttpStatusCode.Forbidden, answer.StatusCode);
    }

    [Fact]
    public async Task A_sign_in_without_the_antiforgery_token_is_refused()
    {
        await using ConsoleTestHost host = await SecurityHosts.TokenAsync();
        using HttpClient client = host.CreateClient();

        using FormUrlEncodedContent body = new(new Dictionary<string, string> { ["token"] = host.AdminToken, ["returnUrl"] = "/" });
        HttpResponseMessage response = await client.PostAsync(new Uri("signin", UriKind.Relative), body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("sign-in form expired", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(HardeningTests.PathSpellings), MemberType = typeof(HardeningTests))]
    public async Task A_signed_in_browsers_cookie_alone_is_refused_on_rest_whatever_the_path_spelling(string prefix)
    {
        await using ConsoleTestHost host = await SecurityHosts.TokenAsync();
        (HttpClient browser, HttpClientHandler handler) = await SignedInBrowserAsync(host);
        using (handler)
        using (browser)
        {
            string? before = await VirtualServiceVersionAsync(host);

            (HttpResponseMessage write, _) = await HttpJson.PutAsync(browser, $"{prefix}/namespaces/bookinfo/services/reviews/traffic", """{ "weights": { "v1": 50, "v2": 50, "v3": 0 } }""");
            (HttpResponseMessage read, _) = await HttpJson.GetAsync(browser, $"{prefix}/namespaces");
            HttpResponseMessage page = await browser.GetAsync(new Uri("namespaces/bookinfo/services", UriKind.Relative));

            // Another site could make a signed-in browser send these: REST takes bearer tokens only, whatever the spelling.
            Assert.Equal(HttpStatusCode.Unauthorized, write.StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, read.StatusCode);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Equal(before, await VirtualServiceVersionAsync(host));
        }
    }

    [Fact]
    public async Task A_return_url_that_is_not_a_path_of_the_console_sends_the_user_to_the_start_page()
    {
        await using ConsoleTestHost host = await SecurityHosts.TokenAsync();
        // Browsers drop tab, CR and LF from URLs and read a backslash as a slash: "/\t/evil.example" becomes "//evil.example".
        string[] foreign = ["/\t/evil.example", "/\r\nSet-Cookie: x=y", "/\n/evil.example", "/\\evil.example", "/x\\..\\\\evil.example", "//evil.example", "https://evil.example/", "/\u007f/evil.example", "evil.example"];

        foreach (string returnUrl in foreign)
        {
            CookieContainer cookies = new();
            using HttpClientHandler handler = new() { CookieContainer = cookies, AllowAutoRedirect = false };
            using HttpClient browser = new(handler) { BaseAddress = host.BaseUrl };

            HttpResponseMessage form = await browser.GetAsync(new Uri("signin?returnUrl=" + Uri.EscapeDataString(returnUrl), UriKind.Relative));
            string html = await form.Content.ReadAsStringAsync();
            Assert.True(form.StatusCode == HttpStatusCode.OK, $"{Uri.EscapeDataString(returnUrl)}: {(int)form.StatusCode}");
            Assert.Equal("/", WebUtility.HtmlDecode(ReturnUrl().Match(html).Groups[1].Value));

            // Posted directly (not from the page's hidden field), the form's returnUrl gets the same check.
            Match antiforgery = HiddenField().Match(html);
            using FormUrlEncodedContent body = new(new Dictionary<string, string>
            {
                [WebUtility.HtmlDecode(antiforgery.Groups[1].Value)] = WebUtility.HtmlDecode(antiforgery.Groups[2].Value),
                ["returnUrl"] = returnUrl,
                ["token"] = host.AdminToken,
            });
            HttpResponseMessage signedIn = await browser.PostAsync(new Uri("signin", UriKind.Relative), body);

            Assert.True(signedIn.StatusCode == HttpStatusCode.Redirect, $"{Uri.EscapeDataString(returnUrl)}: {(int)signedIn.StatusCode}");
            Assert.Equal("/", signedIn.Headers.Location!.OriginalString);
        }
    }

    [Fact]
    public async Task A_flood_of_the_same_bad_token_costs_the_api_server_one_review()
    {
        await using ConsoleTestHost host = await SecurityHosts.TokenAsync();
        using HttpClient garbage = host.BearerClient("garbage-token-of-a-flood");
        using HttpClient other = host.BearerClient("another-garbage-token");
        long before = await RefusedApiServerCallsAsync(host);

        for (int i = 0; i < 10; i++)
        {
            (HttpResponseMessage response, JsonElement problem) = await HttpJson.GetAsync(garbage, "api/v1/namespaces");
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Contains("did not accept this token", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        // At once, too: requests that arrive while the first review is under way wait for its answer.
        (HttpResponseMessage Response, JsonElement Body)[] burst = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => HttpJson.GetAsync(other, "api/v1/namespaces")));
        long after = await RefusedApiServerCallsAsync(host);

        Assert.All(burst, static r => Assert.Equal(HttpStatusCode.Unauthorized, r.Response.StatusCode));
        Assert.Equal(2, after - before);
        // A good token is still reviewed and accepted.
        using HttpClient viewer = host.BearerClient(SecurityHosts.ViewerToken);
        Assert.Equal(HttpStatusCode.OK, (await HttpJson.GetAsync(viewer, "api/v1/namespaces")).Response.StatusCode);
    }

    // The console's own count of API server answers 401 (its /metrics): each is one review of a token the cluster refused.
    private static async Task<long> RefusedApiServerCallsAsync(ConsoleTestHost host)
    {
        using HttpClient client = host.CreateClient();
        string metrics = await client.GetStringAsync(new Uri("metrics", UriKind.Relative));
        return RefusedSeries().Matches(metrics).Sum(static m => long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    private static async Task<string?> VirtualServiceVersionAsync(ConsoleTestHost host) =>
        await IstioObjects.VirtualServiceAsync(host.Kubernetes, "bookinfo", "reviews") is { } vs ? IstioObjects.ResourceVersion(vs) : null;

    /// <summary>A browser signed in with the admin token through the sign-in form: it holds the session cookie only.</summary>
    internal static async Task<(HttpClient Browser, HttpClientHandler Handler)> SignedInBrowserAsync(ConsoleTestHost host)
    {
        HttpClientHandler handler = new() { CookieContainer = new CookieContainer(), AllowAutoRedirect = false };
        HttpClient browser = new(handler) { BaseAddress = host.BaseUrl };
        string form = await browser.GetStringAsync(new Uri("signin", UriKind.Relative));
        HttpResponseMessage signedIn = await PostTokenAsync(browser, form, host.AdminToken);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        return (browser, handler);
    }

    private static string Messages(ConsoleTestHost host) => string.Join('\n', host.Log.Events.Select(CapturedLog.Literal));

    internal static async Task<HttpResponseMessage> PostTokenAsync(HttpClient browser, string formHtml, string token)
    {
        Match antiforgery = HiddenField().Match(formHtml);
        Assert.True(antiforgery.Success, formHtml);
        string returnUrl = WebUtility.HtmlDecode(ReturnUrl().Match(formHtml).Groups[1].Value);
        using FormUrlEncodedContent body = new(new Dictionary<string, string>
        {
            [WebUtility.HtmlDecode(antiforgery.Groups[1].Value)] = WebUtility.HtmlDecode(antiforgery.Groups[2].Value),
            ["returnUrl"] = returnUrl,
            ["token"] = token,
        });
        return await browser.PostAsync(new Uri("signin", UriKind.Relative), body);
    }

    [GeneratedRegex("<input type=\"hidden\" name=\"(__RequestVerificationToken[^\"]*)\" value=\"([^\"]+)\"")]
    private static partial Regex HiddenField();

    [GeneratedRegex("name=\"returnUrl\" value=\"([^\"]*)\"")]
    private static partial Regex ReturnUrl();

    [GeneratedRegex("^trafficconsole_apiserver_request_duration_seconds_count\\{[^}]*code=\"401\"[^}]*\\} (\\d+)", RegexOptions.Multiline)]
    private static partial Regex RefusedSeries();
}
