using System.Collections.Immutable;

using TrafficConsole.Mesh.Validation;
using TrafficConsole.Mesh.Yaml;

namespace TrafficConsole.Mesh.Tests.Validation;

public class CrdFieldsTests
{
    private static ImmutableArray<ValidationIssue> Check(string yaml, string kind = "VirtualService") =>
        CrdFields.UnknownFields(ResourceYaml.ToJson(yaml), kind);

    private const string Reviews = """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: reviews
          namespace: bookinfo
          labels: { app: reviews, anything-goes: "yes" }
          annotations: { trafficconsole.io/changed-by: alice }
          resourceVersion: "12"
        spec:
          hosts: [reviews]
          http:
          - name: jason
            match:
            - headers:
                end-user: { exact: jason }
              uri: { prefix: /reviews }
            route:
            - destination: { host: reviews, subset: v3 }
            fault:
              delay: { percentage: { value: 10 }, fixedDelay: 5s }
            retries: { attempts: 3, perTryTimeout: 2s, retryOn: 5xx }
            timeout: 10s
            headers:
              request: { set: { x-canary: "true" } }
            corsPolicy: { allowOrigins: [{ exact: "https://example.com" }] }
          - route:
            - destination: { host: reviews, subset: v1 }
              weight: 30
            - destination: { host: reviews, subset: v2 }
              weight: 70
            mirror: { host: reviews, subset: v3 }
            mirrorPercentage: { value: 12.5 }
        status:
          conditions: [{ type: Reconciled, status: "True" }]
          whatever: { the: controller, writes: here }
        """;

    [Fact]
    public void A_resource_with_only_declared_fields_passes_whatever_its_maps_and_status_hold() =>
        Assert.Empty(Check(Reviews));

    [Fact]
    public void A_misspelled_weight_is_an_error_at_its_path_that_names_the_right_field()
    {
        ValidationIssue issue = Assert.Single(Check(Reviews.Replace("  weight: 30", "  wieght: 30", StringComparison.Ordinal)));

        Assert.Equal((ValidationCodes.UnknownField, Severity.Error, "spec.http[1].route[0].wieght"), (issue.Code, issue.Severity, issue.Path));
        Assert.Contains("Did you mean \"weight\"?", issue.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("end-user: { exact: jason }", "end-user: { exakt: jason }", "spec.http[0].match[0].headers.end-user.exakt", "exact")]
    [InlineData("  labels: { app: reviews", "  lables: { app: reviews", "metadata.lables", "labels")]
    [InlineData("  hosts: [reviews]", "  hosts: [reviews]\n  gateway: [mesh]", "spec.gateway", "gateways")]
    [InlineData("timeout: 10s", "timeOut: 10s", "spec.http[0].timeOut", "timeout")]
    [InlineData("mirrorPercentage: { value: 12.5 }", "mirrorPercentage: { valu: 12.5 }", "spec.http[1].mirrorPercentage.valu", "value")]
    public void Unknown_fields_are_found_in_maps_lists_and_metadata(string from, string to, string path, string suggestion)
    {
        ValidationIssue issue = Assert.Single(Check(Reviews.Replace(from, to, StringComparison.Ordinal)));

        Assert.Equal(path, issue.Path);
        Assert.Contains($"Did you mean \"{suggestion}\"?", issue.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_field_far_from_every_declared_one_gets_no_guess()
    {
        ValidationIssue issue = Assert.Single(Check(Reviews.Replace("timeout: 10s", "colour: blue", StringComparison.Ordinal)));

        Assert.DoesNotContain("Did you mean", issue.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_destination_rule_is_held_to_its_own_schema()
    {
        const string dr = """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: { name: reviews }
            spec:
              host: reviews
              trafficPolicy:
                connectionPool: { tcp: { maxConnections: 100 } }
                outlierDetection: { consecutive5xxErrors: 5, interval: 10s }
              subsets:
              - name: v1
                labels: { version: v1 }
              - name: v2
                lables: { version: v2 }
            """;

        ValidationIssue issue = Assert.Single(Check(dr, "DestinationRule"));

        Assert.Equal("spec.subsets[1].lables", issue.Path);
        Assert.Empty(Check(dr.Replace("lables", "labels", StringComparison.Ordinal), "DestinationRule"));
    }

    [Fact]
    public void Findings_are_capped_so_a_huge_document_cannot_flood_the_page()
    {
        string routes = string.Concat(Enumerable.Range(0, 200).Select(static i => $"  - route: [{{ destination: {{ host: r{i} }}, wieght: 1 }}]\n"));

        Assert.Equal(50, Check($"apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{ name: a }}\nspec:\n  http:\n{routes}").Length);
    }

    [Fact]
    public void Kinds_without_a_schema_here_are_not_judged() =>
        Assert.Empty(Check("apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\ndata: { x: y }", "ConfigMap"));
}
