using TrafficConsole.Cli.Tests.Infrastructure;

using static TrafficConsole.Cli.Tests.Infrastructure.Cli;

namespace TrafficConsole.Cli.Tests.Input;

/// <summary>Bad usage and unreadable input: a clear message on stderr, exit code 2, nothing on stdout, never a stack trace.</summary>
public class InputErrorTests
{
    public static TheoryData<string> Verbs => ["validate", "analyze", "simulate"];

    [Theory]
    [MemberData(nameof(Verbs))]
    public async Task A_YAML_syntax_error_names_file_document_and_line(string verb)
    {
        string file = Sample("broken/syntax-error.yaml");

        CliRun run = await RunAsync(WithHost(verb, file));

        Assert.Equal(2, run.ExitCode);
        Assert.Empty(run.Stdout);
        Assert.Contains($"{file}:21:6: error: YAML syntax error: ", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("(document 2)", run.Stderr, StringComparison.Ordinal);
        AssertNoStackTrace(run);
    }

    [Theory]
    [MemberData(nameof(Verbs))]
    public async Task A_missing_file_is_named(string verb)
    {
        string missing = Path.Combine(Path.GetTempPath(), $"no-such-{Guid.NewGuid():N}.yaml");

        CliRun run = await RunAsync(WithHost(verb, Sample("bookinfo/virtual-service-all-v1.yaml"), missing));

        Assert.Equal(2, run.ExitCode);
        Assert.Empty(run.Stdout);
        Assert.Equal($"trafficconsole: error: cannot read '{missing}': no such file.{Environment.NewLine}", run.Stderr);
    }

    [Fact]
    public async Task An_unknown_kind_of_a_routing_group_is_a_typo_that_fails_and_says_how_to_skip_it()
    {
        CliRun run = await RunAsync("validate", Sample("broken/unknown-kind.yaml"));

        Assert.Equal(2, run.ExitCode);
        Assert.Empty(run.Stdout);
        Assert.Contains("unknown-kind.yaml:1:1: error: VirtualSerivce reviews (networking.istio.io/v1) is not a kind trafficconsole reads", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("pass --skip-unknown", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Real_kinds_of_the_routing_groups_and_other_groups_are_skipped_while_a_typo_beside_them_fails()
    {
        string file = Path.Combine(Path.GetTempPath(), $"tc-kinds-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: external-api}
            spec: {hosts: [api.example.com], resolution: DNS}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: settings}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews}
            spec:
              hosts: [reviews]
              http: [{route: [{destination: {host: reviews}}]}]
            """);
        try
        {
            CliRun fine = await RunAsync("validate", file, "-o", "json");
            Assert.Equal(0, fine.ExitCode);
            Assert.Equal(["ServiceEntry", "ConfigMap"], fine.Json.GetProperty("skipped").EnumerateArray().Select(static s => s.GetProperty("kind").GetString()));

            await File.AppendAllTextAsync(file, "\n---\napiVersion: networking.istio.io/v1\nkind: DestinationRul\nmetadata: {name: reviews}\nspec: {host: reviews}\n");
            CliRun typo = await RunAsync("validate", file);
            Assert.Equal(2, typo.ExitCode);
            Assert.Contains("DestinationRul reviews (networking.istio.io/v1) is not a kind trafficconsole reads", typo.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Skipping_unknown_kinds_of_a_file_with_nothing_else_still_finds_no_resources()
    {
        CliRun run = await RunAsync("validate", "--skip-unknown", Sample("broken/unknown-kind.yaml"));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("no resources trafficconsole reads found in", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("(1 skipped)", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_value_of_the_wrong_type_names_the_field()
    {
        CliRun run = await RunAsync("validate", Sample("broken/wrong-type.yaml"));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("wrong-type.yaml:13:15: error: VirtualService reviews: field 'spec.http[0].route[0].weight' must be an integer. (document 1)", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_broken_document_of_every_file_is_reported_at_once()
    {
        CliRun run = await RunAsync("analyze", Sample("broken/syntax-error.yaml"), Sample("broken/wrong-type.yaml"), Sample("broken/unknown-kind.yaml"));

        Assert.Equal(2, run.ExitCode);
        string[] errors = [.. run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(static l => l.Contains(": error: ", StringComparison.Ordinal))];
        Assert.Equal(3, errors.Length);
        Assert.Contains("syntax-error.yaml", errors[0], StringComparison.Ordinal);
        Assert.Contains("wrong-type.yaml", errors[1], StringComparison.Ordinal);
        Assert.Contains("unknown-kind.yaml", errors[2], StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_empty_input_has_no_resources()
    {
        CliRun run = await RunAsync(["validate", "-"], "# nothing yet\n---\n");

        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"trafficconsole: error: no resources found in '<stdin>'.{Environment.NewLine}", run.Stderr);
    }

    [Fact]
    public async Task A_directory_without_manifests_is_named()
    {
        string dir = Directory.CreateTempSubdirectory("trafficconsole-empty-").FullName;
        try
        {
            CliRun run = await RunAsync("validate", dir);

            Assert.Equal(2, run.ExitCode);
            Assert.Contains($"the directory '{dir}' has no *.yaml, *.yml or *.json files.", run.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Stdin_named_twice_is_refused()
    {
        CliRun run = await RunAsync(["validate", "-", "-"], File.ReadAllText(Sample("bookinfo/virtual-service-all-v1.yaml")));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("'-' (stdin) is named more than once.", run.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new string[0], "Required command was not provided.", "Run 'trafficconsole --help' for usage.")]
    [InlineData(new[] { "lint", "x.yaml" }, "lint", "Run 'trafficconsole --help' for usage.")]
    [InlineData(new[] { "validate" }, "Required argument 'files' missing", "Run 'trafficconsole validate --help' for usage.")]
    [InlineData(new[] { "validate", "-o", "xml", "x.yaml" }, "Argument 'xml' not recognized", "Run 'trafficconsole validate --help' for usage.")]
    [InlineData(new[] { "analyze", "--frobnicate", "x.yaml" }, "--frobnicate", "Run 'trafficconsole analyze --help' for usage.")]
    [InlineData(new[] { "simulate", "x.yaml", "--host", "reviews", "--port", "eighty" }, "eighty", "Run 'trafficconsole simulate --help' for usage.")]
    public async Task Usage_errors_exit_2_with_the_parser_message_and_where_to_get_help(string[] args, string message, string hint)
    {
        CliRun run = await RunAsync(args);

        Assert.Equal(2, run.ExitCode);
        Assert.Empty(run.Stdout);
        Assert.Contains(message, run.Stderr, StringComparison.Ordinal);
        Assert.StartsWith("trafficconsole: error: ", run.Stderr, StringComparison.Ordinal);
        Assert.EndsWith(hint + Environment.NewLine, run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_lists_the_verbs_and_exits_0()
    {
        CliRun run = await RunAsync("--help");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("validate <files>", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("analyze <files>", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("simulate <files>", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unexpected_failure_is_one_line_on_stderr_with_its_own_exit_code()
    {
        using var error = new StringWriter();
        var console = new CliConsole(new StringReader(string.Empty), new FailingWriter(), error);

        int code = await CliApp.RunAsync(["validate", Sample("bookinfo/virtual-service-reviews-v2-v3.yaml")], console);

        Assert.Equal(70, code);
        Assert.Equal($"trafficconsole: internal error: InvalidOperationException: the terminal went away (this is a bug in trafficconsole; please report it){Environment.NewLine}", error.ToString());
    }

    public static TheoryData<string, string> HostileFiles => new()
    {
        { "alias-bomb", "alias limit exceeded" },
        { "deep-lists", "nesting limit exceeded" },
        { "deep-objects", "nesting limit exceeded" },
    };

    [Theory]
    [MemberData(nameof(HostileFiles))]
    public async Task A_hostile_file_is_refused_naming_the_limit_it_goes_over(string shape, string limit)
    {
        string file = Path.Combine(Path.GetTempPath(), $"tc-{shape}-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, shape switch
        {
            "alias-bomb" => HostileInput.VirtualServiceAliasBomb(),
            "deep-lists" => HostileInput.NestedLists(),
            _ => HostileInput.NestedObjects(),
        });
        try
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            CliRun run = await RunAsync("validate", file);

            Assert.Equal(2, run.ExitCode);
            Assert.Empty(run.Stdout);
            Assert.Contains($"{file}:", run.Stderr, StringComparison.Ordinal);
            Assert.Contains($"error: {limit}", run.Stderr, StringComparison.Ordinal);
            AssertNoStackTrace(run);
            // The unlimited reader ran out of memory (the bomb) or overflowed the stack (the nesting); refused, it is instant.
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"validate took {clock.Elapsed}.");
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task A_file_over_the_API_servers_request_limit_is_refused_before_it_is_read()
    {
        string file = Path.Combine(Path.GetTempPath(), $"tc-large-{Guid.NewGuid():N}.yaml");
        await using (FileStream stream = File.Create(file))
        {
            stream.SetLength(3 * 1024 * 1024 + 1);
        }

        try
        {
            CliRun run = await RunAsync("validate", file);

            Assert.Equal(2, run.ExitCode);
            Assert.Contains($"{file}:1: error: size limit exceeded: the text is 3145729 bytes; the limit is 3145728 bytes", run.Stderr, StringComparison.Ordinal);
            AssertNoStackTrace(run);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Standard_input_over_the_limit_is_refused()
    {
        CliRun run = await RunAsync(["validate", "-"], "a: " + new string('x', 3 * 1024 * 1024));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("<stdin>:1: error: size limit exceeded: the text is larger than that; the limit is 3145728 bytes", run.Stderr, StringComparison.Ordinal);
    }

    private static string[] WithHost(string verb, params string[] files) =>
        verb == "simulate" ? [verb, .. files, "--host", "reviews"] : [verb, .. files];

    private static void AssertNoStackTrace(CliRun run)
    {
        Assert.DoesNotContain("   at ", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", run.Stderr, StringComparison.Ordinal);
    }

    private sealed class FailingWriter : StringWriter
    {
        public override void WriteLine(string? value) => throw new InvalidOperationException("the terminal went away");
    }
}
