using System.Text.Json.Nodes;

using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Yaml;

namespace TrafficConsole.Mesh.Tests.Yaml;

/// <summary>The limits of every YAML reader (console YAML mode, CLI, sandbox), through Mesh's public readers.</summary>
public class LimitedYamlParserTests
{
    // Generous: a refused bomb costs well under 1 MB; the unlimited reader took gigabytes.
    private const long MaxAllocatedBytes = 50L * 1024 * 1024;

    // The documented limits (docs/architecture.md), pinned here.
    private const int MaxDepth = 64;
    private const int AliasNodeAllowance = 10_000;
    private const int MaxBytes = 3 * 1024 * 1024;

    [Fact]
    public void An_alias_bomb_is_refused_naming_the_alias_limit_without_expanding_it()
    {
        ResourceYamlException? error = null;
        (long bytes, _) = HostileInput.Measure(() => error = Assert.Throws<ResourceYamlException>(() => ResourceYaml.ToJson(HostileInput.AliasBomb())));

        Assert.True(error!.OverLimit);
        Assert.Contains("alias limit exceeded", error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.Line);
        Assert.True(bytes < MaxAllocatedBytes, $"Refusing the bomb allocated {bytes:N0} bytes.");
    }

    [Fact]
    public void An_alias_bomb_is_a_limit_problem_of_its_document_and_the_other_documents_are_still_read()
    {
        string text = HostileInput.VirtualServiceAliasBomb() + "---\n" + """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata:
              name: reviews
            spec:
              host: reviews
            """;

        ParsedDocuments parsed = ResourceDocuments.Parse(text, "bomb.yaml");

        DocumentProblem problem = Assert.Single(parsed.Problems);
        Assert.Equal(DocumentProblemKind.OverLimit, problem.Kind);
        Assert.StartsWith("alias limit exceeded", problem.Message, StringComparison.Ordinal);
        Assert.Equal("DestinationRule", Assert.Single(parsed.Resources).Kind);
    }

    [Fact]
    public void A_typed_read_of_a_bomb_fails_with_the_limit_as_a_result()
    {
        YamlParseResult<VirtualService> result = ResourceYaml.TryDeserialize<VirtualService>(HostileInput.VirtualServiceAliasBomb());

        Assert.False(result.Succeeded);
        Assert.Contains("alias limit exceeded", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("lists")]
    [InlineData("objects")]
    public void Fifty_thousand_levels_of_nesting_are_refused_naming_the_depth_limit_instead_of_overflowing_the_stack(string shape)
    {
        string text = shape == "lists" ? HostileInput.NestedLists() : HostileInput.NestedObjects();
        ResourceYamlException? error = null;

        (long bytes, TimeSpan elapsed) = HostileInput.Measure(() => error = Assert.Throws<ResourceYamlException>(() => ResourceYaml.ToJson(text)));

        Assert.True(error!.OverLimit);
        Assert.Contains("nesting limit exceeded", error.Message, StringComparison.Ordinal);
        Assert.Contains("64", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, error.Line);
        Assert.True(bytes < MaxAllocatedBytes, $"Refusing {shape} allocated {bytes:N0} bytes.");
        Assert.True(elapsed < TimeSpan.FromSeconds(10), $"Refusing {shape} took {elapsed}.");
    }

    [Fact]
    public void Nesting_up_to_the_limit_is_read_and_one_more_level_is_refused()
    {
        JsonNode? deepest = ResourceYaml.ToJson(HostileInput.NestedLists(MaxDepth));
        for (int level = 1; level < MaxDepth; level++)
        {
            deepest = Assert.Single(Assert.IsType<JsonArray>(deepest));
        }

        Assert.Empty(Assert.IsType<JsonArray>(deepest));
        Assert.Throws<ResourceYamlException>(() => ResourceYaml.ToJson(HostileInput.NestedLists(MaxDepth + 1)));
    }

    [Theory]
    [InlineData("a: &x [*x]")]
    [InlineData("a: &x {b: *x}")]
    [InlineData("a: &x\n  b:\n    c: *x")]
    public void An_alias_inside_the_node_it_names_is_refused_instead_of_recursing_forever(string yaml)
    {
        var error = Assert.Throws<ResourceYamlException>(() => ResourceYaml.ToJson(yaml));

        Assert.Contains("the alias *x is inside the node &x it names", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Anchors_and_aliases_within_the_allowance_are_expanded_as_before()
    {
        JsonNode? node = ResourceYaml.ToJson("""
            defaults: &defaults {timeout: 5s, retries: {attempts: 3}}
            routes:
            - *defaults
            - *defaults
            version: &v v1
            subset: *v
            """);

        Assert.Equal("5s", (string?)node!["routes"]![1]!["timeout"]);
        Assert.Equal(3L, (long?)node["routes"]![0]!["retries"]!["attempts"]);
        Assert.Equal("v1", (string?)node["subset"]);
    }

    [Fact]
    public void Aliases_may_add_as_many_nodes_as_the_document_writes_plus_the_allowance_and_no_more()
    {
        // An anchor of 100 scalars (101 nodes with its list): used n times, aliases add 101 * n nodes.
        string list = "[" + string.Join(',', Enumerable.Repeat("x", 100)) + "]";
        static string Document(string list, int uses) => $"a: &a {list}\nb: [{string.Join(',', Enumerable.Repeat("*a", uses))}]\n";
        int written = 101 + 2 + 1 + 2; // the anchor, keys a and b, list b, the root... within a few nodes
        int fits = (AliasNodeAllowance + written) / 101 - 1;

        JsonNode? node = ResourceYaml.ToJson(Document(list, fits));
        Assert.Equal(fits, node!["b"]!.AsArray().Count);

        var error = Assert.Throws<ResourceYamlException>(() => ResourceYaml.ToJson(Document(list, fits + 2)));
        Assert.Contains("alias limit exceeded", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_text_over_the_API_servers_request_limit_is_refused_naming_the_size_limit()
    {
        string text = "a: " + new string('x', MaxBytes) + "\n";

        var error = Assert.Throws<ResourceYamlException>(() => ResourceYaml.ToJson(text));
        ParsedDocuments parsed = ResourceDocuments.Parse(text, "big.yaml");

        Assert.True(error.OverLimit);
        Assert.Contains("size limit exceeded", error.Message, StringComparison.Ordinal);
        Assert.Contains("3145728", error.Message, StringComparison.Ordinal);
        DocumentProblem problem = Assert.Single(parsed.Problems);
        Assert.Equal(DocumentProblemKind.OverLimit, problem.Kind);
        Assert.Contains("3145728", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Multi_byte_text_is_measured_in_UTF8_bytes()
    {
        // 1.1 M three-byte characters: under the limit in chars, over it in bytes.
        string text = "a: " + new string('€', 1_100_000) + "\n";

        var error = Assert.Throws<ResourceYamlException>(() => ResourceYaml.ToJson(text));

        Assert.Contains("size limit exceeded", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Long_keys_nested_deep_do_not_make_every_node_pay_for_its_whole_path()
    {
        // 60 levels of 1,000-character keys, then 8,000 list items: 80 KB of text whose items' paths are 60,000 characters each.
        var yaml = new System.Text.StringBuilder();
        for (int level = 0; level < 60; level++)
        {
            yaml.Append(' ', level).Append(new string((char)('a' + (level % 26)), 1000)).Append(":\n");
        }

        yaml.Append(' ', 60).Append('[').AppendJoin(',', Enumerable.Repeat('1', 8000)).Append("]\n");
        JsonNode? node = null;

        (long bytes, _) = HostileInput.Measure(() => node = ResourceYaml.ToJson(yaml.ToString()));

        Assert.NotNull(node);
        Assert.True(bytes < MaxAllocatedBytes, $"Reading it allocated {bytes:N0} bytes.");
    }
}
