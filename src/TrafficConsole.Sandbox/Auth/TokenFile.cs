using System.Collections.Immutable;
using System.Text;

namespace TrafficConsole.Sandbox.Auth;

/// <summary>
/// Reads kube-apiserver's <c>--token-auth-file</c> format: CSV lines <c>token,user,uid,"group1,group2"</c>
/// (at least three columns; the quoted fourth column is optional).
/// </summary>
public static class TokenFile
{
    /// <summary>Reads and parses the file; a malformed line throws <see cref="InvalidDataException"/> naming the file and line.</summary>
    public static ImmutableArray<SandboxToken> Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"SandboxOptions.TokenFile: the token file '{path}' does not exist.", path);
        }

        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Parses token-file text; <paramref name="source"/> names it in error messages.</summary>
    public static ImmutableArray<SandboxToken> Parse(string text, string source = "token file")
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = ImmutableArray.CreateBuilder<SandboxToken>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var lineNumber = 0;
        foreach (var rawLine in text.Split('\n'))
        {
            lineNumber++;
            var line = rawLine.TrimEnd('\r');
            if (line.Trim().Length == 0)
            {
                continue;
            }

            var fields = SplitCsv(line, source, lineNumber);
            if (fields.Count < 3)
            {
                throw new InvalidDataException(
                    $"token file '{source}' line {lineNumber} must have at least 3 columns (token, user name, user uid), found {fields.Count}");
            }

            if (fields[0].Length == 0)
            {
                throw new InvalidDataException($"token file '{source}' line {lineNumber}: the token is empty");
            }

            if (fields[1].Length == 0)
            {
                throw new InvalidDataException($"token file '{source}' line {lineNumber}: the user name is empty");
            }

            if (!seen.Add(fields[0]))
            {
                throw new InvalidDataException($"token file '{source}' line {lineNumber}: the token is a duplicate of an earlier line's");
            }

            var groups = fields.Count >= 4
                ? fields[3].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToImmutableArray()
                : [];
            tokens.Add(new SandboxToken(fields[0], fields[1], fields[2], groups));
        }

        return tokens.ToImmutable();
    }

    /// <summary>One line in the file's format, for writing a token file.</summary>
    public static string Format(SandboxToken token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return $"{token.Token},{token.User},{token.Uid},\"{string.Join(',', token.Groups)}\"";
    }

    private static List<string> SplitCsv(string line, string source, int lineNumber)
    {
        var fields = new List<string>();
        var current = new StringBuilder();
        var quoted = false;
        var atStart = true;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    current.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c == '"' && atStart)
            {
                quoted = true;
                atStart = false;
            }
            else if (c == ',')
            {
                fields.Add(current.ToString());
                current.Clear();
                atStart = true;
            }
            else if (atStart && c == ' ')
            {
                // Go's csv reader with TrimLeadingSpace, as kube-apiserver reads the file.
            }
            else
            {
                current.Append(c);
                atStart = false;
            }
        }

        if (quoted)
        {
            throw new InvalidDataException($"token file '{source}' line {lineNumber}: a quoted field is not closed");
        }

        fields.Add(current.ToString());
        return fields;
    }
}
