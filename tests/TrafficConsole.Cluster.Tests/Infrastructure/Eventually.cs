namespace TrafficConsole.Cluster.Tests.Infrastructure;

/// <summary>Bounded waits: poll a condition until a deadline, never a fixed sleep.</summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    public static async Task TrueAsync(Func<bool> condition, string because, TimeSpan? timeout = null)
    {
        DateTime deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out after {(timeout ?? DefaultTimeout).TotalSeconds:0.#} s waiting until {because}.");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Reads batches until one satisfies <paramref name="match"/>; returns every batch seen.</summary>
    public static async Task<List<TrafficConsole.Cluster.Cache.MeshChangeBatch>> BatchAsync(
        IAsyncEnumerator<TrafficConsole.Cluster.Cache.MeshChangeBatch> batches,
        Func<TrafficConsole.Cluster.Cache.MeshChangeBatch, bool> match,
        string because,
        TimeSpan? timeout = null)
    {
        var seen = new List<TrafficConsole.Cluster.Cache.MeshChangeBatch>();
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            while (await batches.MoveNextAsync().AsTask().WaitAsync(cts.Token))
            {
                seen.Add(batches.Current);
                if (match(batches.Current))
                {
                    return seen;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        Assert.Fail($"No batch showed {because} within {(timeout ?? DefaultTimeout).TotalSeconds:0.#} s; saw: "
            + string.Join(" | ", seen.Select(b => string.Join(", ", b.Changes))));
        return seen;
    }
}
