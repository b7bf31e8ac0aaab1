namespace TrafficConsole.Web.Tests.Infrastructure;

/// <summary>Bounded waits for conditions that need I/O to check: poll until a deadline, never a fixed sleep.</summary>
public static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, string because, TimeSpan? timeout = null)
    {
        TimeSpan limit = timeout ?? TimeSpan.FromSeconds(30);
        DateTime deadline = DateTime.UtcNow + limit;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out after {limit.TotalSeconds:0.#} s waiting until {because}.");
            }

            await Task.Delay(200);
        }
    }
}
