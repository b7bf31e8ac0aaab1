using Microsoft.AspNetCore.Components;

using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Validation;

namespace TrafficConsole.Web.Components.Controls;

/// <summary>Edits a rule's options: fault injection (delay, abort), timeout, retries and header rewrites.</summary>
public partial class RuleOptionsEditor
{
    [Parameter, EditorRequired]
    public RouteRule Rule { get; set; } = new();

    [Parameter]
    public EventCallback<RouteRule> RuleChanged { get; set; }

    /// <summary>The rule's path (<c>rules[0]</c> or <c>defaultRoute</c>).</summary>
    [Parameter, EditorRequired]
    public string Path { get; set; } = string.Empty;

    [Parameter]
    public FieldMessages Messages { get; set; } = FieldMessages.None;

    [Parameter]
    public bool Disabled { get; set; }

    // The field takes any plain whole number; the validator then says which statuses and counts Istio accepts.
    private static readonly NumberEntry HttpStatusEntry = NumberEntry.WholeBetween(0, 999);
    private static readonly NumberEntry AttemptsEntry = NumberEntry.WholeBetween(0, int.MaxValue);

    private string P(string field) => $"{Path}.{field}";

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    private Task Changed(RouteRule rule) => RuleChanged.InvokeAsync(rule);

    private Task SetFault(DelayFault? delay, AbortFault? abort) =>
        Changed(Rule with { Fault = delay is null && abort is null ? null : (Rule.Fault ?? new FaultInjection(null, null)) with { Delay = delay, Abort = abort } });

    // Istio's Bookinfo examples: a 7s delay, an HTTP 500 abort, for every request.
    private Task SetDelayOn(bool on) => SetFault(on ? new DelayFault("7s", 100) : null, Rule.Fault?.Abort);

    private Task SetDelay(DelayFault delay) => SetFault(delay, Rule.Fault?.Abort);

    private Task SetAbortOn(bool on) => SetFault(Rule.Fault?.Delay, on ? new AbortFault(500, 100) : null);

    private Task SetAbort(AbortFault abort) => SetFault(Rule.Fault?.Delay, abort);

    private Task SetTimeout(string? timeout) => Changed(Rule with { Timeout = Blank(timeout) });

    private Task SetRetriesOn(bool on) => Changed(Rule with { Retries = on ? new RetryPolicy(3, "2s", "5xx,connect-failure") : null });

    private Task SetRetries(RetryPolicy retries) => Changed(Rule with { Retries = retries });
}
