using System.Collections.Immutable;
using System.Globalization;

using TrafficConsole.Web.Model;

namespace TrafficConsole.Web.Components.Controls;

/// <summary>
/// Validation messages looked up by the path of the field they are about (<c>rules[0].matches[1].conditions[0].value</c>),
/// so each editor field shows its own error under it.
/// </summary>
public sealed class FieldMessages
{
    private readonly ImmutableArray<ValidationMessage> _messages;

    public FieldMessages(ImmutableArray<ValidationMessage> messages)
    {
        _messages = messages.IsDefault ? [] : messages;
    }

    /// <summary>No messages.</summary>
    public static FieldMessages None { get; } = new([]);

    /// <summary>All messages.</summary>
    public ImmutableArray<ValidationMessage> All => _messages;

    /// <summary>True when any message is an error.</summary>
    public bool HasErrors => _messages.Any(static m => m.Severity == MessageSeverity.Error);

    /// <summary>The error at exactly <paramref name="path"/> (case-insensitive), or null.</summary>
    public string? ErrorAt(string path) =>
        _messages.FirstOrDefault(m => m.Severity == MessageSeverity.Error && string.Equals(m.Path, path, StringComparison.OrdinalIgnoreCase))?.Message;

    /// <summary>The worst severity of the messages at or under <paramref name="path"/>, or null.</summary>
    public MessageSeverity? WorstUnder(string path) =>
        _messages.Where(m => IsUnder(m.Path, path)).Select(static m => (MessageSeverity?)m.Severity).Max();

    /// <summary>Number of errors at or under <paramref name="path"/>.</summary>
    public int ErrorsUnder(string path) => _messages.Count(m => m.Severity == MessageSeverity.Error && IsUnder(m.Path, path));

    /// <summary>The messages at or under <paramref name="path"/> that no field shows (e.g. the rule as a whole).</summary>
    public ImmutableArray<ValidationMessage> Under(string path) => [.. _messages.Where(m => IsUnder(m.Path, path))];

    private static bool IsUnder(string messagePath, string path) =>
        messagePath.StartsWith(path, StringComparison.OrdinalIgnoreCase)
        && (messagePath.Length == path.Length || messagePath[path.Length] is '.' or '[');
}

/// <summary>Paths into a <see cref="Mesh.Routing.RoutingIntent"/>, as validation reports them.</summary>
public static class IntentPath
{
    /// <summary>The path of a rule: <c>rules[i]</c>, or <c>defaultRoute</c>.</summary>
    public static string Rule(int index, bool isDefault) => isDefault ? "defaultRoute" : Index("rules", index);

    /// <summary><paramref name="prefix"/>[<paramref name="index"/>].</summary>
    public static string Index(string prefix, int index) => string.Create(CultureInfo.InvariantCulture, $"{prefix}[{index}]");

    /// <summary><paramref name="prefix"/>[<paramref name="key"/>].</summary>
    public static string Key(string prefix, string key) => $"{prefix}[{key}]";
}
