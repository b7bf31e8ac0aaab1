using System.Text.Json.Nodes;

using TrafficConsole.Cluster.Cache;
using TrafficConsole.Cluster.Tests.Infrastructure;
using TrafficConsole.Cluster.Writing;
using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Services;

namespace TrafficConsole.Cluster.Tests.Writing;

/// <summary>
/// The routing examples of Istio's Bookinfo docs and Gateway API HTTPRoutes, put into the sandbox with
/// <c>kubectl apply -f</c>, read through the cache, edited (a weight change), planned, written by the
/// RoutingWriter and read back with <c>kubectl get -o json</c>: every field and every list order survives,
/// except the one edited.
/// </summary>
public sealed class BookinfoRoundTripTests
{
    private const string Ns = "bookinfo";

    /// <summary>
    /// Files applied, the service edited, the new split, the http route edited and the route it must end with; each
    /// through the rule editor's intent (RoutingIntentReader / RoutingIntentPlanner) and through the sliders (RoutingPlanner).
    /// </summary>
    public static TheoryData<string[], string, string, int, string, bool> VirtualServiceSamples
    {
        get
        {
            var data = new TheoryData<string[], string, string, int, string, bool>();
            foreach (bool throughIntent in new[] { true, false })
            {
                foreach ((string[] files, string service, string split, int route, string expected) in Samples)
                {
                    data.Add(files, service, split, route, expected, throughIntent);
                }
            }

            return data;
        }
    }

    private static (string[] Files, string Service, string Split, int Route, string Expected)[] Samples =>
    [
        (
            ["destination-rule-all.yaml", "virtual-service-all-v1.yaml"], "reviews", "v1=70,v2=30,v3=0", 0,
            """[{"destination":{"host":"reviews","subset":"v1"},"weight":70},{"destination":{"host":"reviews","subset":"v2"},"weight":30}]"""
        ),
        (
            ["destination-rule-all.yaml", "virtual-service-reviews-v2-v3.yaml"], "reviews", "v1=0,v2=20,v3=80", 0,
            """[{"destination":{"host":"reviews","subset":"v2"},"weight":20},{"destination":{"host":"reviews","subset":"v3"},"weight":80}]"""
        ),
        (
            ["destination-rule-all-mtls.yaml", "virtual-service-reviews-80-20.yaml"], "reviews", "v1=50,v2=50,v3=0", 0,
            """[{"destination":{"host":"reviews","subset":"v1"},"weight":50},{"destination":{"host":"reviews","subset":"v2"},"weight":50}]"""
        ),
        (
            ["destination-rule-all.yaml", "virtual-service-reviews-test-v2.yaml"], "reviews", "v1=60,v2=40,v3=0", 1,
            """[{"destination":{"host":"reviews","subset":"v1"},"weight":60},{"destination":{"host":"reviews","subset":"v2"},"weight":40}]"""
        ),
        (
            ["ratings-v2.yaml", "destination-rule-all.yaml", "virtual-service-ratings-test-delay.yaml"], "ratings", "v1=80,v2=20", 1,
            """[{"destination":{"host":"ratings","subset":"v1"},"weight":80},{"destination":{"host":"ratings","subset":"v2"},"weight":20}]"""
        ),
        (
            ["ratings-v2.yaml", "destination-rule-all-mtls.yaml", "virtual-service-ratings-test-abort.yaml"], "ratings", "v1=90,v2=10", 1,
            """[{"destination":{"host":"ratings","subset":"v1"},"weight":90},{"destination":{"host":"ratings","subset":"v2"},"weight":10}]"""
        ),
    ];

    [Theory]
    [MemberData(nameof(VirtualServiceSamples))]
    public async Task A_bookinfo_sample_keeps_every_field_through_a_weight_change(string[] files, string service, string split, int editedRoute, string expectedRoute, bool throughIntent)
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        MeshCache cache = await cluster.StartCacheAsync();
        KubectlRunner kubectl = cluster.Kubectl();
        foreach (string file in files)
        {
            await OkAsync(kubectl, "apply", "-n", Ns, "-f", Sample(file));
        }

        Dictionary<string, JsonObject> before = await GetAsync(kubectl, "virtualservices,destinationrules");
        ServiceView view = await ViewAtAsync(cache, service, before[$"VirtualService/{service}"]);
        Assert.True(view.Routing.IsEditable, view.Routing.ReadOnlyReason);

        RoutingPlan plan;
        if (throughIntent)
        {
            RoutingIntentReading reading = RoutingIntentReader.Read(view);
            RoutingIntent intent = reading.Intent ?? throw new Xunit.Sdk.XunitException(reading.Problem);
            Assert.Equal(editedRoute, intent.Rules.Length);
            // In the rule editor a version at 0 is simply not a destination of the rule.
            TrafficSplit destinations = Split(split) with { Weights = [.. Split(split).Weights.Where(static w => w.Weight > 0)] };
            plan = RoutingIntentPlanner.PlanApply(view, intent with { DefaultRoute = intent.DefaultRoute! with { Destinations = destinations } }, cache.Current.Apis.IstioApiVersion!);
        }
        else
        {
            plan = RoutingIntentPlanner.PlanSplit(view, Split(split), cache.Current.Apis.IstioApiVersion!);
        }

        Assert.False(plan.IsRefused, plan.RefusalReason);
        WriteResult result = await new RoutingWriter(cluster.NewClient(), cache).ApplyAsync(plan, "alice@example.com");

        WriteResult.Applied applied = Assert.IsType<WriteResult.Applied>(result);
        Assert.Equal(["VirtualService"], applied.Written.Select(static w => w.Kind));
        Dictionary<string, JsonObject> after = await GetAsync(kubectl, "virtualservices,destinationrules");
        Assert.Equal(before.Keys.Order(StringComparer.Ordinal), after.Keys.Order(StringComparer.Ordinal));
        foreach ((string key, JsonObject was) in before)
        {
            if (key == $"VirtualService/{service}")
            {
                JsonNode expected = was["spec"]!.DeepClone();
                expected["http"]![editedRoute]!["route"] = JsonNode.Parse(expectedRoute);
                AssertSameSpec(expected, after[key], key);
                AssertSameMetadata(was, after[key], key, written: true);
            }
            else
            {
                AssertSameSpec(was["spec"]!, after[key], key);
                AssertSameMetadata(was, after[key], key, written: false);
            }
        }

        Assert.Equal(Split(split).Normalized().Weights.Where(static w => w.Weight > 0), cache.Current.GetServiceView(Ns, service)!.Routing.EffectiveSplit.Weights.Where(static w => w.Weight > 0));
    }

    [Fact]
    public async Task The_gateway_api_traffic_shifting_route_gets_new_weights_from_the_sliders_and_nothing_else_changes()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        MeshCache cache = await cluster.StartCacheAsync();
        KubectlRunner kubectl = cluster.Kubectl();
        await OkAsync(kubectl, "apply", "-n", Ns, "-f", Sample("bookinfo-versions-all.yaml"));
        await OkAsync(kubectl, "apply", "-n", Ns, "-f", Sample("route-reviews-90-10-kind-only.yaml"));
        JsonObject before = (await GetAsync(kubectl, "httproutes"))["HTTPRoute/reviews"];
        ServiceView view = await ViewAtAsync(cache, "reviews", before);
        Assert.Equal(RoutingKind.Split, view.Routing.Kind);
        Assert.Equal(TrafficSplit.Of(("v1", 90), ("v2", 10), ("v3", 0)), view.Routing.EffectiveSplit);

        RoutingPlan plan = RoutingIntentPlanner.PlanSplit(view, TrafficSplit.Of(("v1", 40), ("v2", 60), ("v3", 0)), cache.Current.Apis.IstioApiVersion!);
        WriteResult result = await new RoutingWriter(cluster.NewClient(), cache).ApplyAsync(plan, "alice@example.com");

        WriteResult.Applied applied = Assert.IsType<WriteResult.Applied>(result);
        Assert.True(applied.CacheCaughtUp);
        Assert.Equal(["HTTPRoute"], applied.Written.Select(static w => w.Kind));
        JsonObject after = (await GetAsync(kubectl, "httproutes"))["HTTPRoute/reviews"];
        JsonNode expected = before["spec"]!.DeepClone();
        expected["rules"]![0]!["backendRefs"]![0]!["weight"] = 40;
        expected["rules"]![0]!["backendRefs"]![1]!["weight"] = 60;
        AssertSameSpec(expected, after, "HTTPRoute/reviews");
        AssertSameMetadata(before, after, "HTTPRoute/reviews", written: true);
        Assert.Equal("alice@example.com", after["metadata"]!["annotations"]![RoutingWriter.ChangedByAnnotation]!.GetValue<string>());
        Assert.Empty(cache.Current.In(Ns).VirtualServices);
        Assert.Equal(TrafficSplit.Of(("v1", 40), ("v2", 60), ("v3", 0)), applied.View!.Routing.EffectiveSplit);
        Assert.Equal($"hr:{after["metadata"]!["resourceVersion"]}", applied.Revision);
    }

    /// <summary>HTTPRoutes edited through the rule editor's intent: the default rule's weights change, every other rule stays as written.</summary>
    public static TheoryData<string, string, string> HttpRouteSamples => new()
    {
        { "route-reviews-test-v2.yaml", "v1=50,v3=50", """[{"name":"reviews-v1","port":9080,"weight":50},{"name":"reviews-v3","port":9080,"weight":50}]""" },
        { "route-reviews-matches.yaml", "v1=25,v2=75", """[{"name":"reviews-v1","port":9080,"weight":25},{"name":"reviews-v2","port":9080,"weight":75}]""" },
    };

    [Theory]
    [MemberData(nameof(HttpRouteSamples))]
    public async Task An_http_route_with_matches_and_filters_keeps_every_field_through_an_intent_edit(string file, string split, string expectedBackends)
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        MeshCache cache = await cluster.StartCacheAsync();
        KubectlRunner kubectl = cluster.Kubectl();
        await OkAsync(kubectl, "apply", "-n", Ns, "-f", Sample("bookinfo-versions-all.yaml"));
        await OkAsync(kubectl, "apply", "-n", Ns, "-f", Sample(file));
        JsonObject before = (await GetAsync(kubectl, "httproutes"))["HTTPRoute/reviews"];
        ServiceView view = await ViewAtAsync(cache, "reviews", before);
        Assert.Equal(RoutingKind.Rules, view.Routing.Kind);
        RoutingIntent intent = HttpRouteReader.Read(view, HttpRouteReader.RouteOf(view)!);
        int last = before["spec"]!["rules"]!.AsArray().Count - 1;
        Assert.All(intent.Rules, static r => Assert.Null(r.ReadOnlyReason));
        Assert.Equal(last, intent.Rules.Length);

        RoutingPlan plan = HttpRoutePlanner.Plan(view, intent with { DefaultRoute = intent.DefaultRoute! with { Destinations = Split(split) } });
        WriteResult result = await new RoutingWriter(cluster.NewClient(), cache).ApplyAsync(plan, "bob@example.com");

        Assert.IsType<WriteResult.Applied>(result);
        JsonObject after = (await GetAsync(kubectl, "httproutes"))["HTTPRoute/reviews"];
        JsonNode expected = before["spec"]!.DeepClone();
        expected["rules"]![last]!["backendRefs"] = JsonNode.Parse(expectedBackends);
        AssertSameSpec(expected, after, "HTTPRoute/reviews");
        AssertSameMetadata(before, after, "HTTPRoute/reviews", written: true);
    }

    [Fact]
    public async Task A_kubectl_edit_of_the_http_route_between_read_and_write_is_a_conflict_and_survives()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        MeshCache cache = await cluster.StartCacheAsync();
        KubectlRunner kubectl = cluster.Kubectl();
        await OkAsync(kubectl, "apply", "-n", Ns, "-f", Sample("bookinfo-versions-all.yaml"));
        await OkAsync(kubectl, "apply", "-n", Ns, "-f", Sample("route-reviews-90-10-kind-only.yaml"));
        ServiceView view = await ViewAtAsync(cache, "reviews", (await GetAsync(kubectl, "httproutes"))["HTTPRoute/reviews"]);
        RoutingPlan plan = RoutingIntentPlanner.PlanSplit(view, TrafficSplit.Of(("v1", 0), ("v2", 100), ("v3", 0)), cache.Current.Apis.IstioApiVersion!);

        await EditAsync(kubectl, "httproute", "reviews", "s/weight: 90/weight: 75/; s/weight: 10/weight: 25/");

        // The API server refuses the stale resourceVersion (a cache that has not seen the edit cannot stop it first).
        WriteResult stale = await new RoutingWriter(cluster.NewClient(), new UnsyncedCache(cache)).ApplyAsync(plan, "alice@example.com");
        WriteResult.Conflict conflict = Assert.IsType<WriteResult.Conflict>(stale);
        Assert.Empty(conflict.Written);
        Assert.Equal(TrafficSplit.Of(("v1", 75), ("v2", 25), ("v3", 0)), conflict.Current!.Routing.EffectiveSplit);

        // Once the cache has seen it, the writer stops before writing at all.
        WriteResult early = await new RoutingWriter(cluster.NewClient(), cache).ApplyAsync(plan, "alice@example.com");
        Assert.IsType<WriteResult.Conflict>(early);

        JsonObject stored = (await GetAsync(kubectl, "httproutes"))["HTTPRoute/reviews"];
        Assert.Equal([75, 25], stored["spec"]!["rules"]![0]!["backendRefs"]!.AsArray().Select(static b => b!["weight"]!.GetValue<int>()));
        Assert.Null(stored["metadata"]!["annotations"]?[RoutingWriter.ChangedByAnnotation]);
    }

    [Fact]
    public async Task A_kubectl_edit_of_the_virtual_service_between_read_and_write_is_a_conflict_and_survives()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        MeshCache cache = await cluster.StartCacheAsync();
        KubectlRunner kubectl = cluster.Kubectl();
        await OkAsync(kubectl, "apply", "-n", Ns, "-f", Sample("destination-rule-all.yaml"));
        await OkAsync(kubectl, "apply", "-n", Ns, "-f", Sample("virtual-service-reviews-80-20.yaml"));
        ServiceView view = await ViewAtAsync(cache, "reviews", (await GetAsync(kubectl, "virtualservices"))["VirtualService/reviews"]);
        RoutingPlan plan = RoutingIntentPlanner.PlanSplit(view, TrafficSplit.Of(("v1", 100), ("v2", 0), ("v3", 0)), cache.Current.Apis.IstioApiVersion!);

        await EditAsync(kubectl, "virtualservice", "reviews", "s/weight: 80/weight: 60/; s/weight: 20/weight: 40/");

        WriteResult result = await new RoutingWriter(cluster.NewClient(), new UnsyncedCache(cache)).ApplyAsync(plan, "alice@example.com");

        Assert.IsType<WriteResult.Conflict>(result);
        JsonObject stored = (await GetAsync(kubectl, "virtualservices"))["VirtualService/reviews"];
        Assert.Equal([60, 40], stored["spec"]!["http"]![0]!["route"]!.AsArray().Select(static d => d!["weight"]!.GetValue<int>()));
    }

    /// <summary>A Bookinfo sample of TestSupport: the Istio docs' folder (bookinfo/, which the CLI tests read whole) or the extras.</summary>
    private static string Sample(string file) =>
        new[] { "bookinfo", "bookinfo-extra" }.Select(folder => Path.Combine(AppContext.BaseDirectory, "Samples", folder, file)).First(File.Exists);

    private static TrafficSplit Split(string text) =>
        new([.. text.Split(',').Select(static p => p.Split('=')).Select(static p => new VersionWeight(p[0], int.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture)))]);

    /// <summary>Waits until the cache shows the object at the resourceVersion kubectl read, then gives the service's view.</summary>
    private static async Task<ServiceView> ViewAtAsync(MeshCache cache, string service, JsonObject resource)
    {
        string kind = resource["kind"]!.GetValue<string>();
        string name = resource["metadata"]!["name"]!.GetValue<string>();
        string rv = resource["metadata"]!["resourceVersion"]!.GetValue<string>();
        bool seen = await cache.WaitUntilAsync(
            s => (kind switch
            {
                VirtualService.KindName => s.FindVirtualService(Ns, name)?.ResourceVersion,
                HttpRoute.KindName => s.FindHttpRoute(Ns, name)?.ResourceVersion,
                _ => s.FindDestinationRule(Ns, name)?.ResourceVersion,
            }) == rv && s.GetServiceView(Ns, service) is { } v && v.Versions.Length > 0 && (kind != HttpRoute.KindName || v.BackendVersions.Count > 0),
            TimeSpan.FromSeconds(10));
        Assert.True(seen, $"the cache did not show {kind} {name} at {rv}");
        return cache.Current.GetServiceView(Ns, service)!;
    }

    private static async Task<Dictionary<string, JsonObject>> GetAsync(KubectlRunner kubectl, string kinds)
    {
        KubectlRunner.Result result = await OkAsync(kubectl, "get", kinds, "-n", Ns, "-o", "json");
        return JsonNode.Parse(result.Stdout)!["items"]!.AsArray()
            .Select(static i => i!.AsObject())
            .ToDictionary(static i => $"{i["kind"]}/{i["metadata"]!["name"]}", StringComparer.Ordinal);
    }

    private static async Task EditAsync(KubectlRunner kubectl, string kind, string name, string sed)
    {
        string directory = Directory.CreateTempSubdirectory("tc-editor-").FullName;
        string editor = Path.Combine(directory, "editor.sh");
        await File.WriteAllTextAsync(editor, $"#!/bin/sh\nsed -i \"{sed}\" \"$1\"\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(editor, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        kubectl.Environment["KUBE_EDITOR"] = editor;
        KubectlRunner.Result edited = await OkAsync(kubectl, "edit", kind, name, "-n", Ns);
        Assert.Contains("edited", edited.Stdout, StringComparison.Ordinal);
    }

    private static async Task<KubectlRunner.Result> OkAsync(KubectlRunner kubectl, params string[] args)
    {
        KubectlRunner.Result result = await kubectl.RunAsync(args);
        Assert.True(result.ExitCode == 0, $"kubectl {string.Join(' ', args)}: {result}");
        return result;
    }

    /// <summary>The whole spec, lists in order: nothing lost, added or reordered.</summary>
    private static void AssertSameSpec(JsonNode expected, JsonObject actual, string what) =>
        Assert.True(JsonNode.DeepEquals(expected, actual["spec"]), $"{what}: spec differs\nexpected: {expected.ToJsonString()}\nactual:   {actual["spec"]?.ToJsonString()}");

    /// <summary>Labels and annotations (kubectl's last-applied included) survive; a written resource only gains who changed it and when.</summary>
    private static void AssertSameMetadata(JsonObject before, JsonObject after, string what, bool written)
    {
        JsonNode beforeMeta = before["metadata"]!;
        JsonNode afterMeta = after["metadata"]!;
        Assert.True(JsonNode.DeepEquals(beforeMeta["labels"], afterMeta["labels"]), $"{what}: labels differ");
        Assert.Equal(beforeMeta["uid"]!.GetValue<string>(), afterMeta["uid"]!.GetValue<string>());
        JsonObject annotations = afterMeta["annotations"]?.DeepClone().AsObject() ?? [];
        if (written)
        {
            Assert.NotNull(annotations[RoutingWriter.ChangedByAnnotation]);
            annotations.Remove(RoutingWriter.ChangedByAnnotation);
            annotations.Remove(RoutingWriter.ChangedAtAnnotation);
            Assert.NotEqual(beforeMeta["resourceVersion"]!.GetValue<string>(), afterMeta["resourceVersion"]!.GetValue<string>());
        }
        else
        {
            Assert.Equal(beforeMeta["resourceVersion"]!.GetValue<string>(), afterMeta["resourceVersion"]!.GetValue<string>());
        }

        Assert.True(JsonNode.DeepEquals(beforeMeta["annotations"] ?? new JsonObject(), annotations), $"{what}: annotations differ: {annotations.ToJsonString()}");
    }
}
