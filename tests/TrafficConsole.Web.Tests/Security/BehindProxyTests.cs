using System.Net;

using TrafficConsole.TestIdentityProvider;

namespace TrafficConsole.Web.Tests.Security;

/// <summary>
/// The console as the Helm chart runs it: Production, a real cluster, plain http in the pod and TLS ending at the proxy in
/// front, whose X-Forwarded-Proto it trusts (<c>ASPNETCORE_FORWARDEDHEADERS_ENABLED</c>).
/// </summary>
public sealed class BehindProxyTests
{
    private const string PublicHost = "console.example.com";

    [Fact]
    public async Task Through_a_tls_proxy_cookies_are_secure_and_hsts_is_sent_and_plain_http_goes_to_https_but_probes_do_not()
    {
        await using ConsoleTestHost host = await SecurityHosts.TokenAsync(BehindProxy);
        using HttpClient client = new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = host.BaseUrl };

        using HttpResponseMessage https = await client.SendAsync(Forwarded("signin", "https"));
        using HttpResponseMessage plain = await client.SendAsync(Forwarded("signin", "http"));
        using HttpResponseMessage liveness = await client.GetAsync(new Uri("healthz", UriKind.Relative));
        using HttpResponseMessage readiness = await client.GetAsync(new Uri("readyz", UriKind.Relative));
        using HttpResponseMessage metrics = await client.GetAsync(new Uri("metrics", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, https.StatusCode);
        Assert.StartsWith("max-age=", string.Join(' ', https.Headers.GetValues("Strict-Transport-Security")), StringComparison.Ordinal);
        IEnumerable<string> cookies = https.Headers.GetValues("Set-Cookie");
        Assert.NotEmpty(cookies);
        Assert.All(cookies, c => Assert.Contains("; secure", c, StringComparison.OrdinalIgnoreCase));

        Assert.Equal(HttpStatusCode.TemporaryRedirect, plain.StatusCode);
        Assert.Equal($"https://{PublicHost}/signin", plain.Headers.Location!.ToString());

        Assert.Equal(HttpStatusCode.OK, liveness.StatusCode);
        Assert.Equal(HttpStatusCode.OK, readiness.StatusCode);
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
    }

    [Fact]
    public async Task Sign_in_through_the_provider_comes_back_to_the_https_address_the_browser_used()
    {
        await using TestOpenIdProvider provider = await TestOpenIdProvider.StartAsync();
        await using ConsoleTestHost host = await OpenIdTests.StartConsoleAsync(provider, BehindProxy);
        using HttpClient client = new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = host.BaseUrl };

        using HttpResponseMessage challenge = await client.SendAsync(Forwarded("namespaces/bookinfo/services", "https"));

        Assert.Equal(HttpStatusCode.Redirect, challenge.StatusCode);
        Uri authorize = challenge.Headers.Location!;
        Assert.StartsWith(provider.Issuer.ToString(), authorize.ToString(), StringComparison.Ordinal);
        Assert.Contains("redirect_uri=" + Uri.EscapeDataString($"https://{PublicHost}/signin-oidc"), authorize.Query, StringComparison.Ordinal);
        Assert.All(challenge.Headers.GetValues("Set-Cookie"), c => Assert.Contains("; secure", c, StringComparison.OrdinalIgnoreCase));
    }

    private static void BehindProxy(ConsoleTestHostOptions options)
    {
        options.AsRealCluster = true;
        options.Environment = "Production";
        // What the chart sets: trust the proxy's X-Forwarded-* headers; browsers use https on 443.
        options.Settings["FORWARDEDHEADERS_ENABLED"] = "true";
        options.Settings["HTTPS_PORT"] = "443";
    }

    private static HttpRequestMessage Forwarded(string path, string scheme)
    {
        HttpRequestMessage request = new(HttpMethod.Get, new Uri(path, UriKind.Relative));
        request.Headers.Host = PublicHost;
        request.Headers.Add("X-Forwarded-Proto", scheme);
        request.Headers.Add("X-Forwarded-For", "203.0.113.7");
        return request;
    }
}
