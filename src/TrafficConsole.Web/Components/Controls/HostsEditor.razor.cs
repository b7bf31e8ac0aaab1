using System.Collections.Immutable;

using Microsoft.AspNetCore.Components;

using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Validation;

namespace TrafficConsole.Web.Components.Controls;

/// <summary>Edits the hosts and gateways of the routing: extra hosts, the mesh, and the Gateways it is attached to.</summary>
public partial class HostsEditor
{
    private string? _newHost;
    private string? _newGateway;

    [Parameter, EditorRequired]
    public RoutingIntent Intent { get; set; } = new();

    [Parameter]
    public EventCallback<RoutingIntent> IntentChanged { get; set; }

    /// <summary>The service's own host (always a host of the VirtualService).</summary>
    [Parameter]
    public string Host { get; set; } = string.Empty;

    /// <summary>The cluster's Gateways (<c>namespace/name</c>).</summary>
    [Parameter]
    public ImmutableArray<string> KnownGateways { get; set; } = [];

    /// <summary>False when the console does not list Gateways (names are then typed).</summary>
    [Parameter]
    public bool GatewaysKnown { get; set; }

    [Parameter]
    public FieldMessages Messages { get; set; } = FieldMessages.None;

    [Parameter]
    public bool Disabled { get; set; }

    private ImmutableArray<string> Available =>
        [.. (KnownGateways.IsDefault ? [] : KnownGateways).Where(g => !Intent.Gateways.Contains(g, StringComparer.Ordinal))];

    // A typed gateway must at least be namespace/name with DNS-1123 parts; whether it exists is the validator's call.
    private string? GatewayFormError
    {
        get
        {
            if (string.IsNullOrWhiteSpace(_newGateway) || (GatewaysKnown && !Available.IsEmpty))
            {
                return null;
            }

            string[] parts = _newGateway.Trim().Split('/');
            return parts.Length != 2 ? "Write the gateway as namespace/name."
                : FieldRules.Dns1123LabelProblem(parts[0]) is { } ns ? $"Namespace: {ns}"
                : FieldRules.Dns1123LabelProblem(parts[1]) is { } name ? $"Name: {name}"
                : Intent.Gateways.Contains(_newGateway.Trim(), StringComparer.Ordinal) ? "Already attached."
                : null;
        }
    }

    private Task Changed(RoutingIntent intent) => IntentChanged.InvokeAsync(intent);

    private Task AddHost()
    {
        string host = (_newHost ?? string.Empty).Trim();
        _newHost = null;
        return host.Length == 0 || Intent.ExtraHosts.Contains(host, StringComparer.Ordinal) ? Task.CompletedTask : Changed(Intent with { ExtraHosts = Intent.ExtraHosts.Add(host) });
    }

    private Task RemoveHost(int index) => Changed(Intent with { ExtraHosts = Intent.ExtraHosts.RemoveAt(index) });

    private Task AddGateway()
    {
        string gateway = (_newGateway ?? string.Empty).Trim();
        _newGateway = null;
        return gateway.Length == 0 ? Task.CompletedTask : Changed(Intent with { Gateways = Intent.Gateways.Add(gateway) });
    }

    private Task RemoveGateway(int index) => Changed(Intent with { Gateways = Intent.Gateways.RemoveAt(index) });
}
