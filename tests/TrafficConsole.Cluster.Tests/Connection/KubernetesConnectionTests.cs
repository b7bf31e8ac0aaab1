using k8s;
using k8s.Models;

using Microsoft.Extensions.Options;

using TrafficConsole.Cluster.Connection;

namespace TrafficConsole.Cluster.Tests.Connection;

public sealed class KubernetesConnectionTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tc-conn-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Kubeconfig_written_by_the_sandbox_connects_with_its_context()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        string path = cluster.Server.WriteKubeconfig(Path.Combine(_directory, "config"));

        using IKubernetes client = KubernetesConnection.Create(new ClusterOptions { Mode = ClusterMode.KubeConfig, KubeConfigPath = path, Context = "sandbox" });
        V1NamespaceList namespaces = await client.CoreV1.ListNamespaceAsync();

        Assert.Contains(namespaces.Items, n => n.Metadata.Name == "bookinfo");
    }

    [Fact]
    public async Task Kubeconfig_without_context_uses_current_context()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        string path = cluster.Server.WriteKubeconfig(Path.Combine(_directory, "config"));

        using IKubernetes client = KubernetesConnection.Create(new ClusterOptions { Mode = ClusterMode.KubeConfig, KubeConfigPath = path });
        V1ServiceList services = await client.CoreV1.ListNamespacedServiceAsync("bookinfo");

        Assert.Contains(services.Items, s => s.Metadata.Name == "reviews");
    }

    [Fact]
    public async Task Sandbox_mode_sends_the_token_and_a_wrong_token_is_refused()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        using IKubernetes good = KubernetesConnection.Create(new ClusterOptions { Mode = ClusterMode.Sandbox, ServerUrl = cluster.Server.Url.ToString(), Token = cluster.Server.AdminToken });
        using IKubernetes bad = KubernetesConnection.Create(new ClusterOptions { Mode = ClusterMode.Sandbox, ServerUrl = cluster.Server.Url.ToString(), Token = "not-the-token" });

        Assert.NotEmpty((await good.CoreV1.ListNamespaceAsync()).Items);
        var refused = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => bad.CoreV1.ListNamespaceAsync());
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.Response.StatusCode);
    }

    [Fact]
    public async Task Validation_names_a_context_missing_from_the_kubeconfig_and_lists_the_ones_it_has()
    {
        await using TestCluster cluster = await TestCluster.StartForConsoleAsync();
        string path = cluster.Server.WriteKubeconfig(Path.Combine(_directory, "config"));
        var options = new ClusterOptions { Mode = ClusterMode.KubeConfig, KubeConfigPath = path, Context = "prod" };

        ValidateOptionsResult result = new ClusterOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Equal($"Cluster:Context 'prod' is not in kubeconfig {path} (contexts: sandbox).", result.FailureMessage);
        var thrown = Assert.Throws<InvalidOperationException>(() => KubernetesConnection.Create(options));
        Assert.Contains("Cluster:Context 'prod'", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validation_names_a_missing_kubeconfig_file()
    {
        string path = Path.Combine(_directory, "nope");
        ValidateOptionsResult result = new ClusterOptionsValidator().Validate(null, new ClusterOptions { Mode = ClusterMode.KubeConfig, KubeConfigPath = path });

        Assert.Equal($"Cluster:KubeConfigPath '{path}' does not exist.", result.FailureMessage);
    }

    [Fact]
    public void Validation_names_an_unreadable_kubeconfig_file()
    {
        string path = Path.Combine(_directory, "garbage");
        File.WriteAllText(path, "clusters: [ this is : not yaml");
        ValidateOptionsResult result = new ClusterOptionsValidator().Validate(null, new ClusterOptions { Mode = ClusterMode.KubeConfig, KubeConfigPath = path });

        Assert.True(result.Failed);
        Assert.StartsWith($"Cluster:KubeConfigPath '{path}' is not a readable kubeconfig", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "Cluster:ServerUrl is required when Cluster:Mode is 'Sandbox'.")]
    [InlineData("localhost:6443", "Cluster:ServerUrl 'localhost:6443' is not an absolute http(s) URL.")]
    [InlineData("ftp://127.0.0.1/", "Cluster:ServerUrl 'ftp://127.0.0.1/' is not an absolute http(s) URL.")]
    public void Validation_names_a_bad_sandbox_url(string? url, string expected)
    {
        ValidateOptionsResult result = new ClusterOptionsValidator().Validate(null, new ClusterOptions { Mode = ClusterMode.Sandbox, ServerUrl = url });

        Assert.Equal(expected, result.FailureMessage);
    }

    [Fact]
    public void Validation_refuses_in_cluster_mode_outside_a_pod()
    {
        if (KubernetesClientConfiguration.IsInCluster())
        {
            return; // the premise (not in a pod) does not hold here
        }

        ValidateOptionsResult result = new ClusterOptionsValidator().Validate(null, new ClusterOptions { Mode = ClusterMode.InCluster });

        Assert.StartsWith("Cluster:Mode is 'InCluster' but this process is not running in a Kubernetes pod", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_never_print_the_token()
    {
        var options = new ClusterOptions { Mode = ClusterMode.Sandbox, ServerUrl = "http://127.0.0.1:1", Token = "s3cr3t-token" };

        Assert.DoesNotContain("s3cr3t", options.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_kubeconfig_path_starting_with_a_tilde_is_under_the_home_directory()
    {
        var options = new ClusterOptions { Mode = ClusterMode.KubeConfig, KubeConfigPath = "~/.kube/other" };

        Assert.Equal(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube/other"), options.ResolveKubeConfigPath());
    }
}
