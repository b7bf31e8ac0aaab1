using System.Net;

namespace TrafficConsole.Web.Tests.Integration;

public sealed class HostSmokeTests
{
    [Fact]
    public async Task Console_boots_against_the_sandbox_and_lists_bookinfo()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        using HttpClient client = host.CreateClient();

        using HttpResponseMessage response = await client.GetAsync(new Uri("api/v1/namespaces/bookinfo/services", UriKind.Relative));
        string body = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.OK, body + "\n" + host.Log.RenderAll());
        Assert.Contains("\"reviews\"", body, StringComparison.Ordinal);
    }
}
