using System.Net;
using System.Text;
using System.Text.Json;

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace TrafficConsole.Web.Tests.Security;

/// <summary>Security headers, REST write rate limits and body limits, over real HTTP, whatever the spelling of the REST path.</summary>
public sealed class HardeningTests
{
    [Fact]
    public async Task Every_response_carries_the_csp_frame_ancestors_nosniff_and_referrer_policy()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        using HttpClient client = host.CreateClient();

        foreach (string path in new[] { "namespaces/bookinfo/services", "api/v1/namespaces", "healthz" })
        {
            HttpResponseMessage response = await client.GetAsync(new Uri(path, UriKind.Relative));
            string csp = string.Join(' ', response.Headers.GetValues("Content-Security-Policy"));

            Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
            Assert.Contains("script-src 'self';", csp, StringComparison.Ordinal);
            Assert.DoesNotContain("unsafe-eval", csp, StringComparison.Ordinal);
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        }
    }

    [Fact]
    public async Task Error_answers_carry_the_security_headers_too()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync(Options(o => o.Configure = static b => b.Services.AddSingleton<IStartupFilter, ThrowingPath>()));
        using HttpClient client = host.CreateClient();
        string huge = new('x', 2 * 1024 * 1024);

        List<HttpResponseMessage> answers =
        [
            await client.GetAsync(new Uri(ThrowingPath.Path.TrimStart('/'), UriKind.Relative)),
            await client.GetAsync(new Uri("api/v1/no-such-thing", UriKind.Relative)),
            await client.GetAsync(new Uri("no-such-page", UriKind.Relative)),
            await client.PutAsync(new Uri("api/v1/namespaces/bookinfo/services/details/traffic", UriKind.Relative), new StringContent(huge, Encoding.UTF8, "application/json")),
            await client.PutAsync(new Uri("api/v1/namespaces/bookinfo/services/details/traffic", UriKind.Relative), new StringContent("not json", Encoding.UTF8, "application/json")),
        ];

        Assert.Equal(
            [HttpStatusCode.InternalServerError, HttpStatusCode.NotFound, HttpStatusCode.NotFound, HttpStatusCode.RequestEntityTooLarge, HttpStatusCode.BadRequest],
            answers.Select(static a => a.StatusCode));
        Assert.All(answers, static response =>
        {
            Assert.True(response.Headers.TryGetValues("Content-Security-Policy", out IEnumerable<string>? csp), $"{(int)response.StatusCode} {response.RequestMessage!.RequestUri} has no CSP");
            Assert.Contains("frame-ancestors 'none'", string.Join(' ', csp), StringComparison.Ordinal);
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
            Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        });
    }

    /// <summary>Routing matches paths ignoring case, so every spelling of the REST prefix must meet the same guards.</summary>
    public static TheoryData<string> PathSpellings => ["api/v1", "API/v1", "Api/v1", "api/V1"];

    [Theory]
    [MemberData(nameof(PathSpellings))]
    public async Task Rest_writes_past_the_per_user_limit_get_429_with_retry_after_and_write_nothing(string prefix)
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync(Options(o => o.Settings["Auth:WritesPerMinute"] = "2"));
        using HttpClient client = host.CreateClient();
        string path = $"{prefix}/namespaces/bookinfo/services/ratings/traffic";

        (HttpResponseMessage first, _) = await HttpJson.PutAsync(client, path, """{ "weights": { "v1": 100 } }""");
        (HttpResponseMessage second, _) = await HttpJson.DeleteAsync(client, path);
        (HttpResponseMessage third, JsonElement problem) = await HttpJson.PutAsync(client, path, """{ "weights": { "v1": 100 } }""");
        (HttpResponseMessage read, _) = await HttpJson.GetAsync(client, path);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.True(int.Parse(third.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) >= 1);
        Assert.Contains("Auth:WritesPerMinute", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        // The refused PUT wrote nothing: the delete left ratings without routing.
        Assert.Null(await IstioObjects.VirtualServiceAsync(host.Kubernetes, "bookinfo", "ratings"));
    }

    [Theory]
    [MemberData(nameof(PathSpellings))]
    public async Task A_rest_body_over_one_mebibyte_is_refused_with_413_with_or_without_a_content_length(string prefix)
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        using HttpClient client = host.CreateClient();
        string huge = "{ \"weights\": { \"v1\": 100 }, \"padding\": \"" + new string('x', 2 * 1024 * 1024) + "\" }";

        foreach (bool chunked in new[] { false, true })
        {
            foreach (string path in new[] { "namespaces/bookinfo/services/details/traffic", "namespaces/bookinfo/services/details/routing" })
            {
                using HttpRequestMessage request = new(HttpMethod.Put, new Uri($"{prefix}/{path}", UriKind.Relative))
                {
                    Content = new StringContent(huge, Encoding.UTF8, "application/json"),
                };
                // Chunked: no Content-Length up front, so only Kestrel's limit (set by routing for the endpoint) can stop it.
                request.Headers.TransferEncodingChunked = chunked;
                HttpResponseMessage response;
                try
                {
                    response = await client.SendAsync(request);
                }
                catch (HttpRequestException ex)
                {
                    throw new Xunit.Sdk.XunitException($"{prefix}/{path} chunked={chunked}: no answer ({ex.Message} {ex.InnerException?.Message})");
                }

                string text = await response.Content.ReadAsStringAsync();

                Assert.True(response.StatusCode == HttpStatusCode.RequestEntityTooLarge, $"{prefix}/{path} chunked={chunked}: {(int)response.StatusCode} {text}");
                Assert.Contains("at most 1024 KiB", JsonDocument.Parse(text).RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
            }
        }

        Assert.Null(await IstioObjects.VirtualServiceAsync(host.Kubernetes, "bookinfo", "details"));
        // The request log says what the client got: 413, not the 500 of an exception on its way to the handler.
        int[] logged = [.. host.Log.Events
            .Where(static e => e.Properties.ContainsKey("Elapsed") && e.Properties["RequestPath"].ToString().Contains("/services/details/", StringComparison.Ordinal))
            .Select(static e => int.Parse(e.Properties["StatusCode"].ToString(), System.Globalization.CultureInfo.InvariantCulture))];
        Assert.Equal([413, 413, 413, 413], logged);
    }

    /// <summary>A request that ends in an exception, as a bug would: the app's 500 must carry the headers too.</summary>
    private sealed class ThrowingPath : IStartupFilter
    {
        public const string Path = "/test-only/throws";

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            next(app);
            // After the console's pipeline: reached only by requests no endpoint answered, inside its exception handler.
            app.Use(static (HttpContext http, RequestDelegate rest) => http.Request.Path == Path
                ? throw new InvalidOperationException("A bug, for the test.")
                : rest(http));
        };
    }

    private static ConsoleTestHostOptions Options(Action<ConsoleTestHostOptions> configure)
    {
        ConsoleTestHostOptions options = new();
        configure(options);
        return options;
    }
}
