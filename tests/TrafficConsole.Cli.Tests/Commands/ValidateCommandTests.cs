using System.Text.Json;

using TrafficConsole.Cli.Tests.Infrastructure;

using static TrafficConsole.Cli.Tests.Infrastructure.Cli;

namespace TrafficConsole.Cli.Tests.Commands;

public class ValidateCommandTests
{
    public static TheoryData<string> BookinfoRouting =>
    [
        "bookinfo/virtual-service-all-v1.yaml",
        "bookinfo/virtual-service-reviews-v2-v3.yaml",
        "bookinfo/virtual-service-reviews-80-20.yaml",
        "bookinfo/virtual-service-reviews-jason-v2-v3.yaml",
        "bookinfo/virtual-service-ratings-test-delay.yaml",
        "bookinfo/virtual-service-ratings-test-abort.yaml",
        "bookinfo/destination-rule-all.yaml",
        "bookinfo/destination-rule-all-mtls.yaml",
        "bookinfo/bookinfo-gateway.yaml",
        "bookinfo/route-reviews-90-10.yaml",
        "formats/reviews-list.json",
    ];

    [Theory]
    [MemberData(nameof(BookinfoRouting))]
    public async Task Every_Bookinfo_sample_is_valid(string file)
    {
        CliRun run = await RunAsync("validate", Sample(file));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Empty(run.Stderr);
        Assert.DoesNotContain("rejected", run.Stdout, StringComparison.Ordinal);
        Assert.EndsWith($": all valid.{Environment.NewLine}", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task All_the_samples_at_once_are_counted_per_resource_and_file()
    {
        CliRun run = await RunAsync("validate", Sample("bookinfo/virtual-service-all-v1.yaml"), Sample("bookinfo/destination-rule-all.yaml"), Sample("bookinfo/bookinfo-gateway.yaml"));

        Assert.Equal(0, run.ExitCode);
        Assert.Contains($"VirtualService default/details ({Sample("bookinfo/virtual-service-all-v1.yaml")}:41): valid", run.Stdout, StringComparison.Ordinal);
        Assert.Contains($"Gateway default/bookinfo-gateway ({Sample("bookinfo/bookinfo-gateway.yaml")}:2): valid", run.Stdout, StringComparison.Ordinal);
        Assert.EndsWith($"Checked 10 resources in 3 files: all valid.{Environment.NewLine}", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_regex_RE2_rejects_fails_validation_at_its_line()
    {
        string file = Sample("broken/bad-regex.yaml");

        CliRun run = await RunAsync("validate", file);

        Assert.Equal(1, run.ExitCode);
        Assert.Empty(run.Stderr);
        Assert.Contains($"VirtualService default/reviews ({file}:2): rejected", run.Stdout, StringComparison.Ordinal);
        Assert.Contains($"  {file}:13: error TC2012 spec.http[0].match[0].headers[end-user].regex: ", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("1 would be rejected (1 error)", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_negative_weight_is_an_error_and_the_odd_total_only_a_note()
    {
        CliRun run = await RunAsync("validate", Sample("broken/negative-weight.yaml"), "-o", "json");

        Assert.Equal(1, run.ExitCode);
        JsonElement json = run.Json;
        Assert.Equal("trafficconsole/validate/v1", json.GetProperty("schema").GetString());
        Assert.False(json.GetProperty("valid").GetBoolean());
        JsonElement resource = Assert.Single(json.GetProperty("resources").EnumerateArray());
        Assert.False(resource.GetProperty("valid").GetBoolean());
        Assert.Equal(("VirtualService", "default", "reviews", 2, 1), (resource.GetProperty("kind").GetString(), resource.GetProperty("namespace").GetString(), resource.GetProperty("name").GetString(), resource.GetProperty("line").GetInt32(), resource.GetProperty("document").GetInt32()));
        JsonElement error = resource.GetProperty("issues").EnumerateArray().Single(static i => i.GetProperty("severity").GetString() == "error");
        Assert.Equal(("TC2001", "spec.http[0].route[0].weight", 14), (error.GetProperty("code").GetString(), error.GetProperty("path").GetString(), error.GetProperty("line").GetInt32()));
        Assert.Contains("-10", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(Sample("broken/negative-weight.yaml"), error.GetProperty("source").GetString());
        JsonElement summary = json.GetProperty("summary");
        Assert.Equal((1, 1, 1), (summary.GetProperty("resources").GetInt32(), summary.GetProperty("rejected").GetInt32(), summary.GetProperty("errors").GetInt32()));
    }

    [Fact]
    public async Task An_HTTPRoute_weight_outside_the_Gateway_API_range_is_rejected()
    {
        string route = File.ReadAllText(Sample("bookinfo/route-reviews-90-10.yaml")).Replace("weight: 90", "weight: -1", StringComparison.Ordinal);

        CliRun run = await RunAsync(["validate", "-"], route);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("HTTPRoute default/reviews (<stdin>:2): rejected", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("<stdin>:16: error TC6010 spec.rules[0].backendRefs[0].weight: ", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_subset_is_not_a_reason_to_reject_a_resource_on_its_own()
    {
        // The webhook does not look at other resources: the subset is analyze's business.
        CliRun run = await RunAsync("validate", Sample("broken/missing-subset.yaml"));

        Assert.Equal(0, run.ExitCode);
        Assert.DoesNotContain("TC2004", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Warnings_do_not_fail()
    {
        string vs = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: reviews
            spec:
              hosts: [reviews]
              http:
              - route:
                - destination: {host: reviews, subset: v1}
                  weight: 50
            """;

        CliRun run = await RunAsync(["validate", "-", "-o", "json"], vs);

        Assert.Equal(0, run.ExitCode);
        JsonElement resource = Assert.Single(run.Json.GetProperty("resources").EnumerateArray());
        Assert.True(resource.GetProperty("valid").GetBoolean());
        Assert.Contains(resource.GetProperty("issues").EnumerateArray(), static i => i.GetProperty("severity").GetString() == "warning");
        Assert.True(run.Json.GetProperty("valid").GetBoolean());
    }

    [Fact]
    public async Task One_bad_resource_among_good_ones_fails_the_run_and_is_the_only_one_rejected()
    {
        CliRun run = await RunAsync("validate", Sample("bookinfo/destination-rule-all.yaml"), Sample("broken/bad-regex.yaml"), "-o", "json");

        Assert.Equal(1, run.ExitCode);
        JsonElement[] rejected = [.. run.Json.GetProperty("resources").EnumerateArray().Where(static r => !r.GetProperty("valid").GetBoolean())];
        JsonElement only = Assert.Single(rejected);
        Assert.Equal(Sample("broken/bad-regex.yaml"), only.GetProperty("source").GetString());
        Assert.Equal(5, run.Json.GetProperty("summary").GetProperty("resources").GetInt32());
    }

    [Fact]
    public async Task Services_Deployments_and_other_kinds_of_a_whole_manifest_are_listed_as_skipped_without_a_flag()
    {
        CliRun run = await RunAsync("validate", Sample("bookinfo/bookinfo.yaml"), Sample("bookinfo/virtual-service-all-v1.yaml"), "-o", "json");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(4, run.Json.GetProperty("resources").GetArrayLength());
        var skipped = run.Json.GetProperty("skipped").EnumerateArray()
            .GroupBy(static s => s.GetProperty("kind").GetString())
            .ToDictionary(static g => g.Key!, static g => g.Count());
        Assert.Equal(new Dictionary<string, int> { ["Service"] = 4, ["ServiceAccount"] = 4, ["Deployment"] = 6 }, skipped);
        JsonElement account = run.Json.GetProperty("skipped").EnumerateArray().First(static s => s.GetProperty("kind").GetString() == "ServiceAccount");
        Assert.Equal(("v1", "bookinfo-details"), (account.GetProperty("apiVersion").GetString(), account.GetProperty("name").GetString()));

        CliRun text = await RunAsync("validate", Sample("bookinfo/bookinfo.yaml"), Sample("bookinfo/virtual-service-all-v1.yaml"));
        Assert.Equal(0, text.ExitCode);
        Assert.Contains("Skipped 4 ServiceAccounts: not a kind trafficconsole reads.", text.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_directory_means_its_manifests()
    {
        CliRun run = await RunAsync("validate", Sample("broken"), "--skip-unknown", "-o", "json");

        // broken/ has YAML that does not parse: nothing is judged until it does.
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("syntax-error.yaml:21:6", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("wrong-type.yaml:13:15", run.Stderr, StringComparison.Ordinal);

        CliRun bookinfo = await RunAsync("validate", Sample("bookinfo"), "--skip-unknown", "-o", "json");
        Assert.Equal(0, bookinfo.ExitCode);
        Assert.Equal(12, bookinfo.Json.GetProperty("files").GetArrayLength());
    }

    [Fact]
    public async Task The_json_document_always_has_every_field()
    {
        CliRun run = await RunAsync("validate", Sample("bookinfo/virtual-service-reviews-v2-v3.yaml"), "-o", "json");

        Assert.Equal(
            ["schema", "valid", "files", "summary", "resources", "skipped"],
            run.Json.EnumerateObject().Select(static p => p.Name));
        Assert.Equal(
            ["resources", "rejected", "errors", "warnings", "infos"],
            run.Json.GetProperty("summary").EnumerateObject().Select(static p => p.Name));
        Assert.Equal(
            ["kind", "namespace", "name", "source", "document", "line", "valid", "issues"],
            run.Json.GetProperty("resources")[0].EnumerateObject().Select(static p => p.Name));
    }
}
