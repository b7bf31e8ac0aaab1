using System.Net;
using System.Text.Json;
using TrafficConsole.Web.Tests.Infrastructure;

namespace TrafficConsole.Web.Tests.Integration;

/// <summary>The API describes itself, and the host serves the UI's pages and assets.</summary>
public sealed class OpenApiTests(ConsoleHostFixture fixture) : IClassFixture<ConsoleHostFixture>
{
    [Fact]
    public async Task The_openapi_document_lists_every_endpoint_with_its_answers()
    {
        using HttpClient client = fixture.Host.CreateClient();

        (HttpResponseMessage response, JsonElement document) = await HttpJson.GetAsync(client, "openapi/v1.json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonElement paths = document.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/api/v1/namespaces/{ns}/services", out JsonElement services), paths.ToString());
        Assert.True(services.TryGetProperty("get", out _));
        JsonElement traffic = paths.GetProperty("/api/v1/namespaces/{ns}/services/{svc}/traffic");
        Assert.True(traffic.TryGetProperty("get", out _));
        Assert.True(traffic.TryGetProperty("delete", out _));
        JsonElement put = traffic.GetProperty("put");
        Assert.True(put.TryGetProperty("requestBody", out _));
        JsonElement responses = put.GetProperty("responses");
        foreach (string status in new[] { "200", "400", "404", "409", "422", "503" })
        {
            Assert.True(responses.TryGetProperty(status, out _), $"PUT should document {status}: {responses}");
        }

        Assert.Contains("weights", document.GetProperty("components").ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_host_serves_the_blazor_app_and_mudblazor_assets()
    {
        using HttpClient client = fixture.Host.CreateClient();

        using HttpResponseMessage page = await client.GetAsync(new Uri("/", UriKind.Relative));
        using HttpResponseMessage css = await client.GetAsync(new Uri("_content/MudBlazor/MudBlazor.min.css", UriKind.Relative));
        using HttpResponseMessage blazor = await client.GetAsync(new Uri("_framework/blazor.web.js", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<html", await page.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, css.StatusCode);
        Assert.Equal(HttpStatusCode.OK, blazor.StatusCode);
    }
}
