using System.Text.Json;

using TrafficConsole.Cli.Tests.Infrastructure;

using static TrafficConsole.Cli.Tests.Infrastructure.Cli;

namespace TrafficConsole.Cli.Tests.Commands;

public class AnalyzeCommandTests
{
    private static readonly string Rules = Sample("bookinfo/destination-rule-all.yaml");

    [Fact]
    public async Task A_subset_no_DestinationRule_defines_is_an_error_at_its_line()
    {
        string file = Sample("broken/missing-subset.yaml");

        CliRun run = await RunAsync("analyze", file, Rules);

        Assert.Equal(1, run.ExitCode);
        Assert.Empty(run.Stderr);
        Assert.Contains($"{file}:17: error TC2004 VirtualService default/reviews spec.http[0].route[1].destination.subset: ", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("'v4'", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("(no Services or Deployments among them, so hosts and workloads were not checked): 1 error, 0 warnings.", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_Bookinfo_routing_with_its_DestinationRules_has_no_errors()
    {
        CliRun run = await RunAsync("analyze", Sample("bookinfo/virtual-service-reviews-jason-v2-v3.yaml"), Sample("bookinfo/virtual-service-ratings-test-delay.yaml"), Rules, "-o", "json");

        Assert.Equal(0, run.ExitCode);
        JsonElement json = run.Json;
        Assert.Equal("trafficconsole/analyze/v1", json.GetProperty("schema").GetString());
        Assert.True(json.GetProperty("valid").GetBoolean());
        Assert.False(json.GetProperty("knowsWorkloads").GetBoolean());
        Assert.DoesNotContain(json.GetProperty("findings").EnumerateArray(), static f => f.GetProperty("severity").GetString() == "error");
        Assert.Equal(6, json.GetProperty("summary").GetProperty("resources").GetInt32());
    }

    [Fact]
    public async Task Without_the_DestinationRules_every_subset_is_missing()
    {
        CliRun run = await RunAsync("analyze", Sample("bookinfo/virtual-service-all-v1.yaml"), "-o", "json");

        Assert.Equal(1, run.ExitCode);
        string[] missing = [.. run.Json.GetProperty("findings").EnumerateArray()
            .Where(static f => f.GetProperty("code").GetString() == "TC2004")
            .Select(static f => f.GetProperty("name").GetString()!)];
        Assert.Equal(["details", "productpage", "ratings", "reviews"], missing.Order());
    }

    [Fact]
    public async Task With_the_Bookinfo_services_and_deployments_subsets_are_checked_against_the_pods()
    {
        CliRun run = await RunAsync("analyze", "--skip-unknown", Sample("bookinfo/bookinfo.yaml"), Sample("bookinfo/virtual-service-all-v1.yaml"), Rules, "-o", "json");

        Assert.Equal(0, run.ExitCode);
        JsonElement json = run.Json;
        Assert.True(json.GetProperty("knowsWorkloads").GetBoolean());

        // The trimmed bookinfo.yaml runs ratings v1 only: the DestinationRule's other ratings subsets select no pods.
        JsonElement[] noPods = [.. json.GetProperty("findings").EnumerateArray().Where(static f => f.GetProperty("code").GetString() == "TC3003")];
        Assert.Contains(noPods, static f => f.GetProperty("name").GetString() == "ratings" && f.GetProperty("message").GetString()!.Contains("v2-mysql", StringComparison.Ordinal));
        Assert.DoesNotContain(noPods, static f => f.GetProperty("name").GetString() == "reviews");
        Assert.All(noPods, static f => Assert.Equal("warning", f.GetProperty("severity").GetString()));
        JsonElement first = noPods[0];
        Assert.Equal(Rules, first.GetProperty("source").GetString());
        Assert.True(first.GetProperty("line").GetInt32() > 1);
    }

    [Fact]
    public async Task A_route_to_a_host_no_Service_backs_is_found_when_the_services_are_known()
    {
        string vs = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: reviews
              namespace: default
            spec:
              hosts: [reviews]
              http:
              - route:
                - destination: {host: reviews-canary}
            """;

        CliRun known = await RunAsync(["analyze", "--skip-unknown", "-", Sample("bookinfo/bookinfo.yaml")], vs);
        CliRun unknown = await RunAsync(["analyze", "-"], vs);

        Assert.Equal(1, known.ExitCode);
        Assert.Contains("TC5002", known.Stdout, StringComparison.Ordinal);
        Assert.Contains("<stdin>:10: error TC5002 VirtualService default/reviews spec.http[0].route[0].destination.host", known.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("TC5002", unknown.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HTTPRoute_backends_are_checked_against_the_Services_in_the_files()
    {
        string route = Sample("bookinfo/route-reviews-90-10.yaml");

        CliRun withoutVersions = await RunAsync("analyze", "--skip-unknown", route, Sample("bookinfo/bookinfo.yaml"));
        CliRun withVersions = await RunAsync("analyze", "--skip-unknown", route, Sample("bookinfo/bookinfo.yaml"), Sample("bookinfo/bookinfo-versions.yaml"));

        Assert.Equal(1, withoutVersions.ExitCode);
        Assert.Contains($"{route}:14: error TC5002 HTTPRoute default/reviews spec.rules[0].backendRefs[0].name: ", withoutVersions.Stdout, StringComparison.Ordinal);
        Assert.Contains($"{route}:17: error TC5002 HTTPRoute default/reviews spec.rules[0].backendRefs[1].name: ", withoutVersions.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, withVersions.ExitCode);
        Assert.DoesNotContain("TC5002", withVersions.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_VirtualServices_for_one_host_conflict()
    {
        string canary = File.ReadAllText(Sample("bookinfo/virtual-service-reviews-80-20.yaml")).Replace("name: reviews", "name: reviews-canary", StringComparison.Ordinal);

        CliRun run = await RunAsync(["analyze", Sample("bookinfo/virtual-service-reviews-v2-v3.yaml"), "-", Rules, "-o", "json"], canary);

        Assert.Equal(1, run.ExitCode);
        JsonElement[] conflicts = [.. run.Json.GetProperty("findings").EnumerateArray().Where(static f => f.GetProperty("code").GetString() == "TC5004")];
        Assert.Equal(["reviews", "reviews-canary"], conflicts.Select(static f => f.GetProperty("name").GetString()).Order());
        Assert.Equal([Sample("bookinfo/virtual-service-reviews-v2-v3.yaml"), "<stdin>"], conflicts.OrderBy(static f => f.GetProperty("name").GetString()).Select(static f => f.GetProperty("source").GetString()));
        Assert.All(conflicts, static f => Assert.Equal(("error", "spec.hosts[0]", 8), (f.GetProperty("severity").GetString(), f.GetProperty("path").GetString(), f.GetProperty("line").GetInt32())));
    }

    [Fact]
    public async Task The_same_resource_in_two_files_is_not_a_snapshot_of_a_cluster()
    {
        CliRun run = await RunAsync("analyze", Sample("bookinfo/virtual-service-reviews-v2-v3.yaml"), Sample("bookinfo/virtual-service-reviews-80-20.yaml"));

        Assert.Equal(2, run.ExitCode);
        Assert.Empty(run.Stdout);
        Assert.Contains("VirtualService default/reviews is in the files more than once", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("virtual-service-reviews-80-20.yaml:2:1", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_VirtualService_bound_to_a_gateway_that_is_not_in_the_files_is_reported()
    {
        string vs = File.ReadAllText(Sample("bookinfo/bookinfo-gateway.yaml"));
        string withoutGateway = vs[vs.IndexOf("---", StringComparison.Ordinal)..];

        CliRun run = await RunAsync(["analyze", "-", "-o", "json"], withoutGateway);
        CliRun whole = await RunAsync("analyze", Sample("bookinfo/bookinfo-gateway.yaml"), "-o", "json");

        Assert.Contains(run.Json.GetProperty("findings").EnumerateArray(), static f => f.GetProperty("code").GetString() == "TC5007");
        Assert.DoesNotContain(whole.Json.GetProperty("findings").EnumerateArray(), static f => f.GetProperty("code").GetString() == "TC5007");
    }

    [Fact]
    public async Task The_json_document_always_has_every_field()
    {
        CliRun run = await RunAsync("analyze", Sample("broken/missing-subset.yaml"), "-o", "json");

        Assert.Equal(["schema", "valid", "files", "knowsWorkloads", "summary", "findings", "skipped"], run.Json.EnumerateObject().Select(static p => p.Name));
        Assert.Equal(["resources", "errors", "warnings", "infos"], run.Json.GetProperty("summary").EnumerateObject().Select(static p => p.Name));
        Assert.Equal(
            ["code", "severity", "kind", "namespace", "name", "path", "message", "source", "line"],
            run.Json.GetProperty("findings")[0].EnumerateObject().Select(static p => p.Name));
    }

    [Fact]
    public async Task The_text_report_ends_with_no_issues_found_on_a_clean_snapshot()
    {
        CliRun run = await RunAsync("analyze", Sample("bookinfo/virtual-service-reviews-v2-v3.yaml"), Rules);

        Assert.Equal(0, run.ExitCode);
        Assert.EndsWith($"Analyzed 5 resources in 2 files (no Services or Deployments among them, so hosts and workloads were not checked): no issues found.{Environment.NewLine}", run.Stdout, StringComparison.Ordinal);
    }
}
