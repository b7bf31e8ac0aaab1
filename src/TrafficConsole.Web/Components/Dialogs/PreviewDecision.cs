namespace TrafficConsole.Web.Components.Dialogs;

/// <summary>What the operator confirmed in the preview dialog: the reason typed (null when none), for <see cref="Services.ChangeContext.Reason"/>.</summary>
/// <param name="Reason">Why, as typed; at most <see cref="Services.ChangeContext.MaxReasonLength"/> characters.</param>
public sealed record PreviewDecision(string? Reason);
