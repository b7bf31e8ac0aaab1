using System.Text.Json.Nodes;
using TrafficConsole.Sandbox.Api;

namespace TrafficConsole.Sandbox.Patching;

/// <summary>
/// Field ownership as server-side apply keeps it in <c>metadata.managedFields</c>: which manager set which
/// leaf field, conflicts when an applier changes a field another manager owns, and removal of fields an
/// applier stopped sending. Lists are atomic (owned whole), as they are for Istio's CRDs.
/// </summary>
internal static class ManagedFields
{
    private static readonly HashSet<string> SystemMetadata =
        ["name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "managedFields",
         "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds", "generateName"];

    /// <summary>The leaf field paths an object sets, as fieldsV1 tokens ("f:spec", "f:hosts").</summary>
    public static HashSet<FieldPath> Leaves(JsonObject obj, bool status = false)
    {
        var result = new HashSet<FieldPath>();
        foreach (var (key, value) in obj)
        {
            // The main resource owns everything but status; the status subresource owns only status.
            if (key is "apiVersion" or "kind" || (key == "status") != status)
            {
                continue;
            }

            if (key == "metadata" && value is JsonObject meta)
            {
                foreach (var (mk, mv) in meta)
                {
                    if (!SystemMetadata.Contains(mk))
                    {
                        Walk(mv, new FieldPath(["f:metadata", "f:" + mk]), result);
                    }
                }

                continue;
            }

            Walk(value, new FieldPath(["f:" + key]), result);
        }

        return result;
    }

    private static void Walk(JsonNode? node, FieldPath path, HashSet<FieldPath> result)
    {
        if (node is JsonObject obj && obj.Count > 0)
        {
            foreach (var (key, value) in obj)
            {
                Walk(value, path.Child("f:" + key), result);
            }
        }
        else
        {
            result.Add(path);
        }
    }

    public static JsonNode? ValueAt(JsonObject obj, FieldPath path)
    {
        JsonNode? node = obj;
        foreach (var token in path.Tokens)
        {
            if (node is not JsonObject o || !o.TryGetPropertyValue(token[2..], out node))
            {
                return null;
            }
        }

        return node;
    }

    public static bool Has(JsonObject obj, FieldPath path)
    {
        JsonNode? node = obj;
        foreach (var token in path.Tokens)
        {
            if (node is not JsonObject o || !o.TryGetPropertyValue(token[2..], out node))
            {
                return false;
            }
        }

        return true;
    }

    public static void RemoveAt(JsonObject obj, FieldPath path)
    {
        JsonObject current = obj;
        for (var i = 0; i < path.Tokens.Length - 1; i++)
        {
            if (current[path.Tokens[i][2..]] is not JsonObject next)
            {
                return;
            }

            current = next;
        }

        current.Remove(path.Tokens[^1][2..]);
    }

    public static JsonObject ToFieldsV1(IEnumerable<FieldPath> paths)
    {
        var root = new JsonObject();
        foreach (var path in paths.OrderBy(p => p.ToString(), StringComparer.Ordinal))
        {
            var node = root;
            foreach (var token in path.Tokens)
            {
                if (node[token] is not JsonObject child)
                {
                    child = [];
                    node[token] = child;
                }

                node = child;
            }
        }

        return root;
    }

    public static HashSet<FieldPath> FromFieldsV1(JsonNode? fields)
    {
        var result = new HashSet<FieldPath>();
        void Visit(JsonObject node, FieldPath path)
        {
            var children = node.Where(kv => kv.Key != ".").ToList();
            if (children.Count == 0 && path.Tokens.Length > 0)
            {
                result.Add(path);
                return;
            }

            foreach (var (key, value) in children)
            {
                if (value is JsonObject child)
                {
                    Visit(child, path.Child(key));
                }
            }
        }

        if (fields is JsonObject obj)
        {
            Visit(obj, new FieldPath([]));
        }

        return result;
    }

    /// <summary>One manager's fields; <paramref name="Time"/> is when it last wrote (null: by the write under way).</summary>
    public sealed record Entry(string Manager, string Operation, string ApiVersion, string? Subresource, HashSet<FieldPath> Fields, string? Time = null);

    public static List<Entry> Read(JsonObject obj)
    {
        var list = new List<Entry>();
        if ((obj["metadata"] as JsonObject)?["managedFields"] is JsonArray array)
        {
            foreach (var item in array.OfType<JsonObject>())
            {
                list.Add(new Entry(Json.Str(item["manager"]) ?? "", Json.Str(item["operation"]) ?? "Update",
                    Json.Str(item["apiVersion"]) ?? "", Json.Str(item["subresource"]), FromFieldsV1(item["fieldsV1"]), Json.Str(item["time"])));
            }
        }

        return list;
    }

    public static void Write(JsonObject obj, List<Entry> entries, string time)
    {
        var array = new JsonArray();
        foreach (var e in entries.Where(e => e.Fields.Count > 0))
        {
            var item = new JsonObject
            {
                ["manager"] = e.Manager,
                ["operation"] = e.Operation,
                ["apiVersion"] = e.ApiVersion,
                // Like the API server, only the writing manager's entry gets the new time: the others keep theirs, so a
                // reader can tell which manager changed the object last.
                ["time"] = e.Time ?? time,
                ["fieldsType"] = "FieldsV1",
                ["fieldsV1"] = ToFieldsV1(e.Fields),
            };
            if (e.Subresource is not null)
            {
                item["subresource"] = e.Subresource;
            }

            array.Add(item);
        }

        if (array.Count > 0)
        {
            Json.Metadata(obj)["managedFields"] = array;
        }
        else
        {
            Json.Metadata(obj).Remove("managedFields");
        }
    }

    /// <summary>Records an Update: the manager now owns every field it changed; others lose them.</summary>
    public static void RecordUpdate(JsonObject? old, JsonObject updated, string manager, string apiVersion, string? subresource, string time)
    {
        var entries = old is null ? [] : Read(old);
        var isStatus = subresource == "status";
        var newLeaves = Leaves(updated, isStatus);
        var changed = new HashSet<FieldPath>(newLeaves.Where(p => old is null || !JsonNode.DeepEquals(ValueAt(old, p), ValueAt(updated, p))));
        foreach (var e in entries)
        {
            e.Fields.RemoveWhere(p => changed.Contains(p) || !Has(updated, p));
        }

        var mine = entries.FirstOrDefault(e => e.Manager == manager && e.Operation == "Update" && e.Subresource == subresource);
        if (mine is null)
        {
            mine = new Entry(manager, "Update", apiVersion, subresource, []);
            entries.Add(mine);
        }

        mine.Fields.UnionWith(changed);
        var index = entries.IndexOf(mine);
        entries[index] = mine with { ApiVersion = apiVersion, Time = null };
        Write(updated, entries, time);
    }

    /// <summary>
    /// Server-side apply of <paramref name="applied"/> over <paramref name="live"/> by <paramref name="manager"/>.
    /// Returns the merged object, or throws 409 with the conflicting fields unless <paramref name="force"/>.
    /// </summary>
    public static JsonObject Apply(JsonObject live, JsonObject applied, string manager, string apiVersion, bool force,
        bool isStatus, string time)
    {
        var entries = Read(live);
        var appliedLeaves = Leaves(applied, isStatus);
        var conflicts = new List<(string Manager, string ApiVersion, FieldPath Path)>();
        foreach (var path in appliedLeaves)
        {
            if (JsonNode.DeepEquals(ValueAt(live, path), ValueAt(applied, path)))
            {
                continue;
            }

            foreach (var e in entries.Where(e => e.Manager != manager))
            {
                if (e.Fields.Any(f => f.Overlaps(path)))
                {
                    conflicts.Add((e.Manager, e.ApiVersion, path));
                }
            }
        }

        if (conflicts.Count > 0 && !force)
        {
            var causes = conflicts.Select(c => new StatusCause("FieldManagerConflict",
                $"conflict with \"{c.Manager}\" using {c.ApiVersion}", c.Path.ToDotted())).ToList();
            var text = conflicts.Count == 1
                ? $"Apply failed with 1 conflict: conflict with \"{conflicts[0].Manager}\" using {conflicts[0].ApiVersion}: {conflicts[0].Path.ToDotted()}"
                : $"Apply failed with {conflicts.Count} conflicts: " + string.Join("\n", conflicts.Select(c =>
                    $"conflict with \"{c.Manager}\" using {c.ApiVersion}: {c.Path.ToDotted()}"));
            throw new ApiException(409, "Conflict", text, Json.Name(live), causes: [.. causes]);
        }

        var merged = Json.Clone(live);
        var previous = entries.FirstOrDefault(e => e.Manager == manager && e.Operation == "Apply");
        if (previous is not null)
        {
            foreach (var path in previous.Fields.Where(p => !appliedLeaves.Any(a => a.Overlaps(p))))
            {
                var ownedByOthers = entries.Any(e => e != previous && e.Fields.Any(f => f.Overlaps(path)));
                if (!ownedByOthers)
                {
                    RemoveAt(merged, path);
                }
            }
        }

        DeepMerge(merged, applied, isStatus);
        if (force)
        {
            foreach (var e in entries.Where(e => e.Manager != manager))
            {
                e.Fields.RemoveWhere(f => conflicts.Any(c => c.Path.Overlaps(f)));
            }
        }

        entries.RemoveAll(e => e.Manager == manager && e.Operation == "Apply");
        entries.Add(new Entry(manager, "Apply", apiVersion, isStatus ? "status" : null, appliedLeaves));
        foreach (var e in entries)
        {
            e.Fields.RemoveWhere(p => !Has(merged, p));
        }

        Write(merged, entries, time);
        return merged;
    }

    private static void DeepMerge(JsonObject target, JsonObject source, bool isStatus)
    {
        foreach (var (key, value) in source)
        {
            if (key is "apiVersion" or "kind")
            {
                continue;
            }

            if (target.Parent is null && ((isStatus && key == "spec") || (!isStatus && key == "status")))
            {
                continue;
            }

            if (target.Parent is null && key == "metadata" && value is JsonObject meta)
            {
                var targetMeta = Json.Metadata(target);
                foreach (var (mk, mv) in meta)
                {
                    if (SystemMetadata.Contains(mk))
                    {
                        continue;
                    }

                    MergeInto(targetMeta, mk, mv);
                }

                continue;
            }

            MergeInto(target, key, value);
        }
    }

    private static void MergeInto(JsonObject target, string key, JsonNode? value)
    {
        if (value is JsonObject child && child.Count > 0 && target[key] is JsonObject existing)
        {
            foreach (var (k, v) in child)
            {
                MergeInto(existing, k, v);
            }
        }
        else
        {
            target[key] = value?.DeepClone();
        }
    }
}

/// <summary>A field path in fieldsV1 tokens.</summary>
internal readonly struct FieldPath : IEquatable<FieldPath>
{
    private readonly string _key;

    public FieldPath(string[] tokens)
    {
        Tokens = tokens;
        _key = string.Join('\u0001', tokens);
    }

    public string[] Tokens { get; }

    public FieldPath Child(string token) => new([.. Tokens, token]);

    /// <summary>One path is the other or contains it.</summary>
    public bool Overlaps(FieldPath other)
    {
        var n = Math.Min(Tokens.Length, other.Tokens.Length);
        for (var i = 0; i < n; i++)
        {
            if (Tokens[i] != other.Tokens[i])
            {
                return false;
            }
        }

        return true;
    }

    public string ToDotted() => string.Concat(Tokens.Select(t => "." + (t.StartsWith("f:", StringComparison.Ordinal) ? t[2..] : t)));

    public bool Equals(FieldPath other) => _key == other._key;

    public override bool Equals(object? obj) => obj is FieldPath p && Equals(p);

    public override int GetHashCode() => _key.GetHashCode(StringComparison.Ordinal);

    public override string ToString() => _key;

    public static bool operator ==(FieldPath left, FieldPath right) => left.Equals(right);

    public static bool operator !=(FieldPath left, FieldPath right) => !left.Equals(right);
}
