using System.Net;
using k8s;
using k8s.Models;
using TrafficConsole.Sandbox.Tests.Infrastructure;

namespace TrafficConsole.Sandbox.Tests.Controllers;

public sealed class DeploymentTests
{
    [Fact]
    public async Task Scale_subresource_keeps_pods_and_status_in_step()
    {
        await using var cluster = await TestCluster.StartAsync();
        var client = cluster.Client;
        var scale = await client.AppsV1.ReadNamespacedDeploymentScaleAsync("reviews-v1", "bookinfo");
        Assert.Equal(1, scale.Spec.Replicas);
        Assert.Equal("app=reviews,version=v1", scale.Status.Selector);

        scale.Spec.Replicas = 4;
        await client.AppsV1.ReplaceNamespacedDeploymentScaleAsync(scale, "reviews-v1", "bookinfo");
        var pods = await client.CoreV1.ListNamespacedPodAsync("bookinfo", labelSelector: "app=reviews,version=v1");
        Assert.Equal(4, pods.Items.Count);
        Assert.All(pods.Items, p =>
        {
            Assert.Equal("Running", p.Status.Phase);
            Assert.Contains(p.Status.Conditions, c => c.Type == "Ready" && c.Status == "True");
            Assert.StartsWith("reviews-v1-", p.Metadata.Name, StringComparison.Ordinal);
        });

        var deployment = await client.AppsV1.ReadNamespacedDeploymentAsync("reviews-v1", "bookinfo");
        Assert.Equal(4, deployment.Status.Replicas);
        Assert.Equal(4, deployment.Status.ReadyReplicas);
        Assert.Equal(4, deployment.Status.AvailableReplicas);
        Assert.Equal(4, deployment.Status.UpdatedReplicas);
        Assert.Equal(deployment.Metadata.Generation, deployment.Status.ObservedGeneration);

        await client.AppsV1.PatchNamespacedDeploymentScaleAsync(new V1Patch("""{"spec":{"replicas":2}}""", V1Patch.PatchType.MergePatch),
            "reviews-v1", "bookinfo");
        Assert.Equal(2, (await client.CoreV1.ListNamespacedPodAsync("bookinfo", labelSelector: "app=reviews,version=v1")).Items.Count);
        Assert.Equal(2, (await client.AppsV1.ReadNamespacedDeploymentAsync("reviews-v1", "bookinfo")).Status.ReadyReplicas);
    }

    [Fact]
    public async Task Scaling_to_a_negative_count_is_422()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (status, body, _) = await cluster.SendAsync(HttpMethod.Patch, "/apis/apps/v1/namespaces/bookinfo/deployments/reviews-v1/scale",
            """{"spec":{"replicas":-1}}""", "application/merge-patch+json");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal("spec.replicas", body.Str("details.causes[0].field"));
    }

    [Fact]
    public async Task A_template_change_replaces_the_pods_and_bumps_generation()
    {
        await using var cluster = await TestCluster.StartAsync();
        var client = cluster.Client;
        var before = (await client.CoreV1.ListNamespacedPodAsync("bookinfo", labelSelector: "app=ratings")).Items.Single();
        var deployment = await client.AppsV1.ReadNamespacedDeploymentAsync("ratings-v1", "bookinfo");
        deployment.Spec.Template.Spec.Containers[0].Image = "docker.io/istio/examples-bookinfo-ratings-v1:1.18.0";
        var updated = await client.AppsV1.ReplaceNamespacedDeploymentAsync(deployment, "ratings-v1", "bookinfo");
        Assert.Equal(2, updated.Metadata.Generation);
        Assert.Equal(2, updated.Status.ObservedGeneration);

        var after = (await client.CoreV1.ListNamespacedPodAsync("bookinfo", labelSelector: "app=ratings")).Items.Single();
        Assert.NotEqual(before.Metadata.Name, after.Metadata.Name);
        Assert.Equal("docker.io/istio/examples-bookinfo-ratings-v1:1.18.0", after.Spec.Containers[0].Image);
        Assert.NotEqual(before.Metadata.Labels["pod-template-hash"], after.Metadata.Labels["pod-template-hash"]);
    }

    [Fact]
    public async Task Creating_and_deleting_a_deployment_creates_and_removes_its_pods()
    {
        await using var cluster = await TestCluster.StartAsync();
        var client = cluster.Client;
        var labels = new Dictionary<string, string> { ["app"] = "reviews", ["version"] = "v4" };
        await client.AppsV1.CreateNamespacedDeploymentAsync(new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = "reviews-v4", Labels = labels },
            Spec = new V1DeploymentSpec
            {
                Replicas = 3,
                Selector = new V1LabelSelector { MatchLabels = labels },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = labels },
                    Spec = new V1PodSpec { Containers = [new V1Container { Name = "reviews", Image = "reviews:v4" }] },
                },
            },
        }, "bookinfo");
        var pods = await client.CoreV1.ListNamespacedPodAsync("bookinfo", labelSelector: "app=reviews,version=v4");
        Assert.Equal(3, pods.Items.Count);
        Assert.All(pods.Items, p => Assert.Equal("reviews", p.Metadata.Labels["app"]));

        await client.AppsV1.DeleteNamespacedDeploymentAsync("reviews-v4", "bookinfo");
        Assert.Empty((await client.CoreV1.ListNamespacedPodAsync("bookinfo", labelSelector: "app=reviews,version=v4")).Items);
        Assert.Equal(3, (await client.CoreV1.ListNamespacedPodAsync("bookinfo", labelSelector: "app=reviews")).Items.Count);
    }
}
