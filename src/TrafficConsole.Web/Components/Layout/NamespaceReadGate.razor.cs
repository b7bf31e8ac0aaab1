using System.Reflection;

using Microsoft.AspNetCore.Components;

using TrafficConsole.Web.Auth;

namespace TrafficConsole.Web.Components.Layout;

/// <summary>
/// Shows the routed page only when the read policy (<see cref="ConsoleSession.ReadDeniedAsync"/>) lets the user read the
/// namespace in its route (<c>{Namespace}</c>), in the scope the page reads (<see cref="ReadsHistoryAttribute"/>: history
/// and audit); pages added later with a namespace in their route are covered without work of their own.
/// </summary>
public partial class NamespaceReadGate
{
    private (string? Namespace, ReadScope Scope)? _checked;
    private string? _denied;
    private bool _allowed;

    [Inject]
    public required ConsoleSession Session { get; init; }

    /// <summary>The route being shown (cascaded by <c>Routes.razor</c>); without it nothing is gated.</summary>
    [CascadingParameter]
    public Microsoft.AspNetCore.Components.RouteData? RouteData { get; set; }

    /// <summary>The page.</summary>
    [Parameter]
    public RenderFragment? ChildContent { get; set; }

    protected override async Task OnParametersSetAsync()
    {
        string? ns = RouteData?.RouteValues.FirstOrDefault(static v => string.Equals(v.Key, "Namespace", StringComparison.OrdinalIgnoreCase)).Value as string;
        ReadScope scope = RouteData?.PageType.GetCustomAttribute<ReadsHistoryAttribute>() is null ? ReadScope.Routing : ReadScope.History;
        if (_checked == (ns, scope))
        {
            return;
        }

        _checked = (ns, scope);
        _denied = null;
        if (string.IsNullOrEmpty(ns))
        {
            _allowed = true;
            return;
        }

        // Until the cluster answers the page is not created, so it reads nothing it may not show.
        _allowed = false;
        string? denied = await Session.ReadDeniedAsync(ns, scope);
        if (_checked == (ns, scope))
        {
            _denied = denied;
            _allowed = denied is null;
        }
    }
}
