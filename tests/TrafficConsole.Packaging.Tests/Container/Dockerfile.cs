using System.Text.Json;
using System.Text.RegularExpressions;

namespace TrafficConsole.Packaging.Tests.Container;

/// <summary>One instruction of a Dockerfile, continuation lines joined.</summary>
public sealed record DockerInstruction(string Keyword, string Arguments, int Line);

/// <summary>One build stage: FROM image (ARGs substituted), optional name, its instructions.</summary>
public sealed record DockerStage(string BaseImage, string? Name, IReadOnlyList<DockerInstruction> Instructions)
{
    public IEnumerable<DockerInstruction> All(string keyword) =>
        Instructions.Where(i => string.Equals(i.Keyword, keyword, StringComparison.OrdinalIgnoreCase));

    /// <summary>The ENV of the stage (KEY=VALUE pairs; later ones win).</summary>
    public IReadOnlyDictionary<string, string> Environment()
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DockerInstruction instruction in All("ENV"))
        {
            foreach (Match pair in Regex.Matches(instruction.Arguments, "(?<key>[A-Za-z_][A-Za-z0-9_]*)=(?:\"(?<value>[^\"]*)\"|(?<value>\\S*))"))
            {
                env[pair.Groups["key"].Value] = pair.Groups["value"].Value;
            }
        }

        return env;
    }

    /// <summary>The exec-form ENTRYPOINT; null when absent or in shell form.</summary>
    public IReadOnlyList<string>? Entrypoint()
    {
        DockerInstruction? entry = All("ENTRYPOINT").LastOrDefault();
        if (entry is null || !entry.Arguments.TrimStart().StartsWith('['))
        {
            return null;
        }

        return JsonSerializer.Deserialize<string[]>(entry.Arguments);
    }
}

/// <summary>A small Dockerfile reader: enough to check what the image runs without a Docker engine.</summary>
public sealed class Dockerfile
{
    private Dockerfile(IReadOnlyList<DockerStage> stages, IReadOnlyList<DockerInstruction> all)
    {
        Stages = stages;
        Instructions = all;
    }

    public IReadOnlyList<DockerStage> Stages { get; }

    public IReadOnlyList<DockerInstruction> Instructions { get; }

    public DockerStage Final => Stages[^1];

    public static Dockerfile Load(string path) => Parse(File.ReadAllText(path));

    public static Dockerfile Parse(string text)
    {
        var instructions = new List<DockerInstruction>();
        string? pending = null;
        int start = 0;
        string[] lines = text.ReplaceLineEndings("\n").Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].Trim();
            if (pending is null && (line.Length == 0 || line.StartsWith('#')))
            {
                continue;
            }

            if (pending is not null && (line.Length == 0 || line.StartsWith('#')))
            {
                // Docker skips comments and empty lines inside a continued instruction.
                continue;
            }

            if (pending is null)
            {
                start = i + 1;
            }

            bool continues = line.EndsWith('\\');
            string content = continues ? line[..^1].TrimEnd() : line;
            pending = pending is null ? content : $"{pending} {content}";
            if (!continues)
            {
                int space = pending.IndexOf(' ', StringComparison.Ordinal);
                instructions.Add(space < 0
                    ? new DockerInstruction(pending.ToUpperInvariant(), string.Empty, start)
                    : new DockerInstruction(pending[..space].ToUpperInvariant(), pending[(space + 1)..].Trim(), start));
                pending = null;
            }
        }

        var globalArgs = new Dictionary<string, string>(StringComparer.Ordinal);
        var stages = new List<DockerStage>();
        List<DockerInstruction>? current = null;
        string? image = null, name = null;
        foreach (DockerInstruction instruction in instructions)
        {
            if (instruction.Keyword == "FROM")
            {
                if (current is not null)
                {
                    stages.Add(new DockerStage(image!, name, current));
                }

                string[] parts = instruction.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                image = Regex.Replace(parts[0], @"\$\{(?<n>[A-Za-z_0-9]+)\}|\$(?<n>[A-Za-z_0-9]+)", m => globalArgs.GetValueOrDefault(m.Groups["n"].Value, string.Empty));
                name = parts.Length >= 3 && parts[1].Equals("AS", StringComparison.OrdinalIgnoreCase) ? parts[2] : null;
                current = [];
            }
            else if (current is null && instruction.Keyword == "ARG")
            {
                string[] kv = instruction.Arguments.Split('=', 2);
                globalArgs[kv[0].Trim()] = kv.Length == 2 ? kv[1].Trim() : string.Empty;
            }
            else
            {
                current?.Add(instruction);
            }
        }

        if (current is not null)
        {
            stages.Add(new DockerStage(image!, name, current));
        }

        return new Dockerfile(stages, instructions);
    }
}

/// <summary>The patterns of a .dockerignore, matched the simple way Docker's common patterns need.</summary>
public sealed class DockerIgnore
{
    private DockerIgnore(IReadOnlyList<string> patterns)
    {
        Patterns = patterns;
    }

    public IReadOnlyList<string> Patterns { get; }

    public static DockerIgnore Load(string path) => new(
        [.. File.ReadAllLines(path).Select(static l => l.Trim()).Where(static l => l.Length > 0 && !l.StartsWith('#'))]);

    /// <summary>True when <paramref name="relativePath"/> (forward slashes) or a folder above it is excluded.</summary>
    public bool Excludes(string relativePath)
    {
        string[] segments = relativePath.Trim('/').Split('/');
        foreach (string raw in Patterns.Where(static p => !p.StartsWith('!')))
        {
            string pattern = raw.Trim('/');
            if (pattern.StartsWith("**/", StringComparison.Ordinal))
            {
                string name = pattern[3..];
                if (segments.Any(s => Regex.IsMatch(s, "^" + Regex.Escape(name).Replace("\\*", "[^/]*", StringComparison.Ordinal) + "$")))
                {
                    return true;
                }
            }
            else
            {
                string[] parts = pattern.Split('/');
                if (parts.Length <= segments.Length
                    && parts.Select((p, i) => Regex.IsMatch(segments[i], "^" + Regex.Escape(p).Replace("\\*", "[^/]*", StringComparison.Ordinal) + "$")).All(static ok => ok))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
