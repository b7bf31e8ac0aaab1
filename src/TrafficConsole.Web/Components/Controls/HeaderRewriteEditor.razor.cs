using System.Collections.Immutable;

using Microsoft.AspNetCore.Components;

using TrafficConsole.Mesh.Routing;

namespace TrafficConsole.Web.Components.Controls;

/// <summary>What a header row does.</summary>
public enum HeaderOperation { Set, Add, Remove }

/// <summary>One header change as the editor shows it.</summary>
public sealed record HeaderRow(HeaderOperation Operation, string Name, string Value);

/// <summary>Edits a <see cref="HeaderRewrite"/> as rows; rows without a name are kept on screen but not written.</summary>
public partial class HeaderRewriteEditor
{
    private List<HeaderRow> _rows = [];
    private HeaderRewrite? _seen;
    private bool _initialized;

    [Parameter]
    public HeaderRewrite? Value { get; set; }

    [Parameter]
    public EventCallback<HeaderRewrite?> ValueChanged { get; set; }

    [Parameter]
    public string Title { get; set; } = "Headers";

    /// <summary>The path of the rewrite (<c>rules[0].requestHeaders</c>).</summary>
    [Parameter, EditorRequired]
    public string Path { get; set; } = string.Empty;

    [Parameter]
    public FieldMessages Messages { get; set; } = FieldMessages.None;

    [Parameter]
    public bool Disabled { get; set; }

    [Parameter]
    public string TestId { get; set; } = "headers";

    /// <summary>The rows of a rewrite: set, then add, then remove, each sorted by name.</summary>
    public static List<HeaderRow> RowsOf(HeaderRewrite? rewrite) => rewrite is null ? [] :
    [
        .. rewrite.Set.OrderBy(static p => p.Key, StringComparer.Ordinal).Select(static p => new HeaderRow(HeaderOperation.Set, p.Key, p.Value)),
        .. rewrite.Add.OrderBy(static p => p.Key, StringComparer.Ordinal).Select(static p => new HeaderRow(HeaderOperation.Add, p.Key, p.Value)),
        .. (rewrite.Remove.IsDefault ? [] : rewrite.Remove).Select(static n => new HeaderRow(HeaderOperation.Remove, n, string.Empty)),
    ];

    /// <summary>The rewrite the rows stand for (null when nothing is left); unnamed rows are left out, a later row wins over an earlier one.</summary>
    public static HeaderRewrite? RewriteOf(IEnumerable<HeaderRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var set = new Dictionary<string, string>(StringComparer.Ordinal);
        var add = new Dictionary<string, string>(StringComparer.Ordinal);
        var remove = new List<string>();
        foreach (HeaderRow row in rows.Where(static r => r.Name.Length > 0))
        {
            switch (row.Operation)
            {
                case HeaderOperation.Set: set[row.Name] = row.Value; break;
                case HeaderOperation.Add: add[row.Name] = row.Value; break;
                default:
                    if (!remove.Contains(row.Name, StringComparer.Ordinal))
                    {
                        remove.Add(row.Name);
                    }

                    break;
            }
        }

        var rewrite = new HeaderRewrite { Set = set.ToImmutableDictionary(StringComparer.Ordinal), Add = add.ToImmutableDictionary(StringComparer.Ordinal), Remove = [.. remove] };
        return rewrite.IsEmpty ? null : rewrite;
    }

    protected override void OnParametersSet()
    {
        if (_initialized && Same(_seen, Value))
        {
            return;
        }

        _initialized = true;
        _seen = Value;
        _rows = RowsOf(Value);
    }

    private static bool Same(HeaderRewrite? a, HeaderRewrite? b) =>
        ReferenceEquals(a, b) || (a is not null && b is not null && RowsOf(a).SequenceEqual(RowsOf(b)));

    private string? ErrorFor(HeaderRow row) => row.Operation switch
    {
        HeaderOperation.Set => Messages.ErrorAt(IntentPath.Key(Path + ".set", row.Name)),
        HeaderOperation.Add => Messages.ErrorAt(IntentPath.Key(Path + ".add", row.Name)),
        _ => Messages.ErrorAt(IntentPath.Index(Path + ".remove", (_seen?.Remove.IsDefault ?? true) ? 0 : Math.Max(0, _seen.Remove.IndexOf(row.Name)))),
    };

    private Task Update(int index, HeaderRow row)
    {
        _rows[index] = row;
        return Publish();
    }

    private Task Add()
    {
        _rows.Add(new HeaderRow(HeaderOperation.Set, string.Empty, string.Empty));
        return Task.CompletedTask;
    }

    private Task Remove(int index)
    {
        _rows.RemoveAt(index);
        return Publish();
    }

    private Task Publish()
    {
        _seen = RewriteOf(_rows);
        return ValueChanged.InvokeAsync(_seen);
    }
}
