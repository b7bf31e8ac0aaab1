using System.Collections.Immutable;
using Microsoft.AspNetCore.SignalR;
using TrafficConsole.Web.Auth;
using TrafficConsole.Web.Hosting;
using TrafficConsole.Web.Model;
using TrafficConsole.Web.Services;

namespace TrafficConsole.Web.Hubs;

/// <summary>What the hub sends to its clients.</summary>
public interface ITrafficClient
{
    /// <summary>A service of a joined namespace changed, whoever changed it.</summary>
    Task ServiceChanged(ServiceChangedEvent change);

    /// <summary>The console's connection to the API server changed (sent to every client).</summary>
    Task ConnectionChanged(ConnectionHealth health);
}

/// <summary>
/// Live updates for browsers and tools at <c>/hubs/traffic</c>: join a namespace, then receive
/// <c>ServiceChanged</c> for every change to its services. Under openid and token the connection needs a signed-in
/// user (the fallback authorization policy covers the hub's endpoints), and a namespace is joined only when the read
/// policy (<see cref="IConsolePermissions.ReadDeniedAsync"/>) lets the user read its routing, as pages and REST do.
/// </summary>
public sealed class TrafficHub(ITrafficService traffic, ConsoleMetrics metrics, IConsolePermissions permissions, IActorAccessor actors) : Hub<ITrafficClient>
{
    public const string Path = "/hubs/traffic";

    public override Task OnConnectedAsync()
    {
        metrics.HubConnected();
        return base.OnConnectedAsync();
    }

    // SignalR calls this once for every connection that OnConnectedAsync saw, however it ended.
    public override Task OnDisconnectedAsync(Exception? exception)
    {
        metrics.HubDisconnected();
        return base.OnDisconnectedAsync(exception);
    }

    /// <summary>Starts sending the namespace's changes; returns its services as they are now.</summary>
    public async Task<ImmutableArray<ServiceChangedEvent>> JoinNamespace(string namespaceName)
    {
        EnsureKnown(namespaceName);
        if (await permissions.ReadDeniedAsync(actors.GetClusterIdentity(Context.User), namespaceName, ReadScope.Routing, Context.ConnectionAborted).ConfigureAwait(false) is { } denied)
        {
            throw new HubException($"Not allowed to follow namespace '{namespaceName}': {denied}");
        }

        await Groups.AddToGroupAsync(Context.ConnectionId, GroupName(namespaceName), Context.ConnectionAborted).ConfigureAwait(false);

        // Joined first, read second: a change in between arrives twice rather than never.
        return [.. traffic.ListServices(namespaceName).Select(static s => new ServiceChangedEvent(s.Namespace, s.Name, s.Routing.Revision, s.Routing.Effective.IsDefault ? [] : s.Routing.Effective, s.Routing.Kind))];
    }

    public Task LeaveNamespace(string namespaceName)
    {
        ArgumentException.ThrowIfNullOrEmpty(namespaceName);
        return Groups.RemoveFromGroupAsync(Context.ConnectionId, GroupName(namespaceName), Context.ConnectionAborted);
    }

    internal static string GroupName(string namespaceName) => "ns:" + namespaceName;

    private void EnsureKnown(string namespaceName)
    {
        if (string.IsNullOrWhiteSpace(namespaceName))
        {
            throw new HubException("JoinNamespace needs a namespace name.");
        }

        IReadOnlyList<string> namespaces = traffic.Namespaces;
        if (namespaces.Count == 0 && traffic.Health.State != ConnectionState.Connected)
        {
            throw new HubException("The console has not synced with the Kubernetes API server yet; try again shortly.");
        }

        if (!namespaces.Contains(namespaceName, StringComparer.Ordinal))
        {
            throw new HubException($"Namespace '{namespaceName}' does not exist in the cluster.");
        }
    }
}
