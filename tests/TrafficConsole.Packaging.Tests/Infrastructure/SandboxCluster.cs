using TrafficConsole.Sandbox;

namespace TrafficConsole.Packaging.Tests.Infrastructure;

/// <summary>An in-process sandbox API server with its kubeconfig, and kubectl/helm pointed at it.</summary>
public sealed class SandboxCluster : IAsyncDisposable
{
    private readonly string _directory;

    private SandboxCluster(SandboxServer server, string directory)
    {
        Server = server;
        _directory = directory;
        Kubeconfig = server.KubeconfigPath ?? throw new InvalidOperationException("The sandbox wrote no kubeconfig.");
        string home = Path.Combine(directory, "home");
        Directory.CreateDirectory(home);
        Kubectl = Tool.Kubectl().With("KUBECONFIG", Kubeconfig).With("HOME", home);
        Helm = Tool.Helm()
            .With("KUBECONFIG", Kubeconfig)
            .With("HOME", home)
            .With("HELM_CACHE_HOME", Path.Combine(home, "helm-cache"))
            .With("HELM_CONFIG_HOME", Path.Combine(home, "helm-config"))
            .With("HELM_DATA_HOME", Path.Combine(home, "helm-data"));
    }

    public SandboxServer Server { get; }

    public string Kubeconfig { get; }

    public Tool Kubectl { get; }

    public Tool Helm { get; }

    /// <summary>Starts a sandbox (Bookinfo seed: namespaces bookinfo and shop exist) in a fresh data directory.</summary>
    public static async Task<SandboxCluster> StartAsync()
    {
        string directory = Directory.CreateTempSubdirectory("tc-pkg-sandbox-").FullName;
        SandboxServer server = await SandboxServer.StartAsync(new SandboxOptions
        {
            DataDirectory = Path.Combine(directory, "data"),
            Seed = SandboxSeed.Bookinfo,
        });
        return new SandboxCluster(server, directory);
    }

    /// <summary>Runs kubectl; fails the test with its output when it fails.</summary>
    public async Task<ToolResult> KubectlAsync(string? stdin, params string[] args)
    {
        ToolResult result = await Kubectl.RunAsync(args, stdin, TimeSpan.FromSeconds(60));
        Assert.True(result.Succeeded, result.ToString());
        return result;
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // The journal may still be closing; the temp directory goes with the machine's temp cleanup.
        }
    }
}
