using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json.Nodes;

namespace TrafficConsole.Mesh.Validation;

/// <summary>
/// Strict field validation as the API server does it for <c>kubectl apply</c> (<c>fieldValidation=Strict</c>): every
/// field of a VirtualService or DestinationRule must be one the CRD's structural schema declares, else it is an
/// error (<c>wieght: 30</c> would otherwise be pruned silently, and the route would get the default weight).
/// </summary>
/// <remarks>
/// The schema is the field tree of Istio's <c>networking.istio.io/v1</c> CRDs (embedded as
/// <c>Schemas/istio-networking-v1.json</c>: properties, items, additionalProperties and
/// <c>x-kubernetes-preserve-unknown-fields</c>, nothing else). The walk follows the structural-schema pruning rules:
/// an object with <c>properties</c> knows only those; <c>additionalProperties</c> is a map whose values follow that
/// schema; <c>x-kubernetes-preserve-unknown-fields</c> keeps anything. JSON Schema validators do not prune, so they
/// would need every schema rewritten with <c>additionalProperties: false</c>; this walk is the rule itself.
/// </remarks>
public static class CrdFields
{
    private const string PreserveUnknown = "x-kubernetes-preserve-unknown-fields";
    private const int MaxFindings = 50;

    // ObjectMeta's fields (k8s.io/apimachinery meta/v1), the same for every kind.
    private static readonly FrozenSet<string> MetadataFields = FrozenSet.ToFrozenSet(
    [
        "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation", "creationTimestamp",
        "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers", "managedFields",
    ], StringComparer.Ordinal);

    private static readonly FrozenSet<string> TopLevelFields = FrozenSet.ToFrozenSet(["apiVersion", "kind", "metadata"], StringComparer.Ordinal);

    private static readonly Lazy<JsonObject> Schemas = new(LoadSchemas);

    /// <summary>The kinds whose fields are known.</summary>
    public static ImmutableArray<string> Kinds => [.. Schemas.Value.Select(static p => p.Key)];

    /// <summary>
    /// An error for every field of <paramref name="resource"/> (a whole object: apiVersion, kind, metadata, spec) that the
    /// CRD schema of <paramref name="kind"/> does not declare, with the closest declared name when one is near; empty
    /// for a kind without a schema here.
    /// </summary>
    public static ImmutableArray<ValidationIssue> UnknownFields(JsonNode? resource, string kind)
    {
        if (resource is not JsonObject root || Schemas.Value[kind] is not JsonObject schema)
        {
            return [];
        }

        var issues = ImmutableArray.CreateBuilder<ValidationIssue>();
        foreach ((string name, JsonNode? value) in root)
        {
            if (TopLevelFields.Contains(name))
            {
                if (name == "metadata" && value is JsonObject metadata)
                {
                    foreach ((string field, _) in metadata)
                    {
                        if (!MetadataFields.Contains(field))
                        {
                            Add(issues, $"metadata.{field}", field, MetadataFields);
                        }
                    }
                }

                continue;
            }

            if (schema["properties"]?[name] is JsonObject property)
            {
                Walk(value, property, name, issues);
            }
            else
            {
                Add(issues, name, name, [.. TopLevelFields, .. PropertyNames(schema)]);
            }
        }

        return issues.ToImmutable();
    }

    private static void Walk(JsonNode? node, JsonObject schema, string path, ImmutableArray<ValidationIssue>.Builder issues)
    {
        if (issues.Count >= MaxFindings)
        {
            return;
        }

        bool preserve = schema[PreserveUnknown]?.GetValueKind() == System.Text.Json.JsonValueKind.True;
        switch (node)
        {
            case JsonObject obj when schema["properties"] is JsonObject properties:
                foreach ((string name, JsonNode? value) in obj)
                {
                    if (properties[name] is JsonObject property)
                    {
                        Walk(value, property, $"{path}.{name}", issues);
                    }
                    else if (!preserve)
                    {
                        Add(issues, $"{path}.{name}", name, PropertyNames(schema));
                    }
                }

                break;
            case JsonObject map when schema["additionalProperties"] is JsonObject values:
                foreach ((string key, JsonNode? value) in map)
                {
                    Walk(value, values, $"{path}.{key}", issues);
                }

                break;
            case JsonArray array when schema["items"] is JsonObject items:
                for (int i = 0; i < array.Count; i++)
                {
                    Walk(array[i], items, string.Create(CultureInfo.InvariantCulture, $"{path}[{i}]"), issues);
                }

                break;
            default:
                // Scalars, and values whose type differs from the schema's: type errors are the typed reader's to report.
                break;
        }
    }

    private static void Add(ImmutableArray<ValidationIssue>.Builder issues, string path, string name, IEnumerable<string> known)
    {
        if (issues.Count >= MaxFindings)
        {
            return;
        }

        string? near = Closest(name, known);
        string hint = near is null ? string.Empty : $" Did you mean \"{near}\"?";
        issues.Add(new ValidationIssue(ValidationCodes.UnknownField, Severity.Error, path,
            $"unknown field \"{path}\": the CRD schema has no such field, so the API server refuses it (kubectl's strict field validation).{hint}"));
    }

    private static IEnumerable<string> PropertyNames(JsonObject schema) =>
        schema["properties"] is JsonObject properties ? properties.Select(static p => p.Key) : [];

    // The declared name within two edits (or differing only in case), the nearest first.
    private static string? Closest(string name, IEnumerable<string> known)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string candidate in known)
        {
            int distance = string.Equals(candidate, name, StringComparison.OrdinalIgnoreCase) ? 0 : Distance(name, candidate);
            if (distance < bestDistance)
            {
                (best, bestDistance) = (candidate, distance);
            }
        }

        return bestDistance <= Math.Min(2, Math.Max(1, name.Length / 3)) ? best : null;
    }

    // Optimal string alignment distance (Levenshtein with adjacent transpositions: "wieght" is one edit from "weight").
    private static int Distance(string a, string b)
    {
        if (Math.Abs(a.Length - b.Length) > 2 || a.Length > 64 || b.Length > 64)
        {
            return int.MaxValue;
        }

        int[,] d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (int j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }

    private static JsonObject LoadSchemas()
    {
        using Stream stream = typeof(CrdFields).Assembly.GetManifestResourceStream("TrafficConsole.Mesh.Validation.Schemas.istio-networking-v1.json")
            ?? throw new InvalidOperationException("The embedded Istio CRD schemas are missing from the build.");
        return JsonNode.Parse(stream)?.AsObject() ?? throw new InvalidOperationException("The embedded Istio CRD schemas are empty.");
    }
}
