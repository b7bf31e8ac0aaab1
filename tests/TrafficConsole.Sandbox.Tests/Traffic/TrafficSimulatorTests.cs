using TrafficConsole.Mesh.Telemetry;
using TrafficConsole.Sandbox.Traffic;

namespace TrafficConsole.Sandbox.Tests.Traffic;

/// <summary>The simulated traffic, as the console reads it: routed by Istio's rules, answered as the Deployments say.</summary>
public class TrafficSimulatorTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task Shares_follow_the_weights_of_the_VirtualService()
    {
        await using var cluster = await TrafficCluster.StartAsync();
        await cluster.RouteReviewsAsync("""
            [{"route":[{"destination":{"host":"reviews","subset":"v1"},"weight":30},
                       {"destination":{"host":"reviews","subset":"v2"},"weight":70}]}]
            """);
        cluster.Run(2 * Minute);

        var shares = Shares(cluster.Traffic.Read("bookinfo", TelemetryWindow.FiveMinutes));
        Assert.InRange(shares["v1"], 0.26, 0.34);
        Assert.InRange(shares["v2"], 0.66, 0.74);
        Assert.Equal(0, shares.GetValueOrDefault("v3"));
        Assert.Equal(2 * 60 * 20, cluster.ServedTo("reviews").Count);
    }

    [Fact]
    public async Task Without_routing_versions_share_by_ready_replicas_and_scaling_moves_the_split()
    {
        await using var cluster = await TrafficCluster.StartAsync();
        cluster.Run(2 * Minute);
        var before = Shares(cluster.Traffic.Read("bookinfo", TelemetryWindow.OneMinute));
        Assert.All(["v1", "v2", "v3"], v => Assert.InRange(before[v], 0.28, 0.39));

        await cluster.PatchAsync("/apis/apps/v1/namespaces/bookinfo/deployments/reviews-v3", """{"spec":{"replicas":4}}""");
        cluster.Run(2 * Minute);

        var after = Shares(cluster.Traffic.Read("bookinfo", TelemetryWindow.OneMinute));
        Assert.InRange(after["v3"], 0.62, 0.72);
        Assert.InRange(after["v1"], 0.12, 0.22);
        Assert.InRange(after["v2"], 0.12, 0.22);
    }

    [Fact]
    public async Task With_routing_scaling_a_version_changes_nothing()
    {
        await using var cluster = await TrafficCluster.StartAsync();
        await cluster.RouteReviewsAsync("""
            [{"route":[{"destination":{"host":"reviews","subset":"v1"},"weight":30},
                       {"destination":{"host":"reviews","subset":"v2"},"weight":70}]}]
            """);
        await cluster.PatchAsync("/apis/apps/v1/namespaces/bookinfo/deployments/reviews-v3", """{"spec":{"replicas":4}}""");
        await cluster.PatchAsync("/apis/apps/v1/namespaces/bookinfo/deployments/reviews-v1", """{"spec":{"replicas":4}}""");
        cluster.Run(2 * Minute);

        var shares = Shares(cluster.Traffic.Read("bookinfo", TelemetryWindow.FiveMinutes));
        Assert.InRange(shares["v1"], 0.26, 0.34);
        Assert.InRange(shares["v2"], 0.66, 0.74);
        Assert.Equal(0, shares.GetValueOrDefault("v3"));
    }

    [Fact]
    public async Task A_header_rule_sends_exactly_jason_and_the_gmail_users_to_v3()
    {
        await using var cluster = await TrafficCluster.StartAsync();
        await cluster.RouteReviewsAsync("""
            [{"name":"testers","match":[{"headers":{"end-user":{"exact":"jason"}}},{"headers":{"email":{"regex":".*@gmail\\.com"}}}],
              "route":[{"destination":{"host":"reviews","subset":"v3"}}]},
             {"name":"default","route":[{"destination":{"host":"reviews","subset":"v1"}}]}]
            """);
        cluster.Run(Minute);

        var served = cluster.ServedTo("reviews");
        static bool Tester(SimulatedUser u) => u.EndUser == "jason" || u.Email.EndsWith("@gmail.com", StringComparison.Ordinal);
        Assert.All(served, r => Assert.Equal(Tester(r.User) ? "v3" : "v1", r.Version));
        Assert.Contains(served, r => r.User.EndUser == "jason");
        Assert.Contains(served, r => r.User.Email.EndsWith("@gmail.com", StringComparison.Ordinal));
        Assert.Contains(served, r => !Tester(r.User));
        var figures = cluster.Traffic.Read("bookinfo", TelemetryWindow.OneMinute).Find("bookinfo", "reviews")!;
        Assert.Equal(served.Count(r => Tester(r.User)) / 60.0, figures.Versions.Single(v => v.Version == "v3").RequestsPerSecond, 6);
    }

    [Fact]
    public async Task The_error_rate_annotation_answers_that_share_with_503()
    {
        await using var cluster = await TrafficCluster.StartAsync();
        await cluster.AnnotateAsync("reviews-v2", TrafficSimulator.ErrorRateAnnotation, "0.2");
        cluster.Run(5 * Minute);

        var reviews = cluster.Traffic.Read("bookinfo", TelemetryWindow.FiveMinutes).Find("bookinfo", "reviews")!;
        var v2 = reviews.Versions.Single(v => v.Version == "v2");
        Assert.InRange(v2.ServerErrorsPerSecond / v2.RequestsPerSecond, 0.17, 0.23);
        Assert.All(reviews.Versions.Where(v => v.Version != "v2"), v => Assert.Equal(0, v.ServerErrorsPerSecond));
        Assert.All(cluster.ServedTo("reviews").Where(r => r.ResponseCode != 200), r => Assert.Equal((503, "v2"), (r.ResponseCode, r.Version)));
    }

    [Fact]
    public async Task The_latency_annotation_moves_the_percentiles()
    {
        await using var cluster = await TrafficCluster.StartAsync();
        await cluster.AnnotateAsync("reviews-v3", TrafficSimulator.LatencyAnnotation, "400");
        cluster.Run(3 * Minute);

        var reviews = cluster.Traffic.Read("bookinfo", TelemetryWindow.FiveMinutes).Find("bookinfo", "reviews")!;
        var v1 = reviews.Versions.Single(v => v.Version == "v1");
        var v3 = reviews.Versions.Single(v => v.Version == "v3");
        Assert.InRange(v1.LatencyP50Ms!.Value, 10, 50);
        Assert.InRange(v3.LatencyP50Ms!.Value, 250, 500);
        Assert.True(v3.LatencyP90Ms > v3.LatencyP50Ms && v3.LatencyP99Ms >= v3.LatencyP90Ms, $"{v3}");
        Assert.True(v3.LatencyP99Ms > v1.LatencyP99Ms, $"{v1} {v3}");
    }

    [Fact]
    public async Task A_mirrored_copy_is_served_and_counted_by_the_mirror_version_as_destination()
    {
        await using var cluster = await TrafficCluster.StartAsync();
        await cluster.RouteReviewsAsync("""
            [{"route":[{"destination":{"host":"reviews","subset":"v1"}}],
              "mirror":{"host":"reviews","subset":"v2"},"mirrorPercentage":{"value":50}}]
            """);
        cluster.Run(2 * Minute);

        var (_, samples, _) = await cluster.ScrapeAsync();
        var requests = samples.Where(s => s.Name == "istio_requests_total" && s["destination_service_name"] == "reviews").ToList();
        double Count(string reporter, string version) =>
            requests.Where(s => s["reporter"] == reporter && s["destination_version"] == version).Sum(s => s.Value);
        Assert.Equal(2 * 60 * 20, Count("source", "v1"));
        Assert.Equal(2 * 60 * 20, Count("destination", "v1"));
        Assert.InRange(Count("destination", "v2"), 0.45 * 2400, 0.55 * 2400);
        Assert.Equal(0, Count("source", "v2"));
        Assert.All(cluster.ServedTo("reviews"), r => Assert.Equal("v1", r.Version));
    }

    [Fact]
    public async Task A_fault_abort_is_answered_by_the_source_proxy_and_counted_with_reporter_source_only()
    {
        await using var cluster = await TrafficCluster.StartAsync();
        await cluster.RouteReviewsAsync("""
            [{"fault":{"abort":{"httpStatus":500,"percentage":{"value":100}}},
              "route":[{"destination":{"host":"reviews","subset":"v1"}}]}]
            """);
        cluster.Run(Minute);

        var (_, samples, _) = await cluster.ScrapeAsync();
        var reviews = samples.Where(s => s.Name == "istio_requests_total" && s["destination_service_name"] == "reviews").ToList();
        var aborted = Assert.Single(reviews);
        Assert.Equal(("source", "v1", "500", "FI"), (aborted["reporter"], aborted["destination_version"], aborted["response_code"], aborted["response_flags"]));
        Assert.Equal(60 * 20, aborted.Value);

        // No destination reported anything for v1, so the reading takes the source's figures.
        var v1 = cluster.Traffic.Read("bookinfo", TelemetryWindow.OneMinute).Find("bookinfo", "reviews")!.Versions.Single();
        Assert.Equal(("v1", 20.0, 20.0), (v1.Version, v1.RequestsPerSecond, v1.ServerErrorsPerSecond));
    }

    [Fact]
    public async Task A_fault_delay_slows_what_the_source_sees_and_past_the_timeout_it_is_a_504_UT()
    {
        await using var cluster = await TrafficCluster.StartAsync();
        await cluster.RouteReviewsAsync("""
            [{"name":"slow","match":[{"headers":{"end-user":{"exact":"jason"}}}],
              "fault":{"delay":{"fixedDelay":"2s","percentage":{"value":100}}},"timeout":"1s",
              "route":[{"destination":{"host":"reviews","subset":"v2"}}]},
             {"fault":{"delay":{"fixedDelay":"500ms","percentage":{"value":100}}},
              "route":[{"destination":{"host":"reviews","subset":"v1"}}]}]
            """);
        cluster.Run(Minute);

        var (_, samples, _) = await cluster.ScrapeAsync();
        Sample Single(string name, string reporter, string version) => Assert.Single(samples, s => s.Name == name
            && s["destination_service_name"] == "reviews" && s["reporter"] == reporter && s["destination_version"] == version);

        // jason: delayed 2s against a 1s timeout, so his requests never reach v2: 504 UT from the source, at the timeout.
        var timedOut = Single("istio_requests_total", "source", "v2");
        Assert.Equal(("504", "UT"), (timedOut["response_code"], timedOut["response_flags"]));
        Assert.Equal(cluster.ServedTo("reviews").Count(r => r.User.EndUser == "jason"), timedOut.Value);
        Assert.DoesNotContain(samples, s => s["destination_service_name"] == "reviews" && s["reporter"] == "destination" && s["destination_version"] == "v2");
        Assert.Equal(1000 * timedOut.Value, Single("istio_request_duration_milliseconds_sum", "source", "v2").Value, 3);

        // Everyone else: 500 ms more as the caller sees it, the callee's time unchanged.
        double Mean(string reporter) =>
            Single("istio_request_duration_milliseconds_sum", reporter, "v1").Value / Single("istio_request_duration_milliseconds_count", reporter, "v1").Value;
        Assert.InRange(Mean("destination"), 15, 40);
        Assert.InRange(Mean("source") - Mean("destination"), 499.9, 500.1);
    }

    [Fact]
    public async Task A_version_slower_than_the_route_timeout_answers_504_UT()
    {
        await using var cluster = await TrafficCluster.StartAsync();
        await cluster.AnnotateAsync("reviews-v1", TrafficSimulator.LatencyAnnotation, "5000");
        await cluster.RouteReviewsAsync("""[{"timeout":"500ms","route":[{"destination":{"host":"reviews","subset":"v1"}}]}]""");
        cluster.Run(Minute);

        var (_, samples, _) = await cluster.ScrapeAsync();
        var reviews = samples.Where(s => s.Name == "istio_requests_total" && s["destination_service_name"] == "reviews").ToList();
        Assert.Equal(["destination", "source"], reviews.Select(s => s["reporter"]).Order());
        Assert.All(reviews, s => Assert.Equal(("v1", "504", "UT", 1200.0), (s["destination_version"], s["response_code"], s["response_flags"], s.Value)));
        var v1 = cluster.Traffic.Read("bookinfo", TelemetryWindow.OneMinute).Find("bookinfo", "reviews")!.Versions.Single();
        Assert.Equal(v1.RequestsPerSecond, v1.ServerErrorsPerSecond);
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_counters_and_another_seed_others()
    {
        static async Task<string> RunAsync(int seed)
        {
            await using var cluster = await TrafficCluster.StartAsync(seed: seed);
            cluster.Run(Minute);
            return (await cluster.ScrapeAsync()).Text;
        }

        var first = await RunAsync(7);
        Assert.Equal(first, await RunAsync(7));
        Assert.NotEqual(first, await RunAsync(8));
    }

    [Fact]
    public async Task Only_namespaces_labelled_for_injection_get_traffic()
    {
        await using var cluster = await TrafficCluster.StartAsync();
        await cluster.PatchAsync("/api/v1/namespaces/shop", """{"metadata":{"labels":{"istio-injection":null}}}""");
        cluster.Run(Minute);
        Assert.Empty(cluster.Traffic.Read("shop", TelemetryWindow.OneMinute).Services);
        Assert.Equal(["details", "productpage", "ratings", "reviews"],
            cluster.Traffic.Read(null, TelemetryWindow.OneMinute).Services.Select(s => s.Service));

        await cluster.PatchAsync("/api/v1/namespaces/shop", """{"metadata":{"labels":{"istio.io/rev":"canary"}}}""");
        cluster.Run(Minute);
        Assert.Contains(cluster.Traffic.Read("shop", TelemetryWindow.OneMinute).Services, s => s.Service == "catalog");
    }

    private static Dictionary<string, double> Shares(TelemetryReading reading)
    {
        var reviews = reading.Find("bookinfo", "reviews")!;
        return reviews.Versions.ToDictionary(v => v.Version, v => v.RequestsPerSecond / reviews.RequestsPerSecond);
    }
}
