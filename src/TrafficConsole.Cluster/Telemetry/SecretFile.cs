namespace TrafficConsole.Cluster.Telemetry;

/// <summary>
/// A secret kept in a file (a projected service account token, a mounted password): read again when the file
/// changes (its time or size) and at least every <see cref="MaxAge"/>, as client-go does with token files, so a
/// rotated token is used without a restart. Reading never logs the content.
/// </summary>
internal sealed class SecretFile(string path, TimeProvider time)
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(1);

    private readonly Lock _gate = new();
    private (DateTime Written, long Length, DateTimeOffset ReadAt, string Value)? _cached;

    public string Path { get; } = path;

    /// <summary>The file's content without surrounding whitespace; throws <see cref="IOException"/> or <see cref="UnauthorizedAccessException"/> when it cannot be read.</summary>
    public string Read()
    {
        var info = new FileInfo(Path);
        if (!info.Exists)
        {
            throw new FileNotFoundException($"{Path} does not exist", Path);
        }

        DateTime written = info.LastWriteTimeUtc;
        long length = info.Length;
        DateTimeOffset now = time.GetUtcNow();
        lock (_gate)
        {
            if (_cached is { } c && c.Written == written && c.Length == length && now - c.ReadAt < MaxAge)
            {
                return c.Value;
            }
        }

        string value = File.ReadAllText(Path).Trim();
        lock (_gate)
        {
            _cached = (written, length, now, value);
        }

        return value;
    }
}
