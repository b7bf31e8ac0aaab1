namespace TrafficConsole.Web.Components;

/// <summary>Who the operator in this browser tab is, as recorded on their changes (null: not known).</summary>
public sealed record ConsoleUser(string? Actor);
