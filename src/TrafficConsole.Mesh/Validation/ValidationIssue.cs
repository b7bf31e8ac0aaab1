namespace TrafficConsole.Mesh.Validation;

/// <summary>How bad a <see cref="ValidationIssue"/> is.</summary>
public enum Severity
{
    /// <summary>The change cannot be applied, or the resource does not work as written.</summary>
    Error,

    /// <summary>It works, but probably not as intended.</summary>
    Warning,

    /// <summary>Worth knowing.</summary>
    Info,
}

/// <summary>A finding with a stable code (see docs/validation.md), a JSON-path-like location and a message for people.</summary>
/// <param name="Code">Stable code such as <c>TC1002</c>.</param>
/// <param name="Severity">How bad it is.</param>
/// <param name="Path">Where: e.g. <c>weights[v2]</c> or <c>spec.http[1].route[0].weight</c>.</param>
/// <param name="Message">What is wrong and what to do, in the user's words.</param>
public sealed record ValidationIssue(string Code, Severity Severity, string Path, string Message)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Code} {Severity} {Path}: {Message}";
}

/// <summary>A finding about one resource in the cluster.</summary>
/// <param name="Kind">VirtualService or DestinationRule.</param>
/// <param name="Namespace">The resource's namespace.</param>
/// <param name="Name">The resource's name.</param>
/// <param name="Issue">The finding; its path is inside the resource.</param>
public sealed record ResourceIssue(string Kind, string Namespace, string Name, ValidationIssue Issue)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Kind} {Namespace}/{Name}: {Issue}";
}

/// <summary>Helpers over lists of issues.</summary>
public static class ValidationIssues
{
    /// <summary>True when any issue is an error.</summary>
    public static bool HasErrors(this IEnumerable<ValidationIssue> issues) =>
        issues?.Any(static i => i.Severity == Severity.Error) ?? false;
}
