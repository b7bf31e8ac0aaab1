using System.Net;
using System.Text;
using System.Xml.Linq;

using k8s;
using k8s.Models;

using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

using Serilog.Events;

using TrafficConsole.Cluster.Connection;
using TrafficConsole.Cluster.Secrets;
using TrafficConsole.Web.Hosting;
using TrafficConsole.Web.Tests.Security;

namespace TrafficConsole.Web.Tests.Integration;

/// <summary>The data protection key ring in a Kubernetes Secret of the sandbox: shared by replicas, kept across restarts, nothing lost.</summary>
public sealed class KeyRingSecretTests
{
    private const string Secret = "traffic-console-keys";

    [Fact]
    public async Task Two_consoles_on_one_secret_read_each_others_cookies_and_forms_and_a_restart_keeps_them()
    {
        await using ConsoleTestHost first = await SecurityHosts.TokenAsync(SharedKeys);
        await using ConsoleTestHost second = await SecurityHosts.TokenAsync(o => AnotherReplicaOf(first, o));

        string ticket = Protector(first).Protect("alice's session");
        Assert.Equal("alice's session", Protector(second).Unprotect(ticket));

        // A sign-in form from one replica is accepted by the other: the antiforgery check passes and the token is what is refused.
        CookieContainer cookies = new();
        using HttpClient toFirst = new(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = first.BaseUrl };
        using HttpClient toSecond = new(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = second.BaseUrl };
        // Cookies do not carry a port: like a browser behind one ingress host, the client sends the first's to the second.
        string form = await toFirst.GetStringAsync(new Uri("signin", UriKind.Relative));

        using HttpResponseMessage posted = await TokenSignInTests.PostTokenAsync(toSecond, form, "not-a-token-the-cluster-knows");
        string page = await posted.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, posted.StatusCode);
        Assert.Contains("did not accept this token", page, StringComparison.Ordinal);

        // What the cluster holds: one Secret, every key an entry; a console started later uses the same ring.
        V1Secret stored = await first.Kubernetes.CoreV1.ReadNamespacedSecretAsync(Secret, "default");
        Assert.NotEmpty(stored.Data);
        Assert.All(stored.Data.Keys, static k => Assert.Matches("^key-[0-9a-f-]{36}\\.xml$", k));
        await using ConsoleTestHost later = await SecurityHosts.TokenAsync(o => AnotherReplicaOf(first, o));
        Assert.Equal("alice's session", Protector(later).Unprotect(ticket));
        Assert.DoesNotContain(first.Log.Events.Concat(second.Log.Events), static e => e.Level >= LogEventLevel.Error);
    }

    [Fact]
    public async Task Keys_added_by_two_replicas_at_once_are_all_kept()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        KeyRingSecret a = Repository(host.Kubernetes), b = Repository(host.Kubernetes);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => (i % 2 == 0 ? a : b).StoreElement(Key(i), $"key-{Guid.NewGuid()}"))));

        Assert.Equal(8, a.GetAllElements().Count);
        Assert.Equal(Enumerable.Range(0, 8).Select(static i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).Order(),
            b.GetAllElements().Select(static k => (string)k.Attribute("n")!).Order());
    }

    [Fact]
    public async Task An_entry_someone_else_wrote_that_is_no_key_is_skipped_and_the_keys_stay()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        KeyRingSecret ring = Repository(host.Kubernetes);
        ring.StoreElement(Key(1), "key-" + Guid.NewGuid());
        V1Secret secret = await host.Kubernetes.CoreV1.ReadNamespacedSecretAsync(Secret, "default");
        secret.Data["key-broken.xml"] = Encoding.UTF8.GetBytes("<not xml");
        secret.Data["README"] = Encoding.UTF8.GetBytes("written by hand");
        await host.Kubernetes.CoreV1.ReplaceNamespacedSecretAsync(secret, Secret, "default");

        XElement key = Assert.Single(ring.GetAllElements());
        Assert.Equal("1", (string?)key.Attribute("n"));

        ring.StoreElement(Key(2), "key-" + Guid.NewGuid());
        V1Secret after = await host.Kubernetes.CoreV1.ReadNamespacedSecretAsync(Secret, "default");
        Assert.Equal("written by hand", Encoding.UTF8.GetString(after.Data["README"]));
        Assert.Equal(2, ring.GetAllElements().Count);
    }

    [Fact]
    public async Task A_console_that_may_not_read_the_secret_says_what_to_grant()
    {
        await using ConsoleTestHost host = await SecurityHosts.TokenAsync();
        using Kubernetes viewer = new(new KubernetesClientConfiguration { Host = host.SandboxUrl.ToString(), AccessToken = SecurityHosts.ViewerToken });
        KeyRingSecret ring = Repository(viewer);

        InvalidOperationException refused = Assert.Throws<InvalidOperationException>(() => ring.GetAllElements());

        Assert.Contains("may not get Secret default/traffic-console-keys", refused.Message, StringComparison.Ordinal);
        Assert.Contains("grant its service account get and update", refused.Message, StringComparison.Ordinal);
        Assert.Contains("403", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "DataProtection:KeysNamespace is required")]
    [InlineData("Not_A_Namespace", "DataProtection:KeysNamespace: 'Not_A_Namespace' is not a DNS-1123 label")]
    public async Task A_keys_secret_without_a_valid_namespace_stops_start_up_naming_the_setting(string? ns, string expected)
    {
        OptionsValidationException error = await Assert.ThrowsAsync<OptionsValidationException>(() => SecurityHosts.TokenAsync(o =>
        {
            o.Settings["DataProtection:KeysSecret"] = Secret;
            o.Settings["DataProtection:KeysNamespace"] = ns;
        }));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    private static void SharedKeys(ConsoleTestHostOptions options)
    {
        options.Settings["DataProtection:KeysSecret"] = Secret;
        options.Settings["DataProtection:KeysNamespace"] = "default";
    }

    // A replica of the same installation: the first one's cluster, and so its key ring Secret.
    private static void AnotherReplicaOf(ConsoleTestHost first, ConsoleTestHostOptions options)
    {
        SharedKeys(options);
        options.Settings["Cluster:ServerUrl"] = first.SandboxUrl.ToString();
        options.Settings["Cluster:Token"] = first.AdminToken;
    }

    private static IDataProtector Protector(ConsoleTestHost host) =>
        host.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("KeyRingSecretTests");

    // The console's own store over the test's client (the admin's, or a viewer's), so the refusals are the cluster's.
    private static KeyRingSecret Repository(IKubernetes client) =>
        new(new KeyRingStore(ClusterConnection.Over(client)), "default", Secret, NullLogger<KeyRingSecret>.Instance);

    private static XElement Key(int n) => new("key", new XAttribute("n", n));
}
