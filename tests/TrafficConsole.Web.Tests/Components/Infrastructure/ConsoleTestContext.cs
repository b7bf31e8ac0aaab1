using Bunit;

using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

using MudBlazor;
using MudBlazor.Services;

using TrafficConsole.Web.Auth;
using TrafficConsole.Web.Services;

namespace TrafficConsole.Web.Tests.Components.Infrastructure;

/// <summary>A bUnit context with MudBlazor's services, loose JS interop and the fake traffic service.</summary>
public abstract class ConsoleTestContext : BunitContext
{
    private bool _disposing;

    protected ConsoleTestContext()
    {
        // The service page renders two editors; on a loaded machine bUnit's default second is too short to wait for a render.
        DefaultWaitTimeout = TimeSpan.FromSeconds(10);
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices(static options =>
        {
            options.PopoverOptions.CheckForPopoverProvider = false;
            options.SnackbarConfiguration.ShowTransitionDuration = 0;
            options.SnackbarConfiguration.HideTransitionDuration = 0;
        });
        Services.AddSingleton<ITrafficService>(_ => Traffic);
        Services.AddTrafficServiceParts(static sp => sp.GetRequiredService<ITrafficService>());
        Services.AddSingleton<IActorAccessor>(new FixedActor("operator@test"));
        Services.AddSingleton<IConsolePermissions>(_ => Permissions);
        Services.AddScoped<ConsoleSession>();
        AddAuthorization();
    }

    /// <summary>What the cluster says the user may do (everything unless a test denies something).</summary>
    protected TestPermissions Permissions { get; } = new();

    protected FakeTrafficService Traffic { get; set; } = TestServices.Bookinfo();

    // MudBlazor registers services that only dispose asynchronously; xunit 2 disposes test classes
    // synchronously, so route the synchronous dispose through the asynchronous one.
    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposing)
        {
            _disposing = true;
            DisposeAsync().AsTask().GetAwaiter().GetResult();
            return;
        }

        base.Dispose(disposing);
    }

    /// <summary>Renders <typeparamref name="TPage"/> below the popover, dialog and snackbar providers a layout would add.</summary>
    protected IRenderedComponent<ContainerFragmentHost> RenderWithProviders<TPage>(params (string Name, object? Value)[] parameters)
        where TPage : IComponent
    {
        return Render<ContainerFragmentHost>(p => p.Add(h => h.ChildContent, builder =>
        {
            builder.OpenComponent<MudPopoverProvider>(0);
            builder.CloseComponent();
            builder.OpenComponent<MudDialogProvider>(1);
            builder.CloseComponent();
            builder.OpenComponent<MudSnackbarProvider>(2);
            builder.CloseComponent();
            builder.OpenComponent<TPage>(3);
            foreach ((string name, object? value) in parameters)
            {
                builder.AddAttribute(4, name, value);
            }

            builder.CloseComponent();
        }));
    }
}

/// <summary>Every change in component tests is made by the same operator.</summary>
public sealed class FixedActor(string name) : IActorAccessor
{
    public string GetActor(System.Security.Claims.ClaimsPrincipal? user, System.Net.IPAddress? remoteAddress) => name;
}

/// <summary>The cluster's answers for component tests: everything allowed except what a test denies.</summary>
public sealed class TestPermissions : IConsolePermissions
{
    private readonly Dictionary<ResourceAccess, string> _denied = [];
    private readonly Dictionary<(string Namespace, ResourceAccess Access), string> _deniedIn = [];

    public bool RequiresIdentity { get; set; }

    /// <summary>The cluster now refuses <paramref name="access"/> with <paramref name="reason"/>.</summary>
    public void Deny(ResourceAccess access, string reason) => _denied[access] = reason;

    /// <summary>The cluster now refuses <paramref name="access"/> in <paramref name="namespaceName"/> only.</summary>
    public void DenyIn(string namespaceName, ResourceAccess access, string reason) => _deniedIn[(namespaceName, access)] = reason;

    /// <summary>When set, answers wait for it: the cluster's access review is still in flight.</summary>
    public TaskCompletionSource? Pending { get; set; }

    public async Task<NamespacePermissions> GetAsync(TrafficConsole.Cluster.Identity.ClusterIdentity? identity, string namespaceName, CancellationToken cancellationToken = default)
    {
        if (Pending is { } pending)
        {
            await pending.Task.WaitAsync(cancellationToken);
        }

        return new NamespacePermissions(namespaceName, identity?.User,
            [.. ResourceAccess.All.Select(a => Reason(namespaceName, a) is { } reason ? new AccessDecision(a, false, reason) : new AccessDecision(a, true, null))]);
    }

    public Task<string?> CheckAsync(ChangeContext change, string namespaceName, IEnumerable<ResourceAccess> needed, CancellationToken cancellationToken = default) =>
        Task.FromResult(needed.Select(a => Reason(namespaceName, a)).FirstOrDefault(static r => r is not null));

    private string? Reason(string namespaceName, ResourceAccess access) =>
        _deniedIn.GetValueOrDefault((namespaceName, access)) ?? _denied.GetValueOrDefault(access);
}

/// <summary>Renders its child content; a root for tests that need providers next to the component.</summary>
public sealed class ContainerFragmentHost : ComponentBase
{
    [Parameter]
    public RenderFragment? ChildContent { get; set; }

    protected override void BuildRenderTree(Microsoft.AspNetCore.Components.Rendering.RenderTreeBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddContent(0, ChildContent);
    }
}
