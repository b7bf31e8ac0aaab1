using System.Collections.Immutable;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;

using k8s.Models;

using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Routing;

namespace TrafficConsole.Mesh.History;

/// <summary>A revision ConfigMap read back: the revision, or why it could not be read.</summary>
/// <param name="Name">The ConfigMap's name.</param>
/// <param name="Revision">The revision; null when <paramref name="Problem"/> says why not.</param>
/// <param name="Problem">Why the ConfigMap is not a readable revision; null when it is.</param>
public sealed record RevisionDecoding(string Name, RoutingRevision? Revision, string? Problem);

/// <summary>
/// <see cref="RoutingRevision"/> to and from a labelled <see cref="V1ConfigMap"/> in the service's namespace, the way
/// Helm keeps its releases in the cluster: the summary as annotations (listable without unpacking), the snapshot as
/// gzip-compressed JSON in <c>binaryData</c>. The name is derived from the id, so every replica writes the same object.
/// </summary>
public static class RevisionCodec
{
    /// <summary>Label selecting revision ConfigMaps (with <see cref="RecordValue"/>).</summary>
    public const string RecordLabel = "trafficconsole.io/record";

    public const string RecordValue = "routing-revision";

    /// <summary>The label selector of every revision ConfigMap.</summary>
    public const string LabelSelector = RecordLabel + "=" + RecordValue;

    /// <summary>Label naming the service a revision belongs to.</summary>
    public const string ServiceLabel = "trafficconsole.io/service";

    /// <summary>The <c>binaryData</c> key of the compressed snapshot.</summary>
    public const string SnapshotKey = "snapshot.json.gz";

    private const string Prefix = "trafficconsole.io/";
    private const string ActorKey = Prefix + "actor";
    private const string SourceKey = Prefix + "source";
    private const string ManagerKey = Prefix + "manager";
    private const string ReasonKey = Prefix + "reason";
    private const string ActionKey = Prefix + "action";
    private const string AtKey = Prefix + "at";
    private const string ReplacesKey = Prefix + "replaces";
    private const string KeyKey = Prefix + "routing-revision";
    private const string WeightsKey = Prefix + "weights";
    private const string MirrorKey = Prefix + "mirror";
    private const string KindKey = Prefix + "kind";
    private const string StableKey = Prefix + "stable";
    private const string IdKey = Prefix + "revision-id";
    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
    private const int MaxNameLength = 253;

    /// <summary>The ConfigMap name of revision <paramref name="id"/> of <paramref name="service"/>: <c>tc-rev-&lt;service&gt;-&lt;id&gt;</c>.</summary>
    public static string NameOf(string service, string id)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(id);
        string prefix = "tc-rev-";
        int room = MaxNameLength - prefix.Length - 1 - id.Length;
        string part = service.Length > room ? service[..room].TrimEnd('-', '.') : service;
        return $"{prefix}{part}-{id}";
    }

    /// <summary>The ConfigMap that stores <paramref name="revision"/>.</summary>
    public static V1ConfigMap Encode(RoutingRevision revision)
    {
        ArgumentNullException.ThrowIfNull(revision);
        var annotations = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [IdKey] = revision.Id,
            [ActorKey] = revision.Actor,
            [SourceKey] = revision.Source.ToString(),
            [ActionKey] = revision.Action.ToString(),
            [AtKey] = revision.At.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture),
            [KeyKey] = revision.Key,
            [KindKey] = revision.Kind.ToString(),
            [WeightsKey] = string.Join(",", revision.Split.Weights.Select(static w => string.Create(CultureInfo.InvariantCulture, $"{w.Version}={w.Weight}"))),
        };
        Put(annotations, ManagerKey, revision.Manager);
        Put(annotations, ReasonKey, revision.Reason);
        Put(annotations, ReplacesKey, revision.Replaces);
        Put(annotations, StableKey, revision.StableVersion);
        if (revision.Split.Mirror is { } mirror)
        {
            annotations[MirrorKey] = string.Create(CultureInfo.InvariantCulture, $"{mirror.Version}={mirror.Percent}");
        }

        return new V1ConfigMap
        {
            ApiVersion = "v1",
            Kind = "ConfigMap",
            Metadata = new V1ObjectMeta
            {
                Name = NameOf(revision.Service, revision.Id),
                NamespaceProperty = revision.Namespace,
                Labels = new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    [IstioApi.ManagedByLabel] = IstioApi.ManagedByValue,
                    [RecordLabel] = RecordValue,
                    [ServiceLabel] = revision.Service,
                },
                Annotations = annotations,
            },
            BinaryData = new Dictionary<string, byte[]>(StringComparer.Ordinal) { [SnapshotKey] = Compress(revision.Snapshot.ToJson()) },
        };
    }

    /// <summary>Reads a revision ConfigMap; one that is not a readable revision gets a problem, never an exception.</summary>
    public static RevisionDecoding Decode(V1ConfigMap configMap)
    {
        ArgumentNullException.ThrowIfNull(configMap);
        string name = configMap.Metadata?.Name ?? string.Empty;
        try
        {
            return Read(configMap, name);
        }
        catch (Exception ex) when (ex is FormatException or JsonException or InvalidDataException or ArgumentException or InvalidOperationException or NotSupportedException)
        {
            return new RevisionDecoding(name, null, $"ConfigMap {name} is not a readable revision: {ex.Message}");
        }
    }

    private static RevisionDecoding Read(V1ConfigMap configMap, string name)
    {
        IDictionary<string, string> annotations = configMap.Metadata?.Annotations ?? new Dictionary<string, string>();
        IDictionary<string, string> labels = configMap.Metadata?.Labels ?? new Dictionary<string, string>();
        string? Missing(string key) => annotations.TryGetValue(key, out string? value) && !string.IsNullOrEmpty(value) ? null : key;
        string? missing = new[] { IdKey, ActorKey, AtKey, KeyKey, ActionKey }.Select(Missing).FirstOrDefault(static m => m is not null);
        if (missing is not null || !labels.TryGetValue(ServiceLabel, out string? service) || string.IsNullOrEmpty(service))
        {
            return new RevisionDecoding(name, null, $"ConfigMap {name} is not a readable revision: it lacks {missing ?? "the label " + ServiceLabel}.");
        }

        if (configMap.BinaryData is null || !configMap.BinaryData.TryGetValue(SnapshotKey, out byte[]? packed) || packed is null)
        {
            return new RevisionDecoding(name, null, $"ConfigMap {name} is not a readable revision: it has no binaryData {SnapshotKey}.");
        }

        DateTimeOffset at = DateTimeOffset.ParseExact(annotations[AtKey], TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
        RevisionSnapshot snapshot = RevisionSnapshot.FromJson(Decompress(packed));
        var revision = new RoutingRevision
        {
            Id = annotations[IdKey],
            Namespace = configMap.Metadata?.NamespaceProperty ?? string.Empty,
            Service = service,
            Key = annotations[KeyKey],
            At = at,
            Actor = annotations[ActorKey],
            Source = Enum.Parse<RevisionSource>(annotations.TryGetValue(SourceKey, out string? source) ? source : nameof(RevisionSource.Console)),
            Manager = Get(annotations, ManagerKey),
            Reason = Get(annotations, ReasonKey),
            Action = Enum.Parse<RevisionAction>(annotations[ActionKey]),
            Replaces = Get(annotations, ReplacesKey),
            Kind = Enum.Parse<RoutingKind>(annotations.TryGetValue(KindKey, out string? kind) ? kind : nameof(RoutingKind.None)),
            StableVersion = Get(annotations, StableKey),
            Split = new TrafficSplit(ParseWeights(Get(annotations, WeightsKey)), ParseMirror(Get(annotations, MirrorKey))),
            Snapshot = snapshot,
        };
        return new RevisionDecoding(name, revision, null);
    }

    private static ImmutableArray<VersionWeight> ParseWeights(string? text) =>
        string.IsNullOrEmpty(text)
            ? []
            : [.. text.Split(',').Select(static part =>
            {
                int eq = part.LastIndexOf('=');
                return eq <= 0
                    ? throw new FormatException($"'{part}' is not version=weight.")
                    : new VersionWeight(part[..eq], int.Parse(part[(eq + 1)..], NumberStyles.Integer, CultureInfo.InvariantCulture));
            })];

    private static MirrorTarget? ParseMirror(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        int eq = text.LastIndexOf('=');
        return eq <= 0
            ? throw new FormatException($"'{text}' is not version=percent.")
            : new MirrorTarget(text[..eq], double.Parse(text[(eq + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture));
    }

    private static void Put(Dictionary<string, string> annotations, string key, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            annotations[key] = value;
        }
    }

    private static string? Get(IDictionary<string, string> annotations, string key) =>
        annotations.TryGetValue(key, out string? value) && value.Length > 0 ? value : null;

    private static byte[] Compress(string json)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(Encoding.UTF8.GetBytes(json));
        }

        return output.ToArray();
    }

    private static string Decompress(byte[] packed)
    {
        using var input = new MemoryStream(packed);
        using var gzip = new GZipStream(input, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
