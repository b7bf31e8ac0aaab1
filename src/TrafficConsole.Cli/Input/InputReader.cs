using System.Collections.Immutable;
using System.Text;

using TrafficConsole.Mesh.Yaml;

namespace TrafficConsole.Cli.Input;

/// <summary>The resources of the files named on the command line, and what kept some of them from being read.</summary>
/// <param name="Documents">The resources read (and the document problems, unknown kinds included).</param>
/// <param name="Sources">The sources read, in order: file paths as given, <c>&lt;stdin&gt;</c> for <c>-</c>.</param>
/// <param name="Errors">Files that could not be read at all (missing, a directory without manifests, unreadable).</param>
internal sealed record InputSet(ParsedDocuments Documents, ImmutableArray<string> Sources, ImmutableArray<string> Errors);

/// <summary>Reads the files named on the command line (a directory means its *.yaml, *.yml and *.json files; <c>-</c> means stdin).</summary>
internal static class InputReader
{
    public const string StdinName = "<stdin>";

    private static readonly string[] ManifestExtensions = [".yaml", ".yml", ".json"];

    public static InputSet Read(IReadOnlyList<string> paths, TextReader stdin, string defaultNamespace)
    {
        var parts = new List<ParsedDocuments>();
        var sources = ImmutableArray.CreateBuilder<string>();
        var errors = ImmutableArray.CreateBuilder<string>();
        bool stdinRead = false;
        foreach (string path in paths)
        {
            if (path == "-")
            {
                if (stdinRead)
                {
                    errors.Add("'-' (stdin) is named more than once.");
                    continue;
                }

                stdinRead = true;
                sources.Add(StdinName);
                parts.Add(ReadLimited(stdin) is { } piped
                    ? ResourceDocuments.Parse(piped, StdinName, defaultNamespace)
                    : ResourceDocuments.TooLarge(StdinName, null));
                continue;
            }

            foreach (string file in Expand(path, errors))
            {
                // A file over the limit is refused before it is read: its size alone says so.
                if (SizeOf(file) is > ResourceDocuments.MaxTextBytes and var size)
                {
                    sources.Add(file);
                    parts.Add(ResourceDocuments.TooLarge(file, size));
                    continue;
                }

                string? text = ReadText(file, errors);
                if (text is not null)
                {
                    sources.Add(file);
                    parts.Add(ResourceDocuments.Parse(text, file, defaultNamespace));
                }
            }
        }

        return new InputSet(ParsedDocuments.Combine(parts), sources.ToImmutable(), errors.ToImmutable());
    }

    private static string[] Expand(string path, ImmutableArray<string>.Builder errors)
    {
        if (!Directory.Exists(path))
        {
            return [path];
        }

        string[] files;
        try
        {
            files = [.. Directory.EnumerateFiles(path)
                .Where(static f => ManifestExtensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
                .Order(StringComparer.Ordinal)];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            errors.Add($"cannot read the directory '{path}': {ex.Message}");
            return [];
        }

        if (files.Length == 0)
        {
            errors.Add($"the directory '{path}' has no *.yaml, *.yml or *.json files.");
        }

        return files;
    }

    private static long? SizeOf(string file)
    {
        try
        {
            return new FileInfo(file) is { Exists: true } info ? info.Length : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return null; // ReadText says what is wrong with it.
        }
    }

    /// <summary>All of <paramref name="reader"/>, or null when it goes on past the limit (a pipe's size is not known up front).</summary>
    private static string? ReadLimited(TextReader reader)
    {
        var text = new StringBuilder();
        char[] buffer = new char[81920];
        int read;
        while ((read = reader.Read(buffer, 0, buffer.Length)) > 0)
        {
            // Chars, not bytes: a char is at least one UTF-8 byte, so more chars than the limit is surely too many.
            if (text.Length + read > ResourceDocuments.MaxTextBytes)
            {
                return null;
            }

            text.Append(buffer, 0, read);
        }

        return text.ToString();
    }

    private static string? ReadText(string file, ImmutableArray<string>.Builder errors)
    {
        try
        {
            return File.ReadAllText(file);
        }
        catch (FileNotFoundException)
        {
            errors.Add($"cannot read '{file}': no such file.");
        }
        catch (DirectoryNotFoundException)
        {
            errors.Add($"cannot read '{file}': no such file or directory.");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            errors.Add($"cannot read '{file}': {ex.Message}");
        }

        return null;
    }
}
