using System.Text.Json.Nodes;

using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Tests.Resources;
using TrafficConsole.Mesh.Yaml;

using static TrafficConsole.Mesh.Tests.TestData.Samples;

namespace TrafficConsole.Mesh.Tests.Yaml;

public class ResourceYamlTests
{
    [Fact]
    public void Serializes_like_kubectl_in_model_order_without_nulls()
    {
        RoutingPlan plan = RoutingIntentPlanner.PlanSplit(View(), TrafficSplit.Of(("v1", 90), ("v2", 10), ("v3", 0)), IstioApi.V1);

        string yaml = ResourceYaml.Serialize(plan.VirtualService!);

        Assert.Equal(
            """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              labels:
                app.kubernetes.io/managed-by: trafficconsole
              name: reviews
              namespace: bookinfo
            spec:
              hosts:
              - reviews.bookinfo.svc.cluster.local
              http:
              - route:
                - destination:
                    host: reviews.bookinfo.svc.cluster.local
                    subset: v1
                  weight: 90
                - destination:
                    host: reviews.bookinfo.svc.cluster.local
                    subset: v2
                  weight: 10

            """.ReplaceLineEndings("\n"),
            yaml);
    }

    [Fact]
    public void Strings_YAML_would_misread_are_quoted_and_read_back_as_strings()
    {
        var dr = new DestinationRule
        {
            Metadata = Meta("ratings"),
            Spec = new DestinationRuleSpec
            {
                Host = "ratings",
                Subsets =
                [
                    new Subset { Name = "v1-0", Labels = Labels(("version", "1.0")) },
                    new Subset { Name = "yes", Labels = Labels(("version", "true"), ("on", "off"), ("empty", ""), ("n", "null"), ("e", "1e3"), ("hex", "0x1F")) },
                ],
            },
        };

        string yaml = ResourceYaml.Serialize(dr);

        Assert.Contains("version: '1.0'", yaml, StringComparison.Ordinal);
        Assert.Contains("version: 'true'", yaml, StringComparison.Ordinal);
        Assert.Contains("'on': 'off'", yaml, StringComparison.Ordinal);
        DestinationRule back = ResourceYaml.Deserialize<DestinationRule>(yaml);
        Assert.Equal("1.0", back.Spec!.Subsets![0].Labels!["version"]);
        Assert.Equal(dr.Spec.Subsets[1].Labels!.OrderBy(static l => l.Key, StringComparer.Ordinal), back.Spec.Subsets[1].Labels!.OrderBy(static l => l.Key, StringComparer.Ordinal));
        RoundTripTests.AssertSameJson(MeshJson.Serialize(dr), MeshJson.Serialize(back));
    }

    [Fact]
    public void Full_sample_round_trips_through_yaml_unchanged()
    {
        VirtualService vs = MeshJson.Deserialize<VirtualService>(RoundTripTests.VirtualServiceJson)!;

        string yaml = ResourceYaml.Serialize(vs, showManagedFields: true);
        VirtualService back = ResourceYaml.Deserialize<VirtualService>(yaml);

        RoundTripTests.AssertSameJson(RoundTripTests.VirtualServiceJson, MeshJson.Serialize(back));
        Assert.Contains("rewrite: /\\1", yaml, StringComparison.Ordinal);
    }

    [Fact]
    public void Managed_fields_are_hidden_unless_asked_for()
    {
        VirtualService vs = MeshJson.Deserialize<VirtualService>(RoundTripTests.VirtualServiceJson)!;

        Assert.DoesNotContain("managedFields", ResourceYaml.Serialize(vs), StringComparison.Ordinal);
        Assert.Contains("managedFields", ResourceYaml.Serialize(vs, showManagedFields: true), StringComparison.Ordinal);
        Assert.NotNull(vs.Metadata.ManagedFields);
    }

    [Theory]
    [InlineData("*")]
    [InlineData("- x")]
    [InlineData("a: b")]
    [InlineData("#x")]
    [InlineData(" lead")]
    [InlineData("trail ")]
    [InlineData("'q'")]
    [InlineData("\"dq\"")]
    [InlineData("[x]")]
    [InlineData("{x}")]
    [InlineData("@x")]
    [InlineData("!x")]
    [InlineData("&x")]
    [InlineData("|")]
    [InlineData(">")]
    [InlineData("?")]
    [InlineData("a #b")]
    [InlineData("tab\there")]
    [InlineData("é ü 😀")]
    [InlineData("two\nlines")]
    [InlineData("ends\n\n")]
    [InlineData("\n")]
    [InlineData("  indented\nfirst line\n")]
    [InlineData("trailing space \nline")]
    [InlineData("two\nlines no final newline")]
    [InlineData("crlf\r\nline")]
    [InlineData("^/v1/(.*)$")]
    [InlineData("0755")]
    [InlineData("1_000")]
    [InlineData("12:30")]
    [InlineData(".5")]
    [InlineData("-.inf")]
    [InlineData("~")]
    [InlineData("2024-05-01")]
    [InlineData("Yes")]
    public void Any_string_value_or_key_reads_back_unchanged(string text)
    {
        var node = new JsonObject { ["value"] = text, [text] = "key" };

        string yaml = ResourceYaml.Serialize(node);
        JsonNode back = ResourceYaml.ToJson(yaml)!;

        Assert.Equal(text, back["value"]!.GetValue<string>());
        Assert.Equal("key", back[text]!.GetValue<string>());
    }

    [Fact]
    public void Multi_line_strings_use_literal_blocks()
    {
        var node = new JsonObject { ["script"] = "line one\nline two\n" };

        string yaml = ResourceYaml.Serialize(node);

        Assert.Equal("script: |\n  line one\n  line two\n", yaml);
        Assert.Equal("line one\nline two\n", ResourceYaml.ToJson(yaml)!["script"]!.GetValue<string>());
    }

    [Fact]
    public void Plain_scalars_are_typed_with_the_core_schema()
    {
        JsonNode node = ResourceYaml.ToJson("""
            i: 42
            f: 12.5
            b: true
            n: null
            t: ~
            s: hello
            q: "42"
            e: []
            m: {}
            """)!;

        Assert.Equal(42, node["i"]!.GetValue<long>());
        Assert.Equal(12.5, node["f"]!.GetValue<double>());
        Assert.True(node["b"]!.GetValue<bool>());
        Assert.Null(node["n"]);
        Assert.Null(node["t"]);
        Assert.Equal("hello", node["s"]!.GetValue<string>());
        Assert.Equal("42", node["q"]!.GetValue<string>());
        Assert.Empty(node["e"]!.AsArray());
        Assert.Empty(node["m"]!.AsObject());
    }

    [Fact]
    public void Syntax_errors_name_line_and_column()
    {
        const string yaml = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nspec:\n  hosts: [reviews\n  http: x\n";

        ResourceYamlException ex = Assert.Throws<ResourceYamlException>(() => ResourceYaml.Deserialize<VirtualService>(yaml));

        Assert.InRange(ex.Line!.Value, 4, 6);
        Assert.True(ex.Column > 0, ex.Message);
        Assert.StartsWith($"Line {ex.Line}, column {ex.Column}:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Type_errors_name_the_field_and_its_line()
    {
        const string yaml = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: reviews
            spec:
              hosts:
              - reviews
              http:
              - route:
                - destination:
                    host: reviews
                  weight: lots
            """;

        YamlParseResult<VirtualService> result = ResourceYaml.TryDeserialize<VirtualService>(yaml);

        Assert.False(result.Succeeded);
        Assert.Equal(12, result.Line);
        Assert.Contains("spec.http[0].route[0].weight", result.Error, StringComparison.Ordinal);
        Assert.StartsWith("Line 12, column", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Duplicate_keys_are_rejected_with_their_position()
    {
        YamlParseResult<VirtualService> result = ResourceYaml.TryDeserialize<VirtualService>("kind: A\nkind: B\n");

        Assert.False(result.Succeeded);
        Assert.Equal((2, 1), (result.Line, result.Column));
        Assert.Contains("'kind' appears twice", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_and_multi_document_input_is_rejected()
    {
        Assert.False(ResourceYaml.TryDeserialize<VirtualService>("").Succeeded);
        YamlParseResult<VirtualService> two = ResourceYaml.TryDeserialize<VirtualService>("kind: A\n---\nkind: B\n");
        Assert.False(two.Succeeded);
        Assert.Contains("one YAML document", two.Error, StringComparison.Ordinal);
        Assert.Equal(3, two.Line);
    }

    [Theory]
    [InlineData("a: 1e400", "too large")]
    [InlineData("a: -1e400", "too large")]
    [InlineData("fuzz", "")]
    public void Numbers_JSON_cannot_carry_and_parser_failures_are_errors_with_a_line_not_exceptions(string yaml, string reason)
    {
        // Found by the sandbox's fuzz test: YamlDotNet threw an ArgumentException ("unsupported type") on it.
        yaml = yaml == "fuzz" ? System.Text.Encoding.UTF8.GetString(Convert.FromBase64String("OiAqbAo/IDogcGlWZXJzXX1pCmxpc3RbICA6IGs6IHYKID4tCiAgLCAyXQpvJz8geyEhc3RyICIhIWJpbmFyeSAqYSB9LSAtLS0gCmZ1enoKIH0iaGVyOiAq")) : yaml;
        var error = Assert.Throws<ResourceYamlException>(() => ResourceYaml.ToJson(yaml));
        YamlParseResult<VirtualService> typed = ResourceYaml.TryDeserialize<VirtualService>(yaml);

        Assert.StartsWith("Line ", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.False(typed.Succeeded);
    }

    [Fact]
    public void An_integer_too_long_for_decimal_is_read_as_a_number()
    {
        JsonNode? node = ResourceYaml.ToJson("a: 99999999999999999999999999999999999");

        Assert.Equal(1e35, (double)node!["a"]!, 1e20);
    }
}
