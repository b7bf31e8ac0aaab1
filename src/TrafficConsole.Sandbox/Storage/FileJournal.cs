using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TrafficConsole.Sandbox.Api;

namespace TrafficConsole.Sandbox.Storage;

/// <summary>
/// Durable state in a data directory: <c>state.json</c> (a snapshot, replaced by write-temp, fsync,
/// rename) plus <c>changes.log</c> (one checksummed line per committed transaction, fsynced before the
/// write is acknowledged). A torn last line is what a crash mid-append leaves and is dropped; any other
/// damage stops start-up with the file named, and nothing is overwritten.
/// </summary>
internal sealed class FileJournal : IStoreJournal
{
    private const string SnapshotName = "state.json";
    private const string LogName = "changes.log";
    private readonly string _directory;
    private readonly int _compactAfter;
    private FileStream? _log;
    private FileStream? _lock;
    private int _records;

    public FileJournal(string directory, int compactAfter = 2000)
    {
        _directory = directory;
        _compactAfter = compactAfter;
    }

    public string SnapshotPath => Path.Combine(_directory, SnapshotName);

    public string LogPath => Path.Combine(_directory, LogName);

    public LoadedState Load()
    {
        Directory.CreateDirectory(_directory);
        TakeLock();
        var objects = new Dictionary<(ResourceType, string, string), JsonObject>();
        long rv = 0;
        if (File.Exists(SnapshotPath))
        {
            rv = ReadSnapshot(objects);
        }

        var snapshotRv = rv;
        var validLength = 0L;
        if (File.Exists(LogPath))
        {
            var bytes = File.ReadAllBytes(LogPath);
            var offset = 0;
            var lineNumber = 0;
            while (offset < bytes.Length)
            {
                lineNumber++;
                var end = Array.IndexOf(bytes, (byte)'\n', offset);
                var isLast = end < 0 || end == bytes.Length - 1;
                if (end < 0)
                {
                    // A record without its newline was being written when the process died.
                    break;
                }

                var line = Encoding.UTF8.GetString(bytes, offset, end - offset);
                if (!TryParseRecord(line, out var record))
                {
                    if (isLast)
                    {
                        break;
                    }

                    throw new InvalidDataException(
                        $"The sandbox state file '{LogPath}' is damaged at line {lineNumber} (checksum or JSON invalid, and it is not the last record); refusing to start. Move the file away to start from the snapshot '{SnapshotPath}'.");
                }

                var recordRv = record!["rv"]!.GetValue<long>();
                if (recordRv > rv)
                {
                    foreach (var op in record["ops"]!.AsArray())
                    {
                        ApplyOp(op!.AsObject(), objects, LogPath);
                    }

                    rv = recordRv;
                }

                offset = end + 1;
                validLength = offset;
                _records++;
            }
        }

        OpenLog(validLength);
        if (snapshotRv < rv || _records > 0)
        {
            // Fold the log into a fresh snapshot so start-up stays quick.
            Compact(rv, objects.Select(kv => (kv.Key.Item1, kv.Value)));
        }

        return new LoadedState(rv, [.. objects.Select(kv => (kv.Key.Item1, kv.Value))]);
    }

    public void Append(long resourceVersion, IReadOnlyList<StoreOp> ops)
    {
        var record = new JsonObject
        {
            ["rv"] = resourceVersion,
            ["ops"] = new JsonArray([.. ops.Select(op => (JsonNode)new JsonObject
            {
                ["resource"] = op.Type.GroupResource,
                ["namespace"] = op.Namespace,
                ["name"] = op.Name,
                ["object"] = op.Object is null ? null : Json.Clone(op.Object),
            })]),
        };
        var json = record.ToJsonString(Json.Options);
        var line = Encoding.UTF8.GetBytes($"{Crc32.Compute(Encoding.UTF8.GetBytes(json)):x8} {json}\n");
        _log!.Write(line);
        _log.Flush(flushToDisk: true);
        _records++;
    }

    public void MaybeCompact(long resourceVersion, Func<IEnumerable<(ResourceType Type, JsonObject Object)>> snapshot)
    {
        if (_records >= _compactAfter)
        {
            Compact(resourceVersion, snapshot());
        }
    }

    public void Dispose()
    {
        _log?.Dispose();
        _lock?.Dispose();
    }

    /// <summary>One sandbox per data directory: two writers would interleave their logs.</summary>
    private void TakeLock()
    {
        var path = Path.Combine(_directory, "lock");
        try
        {
            _lock = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new IOException($"The sandbox data directory '{_directory}' is in use by another sandbox (lock file '{path}').", ex);
        }
    }

    public void Compact(long resourceVersion, IEnumerable<(ResourceType Type, JsonObject Object)> objects)
    {
        var doc = new JsonObject
        {
            ["format"] = 1,
            ["resourceVersion"] = resourceVersion,
            ["objects"] = new JsonArray([.. objects.Select(o => (JsonNode)new JsonObject
            {
                ["resource"] = o.Type.GroupResource,
                ["object"] = Json.Clone(o.Object),
            })]),
        };
        var temp = SnapshotPath + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(Json.ToBytes(doc));
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, SnapshotPath, overwrite: true);
        DirectorySync.Flush(_directory);

        // Only once the snapshot is durable may the log it covers go; a crash between the two leaves
        // records at or below the snapshot's version, which Load skips.
        _log!.SetLength(0);
        _log.Flush(flushToDisk: true);
        _records = 0;
    }

    private void OpenLog(long validLength)
    {
        _log = new FileStream(LogPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        if (_log.Length != validLength)
        {
            _log.SetLength(validLength);
            _log.Flush(flushToDisk: true);
        }

        _log.Seek(0, SeekOrigin.End);
        DirectorySync.Flush(_directory);
    }

    private long ReadSnapshot(Dictionary<(ResourceType, string, string), JsonObject> objects)
    {
        try
        {
            var doc = JsonNode.Parse(File.ReadAllBytes(SnapshotPath))?.AsObject()
                ?? throw new InvalidDataException("empty document");
            var rv = doc["resourceVersion"]?.GetValue<long>() ?? throw new InvalidDataException("no resourceVersion");
            foreach (var entry in doc["objects"]?.AsArray() ?? throw new InvalidDataException("no objects"))
            {
                var e = entry!.AsObject();
                var type = FindType(Json.Str(e["resource"]));
                var obj = e["object"]!.AsObject();
                objects[(type, Json.Namespace(obj) ?? "", Json.Name(obj) ?? "")] = Json.Clone(obj);
            }

            return rv;
        }
        catch (Exception ex) when (ex is JsonException or InvalidDataException or InvalidOperationException
            or NullReferenceException or FormatException or KeyNotFoundException)
        {
            throw new InvalidDataException(
                $"The sandbox state file '{SnapshotPath}' cannot be read ({ex.Message}); refusing to start rather than replace it.", ex);
        }
    }

    private static void ApplyOp(JsonObject op, Dictionary<(ResourceType, string, string), JsonObject> objects, string file)
    {
        var type = FindType(Json.Str(op["resource"]), file);
        var key = (type, Json.Str(op["namespace"]) ?? "", Json.Str(op["name"]) ?? "");
        if (op["object"] is JsonObject obj)
        {
            objects[key] = Json.Clone(obj);
        }
        else
        {
            objects.Remove(key);
        }
    }

    private static ResourceType FindType(string? groupResource, string? file = null) =>
        ResourceCatalog.All.FirstOrDefault(t => t.GroupResource == groupResource)
        ?? throw new InvalidDataException(file is null
            ? $"unknown resource '{groupResource}'"
            : $"The sandbox state file '{file}' names an unknown resource '{groupResource}'; refusing to start.");

    private static bool TryParseRecord(string line, out JsonObject? record)
    {
        record = null;
        if (line.Length < 10 || line[8] != ' '
            || !uint.TryParse(line.AsSpan(0, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var crc))
        {
            return false;
        }

        var json = line[9..];
        if (Crc32.Compute(Encoding.UTF8.GetBytes(json)) != crc)
        {
            return false;
        }

        try
        {
            record = JsonNode.Parse(json) as JsonObject;
            return record?["rv"] is JsonValue && record["ops"] is JsonArray;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}

/// <summary>CRC-32 (IEEE) to tell a torn or damaged log record from a whole one.</summary>
internal static class Crc32
{
    private static readonly uint[] Table = BuildTable();

    public static uint Compute(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return ~crc;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            var c = i;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[i] = c;
        }

        return table;
    }
}
