using System.Text.Json;

using TrafficConsole.Cli.Tests.Infrastructure;

using static TrafficConsole.Cli.Tests.Infrastructure.Cli;

namespace TrafficConsole.Cli.Tests.Commands;

public class SimulateCommandTests
{
    private static readonly string Jason = Sample("bookinfo/virtual-service-reviews-jason-v2-v3.yaml");
    private static readonly string Rules = Sample("bookinfo/destination-rule-all.yaml");

    [Fact]
    public async Task Jason_reaches_reviews_v2_by_the_first_rule()
    {
        CliRun run = await RunAsync("simulate", Jason, Rules, "--host", "reviews", "--header", "end-user=jason", "--path", "/");

        Assert.Equal(0, run.ExitCode);
        Assert.Empty(run.Stderr);
        Assert.Contains("rule 0 (line 10) matches", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("matched header end-user exact \"jason\"", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("100%  reviews, version v2 (subset v2)", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("v3", run.Stdout.Split("Destinations:")[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Everyone_else_falls_through_to_v3_and_the_output_says_why_rule_0_did_not_match()
    {
        CliRun run = await RunAsync("simulate", Jason, Rules, "--host", "reviews", "-H", "end-user: mallory");

        Assert.Equal(0, run.ExitCode);
        string[] lines = run.Stdout.Split('\n');
        int rule0 = Array.FindIndex(lines, static l => l.Contains("rule 0 (line 10) does not match", StringComparison.Ordinal));
        Assert.True(rule0 >= 0, run.ToString());
        Assert.Contains("end-user", lines[rule0 + 1], StringComparison.Ordinal);
        Assert.Contains("\"jason\"", lines[rule0 + 1], StringComparison.Ordinal);
        Assert.Contains("rule 1 (line 18) matches", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("100%  reviews, version v3 (subset v3)", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_50_50_split_gives_each_version_half_in_json()
    {
        CliRun run = await RunAsync("simulate", Sample("bookinfo/virtual-service-reviews-v2-v3.yaml"), Rules, "--host", "reviews", "-o", "json");

        Assert.Equal(0, run.ExitCode);
        JsonElement json = run.Json;
        Assert.Equal("trafficconsole/simulate/v1", json.GetProperty("schema").GetString());
        Assert.True(json.GetProperty("matched").GetBoolean());
        Assert.Equal(0, json.GetProperty("ruleIndex").GetInt32());
        Assert.Equal(
            [("v2", 0.5, 50.0), ("v3", 0.5, 50.0)],
            json.GetProperty("destinations").EnumerateArray().Select(static d => (d.GetProperty("version").GetString(), d.GetProperty("probability").GetDouble(), d.GetProperty("percent").GetDouble())));
        Assert.Equal("reviews.default.svc.cluster.local", json.GetProperty("request").GetProperty("fqdn").GetString());
        Assert.Equal("destination-rule-all.yaml", Path.GetFileName(json.GetProperty("destinationRule").GetProperty("source").GetString()));
        Assert.Equal(13, json.GetProperty("destinationRule").GetProperty("line").GetInt32());
    }

    [Fact]
    public async Task The_80_20_split_keeps_its_proportions()
    {
        CliRun run = await RunAsync("simulate", Sample("bookinfo/virtual-service-reviews-80-20.yaml"), Rules, "--host", "reviews.default.svc.cluster.local", "--output", "json");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(
            [("v1", 0.8), ("v2", 0.2)],
            run.Json.GetProperty("destinations").EnumerateArray().Select(static d => (d.GetProperty("subset").GetString(), d.GetProperty("probability").GetDouble())));
    }

    [Fact]
    public async Task A_file_with_a_VirtualService_per_service_simulates_the_one_of_the_host()
    {
        CliRun run = await RunAsync("simulate", Sample("bookinfo/virtual-service-all-v1.yaml"), Rules, "--host", "details", "-o", "json");

        Assert.Equal(0, run.ExitCode);
        JsonElement json = run.Json;
        Assert.Equal("details", json.GetProperty("virtualService").GetProperty("name").GetString());
        Assert.Equal(41, json.GetProperty("virtualService").GetProperty("line").GetInt32());
        JsonElement destination = Assert.Single(json.GetProperty("destinations").EnumerateArray());
        Assert.Equal(("details", "v1", 1.0), (destination.GetProperty("host").GetString(), destination.GetProperty("version").GetString(), destination.GetProperty("probability").GetDouble()));
    }

    [Theory]
    [InlineData("bookinfo/virtual-service-ratings-test-delay.yaml", "delay 7s")]
    [InlineData("bookinfo/virtual-service-ratings-test-abort.yaml", "abort")]
    public async Task Ratings_faults_are_reported_for_jason_only(string file, string fault)
    {
        CliRun jason = await RunAsync("simulate", Sample(file), Sample("bookinfo/destination-rule-all-mtls.yaml"), "--host", "ratings", "-H", "end-user=jason");
        CliRun other = await RunAsync("simulate", Sample(file), Sample("bookinfo/destination-rule-all-mtls.yaml"), "--host", "ratings");

        Assert.Equal(0, jason.ExitCode);
        Assert.Contains($"Fault: {fault}", jason.Stdout, StringComparison.Ordinal);
        Assert.Contains("100%  ratings, version v1 (subset v1)", jason.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, other.ExitCode);
        Assert.DoesNotContain("Fault:", other.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_abort_fault_is_in_the_json_faults()
    {
        CliRun run = await RunAsync("simulate", Sample("bookinfo/virtual-service-ratings-test-abort.yaml"), "--host", "ratings", "-H", "end-user=jason", "-o", "json");

        Assert.Equal(0, run.ExitCode);
        string fault = Assert.Single(run.Json.GetProperty("faults").EnumerateArray()).GetString()!;
        Assert.Contains("500", fault, StringComparison.Ordinal);
        Assert.Contains("100%", fault, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Through_the_ingress_gateway_productpage_paths_are_routed()
    {
        CliRun run = await RunAsync("simulate", Sample("bookinfo/bookinfo-gateway.yaml"), "--host", "bookinfo.example.com", "--gateway", "bookinfo-gateway", "--path", "/static/app.css");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("through gateway default/bookinfo-gateway", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("matched uri prefix \"/static\"", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("100%  productpage, any version", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_matching_rule_says_404_plainly_and_exits_3()
    {
        CliRun run = await RunAsync("simulate", Sample("bookinfo/bookinfo-gateway.yaml"), "--host", "bookinfo.example.com", "--gateway", "bookinfo-gateway", "--path", "/admin");

        Assert.Equal(3, run.ExitCode);
        Assert.Empty(run.Stderr);
        Assert.Contains("No route: no rule of VirtualService default/bookinfo matches this request, so it gets 404 Not Found.", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("match[0]: uri /admin is not \"/productpage\"", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("match[4]: uri /admin does not start with \"/api/v1/products\"", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Destinations:", run.Stdout, StringComparison.Ordinal);

        CliRun json = await RunAsync("simulate", Sample("bookinfo/bookinfo-gateway.yaml"), "--host", "bookinfo.example.com", "--gateway", "bookinfo-gateway", "--path", "/admin", "-o", "json");
        Assert.Equal(3, json.ExitCode);
        Assert.False(json.Json.GetProperty("matched").GetBoolean());
        Assert.Equal(JsonValueKind.Null, json.Json.GetProperty("ruleIndex").ValueKind);
        Assert.Empty(json.Json.GetProperty("destinations").EnumerateArray());
        Assert.Contains("404", json.Json.GetProperty("summary").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_gateway_VirtualService_does_not_serve_requests_inside_the_mesh()
    {
        CliRun run = await RunAsync("simulate", Sample("bookinfo/bookinfo-gateway.yaml"), "--host", "bookinfo.example.com", "--path", "/productpage");

        Assert.Equal(2, run.ExitCode);
        Assert.Empty(run.Stdout);
        Assert.Contains("no VirtualService routes host 'bookinfo.example.com' inside the mesh", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("default/bookinfo (hosts: *; gateways: bookinfo-gateway)", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_host_is_an_input_error_that_lists_the_hosts_there_are()
    {
        CliRun run = await RunAsync("simulate", Sample("bookinfo/virtual-service-all-v1.yaml"), "--host", "reviews-v9");

        Assert.Equal(2, run.ExitCode);
        Assert.Empty(run.Stdout);
        Assert.Contains("no VirtualService routes host 'reviews-v9'", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("default/reviews (hosts: reviews; gateways: mesh)", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_VirtualServices_for_the_host_are_ambiguous()
    {
        CliRun run = await RunAsync("simulate", Jason, Sample("bookinfo/virtual-service-reviews-v2-v3.yaml"), "--host", "reviews");

        Assert.Equal(2, run.ExitCode);
        Assert.Empty(run.Stdout);
        Assert.Contains("host 'reviews' is routed by more than one VirtualService inside the mesh", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("virtual-service-reviews-jason-v2-v3.yaml:2", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("virtual-service-reviews-v2-v3.yaml:2", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Namespace_tells_which_namespace_short_hosts_are_in()
    {
        // The List names namespace bookinfo; with --namespace shop, 'reviews' is reviews.shop, which nothing routes.
        string list = Sample("formats/reviews-list.json");
        CliRun bookinfo = await RunAsync("simulate", list, "--host", "reviews", "--namespace", "bookinfo", "-o", "json");
        CliRun shop = await RunAsync("simulate", list, "--host", "reviews", "-n", "shop");
        CliRun qualified = await RunAsync("simulate", list, "--host", "reviews.bookinfo", "-n", "shop", "-o", "json");

        Assert.Equal(0, bookinfo.ExitCode);
        Assert.Equal(
            [("v1", 0.1), ("v2", 0.9)],
            bookinfo.Json.GetProperty("destinations").EnumerateArray().Select(static d => (d.GetProperty("version").GetString(), d.GetProperty("probability").GetDouble())));
        Assert.Equal(2, shop.ExitCode);
        Assert.Contains("in namespace shop", shop.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, qualified.ExitCode);
        Assert.Equal("reviews.bookinfo.svc.cluster.local", qualified.Json.GetProperty("request").GetProperty("fqdn").GetString());
    }

    [Fact]
    public async Task Query_parameters_and_source_labels_reach_the_simulator()
    {
        string vs = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: reviews
              namespace: bookinfo
            spec:
              hosts: [reviews]
              http:
              - name: beta-testers
                match:
                - queryParams:
                    beta: {exact: "1"}
                  sourceLabels:
                    app: productpage
                route:
                - destination: {host: reviews, subset: v3}
              - route:
                - destination: {host: reviews, subset: v1}
            """;

        CliRun beta = await RunAsync(["simulate", "-", "--host", "reviews.bookinfo", "--query", "beta=1", "--source-label", "app=productpage", "-o", "json"], vs);
        CliRun wrongCaller = await RunAsync(["simulate", "-", "--host", "reviews.bookinfo", "--path", "/reviews/1?beta=1", "--source-label", "app=ratings", "-o", "json"], vs);

        Assert.Equal(0, beta.ExitCode);
        Assert.Equal("beta-testers", beta.Json.GetProperty("ruleName").GetString());
        Assert.Equal("v3", Assert.Single(beta.Json.GetProperty("destinations").EnumerateArray()).GetProperty("subset").GetString());
        Assert.Equal("productpage", beta.Json.GetProperty("request").GetProperty("sourceLabels").GetProperty("app").GetString());
        Assert.Equal(1, wrongCaller.Json.GetProperty("ruleIndex").GetInt32());
        JsonElement first = wrongCaller.Json.GetProperty("evaluations")[0];
        Assert.False(first.GetProperty("matched").GetBoolean());
        Assert.Contains("app", string.Join(" ", first.GetProperty("reasons").EnumerateArray().Select(static r => r.GetString())), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_authority_is_the_host_unless_a_Host_header_or_authority_says_otherwise()
    {
        string vs = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: reviews
            spec:
              hosts: [reviews]
              http:
              - match:
                - authority: {exact: "reviews:9080"}
                route:
                - destination: {host: reviews, subset: v2}
              - route:
                - destination: {host: reviews, subset: v1}
            """;

        CliRun plain = await RunAsync(["simulate", "-", "--host", "reviews", "-o", "json"], vs);
        CliRun header = await RunAsync(["simulate", "-", "--host", "reviews", "-H", "Host: reviews:9080", "-o", "json"], vs);
        CliRun option = await RunAsync(["simulate", "-", "--host", "reviews", "--authority", "reviews:9080", "-o", "json"], vs);

        Assert.Equal(1, plain.Json.GetProperty("ruleIndex").GetInt32());
        Assert.Contains("authority reviews", plain.Json.GetProperty("evaluations")[0].GetProperty("reasons")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(0, header.Json.GetProperty("ruleIndex").GetInt32());
        Assert.Equal(0, option.Json.GetProperty("ruleIndex").GetInt32());
        Assert.Equal(["reviews", "reviews:9080", "reviews:9080"], new[] { plain, header, option }.Select(static r => r.Json.GetProperty("request").GetProperty("authority").GetString()));
    }

    [Fact]
    public async Task A_VirtualService_Istio_would_reject_is_simulated_with_a_warning()
    {
        string file = Sample("broken/bad-regex.yaml");

        CliRun run = await RunAsync("simulate", file, Rules, "--host", "reviews", "-H", "end-user=user-jason", "-o", "json");

        Assert.Equal(0, run.ExitCode);
        Assert.StartsWith("trafficconsole: warning: VirtualService default/reviews would be rejected by Istio", run.Stderr, StringComparison.Ordinal);
        Assert.Contains($"{file}:13: TC2012 ", run.Stderr, StringComparison.Ordinal);
        string warning = Assert.Single(run.Json.GetProperty("warnings").EnumerateArray()).GetString()!;
        Assert.Contains("TC2012", warning, StringComparison.Ordinal);

        // Envoy would never load the lookbehind: the simulator says the rule matches nothing.
        Assert.Equal(1, run.Json.GetProperty("ruleIndex").GetInt32());
        Assert.Contains("is invalid, so it matches nothing", run.Json.GetProperty("evaluations")[0].GetProperty("reasons")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_DestinationRules_for_the_host_are_a_warning_naming_the_one_used()
    {
        CliRun run = await RunAsync("simulate", Jason, Rules, Sample("bookinfo/destination-rule-all-mtls.yaml"), "--host", "reviews", "-o", "json");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("more than one DestinationRule for host reviews.default.svc.cluster.local: versions are named from default/reviews", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("destination-rule-all-mtls.yaml:16:1", run.Stderr, StringComparison.Ordinal);
        Assert.Equal(Rules, run.Json.GetProperty("destinationRule").GetProperty("source").GetString());
    }

    [Fact]
    public async Task The_json_document_always_has_every_field()
    {
        CliRun run = await RunAsync("simulate", Jason, "--host", "reviews", "-o", "json");

        Assert.Equal(
            ["schema", "request", "virtualService", "destinationRule", "matched", "ruleIndex", "ruleName", "evaluations", "destinations", "mirror", "faults", "summary", "warnings"],
            run.Json.EnumerateObject().Select(static p => p.Name));
        Assert.Equal(
            ["host", "fqdn", "authority", "method", "path", "scheme", "port", "gateway", "headers", "query", "sourceLabels", "sourceNamespace"],
            run.Json.GetProperty("request").EnumerateObject().Select(static p => p.Name));
        Assert.Equal(["index", "name", "matched", "reasons", "line"], run.Json.GetProperty("evaluations")[0].EnumerateObject().Select(static p => p.Name));
        Assert.Equal(["host", "subset", "version", "probability", "percent"], run.Json.GetProperty("destinations")[0].EnumerateObject().Select(static p => p.Name));
        Assert.Equal(JsonValueKind.Null, run.Json.GetProperty("destinationRule").ValueKind);
        Assert.Equal(JsonValueKind.Null, run.Json.GetProperty("destinations")[0].GetProperty("version").ValueKind);
        Assert.Empty(run.Json.GetProperty("warnings").EnumerateArray());
    }

    [Theory]
    [InlineData("--header", "end-user", "--header 'end-user' must be name=value.")]
    [InlineData("--header", "=jason", "--header '=jason' must be name=value.")]
    [InlineData("--query", "beta", "--query 'beta' must be name=value.")]
    [InlineData("--path", "reviews", "--path 'reviews' must start with '/'.")]
    [InlineData("--port", "70000", "--port 70000 is not a port number (1..65535).")]
    public async Task Malformed_request_options_are_usage_errors(string option, string value, string message)
    {
        CliRun run = await RunAsync("simulate", Jason, "--host", "reviews", option, value);

        Assert.Equal(2, run.ExitCode);
        Assert.Empty(run.Stdout);
        Assert.Contains($"trafficconsole: error: {message}", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_host_is_required()
    {
        CliRun run = await RunAsync("simulate", Jason);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--host", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("Run 'trafficconsole simulate --help' for usage.", run.Stderr, StringComparison.Ordinal);
    }
}
