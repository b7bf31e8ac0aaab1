using System.Text;
using System.Text.Json.Nodes;

namespace TrafficConsole.Sandbox.Api;

/// <summary>
/// Decodes the Kubernetes protobuf envelope ("k8s\0" + runtime.Unknown) for the few built-in kinds
/// Go clients write as protobuf (client-go's typed clientsets default to it): Secrets and ConfigMaps
/// (Helm's release storage), Namespaces (<c>kubectl create namespace</c>) and DeleteOptions. Fields the
/// server sets itself (uid, timestamps, managedFields) are dropped; anything else is answered 415.
/// </summary>
internal static class ProtobufBody
{
    public const string MediaType = "application/vnd.kubernetes.protobuf";

    private static readonly byte[] Magic = [0x6b, 0x38, 0x73, 0x00];

    public static JsonObject Decode(ReadOnlySpan<byte> body)
    {
        if (!body.StartsWith(Magic))
        {
            throw ApiException.BadRequest("the protobuf body does not start with the k8s envelope");
        }

        string apiVersion = "", kind = "";
        ReadOnlySpan<byte> raw = default;
        foreach (var field in new Reader(body[Magic.Length..]))
        {
            if (field.Number == 1)
            {
                foreach (var meta in new Reader(field.Bytes))
                {
                    if (meta.Number == 1) apiVersion = meta.Text;
                    else if (meta.Number == 2) kind = meta.Text;
                }
            }
            else if (field.Number == 2)
            {
                raw = field.Bytes;
            }
        }

        JsonObject obj = (apiVersion, kind) switch
        {
            ("v1", "Secret") => Secret(raw),
            ("v1", "ConfigMap") => ConfigMap(raw),
            ("v1", "Namespace") => Namespace(raw),
            (_, "DeleteOptions") => DeleteOptions(raw),
            _ => throw ApiException.UnsupportedMediaType(["application/json", "application/yaml"]),
        };
        obj["apiVersion"] = apiVersion;
        obj["kind"] = kind;
        return obj;
    }

    private static JsonObject Secret(ReadOnlySpan<byte> raw)
    {
        var obj = new JsonObject();
        foreach (var f in new Reader(raw))
        {
            switch (f.Number)
            {
                case 1: obj["metadata"] = ObjectMeta(f.Bytes); break;
                case 2: MapEntry(Child(obj, "data"), f.Bytes, base64: true); break;
                case 3: obj["type"] = f.Text; break;
                case 4: MapEntry(Child(obj, "stringData"), f.Bytes, base64: false); break;
                case 5: obj["immutable"] = f.Varint != 0; break;
            }
        }

        return obj;
    }

    private static JsonObject ConfigMap(ReadOnlySpan<byte> raw)
    {
        var obj = new JsonObject();
        foreach (var f in new Reader(raw))
        {
            switch (f.Number)
            {
                case 1: obj["metadata"] = ObjectMeta(f.Bytes); break;
                case 2: MapEntry(Child(obj, "data"), f.Bytes, base64: false); break;
                case 3: MapEntry(Child(obj, "binaryData"), f.Bytes, base64: true); break;
                case 4: obj["immutable"] = f.Varint != 0; break;
            }
        }

        return obj;
    }

    private static JsonObject Namespace(ReadOnlySpan<byte> raw)
    {
        var obj = new JsonObject();
        foreach (var f in new Reader(raw))
        {
            if (f.Number == 1)
            {
                obj["metadata"] = ObjectMeta(f.Bytes);
            }
        }

        return obj;
    }

    private static JsonObject DeleteOptions(ReadOnlySpan<byte> raw)
    {
        var obj = new JsonObject();
        foreach (var f in new Reader(raw))
        {
            switch (f.Number)
            {
                case 1: obj["gracePeriodSeconds"] = (long)f.Varint; break;
                case 2:
                    var pre = new JsonObject();
                    foreach (var p in new Reader(f.Bytes))
                    {
                        if (p.Number == 1) pre["uid"] = p.Text;
                        else if (p.Number == 2) pre["resourceVersion"] = p.Text;
                    }

                    obj["preconditions"] = pre;
                    break;
                case 3: obj["orphanDependents"] = f.Varint != 0; break;
                case 4: obj["propagationPolicy"] = f.Text; break;
                case 5: (obj["dryRun"] as JsonArray ?? (JsonArray)(obj["dryRun"] = new JsonArray())).Add(f.Text); break;
            }
        }

        return obj;
    }

    private static JsonObject ObjectMeta(ReadOnlySpan<byte> raw)
    {
        var meta = new JsonObject();
        foreach (var f in new Reader(raw))
        {
            switch (f.Number)
            {
                case 1 when f.Bytes.Length > 0: meta["name"] = f.Text; break;
                case 2 when f.Bytes.Length > 0: meta["generateName"] = f.Text; break;
                case 3 when f.Bytes.Length > 0: meta["namespace"] = f.Text; break;
                case 6 when f.Bytes.Length > 0: meta["resourceVersion"] = f.Text; break;
                case 11: MapEntry(Child(meta, "labels"), f.Bytes, base64: false); break;
                case 12: MapEntry(Child(meta, "annotations"), f.Bytes, base64: false); break;
                case 14: (meta["finalizers"] as JsonArray ?? (JsonArray)(meta["finalizers"] = new JsonArray())).Add(f.Text); break;
            }
        }

        return meta;
    }

    private static JsonObject Child(JsonObject parent, string name) =>
        parent[name] as JsonObject ?? (JsonObject)(parent[name] = new JsonObject());

    private static void MapEntry(JsonObject map, ReadOnlySpan<byte> entry, bool base64)
    {
        string key = "";
        string value = "";
        foreach (var f in new Reader(entry))
        {
            if (f.Number == 1) key = f.Text;
            else if (f.Number == 2) value = base64 ? Convert.ToBase64String(f.Bytes) : f.Text;
        }

        map[key] = value;
    }

    /// <summary>One field of a protobuf message: its number and either a varint or length-delimited bytes.</summary>
    private readonly ref struct Field(int number, ulong varint, ReadOnlySpan<byte> bytes)
    {
        public int Number { get; } = number;
        public ulong Varint { get; } = varint;
        public ReadOnlySpan<byte> Bytes { get; } = bytes;
        public string Text => Encoding.UTF8.GetString(Bytes);
    }

    /// <summary>Walks the fields of one protobuf message.</summary>
    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _position;

        public Field Current { get; private set; }

        public readonly Reader GetEnumerator() => this;

        public bool MoveNext()
        {
            if (_position >= _data.Length)
            {
                return false;
            }

            ulong tag = ReadVarint();
            int number = (int)(tag >> 3);
            switch ((int)(tag & 7))
            {
                case 0:
                    Current = new Field(number, ReadVarint(), default);
                    break;
                case 1:
                    Current = new Field(number, BitConverter.ToUInt64(Take(8)), default);
                    break;
                case 2:
                    ulong length = ReadVarint();
                    Current = new Field(number, 0, Take(checked((int)length)));
                    break;
                case 5:
                    Current = new Field(number, BitConverter.ToUInt32(Take(4)), default);
                    break;
                default:
                    throw ApiException.BadRequest($"unsupported protobuf wire type in field {number}");
            }

            return true;
        }

        private ReadOnlySpan<byte> Take(int count)
        {
            if (count < 0 || _position + count > _data.Length)
            {
                throw ApiException.BadRequest("the protobuf body is truncated");
            }

            var slice = _data.Slice(_position, count);
            _position += count;
            return slice;
        }

        private ulong ReadVarint()
        {
            ulong result = 0;
            for (int shift = 0; shift < 64; shift += 7)
            {
                byte b = Take(1)[0];
                result |= (ulong)(b & 0x7f) << shift;
                if ((b & 0x80) == 0)
                {
                    return result;
                }
            }

            throw ApiException.BadRequest("malformed protobuf varint");
        }
    }
}
