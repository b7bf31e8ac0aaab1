namespace TrafficConsole.Web.Tests.Infrastructure;

/// <summary>
/// One <see cref="ConsoleTestHost"/> shared by the tests of a class (<c>IClassFixture&lt;ConsoleHostFixture&gt;</c>).
/// Tests that share it change different services, or start their own host.
/// </summary>
public sealed class ConsoleHostFixture : IAsyncLifetime
{
    private ConsoleTestHost? _host;

    public ConsoleTestHost Host => _host ?? throw new InvalidOperationException("The fixture has not started.");

    public async Task InitializeAsync() => _host = await ConsoleTestHost.StartAsync();

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}
