namespace TrafficConsole.Packaging.Tests.Infrastructure;

/// <summary>The value sets the chart is tested with.</summary>
public enum ValueSet
{
    /// <summary>values.yaml as shipped.</summary>
    Defaults,

    /// <summary>ci/all-options-values.yaml: ingress, network policy, openid, watchNamespaces, 2 replicas.</summary>
    AllOptions,
}

/// <summary>Runs the real helm on the chart with isolated helm home directories.</summary>
public sealed class ChartRenderer : IDisposable
{
    public const string Release = "tc";
    public const string Namespace = "traffic-console";

    private readonly string _home = Directory.CreateTempSubdirectory("tc-helm-").FullName;

    public ChartRenderer()
    {
        Helm = Tool.Helm()
            .With("HELM_CACHE_HOME", Path.Combine(_home, "cache"))
            .With("HELM_CONFIG_HOME", Path.Combine(_home, "config"))
            .With("HELM_DATA_HOME", Path.Combine(_home, "data"))
            .With("HOME", _home);
    }

    public Tool Helm { get; }

    public static IReadOnlyList<string> ValuesArgs(ValueSet set) =>
        set == ValueSet.AllOptions ? ["--values", RepoPaths.AllOptionsValues] : [];

    /// <summary><c>helm template</c> with the value set plus <paramref name="extra"/> arguments (e.g. --set).</summary>
    public Task<ToolResult> TemplateAsync(ValueSet set, params string[] extra) =>
        Helm.RunAsync(
            ["template", Release, RepoPaths.Chart, "--namespace", Namespace, .. ValuesArgs(set), .. extra],
            stdin: null,
            TimeSpan.FromSeconds(60));

    /// <summary>Renders and parses; fails the test with helm's output when rendering fails.</summary>
    public async Task<IReadOnlyList<Manifest>> RenderAsync(ValueSet set, params string[] extra)
    {
        ToolResult result = await TemplateAsync(set, extra);
        Assert.True(result.Succeeded, result.ToString());
        return Manifest.ParseAll(result.Stdout);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_home, recursive: true);
        }
        catch (IOException)
        {
            // A helm child still closing a cache file: the temp directory is cleaned up later anyway.
        }
    }
}
