using TrafficConsole.Mesh.Analysis;
using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Services;
using TrafficConsole.Mesh.Yaml;

namespace TrafficConsole.Mesh.Tests.Yaml;

public class ResourceDocumentsTests
{
    private const string ReviewsVirtualService = """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: reviews
          namespace: bookinfo
        spec:
          hosts:
          - reviews
          http:
          - route:
            - destination:
                host: reviews
                subset: v1
              weight: 80
            - destination:
                host: reviews
                subset: v2
              weight: 20
        """;

    private const string ReviewsDestinationRule = """
        apiVersion: networking.istio.io/v1beta1
        kind: DestinationRule
        metadata:
          name: reviews
          namespace: bookinfo
        spec:
          host: reviews
          subsets:
          - name: v1
            labels:
              version: v1
          - name: v2
            labels:
              version: v2
        """;

    [Fact]
    public void Reads_every_document_in_order_with_its_document_number_and_first_line()
    {
        string text = $"""
            # Bookinfo routing
            ---
            {ReviewsVirtualService}
            ---   # the subsets
            {ReviewsDestinationRule}
            ---
            # nothing here
            ---
            """;

        ParsedDocuments parsed = ResourceDocuments.Parse(text, "routing.yaml");

        Assert.Empty(parsed.Problems);
        Assert.Collection(
            parsed.Resources,
            vs =>
            {
                VirtualService model = Assert.IsType<VirtualService>(vs.Resource);
                Assert.Equal(80, model.Spec!.Http![0].Route![0].Weight);
                Assert.Equal(("VirtualService", "bookinfo", "reviews"), (vs.Kind, vs.Namespace, vs.Name));
                Assert.Equal(new DocumentLocation("routing.yaml", 1, 3, 1), vs.Location);
            },
            dr =>
            {
                DestinationRule model = Assert.IsType<DestinationRule>(dr.Resource);
                Assert.Equal(["v1", "v2"], model.Spec!.Subsets!.Select(static s => s.Name));
                Assert.Equal("networking.istio.io/v1beta1", dr.ApiVersion);
                Assert.Equal(2, dr.Location.Document);
                Assert.Equal(22, dr.Location.Line);
            });
    }

    [Fact]
    public void Field_paths_of_validation_issues_map_to_their_lines()
    {
        ParsedDocuments parsed = ResourceDocuments.Parse("---\n" + ReviewsVirtualService, "vs.yaml");

        ResourceDocument vs = Assert.Single(parsed.Resources);
        Assert.Equal(15, vs.LineOf("spec.http[0].route[0].weight"));
        Assert.Equal(19, vs.LineOf("spec.http[0].route[1].weight"));
        Assert.Equal(14, vs.LineOf("spec.http[0].route[0].destination.subset"));

        // Map keys may be named in brackets, as validation issues name header matches.
        ParsedDocuments headers = ResourceDocuments.Parse("apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: r\nspec:\n  http:\n  - match:\n    - headers:\n        x.user-id:\n          regex: a\n", "h.yaml");
        Assert.Equal(10, Assert.Single(headers.Resources).LineOf("spec.http[0].match[0].headers[x.user-id].regex"));
        Assert.Equal(10, headers.Resources[0].LineOf("spec.http[0].match[0].headers.x.user-id.regex"));

        // A field that is not written points at the nearest one that is; an unknown path at the object.
        Assert.Equal(11, vs.LineOf("spec.http[0].timeout"));
        Assert.Equal(2, vs.LineOf("status.conditions[0]"));
        Assert.Equal(2, vs.LineOf(null));
    }

    [Fact]
    public void A_syntax_error_names_file_document_and_absolute_line_and_the_other_documents_are_still_read()
    {
        string text = $"""
            {ReviewsDestinationRule}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: ratings
            spec:
              hosts: [ratings
            ---
            {ReviewsVirtualService}
            """;

        ParsedDocuments parsed = ResourceDocuments.Parse(text, "mixed.yaml");

        DocumentProblem problem = Assert.Single(parsed.Problems);
        Assert.Equal(DocumentProblemKind.Syntax, problem.Kind);
        Assert.Equal("mixed.yaml", problem.Location.Source);
        Assert.Equal(2, problem.Location.Document);
        Assert.InRange(problem.Location.Line, 21, 22);
        Assert.StartsWith("YAML syntax error: ", problem.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Line ", problem.Message, StringComparison.Ordinal);
        Assert.Equal(["DestinationRule", "VirtualService"], parsed.Resources.Select(static r => r.Kind));
        Assert.Equal(3, parsed.Resources[1].Location.Document);
        Assert.Equal(23, parsed.Resources[1].Location.Line);
    }

    [Fact]
    public void A_separator_is_a_line_of_three_dashes_only_so_dashes_inside_a_block_scalar_stay_text()
    {
        string text = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: reviews
              annotations:
                note: |
                  ---
                  not a separator
            spec:
              hosts: [reviews]
            --- not-a-separator-either
            """;

        ParsedDocuments parsed = ResourceDocuments.Parse(text, "x.yaml");

        // kubectl reads '--- text' as part of the document; here that makes the YAML invalid, which is the honest answer.
        Assert.Single(parsed.Problems);
        Assert.Equal(DocumentProblemKind.Syntax, parsed.Problems[0].Kind);

        ParsedDocuments fine = ResourceDocuments.Parse(text[..text.LastIndexOf("---", StringComparison.Ordinal)], "x.yaml");
        VirtualService vs = Assert.IsType<VirtualService>(Assert.Single(fine.Resources).Resource);
        Assert.Equal("---\nnot a separator\n", vs.Metadata.Annotations["note"]);
    }

    [Fact]
    public void A_List_yields_its_items_each_at_its_own_line()
    {
        string text = """
            apiVersion: v1
            kind: List
            items:
            - apiVersion: networking.istio.io/v1
              kind: VirtualService
              metadata:
                name: reviews
              spec:
                hosts: [reviews]
            - apiVersion: networking.istio.io/v1
              kind: DestinationRule
              metadata:
                name: reviews
              spec:
                host: reviews
                subsets:
                - name: v1
                  labels: {version: v1}
            """;

        ParsedDocuments parsed = ResourceDocuments.Parse(text, "list.yaml", "shop");

        Assert.Empty(parsed.Problems);
        Assert.Equal([4, 10], parsed.Resources.Select(static r => r.Location.Line));
        Assert.All(parsed.Resources, static r => Assert.Equal(1, r.Location.Document));
        Assert.All(parsed.Resources, static r => Assert.Equal("shop", r.Namespace));
        Assert.Equal("shop", ((DestinationRule)parsed.Resources[1].Resource).Namespace);
        Assert.Equal(17, parsed.Resources[1].LineOf("spec.subsets[0].name"));
    }

    [Fact]
    public void JSON_with_tabs_is_read_and_a_JSON_syntax_error_has_its_line()
    {
        string json = "{\n\t\"apiVersion\": \"networking.istio.io/v1\",\n\t\"kind\": \"VirtualService\",\n\t\"metadata\": {\"name\": \"reviews\"},\n\t\"spec\": {\"hosts\": [\"reviews\"], \"http\": [{\"route\": [{\"destination\": {\"host\": \"reviews\"}, \"weight\": 100}]}]}\n}\n";

        ParsedDocuments parsed = ResourceDocuments.Parse(json, "vs.json");

        ResourceDocument vs = Assert.Single(parsed.Resources);
        Assert.Equal("default", vs.Namespace);
        Assert.Equal(5, vs.LineOf("spec.http[0].route[0].weight"));

        ParsedDocuments broken = ResourceDocuments.Parse("{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"Service\",,\n}\n", "svc.json");
        DocumentProblem problem = Assert.Single(broken.Problems);
        Assert.Equal((DocumentProblemKind.Syntax, 3), (problem.Kind, problem.Location.Line));
        Assert.Empty(broken.Resources);
    }

    [Fact]
    public void Flow_style_documents_are_split_like_any_other()
    {
        string text = "{apiVersion: networking.istio.io/v1, kind: VirtualService, metadata: {name: a}, spec: {hosts: [a]}}\n---\n{\"apiVersion\": \"networking.istio.io/v1\", \"kind\": \"DestinationRule\", \"metadata\": {\"name\": \"a\"}, \"spec\": {\"host\": \"a\"}}\n";

        ParsedDocuments parsed = ResourceDocuments.Parse(text, "flow.yaml");

        Assert.Empty(parsed.Problems);
        Assert.Equal([("VirtualService", 1, 1), ("DestinationRule", 2, 3)], parsed.Resources.Select(static r => (r.Kind, r.Location.Document, r.Location.Line)));
    }

    [Fact]
    public void A_value_of_the_wrong_type_names_the_field_and_its_line()
    {
        string text = ReviewsVirtualService.Replace("weight: 20", "weight: twenty", StringComparison.Ordinal);

        ParsedDocuments parsed = ResourceDocuments.Parse(text, "vs.yaml");

        DocumentProblem problem = Assert.Single(parsed.Problems);
        Assert.Equal(DocumentProblemKind.InvalidField, problem.Kind);
        Assert.Equal("spec.http[0].route[1].weight", problem.Path);
        Assert.Equal(18, problem.Location.Line);
        Assert.Equal("VirtualService reviews: field 'spec.http[0].route[1].weight' must be an integer.", problem.Message);
        Assert.Empty(parsed.Resources);
    }

    [Theory]
    [InlineData("apiVersion: networking.istio.io/v1\nkind: VirtualSerivce\nmetadata:\n  name: reviews\n", DocumentProblemKind.UnknownKind, "VirtualSerivce reviews (networking.istio.io/v1) is not a kind trafficconsole reads")]
    [InlineData("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n", DocumentProblemKind.UnknownKind, "ConfigMap settings (v1)")]
    [InlineData("apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n  name: web\n", DocumentProblemKind.UnknownKind, "Gateway web (gateway.networking.k8s.io/v1)")]
    [InlineData("apiVersion: networking.istio.io/v2\nkind: VirtualService\nmetadata:\n  name: reviews\n", DocumentProblemKind.UnsupportedApiVersion, "apiVersion 'networking.istio.io/v2' is not one Istio serves")]
    [InlineData("apiVersion: gateway.networking.k8s.io/v1alpha1\nkind: HTTPRoute\nmetadata:\n  name: web\n", DocumentProblemKind.UnsupportedApiVersion, "HTTPRoute web: apiVersion 'gateway.networking.k8s.io/v1alpha1'")]
    [InlineData("metadata:\n  name: reviews\nspec: {}\n", DocumentProblemKind.NotAnObject, "'apiVersion' and 'kind' missing")]
    [InlineData("apiVersion: v1\nmetadata: {}\n", DocumentProblemKind.NotAnObject, "'kind' missing")]
    [InlineData("- a\n- b\n", DocumentProblemKind.NotAnObject, "found a list")]
    [InlineData("just some text\n", DocumentProblemKind.NotAnObject, "found the text 'just some text'")]
    public void Documents_that_are_not_resources_it_reads_are_problems_that_say_why(string text, DocumentProblemKind kind, string message)
    {
        ParsedDocuments parsed = ResourceDocuments.Parse(text, "x.yaml");

        DocumentProblem problem = Assert.Single(parsed.Problems);
        Assert.Equal(kind, problem.Kind);
        Assert.Contains(message, problem.Message, StringComparison.Ordinal);
        Assert.Equal(new DocumentLocation("x.yaml", 1, 1, 1), problem.Location);
        Assert.Empty(parsed.Resources);
    }

    [Fact]
    public void An_unknown_kind_carries_what_it_is_so_a_caller_can_list_it_as_skipped()
    {
        ParsedDocuments parsed = ResourceDocuments.Parse("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: bookinfo-reviews\n", "bookinfo.yaml");

        DocumentProblem problem = Assert.Single(parsed.Problems);
        Assert.Equal(("v1", "ServiceAccount", "bookinfo-reviews"), (problem.ApiVersion, problem.ResourceKind, problem.Name));
    }

    [Fact]
    public void Services_and_Deployments_become_the_inputs_of_the_analysis()
    {
        string text = """
            apiVersion: v1
            kind: Service
            metadata:
              name: reviews
              namespace: bookinfo
              labels: {app: reviews}
            spec:
              selector: {app: reviews}
              ports:
              - name: http
                port: 9080
                targetPort: 9080
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: reviews-v2
              namespace: bookinfo
            spec:
              replicas: 3
              selector:
                matchLabels: {app: reviews, version: v2}
              template:
                metadata:
                  labels: {app: reviews, version: v2}
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: reviews-v3
              namespace: bookinfo
            spec:
              template:
                metadata:
                  labels: {app: reviews, version: v3}
            status:
              readyReplicas: 0
            """;

        ParsedDocuments parsed = ResourceDocuments.Parse(text, "bookinfo.yaml");

        Assert.Empty(parsed.Problems);
        KubeService service = Assert.IsType<KubeService>(parsed.Resources[0].Resource);
        Assert.Equal("reviews.bookinfo.svc.cluster.local", service.Host);
        Assert.Equal("reviews", service.Selector["app"]);
        Assert.Equal(new ServicePort("http", 9080, "TCP", "9080"), Assert.Single(service.Ports));

        // A manifest has no status: its Deployment counts as running what it asks for; a written status is believed.
        Workload v2 = Assert.IsType<Workload>(parsed.Resources[1].Resource);
        Assert.Equal(("v2", 3, 3), (v2.PodLabels["version"], v2.DesiredReplicas, v2.ReadyReplicas));
        Workload v3 = Assert.IsType<Workload>(parsed.Resources[2].Resource);
        Assert.Equal((1, 0), (v3.DesiredReplicas, v3.ReadyReplicas));

        ClusterResources snapshot = parsed.ToClusterResources();
        Assert.True(snapshot.KnowsWorkloads);
        Assert.Single(snapshot.Services);
        Assert.Equal(2, snapshot.Workloads.Length);
    }

    [Fact]
    public void A_snapshot_of_routing_files_only_does_not_claim_to_know_the_workloads()
    {
        ParsedDocuments parsed = ParsedDocuments.Combine(
        [
            ResourceDocuments.Parse(ReviewsVirtualService, "vs.yaml"),
            ResourceDocuments.Parse(ReviewsDestinationRule, "dr.yaml"),
            ResourceDocuments.Parse("apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  name: web\nspec:\n  selector: {istio: ingressgateway}\n", "gw.yaml"),
            ResourceDocuments.Parse("apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: web\nspec:\n  parentRefs:\n  - name: web\n", "route.yaml"),
        ]);

        ClusterResources snapshot = parsed.ToClusterResources();

        Assert.False(snapshot.KnowsWorkloads);
        Assert.Single(snapshot.VirtualServices);
        Assert.Single(snapshot.DestinationRules);
        Assert.Equal("web", Assert.Single(snapshot.Gateways).Name);
        Assert.Equal("web", Assert.Single(snapshot.HttpRoutes).Name);
        Assert.Equal(["vs.yaml", "dr.yaml", "gw.yaml", "route.yaml"], parsed.Resources.Select(static r => r.Location.Source));
    }

    [Fact]
    public void An_empty_text_or_one_of_comments_has_no_resources_and_no_problems()
    {
        Assert.Empty(ResourceDocuments.Parse(string.Empty, "empty.yaml").Resources);
        ParsedDocuments comments = ResourceDocuments.Parse("# nothing\n---\n---\n", "comments.yaml");
        Assert.Empty(comments.Resources);
        Assert.Empty(comments.Problems);
    }

    [Fact]
    public void Windows_line_endings_keep_the_lines()
    {
        ParsedDocuments parsed = ResourceDocuments.Parse(("# a\r\n---\r\n" + ReviewsVirtualService.ReplaceLineEndings("\r\n")), "crlf.yaml");

        Assert.Equal(3, Assert.Single(parsed.Resources).Location.Line);
    }
}
