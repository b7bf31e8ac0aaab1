using System.Net.Http.Headers;
using System.Text.Json.Serialization;

using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

using TrafficConsole.Cluster.Identity;
using TrafficConsole.Web.Auth;
using TrafficConsole.Web.Hubs;
using TrafficConsole.Web.Services;
using TrafficConsole.Web.Tests.Infrastructure;

namespace TrafficConsole.Web.Tests.Security;

/// <summary>Console hosts with sign-in on, for the security tests.</summary>
internal static class SecurityHosts
{
    /// <summary>The token strategy against the sandbox; <paramref name="viewers"/> are users the cluster lets read but not change routing.</summary>
    public static Task<ConsoleTestHost> TokenAsync(ViewerPermissions? viewers = null, Action<ConsoleTestHostOptions>? configure = null)
    {
        ConsoleTestHostOptions options = new();
        options.Settings["Auth:Strategy"] = "token";
        if (viewers is not null)
        {
            options.Configure = builder => builder.Services.AddSingleton<IConsolePermissions>(sp => viewers.Over(sp));
        }

        configure?.Invoke(options);
        return ConsoleTestHost.StartAsync(options);
    }

    /// <summary>A client that sends <paramref name="token"/> as its bearer token.</summary>
    public static HttpClient BearerClient(this ConsoleTestHost host, string token)
    {
        HttpClient client = host.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>A hub connection with a bearer token (not started).</summary>
    public static HubConnection HubConnection(this ConsoleTestHost host, string token) =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(host.BaseUrl, TrafficHub.Path.TrimStart('/')), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .AddJsonProtocol(static o => o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter()))
            .Build();
}

/// <summary>
/// The cluster's RBAC answer for tests until the sandbox evaluates Roles itself: the named users may read (list/watch)
/// but not create, update or delete anything; everyone else gets the console's real SelfSubjectAccessReview answer.
/// Only the cluster's answer is replaced; the console's gates (REST, hub, service layer, UI) are the real ones.
/// </summary>
internal sealed class ViewerPermissions(params string[] viewers) : IConsolePermissions
{
    private IConsolePermissions? _real;

    /// <summary>Namespaces whose VirtualServices the viewers may not even list or watch.</summary>
    public IReadOnlyList<string> UnreadableNamespaces { get; init; } = [];

    public bool RequiresIdentity => _real!.RequiresIdentity;

    public IConsolePermissions Over(IServiceProvider services)
    {
        _real = ActivatorUtilities.CreateInstance(services, typeof(IConsolePermissions).Assembly.GetType("TrafficConsole.Web.Auth.ConsolePermissions")!) as IConsolePermissions;
        return this;
    }

    public async Task<NamespacePermissions> GetAsync(ClusterIdentity? identity, string namespaceName, CancellationToken cancellationToken = default)
    {
        NamespacePermissions real = await _real!.GetAsync(identity, namespaceName, cancellationToken);
        return identity is not null && viewers.Contains(identity.User)
            ? real with { Decisions = [.. real.Decisions.Select(d => IsRead(d.Access) && !UnreadableNamespaces.Contains(namespaceName) ? d : d with { Allowed = false, Reason = Reason(identity, d.Access, namespaceName) })] }
            : real;
    }

    public async Task<string?> CheckAsync(ChangeContext change, string namespaceName, IEnumerable<ResourceAccess> needed, CancellationToken cancellationToken = default)
    {
        List<ResourceAccess> asked = [.. needed];
        if (change.As is { } identity && viewers.Contains(identity.User) && asked.FirstOrDefault(a => !IsRead(a)) is { } write)
        {
            return Reason(identity, write, namespaceName);
        }

        return await _real!.CheckAsync(change, namespaceName, asked, cancellationToken);
    }

    private static bool IsRead(ResourceAccess access) => access.Verb is "get" or "list" or "watch";

    private static string Reason(ClusterIdentity identity, ResourceAccess access, string ns) =>
        $"{identity.User} may not {access} in namespace {ns} (RBAC: no Role allows it). Ask a cluster admin for a Role that allows it.";
}
