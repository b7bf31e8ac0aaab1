using System.Collections.Immutable;
using System.Globalization;
using System.Text;

using DiffPlex.DiffBuilder;
using DiffPlex.DiffBuilder.Model;

namespace TrafficConsole.Mesh.Yaml;

/// <summary>What happened to a line between two texts.</summary>
public enum DiffKind
{
    Unchanged,
    Added,
    Removed,
}

/// <summary>One line of a diff with its line numbers in the old and new text (null where it does not exist).</summary>
public sealed record DiffLine(DiffKind Kind, string Text, int? OldLine, int? NewLine);

/// <summary>What happened to one side of a side-by-side row.</summary>
public enum SideKind
{
    Unchanged,
    Added,
    Removed,

    /// <summary>The row has a line on both sides with different text.</summary>
    Modified,

    /// <summary>No line on this side (the other side has one).</summary>
    Absent,
}

/// <summary>One row of a side-by-side diff: the old (left) and new (right) line with their numbers; an absent side has no number.</summary>
/// <param name="OldLine">The left line number, null when absent.</param>
/// <param name="OldText">The left text (empty when absent).</param>
/// <param name="OldKind">What happened to the left line.</param>
/// <param name="NewLine">The right line number, null when absent.</param>
/// <param name="NewText">The right text (empty when absent).</param>
/// <param name="NewKind">What happened to the right line.</param>
public sealed record SideBySideRow(int? OldLine, string OldText, SideKind OldKind, int? NewLine, string NewText, SideKind NewKind);

/// <summary>Line diffs for the apply preview (DiffPlex), whitespace-sensitive since YAML indentation matters.</summary>
public static class TextDiff
{
    /// <summary>Every line of both texts in order, each marked Added, Removed or Unchanged.</summary>
    public static ImmutableArray<DiffLine> Unified(string before, string after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        // A final newline ends the last line; it does not start an empty one.
        DiffPaneModel model = InlineDiffBuilder.Diff(WithoutFinalNewline(before), WithoutFinalNewline(after), ignoreWhiteSpace: false, ignoreCase: false);
        ImmutableArray<DiffLine>.Builder lines = ImmutableArray.CreateBuilder<DiffLine>(model.Lines.Count);
        int oldLine = 0;
        int newLine = 0;
        foreach (DiffPiece piece in model.Lines)
        {
            switch (piece.Type)
            {
                case ChangeType.Inserted:
                    lines.Add(new DiffLine(DiffKind.Added, piece.Text ?? string.Empty, null, ++newLine));
                    break;
                case ChangeType.Deleted:
                    lines.Add(new DiffLine(DiffKind.Removed, piece.Text ?? string.Empty, ++oldLine, null));
                    break;
                case ChangeType.Imaginary:
                    break;
                default:
                    lines.Add(new DiffLine(DiffKind.Unchanged, piece.Text ?? string.Empty, ++oldLine, ++newLine));
                    break;
            }
        }

        return lines.ToImmutable();
    }

    /// <summary>Both texts side by side (DiffPlex's side-by-side builder): aligned rows, changed lines paired.</summary>
    public static ImmutableArray<SideBySideRow> SideBySide(string before, string after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        SideBySideDiffModel model = SideBySideDiffBuilder.Diff(WithoutFinalNewline(before), WithoutFinalNewline(after), ignoreWhiteSpace: false, ignoreCase: false);
        int count = Math.Max(model.OldText.Lines.Count, model.NewText.Lines.Count);
        ImmutableArray<SideBySideRow>.Builder rows = ImmutableArray.CreateBuilder<SideBySideRow>(count);
        for (int i = 0; i < count; i++)
        {
            DiffPiece? left = i < model.OldText.Lines.Count ? model.OldText.Lines[i] : null;
            DiffPiece? right = i < model.NewText.Lines.Count ? model.NewText.Lines[i] : null;
            (int? oldLine, string oldText, SideKind oldKind) = Side(left, SideKind.Removed);
            (int? newLine, string newText, SideKind newKind) = Side(right, SideKind.Added);
            rows.Add(new SideBySideRow(oldLine, oldText, oldKind, newLine, newText, newKind));
        }

        return rows.ToImmutable();
    }

    private static (int? Line, string Text, SideKind Kind) Side(DiffPiece? piece, SideKind changed) => piece?.Type switch
    {
        null or ChangeType.Imaginary => (null, string.Empty, SideKind.Absent),
        ChangeType.Unchanged => (piece.Position, piece.Text ?? string.Empty, SideKind.Unchanged),
        ChangeType.Modified => (piece.Position, piece.Text ?? string.Empty, SideKind.Modified),
        _ => (piece.Position, piece.Text ?? string.Empty, changed),
    };

    private static string WithoutFinalNewline(string text) =>
        text.EndsWith("\r\n", StringComparison.Ordinal) ? text[..^2] : text.EndsWith('\n') ? text[..^1] : text;

    /// <summary>True when the diff has an added or removed line.</summary>
    public static bool HasChanges(IEnumerable<DiffLine> lines) => lines?.Any(static l => l.Kind != DiffKind.Unchanged) ?? false;

    /// <summary>Classic unified-diff text (<c>@@ -a,b +c,d @@</c> hunks with <paramref name="context"/> lines around changes).</summary>
    public static string Format(IReadOnlyList<DiffLine> lines, int context = 3, string oldName = "current", string newName = "desired")
    {
        ArgumentNullException.ThrowIfNull(lines);
        var text = new StringBuilder();
        text.Append("--- ").Append(oldName).Append('\n').Append("+++ ").Append(newName).Append('\n');
        int i = 0;
        while (i < lines.Count)
        {
            int change = -1;
            for (int k = i; k < lines.Count; k++)
            {
                if (lines[k].Kind != DiffKind.Unchanged)
                {
                    change = k;
                    break;
                }
            }

            if (change < 0)
            {
                break;
            }

            int start = Math.Max(i, change - context);
            int end = change;
            int quiet = 0;
            for (int k = change; k < lines.Count; k++)
            {
                quiet = lines[k].Kind == DiffKind.Unchanged ? quiet + 1 : 0;
                end = k;
                if (quiet > 2 * context)
                {
                    end = k - quiet + context;
                    break;
                }
            }

            end = Math.Min(end, lines.Count - 1);
            List<DiffLine> hunk = [.. lines.Skip(start).Take(end - start + 1)];
            int oldStart = hunk.Select(static l => l.OldLine).FirstOrDefault(static n => n.HasValue) ?? 0;
            int newStart = hunk.Select(static l => l.NewLine).FirstOrDefault(static n => n.HasValue) ?? 0;
            int oldCount = hunk.Count(static l => l.Kind != DiffKind.Added);
            int newCount = hunk.Count(static l => l.Kind != DiffKind.Removed);
            text.Append(CultureInfo.InvariantCulture, $"@@ -{oldStart},{oldCount} +{newStart},{newCount} @@\n");
            foreach (DiffLine line in hunk)
            {
                char prefix = line.Kind switch
                {
                    DiffKind.Added => '+',
                    DiffKind.Removed => '-',
                    _ => ' ',
                };
                text.Append(prefix).Append(line.Text).Append('\n');
            }

            i = end + 1;
        }

        return text.ToString();
    }
}
