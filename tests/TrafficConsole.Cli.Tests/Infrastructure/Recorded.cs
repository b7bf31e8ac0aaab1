using Microsoft.Extensions.Time.Testing;

namespace TrafficConsole.Cli.Tests.Infrastructure;

/// <summary>Answers of the console as its REST API writes them (Samples/console), and the moment they were taken at.</summary>
internal static class Recorded
{
    /// <summary>The clock of the recordings: 20:00 UTC, 12 minutes after alice's last change of bookinfo/reviews.</summary>
    public static readonly DateTimeOffset Now = new(2026, 12, 1, 20, 0, 0, TimeSpan.Zero);

    public static FakeTimeProvider Clock() => new(Now);

    public static string Read(string name) => File.ReadAllText(Cli.Sample(Path.Combine("console", name)));

    /// <summary>A stub that serves bookinfo/reviews: its traffic, its four revisions, the rollouts, a successful rollback and promotion.</summary>
    public static async Task<StubConsole> StartReviewsAsync()
    {
        StubConsole stub = await StubConsole.StartAsync();
        stub.Answer("GET", "/api/v1/rollouts", 200, Read("rollouts.json"));
        stub.Answer("GET", "/api/v1/namespaces/bookinfo/services/reviews/traffic", 200, Read("traffic-reviews.json"));
        stub.Answer("GET", "/api/v1/namespaces/bookinfo/services/reviews/revisions", 200, Read("revisions-reviews.json"));
        stub.Answer("POST", "/api/v1/namespaces/bookinfo/services/reviews/rollback", 200, Read("rollback-reviews.json"));
        stub.Answer("POST", "/api/v1/namespaces/bookinfo/services/reviews/promote", 200, Read("promote-reviews.json"));
        stub.Problem("GET", "/api/v1/namespaces/bookinfo/services/ratingz/traffic", 404, Read("problem-service-not-found.json"));
        stub.Problem("GET", "/api/v1/namespaces/bookinfo/services/ratingz/revisions", 404, Read("problem-service-not-found.json"));
        return stub;
    }
}
