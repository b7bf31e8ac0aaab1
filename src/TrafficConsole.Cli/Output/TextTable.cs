namespace TrafficConsole.Cli.Output;

/// <summary>Rows under upper-case headers in columns two spaces apart, as kubectl prints lists; no trailing spaces.</summary>
internal sealed class TextTable
{
    private readonly string[] _headers;
    private readonly List<string[]> _rows = [];

    public TextTable(params string[] headers)
    {
        _headers = headers;
    }

    public int Count => _rows.Count;

    public void Add(params string[] cells)
    {
        if (cells.Length != _headers.Length)
        {
            throw new ArgumentException($"A row of this table has {_headers.Length} cells, not {cells.Length}.", nameof(cells));
        }

        // A cell is one line: a reason typed with a line break must not break the table.
        _rows.Add([.. cells.Select(static c => c.ReplaceLineEndings(" "))]);
    }

    public void Write(TextWriter output)
    {
        int[] widths = [.. _headers.Select((h, i) => _rows.Select(r => r[i].Length).Append(h.Length).Max())];
        foreach (string[] row in _rows.Prepend(_headers))
        {
            output.WriteLine(string.Join("  ", row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i]))).TrimEnd());
        }
    }
}
