using k8s;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using k8s.Models;
using TrafficConsole.Sandbox.Api;
using TrafficConsole.Sandbox.Tests.Infrastructure;

namespace TrafficConsole.Sandbox.Tests.Api;

public sealed class LeaseTests
{
    [Fact]
    public async Task KubernetesClient_leader_election_takes_a_lease_and_a_second_candidate_waits()
    {
        await using var cluster = await TestCluster.StartAsync(SandboxSeed.None);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var config = (string identity) => new LeaderElectionConfig(new LeaseLock(cluster.Client, "default", "rollouts", identity))
        {
            LeaseDuration = TimeSpan.FromSeconds(3),
            RenewDeadline = TimeSpan.FromSeconds(2),
            RetryPeriod = TimeSpan.FromMilliseconds(200),
        };
        using var first = new LeaderElector(config("replica-a"));
        using var second = new LeaderElector(config("replica-b"));
        var firstLeads = new TaskCompletionSource();
        var secondLed = false;
        first.OnStartedLeading += () => firstLeads.TrySetResult();
        second.OnStartedLeading += () => secondLed = true;
        var runFirst = first.RunUntilLeadershipLostAsync(cts.Token);
        await firstLeads.Task.WaitAsync(cts.Token);
        var runSecond = second.RunUntilLeadershipLostAsync(cts.Token);
        await Task.Delay(1000, cts.Token);

        var lease = await cluster.Client.CoordinationV1.ReadNamespacedLeaseAsync("rollouts", "default", cancellationToken: cts.Token);
        Assert.Equal("replica-a", lease.Spec.HolderIdentity);
        Assert.False(secondLed);
        Assert.Equal("replica-a", cluster.Server.Store.Get(ResourceCatalog.Leases, "default", "rollouts").Str("spec.holderIdentity"));

        await cts.CancelAsync();
        await Task.WhenAll(runFirst, runSecond).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    [Fact]
    public async Task New_namespaces_get_a_default_service_account_and_direct_pods_run()
    {
        await using var cluster = await TestCluster.StartAsync(SandboxSeed.None);
        await cluster.Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "team" } });
        Assert.Equal("default", (await cluster.Client.CoreV1.ReadNamespacedServiceAccountAsync("default", "team")).Metadata.Name);

        var pod = await cluster.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "debug" },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "sh", Image = "busybox" }] },
        }, "team");
        Assert.Equal("Running", pod.Status.Phase);
        Assert.True(pod.Status.ContainerStatuses.Single().Ready);
    }

    [Fact]
    public async Task Access_reviews_allow_everything_until_RBAC_and_are_not_stored()
    {
        await using var cluster = await TestCluster.StartAsync(SandboxSeed.None);
        var review = await cluster.Client.AuthorizationV1.CreateSelfSubjectAccessReviewAsync(new V1SelfSubjectAccessReview
        {
            Spec = new V1SelfSubjectAccessReviewSpec
            {
                ResourceAttributes = new V1ResourceAttributes { Group = "networking.istio.io", Resource = "virtualservices", Verb = "patch", NamespaceProperty = "shop" },
            },
        });
        Assert.True(review.Status.Allowed);
        Assert.Equal("virtualservices", review.Spec.ResourceAttributes.Resource);

        var whoami = await cluster.Client.AuthenticationV1.CreateSelfSubjectReviewAsync(new V1SelfSubjectReview());
        Assert.Equal("sandbox-admin", whoami.Status.UserInfo.Username);

        var (status, _, _) = await cluster.GetAsync("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews");
        Assert.Equal(System.Net.HttpStatusCode.MethodNotAllowed, status);
    }
}
