using Bunit;

using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

using MudBlazor;
using MudBlazor.Services;

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
        Services.AddSingleton<IActorAccessor>(new FixedActor("operator@test"));
    }

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
